"""Classes of attribution language, with the installed packs: who said what, and which source
each number goes to.  Every sentence is made up for the test; each stands for a class of news
language, not for one text.  Also the shape of an attribution's `source`: the same keys, with
documented types, whichever rule found it."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from tallyrules import Engine, Extraction, Span


@cache
def default_engine() -> Engine:
    return Engine.default()


def attributions(text: str) -> list[Extraction]:
    return [e for e in default_engine().extract(text) if e.kind == "attribution"]


def sources(text: str) -> list[tuple[str, str]]:
    """(source text, cue text) of each attribution of ``text``."""
    return [(e.fields["source"].text, e.fields["cue"].text) for e in attributions(text)]


def claim_sources(text: str) -> dict[str, str | None]:
    """The source text each quantity or range of ``text`` is linked to (None: no source)."""
    return {
        e.text: (e.fields["source"].text if e.fields.get("source") is not None else None)
        for e in default_engine().extract(text)
        if e.kind in ("quantity", "range")
    }


# ---- two statements in one sentence: each claim goes to its own source ----------------------

@pytest.mark.parametrize(
    ("text", "first", "first_content", "second", "claims"),
    [
        ("Ukrainian troops said they had retaken a hamlet, as Moscow said four soldiers were wounded.",
         "Ukrainian troops", "they had retaken a hamlet", "Moscow", {"four soldiers": "Moscow"}),
        ("The army said 12 rebels died, while the UN agency said that 3,000 people had fled.",
         "The army", "12 rebels died", "the UN agency", {"12 rebels": "The army", "3,000 people": "the UN agency"}),
        ("Officials said two bridges were destroyed and the governor said 300 homes were flooded.",
         "Officials", "two bridges were destroyed", "the governor",
         {"two bridges": "Officials", "300 homes": "the governor"}),
        ("A village elder said 4 people had died but a nurse said up to 11 were killed.",
         "A village elder", "4 people had died", "a nurse", {"4 people": "A village elder", "up to 11": "a nurse"}),
    ],
)
def test_two_sources_in_one_sentence(text: str, first: str, first_content: str, second: str,
                                     claims: dict[str, str]) -> None:
    found = {e.fields["source"].text: e for e in attributions(text)}
    assert set(found) == {first, second}
    assert found[first].fields["content"].text == first_content
    linked = claim_sources(text)
    for claim, source in claims.items():
        assert linked[claim] == source


def test_a_statement_nested_in_another_gets_its_claims() -> None:
    text = "The broadcaster said Omar Farouk put the number of dead at 90."
    assert ("Omar Farouk", "put") in sources(text)
    assert claim_sources(text)["90"] == "Omar Farouk"


# ---- who the source is ----------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "source", "cue"),
    [
        # the listener after "told" is not the source
        ("“We counted 14 bodies,” Amina Yusuf, the group's spokeswoman, told Reuters.", "Amina Yusuf", "told"),
        ("The convoy lost four trucks, Lena Ortiz, a spokeswoman for the port, told the agency.", "Lena Ortiz", "told"),
        # cues beyond "say"
        ("The agency estimated that 2,000 families had fled.", "The agency", "estimated"),
        ("Doctors believe 15 patients died.", "Doctors", "believe"),
        ("The UN called for a pause of 3 days.", "The UN", "called for"),
        ("In a statement the ministry warned that 500 homes were at risk.", "the ministry", "warned"),
        ("The senator tweeted that 4 people had died.", "The senator", "tweeted"),
        ("The court ruled that 2 men must pay $5,000.", "The court", "ruled"),
        ("Rights Group Decries Arrests of 40 Activists", "Rights Group", "Decries"),
        ("The ministry defended its handling of the raid.", "The ministry", "defended"),
        ("Rebel forces opposed to the council claimed to have retaken three towns.",
         "Rebel forces opposed to the council", "claimed"),
        ("The governor put the death toll at 40 on Sunday.", "The governor", "put"),
        # a headline whose source follows a dash at the end of its line
        ("Rebels seize two towns in the north - army spokesman\nThe rebels took them on Monday.",
         "army spokesman", "-"),
        # pronouns
        ("He added that 20 homes burned.", "He", "added"),
        ("He further said that 6 guards were hurt.", "He", "said"),
        # no comma before the source's clause
        ("AFP quoted the observatory as saying 25 fighters died.", "the observatory", "as saying"),
        # a participle phrase between source and cue: the object inside is no source
        ("Militants threatening to kill three aid workers said they would free one of them.", "Militants", "said"),
    ],
)
def test_source_and_cue(text: str, source: str, cue: str) -> None:
    assert (source, cue) in sources(text), sources(text)


def test_a_role_and_a_name_between_commas_keep_their_places() -> None:
    [found] = attributions("A militia spokesman, Abu Karim, said 30 fighters were killed.")
    assert found.fields["source"].text.startswith("A militia spokesman")


@pytest.mark.parametrize(
    ("text", "not_source"),
    [
        ("Militants threatening to kill three aid workers said they would free one of them.", "three aid workers"),
        ("“There were 9 of us,” Omar Haddad, a captain, told public television.", "public television"),
        ("The governor declared a state of emergency in 12 counties.", "The governor"),
        ("The retailer posted a loss of $40 million.", "The retailer"),
        ("The champion defends her title in Paris on Sunday.", "The champion"),
        ("Energy Panel Criticized for Blackouts", "Energy Panel"),
        ("The floods put thousands of lives at risk.", "The floods"),
        ("The shortstop was hurt in Monday's 9-7 victory", "7 victory"),
    ],
)
def test_no_false_source(text: str, not_source: str) -> None:
    assert not_source not in [source for source, _cue in sources(text)]


@pytest.mark.parametrize(
    ("text", "source", "content"),
    [
        ("KABUL (Reuters) - The Taliban said they had captured 3 districts.", "The Taliban",
         "they had captured 3 districts"),
        ("BEIRUT (Reuters) - Shelling killed 12 people in the north, activists said.", "activists",
         "Shelling killed 12 people in the north"),
        ("LAGOS, Nigeria -- Floods displaced 4,000 families, the agency said on Monday.", "the agency",
         "Floods displaced 4,000 families"),
    ],
)
def test_dateline_is_not_content(text: str, source: str, content: str) -> None:
    [found] = attributions(text)
    assert found.fields["source"].text == source
    assert found.fields["content"].text == content


def test_headline_opened_by_its_source() -> None:
    assert ("Judge", ":") in sources("Judge: Bank May Have Hidden $3 Billion in Losses")
    assert sources("Exclusive: Bank May Have Hidden $3 Billion in Losses") == []


# ---- the shape of a source --------------------------------------------------------------

SHAPE_TEXTS = [
    "Officials said 5 people died.",
    "U.S. intelligence officials estimates that the group has 9,000 fighters.",
    "Masrour Barzani, chancellor of the council, said 20 people died.",
    "“We won,” he said.",
    "Growth was 2 percent, according to medics and witnesses.",
    "A preliminary army investigation has found that troops killed three soldiers.",
    "Two leaders were freed on Sunday, the prisoners and family members said.",
    "Growth will slow to 2.5 percent next year, the OECD forecast today.",
    "U.S. Secretary of State John Kerry said 700 square kilometers were retaken.",
    "The army said it had taken two villages, while the governor said 40 houses burned.",
    "The channel said Malik put the number of dead at 90.",
]


def _is_span(value: Any) -> bool:
    return isinstance(value, (Span, Extraction)) and isinstance(value.text, str) and value.start <= value.end


@pytest.mark.parametrize("text", SHAPE_TEXTS)
def test_every_source_has_name_and_role_and_pronoun_is_boolean(text: str) -> None:
    found = attributions(text)
    assert found
    for attribution in found:
        line = attribution.to_dict()
        assert set(line["source"]) == {"start", "end", "text", "name", "role"}, line["source"]
        source = attribution.fields["source"]
        assert _is_span(source)
        for key in ("name", "role"):
            value = source.fields[key] if isinstance(source, Extraction) else None
            assert value is None or _is_span(value)
        assert isinstance(line["pronoun"], bool)


# ---- appositives, coordination, text without commas --------------------------------------

@pytest.mark.parametrize(
    ("text", "name", "role"),
    [
        ("A militia spokesman, Abu Karim, said 30 fighters were killed.", "Abu Karim", "A militia spokesman"),
        ("Abu Karim, a militia spokesman, said 30 fighters were killed.", "Abu Karim", "a militia spokesman"),
        ("According to the town's mayor, Omar Haddad, 12 people died.", "Omar Haddad", "the town's mayor"),
        ("The blast killed 8 people, according to the district chief, Rahim Gul, who named them as farmers.",
         "Rahim Gul", "the district chief"),
    ],
)
def test_name_and_role_of_an_appositive(text: str, name: str, role: str) -> None:
    [found] = attributions(text)
    source = found.fields["source"]
    assert (source.fields["name"].text, source.fields["role"].text) == (name, role)


def test_the_relative_clause_after_an_according_to_source_is_not_content() -> None:
    [found] = attributions("The blast killed 8 people, according to the district chief, Rahim Gul, who named them.")
    assert found.fields["content"].text == "The blast killed 8 people"


@pytest.mark.parametrize(
    ("text", "source"),
    [
        ("Doctors and the military said 11 soldiers were among the dead.", "Doctors and the military"),
        ("The town fell. Security sources and witnesses said 6 people were hurt.", "Security sources and witnesses"),
        ("At least 12 people were killed in the shelling in Homs the activists said.", "the activists"),
        ("The fighters total about 900, according to the Lantern think tank.", "the Lantern think tank"),
    ],
)
def test_whole_source(text: str, source: str) -> None:
    assert source in [s for s, _cue in sources(text)]
