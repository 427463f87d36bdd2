"""Force sizes on made-up sentences of each class: the size found, its actor, and counts that are not forces.

Each positive case gives the sentence, the text of the size expression, its numbers, and the
actor's text (None when the sentence does not say whose force it is).  The negative cases must
give no force size at all: casualties, prisoners, court cases, aircraft, civilian groups.
"""

from __future__ import annotations

import pytest

import tallyrules


@pytest.fixture(scope="module")
def engine() -> tallyrules.Engine:
    return tallyrules.Engine.default()


def _force_sizes(engine: tallyrules.Engine, text: str) -> list[tallyrules.Extraction]:
    return [e for e in engine.extract(text) if e.kind == "force_size"]


def _numbers(size: tallyrules.Extraction) -> list[float]:
    value = size.fields.get("value")
    if value is not None:
        return [value]
    return [v for v in (size.fields.get("low"), size.fields.get("high")) if v is not None]


def _actor_text(found: tallyrules.Extraction) -> str | None:
    actor = found.fields.get("actor")
    return actor.text if actor is not None else None


POSITIVE = [
    # existential and bare counts
    ("Officials believe there are between 2,000 and 3,500 Shabaab fighters in the port.",
     "between 2,000 and 3,500 Shabaab fighters", [2000, 3500], None),
    ("By nightfall more than 1,200 soldiers had reached the valley.", "more than 1,200 soldiers", [1200], None),
    ("A group of four armed rebels tricked the guards into leaving.", "four armed rebels", [4], None),
    ("Some 900 troops stationed in Djibouti will stay.", "Some 900 troops", [900], None),
    ("About 6,000 fighters ready for urban combat are waiting outside the city.", "About 6,000 fighters", [6000], None),
    ("The assault involved 15,000-18,000 troops backed by tanks.", "15,000-18,000 troops", [15000, 18000], None),
    # an actor has, sends, withdraws
    ("The movement has some 7,000 fighters in the hills.", "some 7,000 fighters", [7000], "The movement"),
    ("Hezbollah has roughly 20,000 fighters, analysts say.", "roughly 20,000 fighters", [20000], "Hezbollah"),
    ("Turkey deployed 1,800 troops to the border on Monday.", "1,800 troops", [1800], "Turkey"),
    ("Denmark said it would send 300 soldiers to the mission.", "300 soldiers", [300], "it"),
    ("Portugal must pull out its 400 troops by June.", "400 troops", [400], "Portugal"),
    ("Nigeria currently has over 2,100 troops and police deployed abroad.", "over 2,100 troops", [2100], "Nigeria"),
    ("Analysts expect the Taliban to have \u201c60,000 armed men\u201d by spring.", "60,000 armed men", [60000],
     "the Taliban"),
    # tallies, strength, counts of fighters
    ("Boko Haram fighters in Nigeria and Chad number around 4,000 to 6,000.", "around 4,000 to 6,000", [4000, 6000],
     "Boko Haram fighters"),
    ("The remaining guerrillas total about 3,100, a monitor said.", "about 3,100", [3100], "The remaining guerrillas"),
    ("Hamas\u2019s total membership may be close to 40,000.", "close to 40,000", [40000], "Hamas"),
    ("The mission's authorized strength of 14,000 will be reduced.", "14,000", [14000], "The mission"),
    ("The FDLR, whose strength the army puts at 1,500-2,000 fighters, refused.", "1,500-2,000 fighters", [1500, 2000],
     "The FDLR"),
    ("A new estimate puts the number of Taliban fighters in Afghanistan at between 40,000 and 50,000.",
     "between 40,000 and 50,000", [40000, 50000], "Taliban fighters"),
    # a force described by its size
    ("Leaders agreed on a coalition of about 60,000 troops.", "about 60,000 troops", [60000], "a coalition"),
    ("They faced a force of gunmen numbering between 500 and 800.", "between 500 and 800", [500, 800], None),
    ("An army of 12,000 crossed the river.", "12,000", [12000], None),
    ("The 18-man patrol was ambushed at dusk.", "18-man", [18], None),
    ("A 4,000-strong force will guard the capital.", "4,000-strong", [4000], None),
    ("Uganda's 6,000-strong contingent is the largest.", "6,000-strong", [6000], "Uganda"),
    ("The 1,200 man battalion left yesterday.", "1,200", [1200], None),
    ("A 40-member police unit was sent to the town.", "40-member", [40], None),
    ("Israel called up 300,000 reservists overnight.", "300,000 reservists", [300000], "Israel"),
    ("The Pentagon is sending an extra 1,500 troops.", "1,500 troops", [1500], "The Pentagon"),
    ("The UN has 14,000 peacekeepers in Mali.", "14,000 peacekeepers", [14000], "The UN"),
    ("Chad's army has about 40,000 personnel.", "about 40,000 personnel", [40000], "Chad's army"),
    ("The militia, estimated at 4,000 men, holds the pass.", "4,000 men", [4000], "The militia"),
    ("ADF rebels, who number about 1,200, raided the camp.", "about 1,200", [1200], "ADF rebels"),
    ("The group's ranks have swelled to 7,000 fighters.", "7,000 fighters", [7000], "The group"),
    ("The force will consist of 6,000 soldiers from four countries.", "6,000 soldiers", [6000], "The force"),
    ("The Wagner Group has deployed around 1,200 mercenaries.", "around 1,200 mercenaries", [1200],
     "The Wagner Group"),
    ("Spain's 1,100 troops in Lebanon will stay.", "1,100 troops", [1100], "Spain"),
    # the force after the count
    ("Roughly 3,000 fighters from the Nusra Front joined the push.", "Roughly 3,000 fighters", [3000],
     "the Nusra Front"),
    ("Roughly 900 soldiers from Burundi arrived.", "Roughly 900 soldiers", [900], "Burundi"),
    ("The UN deployed the African Union Mission in Somalia (AMISOM), with 22,000 troops.", "22,000 troops", [22000],
     "the African Union Mission in Somalia (AMISOM)"),
]


@pytest.mark.parametrize(("text", "size_text", "numbers", "actor"), POSITIVE, ids=[c[0][:40] for c in POSITIVE])
def test_force_size_found(engine: tallyrules.Engine, text: str, size_text: str, numbers: list[float],
                          actor: str | None) -> None:
    found = _force_sizes(engine, text)
    assert len(found) == 1, [f.text for f in found]
    size = found[0].fields["size"]
    assert size.text == size_text
    assert _numbers(size) == numbers
    if actor is not None:
        assert _actor_text(found[0]) == actor


NEGATIVE = [
    "The army said it killed 140 fighters in the raid.",
    "Militants killed 12 soldiers and wounded 30 others near the border.",
    "Nine soldiers and 14 rebels were killed in the clashes on Sunday.",
    "At least 20 fighters, including eight commanders, were killed.",
    "Fifty fighters of the government side have been killed since March.",
    "Three soldiers were reported to be wounded in the blast.",
    "Rebels freed on Tuesday six soldiers they had held for a year.",
    "Two soldiers charged with abusing prisoners will face trial.",
    "Eleven more fighters escaped from the village at night.",
    "The provisional toll is nine fallen soldiers, an officer said.",
    "The bodies of 35 soldiers were recovered from the river.",
    "The plane was escorted by two Belgian F-16 jet fighters.",
    "Coach names a 23-man squad for the World Cup qualifiers.",
    "The firm has a workforce of 5,000 employees.",
    "The company plans to move its 2,000-strong research division.",
    "A 30,000-strong crowd watched the final.",
    "The union has 80,000 members across the country.",
    "Half to one-third of the fighters may have left the city.",
    "The army has 20 days to respond to the ruling.",
    "Police arrested 14 militants in dawn raids.",
    "The death toll among soldiers reached 50 on Friday.",
    "The ambush claimed the lives of 19 soldiers.",
    "Another 11 soldiers remain unaccounted for.",
    "More than 60 soldiers deserted their posts overnight.",
    "At least 30 soldiers lost their lives in the attack.",
]


@pytest.mark.parametrize("text", NEGATIVE, ids=[t[:40] for t in NEGATIVE])
def test_not_a_force_size(engine: tallyrules.Engine, text: str) -> None:
    assert [f.text for f in _force_sizes(engine, text)] == []


def test_two_forces_in_one_sentence_are_two_events(engine: tallyrules.Engine) -> None:
    text = "The militia has some 5,000 fighters, and the army deployed 8,000 troops against it."
    found = _force_sizes(engine, text)
    assert [_numbers(f.fields["size"]) for f in found] == [[5000], [8000]]
    assert _actor_text(found[0]) == "The militia"


def test_the_actor_is_a_nested_actor_when_the_lexicons_know_it(engine: tallyrules.Engine) -> None:
    (found,) = _force_sizes(engine, "ISIS has up to 25,000 fighters in Iraq.")
    actor = found.fields["actor"]
    assert actor.kind == "actor"
    assert actor.fields["name"] == "Islamic State"


def test_a_force_to_be_formed_belongs_to_the_subject_of_the_clause(engine: tallyrules.Engine) -> None:
    text = ("Hamas has 20,000 fighters, but can call on allied groups to create a total force of about "
            "30,000, officials said.")
    found = sorted(_force_sizes(engine, text), key=lambda f: f.fields["size"].start)
    assert [(_numbers(f.fields["size"]), f.fields["actor"].fields["name"]) for f in found] == [
        ([20000], "Hamas"), ([30000], "Hamas")]
