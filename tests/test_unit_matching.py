"""The unit path in the matcher (tallyrules.unit_matching): the same results as the character
matcher, whatever the route, the alphabet seen so far and the text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tallyrules import Engine
from tallyrules.regex import EncodedText
from tallyrules.tokenizer import code_point
from tallyrules.unit_matching import LARGE_PROGRAM
from tallyrules.unit_patterns import UnitShadow
from tallyrules.units import FEATURE, SetMembers, UnitClassifier, Vocabulary, split_units

from .conftest import generated_texts

FIXTURES = Path(__file__).parent / "fixtures"
NEWS = (FIXTURES / "news_sample.txt").read_text(encoding="utf-8")
# what the event rules of the packs read, with non-ASCII text before the matches (byte offsets)
CONFLICT = [
    "Über Mosul: U.S. officials said the coalition has killed more than 6,000 fighters.",
    "Kurdish Peshmerga forces retook an area near the Mosul dam, liberating seven villages.",
    "« Les forces » — Iraqi troops and Shiite militias killed 40 Islamic State militants in Tikrit.",
    "ISIS fighters seized the town of Hit from Iraqi government forces, an official told Reuters.",
]


def results(engine: Engine, text: str) -> list[str]:
    return [json.dumps(result.to_dict(), sort_keys=True, default=str) for result in engine.extract(text)]


@pytest.fixture(scope="module")
def engines() -> dict[str, Engine]:
    return {route: Engine.default(unit_matching=route) for route in ("none", "all", "large")}


def test_every_route_gives_the_same_results_on_news_and_conflict_text(engines):
    texts = [paragraph for paragraph in NEWS.split("\n\n") if paragraph.strip()] + CONFLICT
    for text in texts:
        expected = results(engines["none"], text)
        assert results(engines["all"], text) == expected, text
        assert results(engines["large"], text) == expected, text
    # the unit path did run: programs were rendered, and the large route took some rules only
    searched = {route: engines[route]._matcher.unit_search for route in ("all", "large")}
    assert searched["all"] is not None and searched["all"].renders > 0
    assert searched["large"] is not None and 0 < searched["large"].renders < searched["all"].renders
    assert engines["none"]._matcher.unit_search is None


@settings(max_examples=150, deadline=None)
@given(generated_texts())
def test_every_route_gives_the_same_results_on_generated_text(engines, text):
    assert results(engines["all"], text) == results(engines["none"], text)


def test_the_large_route_takes_the_unit_level_rules_with_large_character_programs(engines):
    search = engines["large"]._matcher.unit_search
    assert search is not None
    unit_level = [rule for rule in engines["large"].compiled.rules if rule.unit_template is not None]
    assert len(unit_level) >= 40  # 50 of the packs' 298 rules when this was written
    taken = [rule for rule in unit_level if search.covers(rule)]
    assert taken and len(taken) < len(unit_level)
    assert all((rule.search.program_size >= LARGE_PROGRAM and not rule.masks) == search.covers(rule)
               for rule in unit_level)


def test_an_unknown_route_is_refused():
    with pytest.raises(ValueError, match="unit_matching must be one of"):
        Engine.from_text('rule r { match "x" }', use_installed=False, unit_matching="fast")


# ---- masks: a span of other rules' results is one unit ---------------------------------------

MASKED_RULES = """
rule n { match NUM }
rule w { match CAP }
rule share { match @n ~ "%" }
rule price { match "$" ~ @n WORD? }
rule listed { match @w @n | (@n | @w) "," @n }
rule said { match @w ~ ":" LOWER }
"""
MASKED_TEXTS = ["up 40% on $5 fighters", "Mosul 6,000, 7 and Hit, 40", "Mosul: fighters", "1990s_ 5%7 x$5_ Hit:x"]


@pytest.fixture(scope="module")
def masked() -> dict[str, Engine]:
    return {route: Engine.from_text(MASKED_RULES, use_installed=False, unit_matching=route)
            for route in ("none", "all")}


def test_rules_that_read_masks_are_searched_over_units(masked):
    for text in MASKED_TEXTS:
        assert results(masked["all"], text) == results(masked["none"], text), text
    search = masked["all"]._matcher.unit_search
    assert search is not None
    readers = [rule for rule in masked["all"].compiled.rules if rule.masks]
    assert len(readers) == 4 and all(rule.unit_template is not None and search.covers(rule) for rule in readers)
    found = {(r.rule.split(".")[-1], r.text) for text in MASKED_TEXTS[:3] for r in masked["all"].extract(text)}
    assert {("share", "40%"), ("price", "$5 fighters"), ("listed", "Mosul 6,000"), ("listed", "Hit, 40"),
            ("said", "Mosul: fighters")} <= found


@settings(max_examples=150, deadline=None)
@given(generated_texts())
def test_rules_that_read_masks_find_the_same_over_units_on_generated_text(masked, text):
    assert results(masked["all"], text) == results(masked["none"], text)


# ---- an alphabet that grows ----------------------------------------------------------------------


def test_a_program_is_rendered_again_when_a_document_brings_a_code_of_its_sets():
    source = 'rule r { match CAP "forces" }'
    by_units = Engine.from_text(source, use_installed=False, unit_matching="all")
    by_characters = Engine.from_text(source, use_installed=False, unit_matching="none")
    search = by_units._matcher.unit_search
    assert search is not None
    renders = []
    # a capitalised word of no rule's vocabulary brings a code CAP holds; a word of 5 letters another
    for text in ["Peshmerga forces", "Kurdish forces", "Iraqi forces", "Kurdish forces"]:
        assert [r.text for r in by_units.extract(text)] == [r.text for r in by_characters.extract(text)] == [text]
        renders.append(search.renders)
    assert renders == [1, 1, 2, 2]


def test_a_program_rendered_before_a_code_serves_documents_without_it():
    by_units = Engine.from_text('rule r { match CAP "forces" }', use_installed=False, unit_matching="all")
    search = by_units._matcher.unit_search
    assert search is not None
    assert [r.text for r in by_units.extract("Kurdish forces")] == ["Kurdish forces"]
    # a new code CAP holds, in a document where the rule does not run (no "forces")...
    assert by_units.extract("Iraqi troops") == []
    # ...leaves the program exact for documents without that code: no render is needed
    assert [r.text for r in by_units.extract("Kurdish forces")] == ["Kurdish forces"]
    assert search.renders == 1
    assert [r.text for r in by_units.extract("Iraqi forces")] == ["Iraqi forces"]
    assert search.renders == 2


def test_set_classes_list_the_codes_held_as_ranges():
    classifier = UnitClassifier()
    classifier.document("a b c 7 d")  # a, b, c and d share a code: letters; 7 has its own
    letters = ((FEATURE["RUN_LETTER_FIRST"], 0, 0, frozenset()),)
    digits = ((FEATURE["RUN_DIGITS"], 0, 0, frozenset()),)
    any_run = ((FEATURE["RUN"], 0, 0, frozenset()),)
    nothing = ((1 << 40, 0, 0, frozenset()),)  # a feature no unit has
    members = SetMembers([letters, digits, any_run, nothing])
    members.update(classifier)
    assert members.members == [[0], [1], [0, 1], []]
    assert members.code_class(2) == f"[\\x{{{ord(code_point(0)):x}}}-\\x{{{ord(code_point(1)):x}}}]"
    assert members.code_class(3) == r"[^\x00-\x{10ffff}]"  # matches nothing


# ---- offsets -----------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(generated_texts())
def test_unit_text_lists_are_those_of_split_units(text):
    document = UnitClassifier().document(text)
    units, starts, ends, _separators = split_units(text)
    assert (document.units, document.starts, document.ends) == (units, starts, ends)
    assert len(document.positions) == len(units)
    assert all(document.string[position] >= code_point(0) for position in document.positions)
    assert "".join(document.string[position] for position in document.positions) == "".join(
        char for char in document.string if char >= code_point(0))


@settings(max_examples=300, deadline=None)
@given(generated_texts())
def test_unit_shadow_maps_codes_to_unit_starts_and_marks_to_the_end_before(text):
    document = UnitClassifier().document(text)
    shadow = UnitShadow(document)
    positions = set(document.positions)
    unit_at = {position: index for index, position in enumerate(document.positions)}
    previous_end = 0
    for index, char in enumerate(document.string):
        byte_offset = len(document.string[:index].encode("utf-8"))
        if index in positions:
            assert shadow.char_offset(byte_offset) == document.starts[unit_at[index]]
            previous_end = document.ends[unit_at[index]]
        else:
            assert char in "\x01\x02" and shadow.char_offset(byte_offset) == previous_end
    assert shadow.char_offset(len(shadow.data)) == previous_end


@given(st.text(max_size=40), st.data())
def test_byte_offset_is_the_inverse_of_char_offset(text, data):
    encoded = EncodedText(text)
    offset = data.draw(st.integers(0, len(text)))
    byte_offset = encoded.byte_offset(offset)
    assert byte_offset == len(text[:offset].encode("utf-8", "surrogatepass"))
    assert encoded.char_offset(byte_offset) == offset


def test_a_vocabulary_is_rebuilt_from_its_keys():
    vocabulary = Vocabulary()
    ids = [vocabulary.word("Forces", True), vocabulary.word("forces", False), vocabulary.word("al", False)]
    again = Vocabulary(vocabulary.ordered_keys())
    assert again.ordered_keys() == vocabulary.ordered_keys() and ids == [1, 2, 3]
    assert again.words_of("Forces") == vocabulary.words_of("Forces") == frozenset({1, 2})
