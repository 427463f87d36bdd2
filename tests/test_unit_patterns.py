"""Rules over unit strings (tallyrules.unit_patterns) find what today's character regexes find."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tallyrules import Engine
from tallyrules.compiler import UnitRules, unit_rules
from tallyrules.matcher import matches_in_characters
from tallyrules.regex import EncodedText, RuleRegex
from tallyrules.unit_patterns import UnitShadow
from tallyrules.units import BREAK_MARK, SPACED_MARK, UnitClassifier

from .conftest import generated_texts

NEWS = (Path(__file__).parent / "fixtures" / "news_sample.txt").read_text(encoding="utf-8")


def differences(engine: Engine, rules: UnitRules, texts: list[str]) -> list[tuple[str, str, list, list]]:
    """Each (rule, text) on which a unit-level rule's matches over units differ from its
    character regex's: the rule, the text and both lists of matches."""
    classifier = UnitClassifier(rules.vocabulary)
    documents = [classifier.document(text) for text in texts]  # the alphabet first, then the patterns
    found = []
    for name, (pattern, _groups) in rules.patterns.items():
        rule = engine.compiled.by_name(name)
        assert rule is not None
        if rule.masks:
            continue  # it reads a shadow, not the text: tests/test_unit_matching.py compares those
        over_units = RuleRegex(pattern.render(classifier))
        for text, document in zip(texts, documents, strict=True):
            by_characters = matches_in_characters(rule.search, EncodedText(text), text)
            by_units = matches_in_characters(over_units, UnitShadow(document), text)
            if by_characters != by_units:
                found.append((name, text, by_characters, by_units))
    return found


# ---- the installed packs -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def packs() -> tuple[Engine, UnitRules]:
    engine = Engine.default()
    return engine, unit_rules(engine.sources, engine.functions)


def test_rules_without_masks_regex_atoms_or_glue_are_unit_level(packs):
    engine, rules = packs
    assert len(rules.patterns) >= 40  # 48 of the packs' 298 when this was written
    assert len(rules.patterns) + len(rules.not_unit_level) == len(engine.rules)
    known = ("a regex atom", "a glued sequence", "a complement lexicon", "ABBR", "UPPER")
    assert all(any(reason in why for reason in known) for why in rules.not_unit_level.values())
    for name, (_pattern, groups) in rules.patterns.items():
        rule = engine.compiled.by_name(name)
        assert rule is not None and [g for _, g in rule.groups] == list(groups)  # the same groups, in order


def test_unit_level_rules_of_the_packs_match_as_their_character_regexes_on_news(packs):
    engine, rules = packs
    paragraphs = [p for p in NEWS.split("\n\n") if p.strip()]
    assert differences(engine, rules, paragraphs) == []


# ---- generated rules ---------------------------------------------------------------------------

CLASSES = ["NUM", "WORD", "CAP", "LOWER", "ALNUM", "PUNCT", "QUOTE", "OPEN_QUOTE", "CLOSE_QUOTE",
           "DASH", "ANY"]
LITERALS = ['"said"', '"more than"', '"U.S."', '"F-16"', '"don\'t"', '"\'s"', '"é"', '"6,000"', '"-"', '"--"',
            '"Zürich"', '"%"', '"AT&T"', '"5bn"', '"US"c', '"May"c']
# glue where units meet (never inside a run of letters and digits), and word complements
GLUED = ['("$" ~ NUM)', '(NUM ~ "%")', '(WORD ~ "\'s")', '("(" ~ WORD ~ ")")', '(<words> ~ "-")', '("-" ~ CAP)']
LEAVES = st.sampled_from([*CLASSES, *LITERALS, *GLUED, "<words>", "<cased_words>", "!<single>", "!<cased_single>"])


REPEATS = st.sampled_from(["?", "*", "+", "{0,2}", "{2}", "{1,3}"])


def _patterns(depth: int) -> st.SearchStrategy[str]:
    if depth == 0:
        return LEAVES
    inner = _patterns(depth - 1)
    return st.one_of(
        LEAVES,
        st.lists(inner, min_size=2, max_size=3).map(lambda items: "(" + " ".join(items) + ")"),
        st.lists(inner, min_size=2, max_size=3).map(lambda items: "(" + " | ".join(items) + ")"),
        st.tuples(inner, REPEATS).map(lambda pair: f"({pair[0]}){pair[1]}"),
        inner.map(lambda item: f"x:({item})"),
    )


LEXICONS = ('lexicon words = {"al-Qaeda", "U.S.", "said", "6,000", "Zürich", "F-16", "more than", "non", "é"}\n'
            'lexicon cased_words cased = {"US", "May", "AT&T"}\n'
            'lexicon single = {"said", "non", "the", "a1", "abc", "x"}\n'
            'lexicon cased_single cased = {"US", "May", "Foo"}\n')


# the words of the rules, next to each other, to "_" (a word character to RE2's \b) and to any text
WORDS = ["said", "ab_c", "the_", "a1", "abcd", "Said_x", "more than", "U.S.", "F-16", "don't", "’s", "é", "6,000",
         "-", "--", "Zürich", "%", "AT&T", "5bn", "US", "May", "al-Qaeda", "non", "_", " ", "x", "7"]
TEXTS = st.lists(st.one_of(generated_texts(3), st.sampled_from(WORDS)), max_size=10).map("".join)
# a document's private-use characters are replaced before matching (the shadow's base); the
# spaces a gap crosses but PUNCT matches are the one listed difference (see the test after)
COMPARABLE = {**{point: "\ufffd" for point in range(0xE000, 0xF900)}, 0xA0: " ", 0x2009: " ", 0x202F: " "}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_patterns(2), min_size=1, max_size=3), st.lists(TEXTS, min_size=1, max_size=3))
def test_generated_rules_match_over_units_as_over_characters(patterns, texts):
    source = LEXICONS + "\n".join(f"rule r{index} {{ match {pattern} }}" for index, pattern in enumerate(patterns))
    engine = Engine.from_text(source, use_installed=False)
    rules = unit_rules(engine.sources, engine.functions)
    assert len(rules.patterns) == len(patterns)  # no element of these is left to the character matcher
    texts = [text.translate(COMPARABLE) for text in texts]
    assert differences(engine, rules, texts) == []


def test_the_listed_difference_a_no_break_space_is_no_punctuation_over_units():
    engine = Engine.from_text("rule r { match NUM PUNCT NUM }", use_installed=False)
    rules = unit_rules(engine.sources, engine.functions)
    found = differences(engine, rules, ["5\u20096 and 7\xa08 but 9 / 10"])
    assert [(by_characters, by_units) for _name, _text, by_characters, by_units in found] == [
        ([(0, 3, ()), (8, 11, ()), (16, 22, ())], [(16, 22, ())])]


@pytest.mark.parametrize("pattern", ['"said"', '"F-16"', "<words>", "NUM", "WORD", '"US"c'])
def test_word_boundaries_next_to_an_underscore(pattern):
    """``_`` is a word character to RE2's \\b but no letter to the compiler: "said" in "_said" and
    "said_" is no word, yet "é_said" holds one after the é."""
    engine = Engine.from_text(LEXICONS + f"rule r {{ match {pattern} }}", use_installed=False)
    rules = unit_rules(engine.sources, engine.functions)
    texts = ["_said said_ _F-16 F-16_ _6 6_ x_US US_ é_said said", "said F-16 US 6,000"]
    assert differences(engine, rules, texts) == []
    assert any(matches_in_characters(engine.compiled.rules[0].search, EncodedText(text), text) for text in texts)


def test_sequences_gaps_and_captures_over_units():
    engine = Engine.from_text(LEXICONS + 'rule r { match n:NUM ("more" | "other")? w:<words> "said"? }',
                              use_installed=False)
    rules = unit_rules(engine.sources, engine.functions)
    texts = ["Some 6,000 more U.S.\n said today; 5 al-Qaeda", "12\n\nsaid 7 other non", "3 Zürich_ 4 é"]
    assert differences(engine, rules, texts) == []
    classifier = UnitClassifier(rules.vocabulary)
    document = classifier.document(texts[0])
    over_units = RuleRegex(rules.patterns["inline.r"][0].render(classifier))
    found = matches_in_characters(over_units, UnitShadow(document), texts[0])
    assert [texts[0][start:end] for start, end, _groups in found] == ["6,000 more U.S.\n said", "5 al-Qaeda"]


# ---- what stays on the character matcher -------------------------------------------------------


@pytest.mark.parametrize(("pattern", "reason"), [
    ("NUM /bn|m/", "a regex atom"),
    ('NUM ~ "bn"', "a glued sequence"),
    ("!<hyphenated> NUM", "a complement lexicon"),
    ('NUM ~ "bn"', "inside a run"),
    ('"x" ~ PUNCT', "at an underscore"),
    ("ABBR CAP", "ABBR"),
    ("NUM UPPER", "UPPER"),
    ("@frag NUM", "a regex atom"),  # through the fragment it inlines
])
def test_what_is_not_unit_level_says_why(pattern, reason):
    source = (LEXICONS + 'lexicon hyphenated = {"non", "al-Qaeda"}\n'
              'rule n { match NUM }\nfragment frag { match /x+/ }\n'
              f"rule r {{ match {pattern} }}")
    rules = unit_rules(*_sources(source))
    assert reason in rules.not_unit_level["inline.r"]


def _sources(source: str) -> tuple:
    engine = Engine.from_text(source, use_installed=False)
    return engine.sources, engine.functions


def test_unit_shadow_maps_codes_to_unit_starts_and_marks_to_the_end_before():
    classifier = UnitClassifier()
    text = "ab, 6\n\n x"
    document = classifier.document(text)
    shadow = UnitShadow(document)
    assert document.string.count(SPACED_MARK) == 1 and document.string.count(BREAK_MARK) == 1
    offsets = [shadow.char_offset(len(document.string[:index].encode("utf-8")))
               for index in range(len(document.string) + 1)]
    # ab , <space> 6 <break> x <end>
    assert offsets == [0, 2, 3, 4, 5, 8, 9]
