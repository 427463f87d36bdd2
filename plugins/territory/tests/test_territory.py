"""tallyrules-territory: discovered through its entry point, examples pass, seed changes found."""

from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path

import pytest
import tallyrules_territory

import tallyrules
from tallyrules.examples import ExampleRunner, rules_in

HERE = Path(__file__).parent
SEED = (HERE / "seed_article.txt").read_text(encoding="utf-8")
DEV_GOLD = Path(__file__).resolve().parents[3].parent / "shared" / "eval" / "dev.gold.jsonl"


@pytest.fixture(scope="module")
def engine() -> tallyrules.Engine:
    return tallyrules.Engine.default()


def changes(engine: tallyrules.Engine, text: str) -> list[tallyrules.Extraction]:
    return [r for r in engine.extract(text) if r.kind == "territorial_change"]


def test_entry_point_names_the_plugin_module() -> None:
    found = {e.name: e.value for e in importlib.metadata.entry_points(group="tallyrules")}
    assert found.get("territory") == "tallyrules_territory"


def test_the_pack_is_discovered(engine: tallyrules.Engine) -> None:
    (pack,) = [p for p in engine.packs if p.name == "territory"]
    assert pack.plugin == "territory"
    assert pack.version == tallyrules_territory.__version__
    assert pack.root == tallyrules_territory.rules_folder()


def test_inline_examples_pass(engine: tallyrules.Engine) -> None:
    runner = ExampleRunner(engine)
    outcomes = [o for r in rules_in(engine, [tallyrules_territory.rules_folder()]) for o in runner.outcomes(r)]
    assert len(outcomes) > 30
    failed = [f"{o.file}:{o.line}: {o.title}\n{o.message}" for o in outcomes if not o.passed]
    assert not failed, "\n\n".join(failed)


def _name(actor: tallyrules.Extraction | None) -> str | None:
    return None if actor is None else actor["name"]


def test_the_four_changes_of_the_seed_article(engine: tallyrules.Engine) -> None:
    found = changes(engine, SEED)
    assert [c["place"].text for c in found] == ["an area near the Mosul dam", "Nineveh province", "Kobane", "Iraq"]
    dam, nineveh, kobane, iraq = found
    # the gold places (seed.gold.jsonl) lie inside the extracted place spans
    for change, (start, end) in zip(found, [(738, 747), (1168, 1184), (1380, 1386), (2182, 2186)], strict=True):
        assert change["place"].start <= start and end <= change["place"].end
    assert (_name(dam["gainer"]), dam["verb"], dam["magnitude"]["value"]) == ("Peshmerga", "retook", 7)
    assert (_name(nineveh["loser"]), nineveh["magnitude"]["low"], nineveh["magnitude"]["high"]) == (
        "Islamic State", 20, 25)
    assert (_name(kobane["loser"]), kobane["verb"]) == ("Islamic State", "pushed out of")
    assert iraq["loser"].text == "the militant group" and iraq["magnitude"]["value"] == 700
    for change in found:
        assert set(change["place"].to_dict()) == {"start", "end", "text"}


@pytest.mark.parametrize("text", [
    "Federer captured the Wimbledon title for the second time.",
    "The company seized control of the market in Europe.",
    "Phelps captured Athens with his eighth gold.",
    "Sharapova fell to Williams in the semifinal.",
    "Brazil captured Russia's first gold in the relay.",
    "U.S. forces captured Saddam Hussein near Tikrit.",
    "Greenspan: Economy Regaining Traction.",
    "In Retaken Iraqi City, Perils Lurk.",
    "Experts believe that ISIS could eventually lose Mosul to the coalition forces.",
    "Federer withdrew from Wimbledon with a back injury.",
    "Kerry took 55 percent in Ohio.",
    "The Patriots seized control of the AFC East.",
    "BP took over the refinery in Texas.",
    "Kidnappers seized two Americans in Baghdad.",
    "Insurgents threatened to seize the city.",
    "The Democrats lost control of the Senate.",
    "Residents fled the city as the militants approached.",
    "The general left Baghdad for Washington on Monday.",
    "The army may withdraw from the city.",
    "Abbas called on Israel to pull out of the West Bank.",
    "US, Iraqi Forces in New Push to Retake Rebel Zone.",
    "Troops stormed the school and freed the hostages.",
    "The Lakers drove the Celtics out of the playoffs.",
    "The Yankees took the title after beating Boston.",
    "Traders seized control of the market as the dollar fell to a record low.",
    "Apple captured market share from Samsung in the third quarter.",
    "Duke fell to UConn in the Final Four.",
    "The Democrats took control of the House of Representatives.",
    "Police recaptured the escaped prisoner in the town of Lewes.",
    "The company regained ground in the European market.",
    "The senator took the state of Ohio by a wide margin.",
    "The fall of the Soviet Union changed everything.",
    "After capturing the gold medal, Phelps thanked his coach.",
    "Rebels vowed to retake the town of Kidal.",
    "The army launched an offensive to recapture the city of Marawi.",
    "Government forces were preparing for the recapture of Ramadi.",
    "Nearly 800 British forces left their base in the south on Wednesday.",
])
def test_no_change_in_ordinary_news(engine: tallyrules.Engine, text: str) -> None:
    assert changes(engine, text) == []


@pytest.mark.parametrize(("text", "place"), [
    ("Rebels overran a sleeping village near the border on Monday.", "a sleeping village"),
    ("Israel withdraws from Khan Younis refugee camp after a four-day raid.", "Khan Younis refugee camp"),
    ("Police Lose Control of Mosul Amid Uprising", "Mosul"),
    ("Marines retook a number of sites seized last week by gunmen.", "a number of sites"),
    ("Troops prepared to storm the police station he took over with supporters.", "the police station"),
    ("Peacekeepers handed control of the capital, Monrovia, to local forces.", "the capital, Monrovia"),
    ("Ramadi, the capital of Anbar province, fell to ISIS militants.", "Ramadi"),
    ("Government troops drove the rebels out of the town of Bunia.", "the town of Bunia"),
    ("ISIS militants took over the town of Hit.", "the town of Hit"),
])
def test_changes_in_news_phrasing(engine: tallyrules.Engine, text: str, place: str) -> None:
    assert [c["place"].text for c in changes(engine, text)] == [place]


@pytest.mark.parametrize(("text", "place", "gainer", "loser"), [
    ("The fall of Palmyra to ISIS shocked the world.", "Palmyra", "ISIS", None),
    ("They advanced on Sirte, which fell to Islamist fighters in 2015.", "Sirte", "Islamist fighters", None),
    ("Government troops announced the recapture of the air base near Kutum.", "the air base", None, None),
    ("Boko Haram has been pushed out of Borno state, the army said.", "Borno state", None, "Boko Haram"),
    ("The town of Jarabulus was captured by Turkish-backed rebels.", "The town of Jarabulus",
     "Turkish-backed rebels", None),
    ("The capture of the town of Kamenka by Russian forces was confirmed.", "the town of Kamenka",
     "Russian forces", None),
    ("Residents celebrated the liberation of Kherson from Russian troops.", "Kherson", None, "Russian troops"),
    ("Kurdish forces helped the army retake control of the town of Sinjar.", "the town of Sinjar", "the army", None),
    ("The RSF took control of the city of Wad Madani from the army.", "the city of Wad Madani", "The RSF", "the army"),
    ("Rebels, backed by Turkey, captured the town of Tal Abyad.", "the town of Tal Abyad", "Rebels", None),
    ('Syrian rebels "captured" the city of Idlib, a spokesman said.', "the city of Idlib", "Syrian rebels", None),
    ("Iraqi troops regained ground in the town of Tal Afar.", "the town of Tal Afar", "Iraqi troops", None),
    ("The ministry said it had seized the village of Pisky.", "the village of Pisky", "it", None),
    ("Ukraine was forced to withdraw from the industrial hub.", "the industrial hub", None, "Ukraine"),
])
def test_changes_with_their_sides(engine: tallyrules.Engine, text: str, place: str, gainer: str | None,
                                  loser: str | None) -> None:
    (change,) = changes(engine, text)
    assert change["place"].text == place
    assert (change["gainer"].text if change["gainer"] else None) == gainer
    assert (change["loser"].text if change["loser"] else None) == loser


def test_one_change_per_place_of_a_series(engine: tallyrules.Engine) -> None:
    text = "The army said it had recaptured the towns of Baga, Monguno and Marte from Boko Haram."
    found = sorted(changes(engine, text), key=lambda c: c["place"].start)
    assert [c["place"].text for c in found] == ["the towns of Baga", "Monguno", "Marte"]
    assert {c["gainer"].text for c in found} == {"it"}
    assert {c["verb"] for c in found} == {"recaptured"}


@pytest.mark.skipif(not DEV_GOLD.exists(), reason="no shared gold data")
def test_no_false_changes_on_the_dev_gold(engine: tallyrules.Engine) -> None:
    docs = [json.loads(line) for line in DEV_GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    extra = [(d["id"], c.text) for d in docs for c in changes(engine, d["text"])
             if not any(e["place_start"] < c["place"].end and c["place"].start < e["place_end"] for e in d["events"])]
    assert extra == []
