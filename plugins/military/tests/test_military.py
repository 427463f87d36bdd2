"""tallyrules-military: discovered through its entry point, examples pass, seed facts found."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest
import tallyrules_military

import tallyrules
from tallyrules.examples import ExampleRunner, rules_in

HERE = Path(__file__).parent
SEED = (HERE / "seed_article.txt").read_text(encoding="utf-8")
TYPES = {"state_military", "coalition", "militia", "insurgent", "tribal", "police"}


@pytest.fixture(scope="module")
def engine() -> tallyrules.Engine:
    return tallyrules.Engine.default()


@pytest.fixture(scope="module")
def seed(engine: tallyrules.Engine) -> list[tallyrules.Extraction]:
    return engine.extract(SEED)


def test_entry_point_names_the_plugin_module() -> None:
    found = {e.name: e.value for e in importlib.metadata.entry_points(group="tallyrules")}
    assert found.get("military") == "tallyrules_military"


def test_the_pack_is_discovered(engine: tallyrules.Engine) -> None:
    (pack,) = [p for p in engine.packs if p.name == "military"]
    assert pack.plugin == "military"
    assert pack.version == tallyrules_military.__version__
    assert pack.root == tallyrules_military.rules_folder()
    assert {Path(r.file).name for r in rules_in(engine, [pack.root])} >= {
        "actors.rules", "units.rules", "force_size.rules", "casualties.rules"}


def _rule_ids(engine: tallyrules.Engine) -> list[str]:
    return [r.name for r in rules_in(engine, [tallyrules_military.rules_folder()]) if r.examples or r.rejects]


def test_inline_examples_pass(engine: tallyrules.Engine) -> None:
    runner = ExampleRunner(engine)
    outcomes = [o for r in rules_in(engine, [tallyrules_military.rules_folder()]) for o in runner.outcomes(r)]
    assert len(outcomes) > 50
    failed = [f"{o.file}:{o.line}: {o.title}\n{o.message}" for o in outcomes if not o.passed]
    assert not failed, "\n\n".join(failed)


def _lexicon(name: str) -> dict[str, str]:
    path = tallyrules_military.rules_folder() / "lexicons" / name
    rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]
    return {row[0]: row[1] for row in rows}


def test_every_actor_name_has_a_type() -> None:
    types = _lexicon("actor_types.tsv")
    names = (set(_lexicon("actor_aliases.tsv").values()) | set(_lexicon("actor_acronyms.tsv").values())
             | set(_lexicon("actor_states.tsv").values()))
    assert names - set(types) == set()
    assert set(types.values()) <= TYPES
    assert set(_lexicon("force_nouns.tsv").values()) <= TYPES
    assert set(_lexicon("actor_sides.tsv").values()) <= TYPES | {"null"}


def _by_kind(results: list[tallyrules.Extraction], kind: str) -> list[tallyrules.Extraction]:
    return [r for r in results if r.kind == kind]


def test_seed_actors(seed: list[tallyrules.Extraction]) -> None:
    actors = {(a.text, a["name"], a["type"]) for a in _by_kind(seed, "actor")}
    assert ("ISIS", "Islamic State", "insurgent") in actors
    assert ("Kurdish Peshmerga forces", "Peshmerga", "state_military") in actors
    assert ("Sunni tribes", "Sunni tribes", "tribal") in actors
    assert ("Shiite and Kurd militias", "Shiite and Kurd militias", "militia") in actors
    assert {t for _, _, t in actors} <= TYPES | {None}


def test_seed_casualties(seed: list[tallyrules.Extraction]) -> None:
    casualties = {c.text: c for c in _by_kind(seed, "casualty")}
    killed = casualties["the coalition fighting ISIS have killed more than 6,000 fighters"]
    assert killed["type"] == "killed"
    assert (killed["count"]["value"], killed["count"]["qualifier"]) == (6000, "more_than")
    assert killed["perpetrator"]["name"] == "coalition forces"
    assert killed["victim"]["name"] == "Islamic State"
    (bodies,) = [c for c in casualties.values() if c["type"] == "bodies"]
    assert bodies["count"]["value"] == 200 and bodies["victim"]["name"] == "Islamic State"
    headline = [c for c in casualties.values() if c.text.startswith("Coalition Forces Kill")]
    assert headline and headline[0]["count"]["value"] == 6000


def test_seed_force_sizes(seed: list[tallyrules.Extraction]) -> None:
    sizes = _by_kind(seed, "force_size")
    isis = [s for s in sizes if s["actor"] is not None and s["actor"]["name"] == "Islamic State"]
    # "ISIS has 9,000-18,000 fighters ..., but can draw on ... to create a total force of close to 31,000"
    assert sorted((s["size"]["low"], s["size"]["high"]) for s in isis) == [(9000, 18000), (31000, 31000)]
    mosul = [s for s in sizes if s["actor"] is not None and "liberation forces" in s["actor"].text]
    assert [s["size"]["value"] for s in mosul] == [5000]


@pytest.mark.parametrize("text", [
    "Kim Captures 1-Shot Win at Longs Drugs",
    "The company's wireless division cut 300 jobs.",
    "The coalition government lost its majority.",
    "The champions lost 3 starters to injury and then lost 12 games.",
    "The new vaccine saved 300 lives, officials said.",
    "Shares of the firm dropped 12 percent after it cut 400 workers.",
])
def test_no_military_facts_in_ordinary_news(engine: tallyrules.Engine, text: str) -> None:
    found = [r for r in engine.extract(text) if r.kind in ("casualty", "force_size", "military_unit", "actor")]
    assert found == []


@pytest.mark.parametrize(("text", "expected"), [
    # (count text, type, perpetrator text) for each casualty, in document order
    ("Troops stormed the compound, killing 14 insurgents and wounding three others.",
     {("14 insurgents", "killed", "Troops"), ("three others", "wounded", "Troops")}),
    ("Nine policemen and two bystanders were killed by gunmen on Friday.",
     {("Nine policemen", "killed", "gunmen"), ("two bystanders", "killed", "gunmen")}),
    ("The health ministry said 2,310 people died and 5,012 were injured.",
     {("2,310 people", "killed", None), ("5,012", "wounded", None)}),
    ("The death toll from the shelling has climbed to 47.", {("47", "killed", "the shelling")}),
    ("The army said it had killed 31 fighters of the group.", {("31 fighters", "killed", "it")}),
])
def test_casualty_classes(engine: tallyrules.Engine, text: str,
                          expected: set[tuple[str, str, str | None]]) -> None:
    found = set()
    for casualty in _by_kind(engine.extract(text), "casualty"):
        perpetrator = casualty["perpetrator"]
        found.add((casualty["count"].text, casualty["type"], perpetrator.text if perpetrator is not None else None))
    assert found == expected
