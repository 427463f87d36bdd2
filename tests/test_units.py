"""The unit layer (tallyrules.units) agrees with the character regexes the rules compile to."""

from __future__ import annotations

from pathlib import Path

import pytest
import re2
from hypothesis import HealthCheck, given, settings

from tallyrules import Engine
from tallyrules.regex import regex_options
from tallyrules.tokenizer import SHAPE_CLASSES, SPACE_CHARS, class_regex
from tallyrules.units import BREAK_MARK, FEATURE, SPACED_MARK, UnitClassifier, class_pattern, split_units

from .conftest import check_pieces, generated_texts

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NEWS = (Path(__file__).parent / "fixtures" / "news_sample.txt").read_text(encoding="utf-8")
CLASSES = [*SHAPE_CLASSES, "ANY"]

texts = generated_texts(20)

_BOTH = re2._re2.RE2.Anchor.ANCHOR_BOTH


def _program(pattern: str):
    program = re2._re2.RE2(pattern.encode("utf-8"), regex_options())
    assert program.ok(), program.error()
    return program


CHARACTER_PROGRAMS = {name: _program(class_regex(name)) for name in CLASSES}


def _byte_offsets(text: str) -> list[int]:
    offsets = [0]
    for char in text:
        offsets.append(offsets[-1] + len(char.encode("utf-8")))
    return offsets


# ---- splitting ---------------------------------------------------------------------------------


def check_split(text: str) -> None:
    units, starts, ends, separators = split_units(text)
    check_pieces(text, units, starts, ends, separators, SPACE_CHARS)
    for unit, start, separator in zip(units, starts, separators, strict=True):
        # a maximal run of ASCII letters and digits, or one other character
        run = unit.isascii() and unit.isalnum()
        assert run or len(unit) == 1
        if run and separator == "" and start > 0:
            assert not (text[start - 1].isascii() and text[start - 1].isalnum())
    if units and ends[-1] < len(text):
        assert not (units[-1].isascii() and units[-1].isalnum() and text[ends[-1]].isascii()
                    and text[ends[-1]].isalnum())


@SETTINGS
@given(texts)
def test_units_cover_the_text_with_exact_offsets(text):
    check_split(text)


def test_split_examples():
    assert split_units("F-16s, 5bn")[0] == ["F", "-", "16s", ",", "5bn"]
    assert split_units("Zürich's U.S.")[0] == ["Z", "ü", "rich", "'", "s", "U", ".", "S", "."]
    assert split_units("foo_bar\xa0é")[0] == ["foo", "_", "bar", "é"]
    units, starts, ends, separators = split_units(" a\n b")
    assert (units, starts, ends, separators) == (["a", "b"], [1, 4], [2, 5], [" ", "\n "])
    check_split(NEWS)


# ---- the unit string ---------------------------------------------------------------------------


def test_unit_string_has_one_code_per_unit_and_marks_separations():
    classifier = UnitClassifier()
    document = classifier.document("6,000 troops\n\nsaid_")
    codes = [document.string[p] for p in document.positions]
    assert len(codes) == len(document.units) == 6  # 6 , 000 troops said _
    assert document.string.count(SPACED_MARK) == 1 and document.string.count(BREAK_MARK) == 1
    features = [classifier.features_of(code) for code in codes]
    assert features[0] & FEATURE["RUN_UP_TO_3_DIGITS"] and features[1] & FEATURE["COMMA"]
    assert features[2] & FEATURE["RUN_3_DIGITS"]
    # "said" is glued to "_": RE2's \b does not hold between them, and the code says so
    assert features[4] & FEATURE["BEFORE_WORD_CHAR"] and features[5] & FEATURE["AFTER_WORD_CHAR"]
    assert not features[3] & (FEATURE["BEFORE_WORD_CHAR"] | FEATURE["AFTER_WORD_CHAR"])
    # the same unit type in the same context has the same code
    again = classifier.document("6,000 troops")
    assert again.string == document.string[:len(again.string)]


def test_feature_cache_is_bounded():
    classifier = UnitClassifier(max_types=3)
    classifier.document("a b c d e f g")
    assert classifier.cached_types <= 3


# ---- token classes over units ------------------------------------------------------------------


def class_differences(text: str, classifier: UnitClassifier, longest: int = 8) -> list[tuple[str, str, bool]]:
    """Each unit sequence (of at most ``longest`` units) on which a token class's character regex
    and its unit pattern disagree: (class, text, what the character regex said)."""
    document = classifier.document(text)
    data = text.encode("utf-8")
    offsets = _byte_offsets(text)
    unit_programs = {name: _program(class_pattern(name, classifier)) for name in CLASSES}
    differences = []
    count = len(document.units)
    for first in range(count):
        for last in range(first, min(count, first + longest)):
            start, end = offsets[document.starts[first]], offsets[document.ends[last]]
            units = document.string[document.positions[first]:document.positions[last] + 1].encode("utf-8")
            for name in CLASSES:
                # the character regex in context: its \b sees the characters around the span
                by_characters = CHARACTER_PROGRAMS[name].Match(_BOTH, data, start, end)[0][0] >= 0
                by_units = unit_programs[name].Match(_BOTH, units, 0, len(units))[0][0] >= 0
                if by_characters != by_units:
                    differences.append((name, text[document.starts[first]:document.ends[last]], by_characters))
    return differences


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_class_patterns_match_the_unit_sequences_the_class_regexes_match(text):
    assert class_differences(text, UnitClassifier()) == []


def test_class_patterns_on_news():
    classifier = UnitClassifier()
    for paragraph in NEWS.split("\n\n")[:40]:
        assert class_differences(paragraph, classifier) == []


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("NUM", "6,000", True), ("NUM", "1,0000", False), ("NUM", "1.5", True), ("NUM", "_1", False),
    ("UPPER", "AT&T", True), ("UPPER", "A", False), ("UPPER", "NATO", True),
    ("ABBR", "U.S.", True), ("ABBR", "Gen.", True), ("ABBR", "Éric.", True), ("ABBR", "Generals.", False),
    ("DASH", "--", True), ("DASH", "—", True), ("WORD", "one-third", True), ("CAP", "Zürich", True),
    ("ALNUM", "747s", True), ("PUNCT", "_", True), ("QUOTE", "«", True), ("CLOSE_QUOTE", "«", False),
])
def test_class_pattern_examples(name, text, expected):
    classifier = UnitClassifier()
    document = classifier.document(text)
    units = document.string.encode("utf-8")
    assert (_program(class_pattern(name, classifier)).Match(_BOTH, units, 0, len(units))[0][0] >= 0) is expected


# ---- where elements start and end --------------------------------------------------------------

ELEMENTS = [*CLASSES, '"said"', '"U.S."', '"6,000"', '"-"', '"\'s"', '"F-16"', '"é"', '"Zürich"', '"%"',
            '"don\'t"', "<words>"]
# the second form of ABBR ("Gen.") has no word boundary before it: after a word class it may
# start inside a run of letters (the module docstring lists it with glue and regex atoms)
# no-break, thin and narrow no-break spaces: what a gap crosses, so separators between units, but
# characters that PUNCT (and ANY) match in the character model
NOT_GAP_TO_PUNCT = {"\xa0", "\u2009", "\u202f"}
WORD_CLASSES = {"WORD", "CAP", "LOWER", "UPPER", "ALNUM", "ANY", "ABBR"}


@pytest.fixture(scope="module")
def pair_engine() -> tuple[Engine, list[tuple[str, str]]]:
    pairs = [(left, right) for left in ELEMENTS for right in ELEMENTS
             if not (right == "ABBR" and left in WORD_CLASSES)]
    rules = ['lexicon words = {"al-Qaeda", "U.S.", "said", "6,000", "Zürich", "F-16", "non"}']
    rules += [f"rule p{index} {{ match a:{left} b:{right} yield {{ a: a, b: b }} }}"
              for index, (left, right) in enumerate(pairs)]
    return Engine.from_text("\n".join(rules), use_installed=False), pairs


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(texts)
def test_elements_start_and_end_at_unit_edges(pair_engine, text):
    """In every match of a rule of two elements, each element starts and ends where a unit does."""
    engine, _pairs = pair_engine
    _units, starts, ends, _separators = split_units(text)
    edges = {*starts, *ends}
    for result in engine.extract(text):
        for name in ("a", "b"):
            span = result.fields[name]
            if span.text in NOT_GAP_TO_PUNCT:
                continue  # the one listed difference: to the character regexes this space is PUNCT
            assert span.start in edges and span.end in edges, (result.rule, name, span)


def test_elements_start_and_end_at_unit_edges_on_news(pair_engine):
    engine, pairs = pair_engine
    _units, starts, ends, _separators = split_units(NEWS)
    edges = {*starts, *ends}
    results = engine.extract(NEWS)
    assert len({result.rule for result in results}) > len(pairs) // 4  # most pairs occur in news
    for result in results:
        for name in ("a", "b"):
            span = result.fields[name]
            assert span.text in NOT_GAP_TO_PUNCT or (span.start in edges and span.end in edges), (result.rule, span)
