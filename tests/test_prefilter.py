"""The prefilter skips rules that cannot match, and never changes what is extracted."""

from __future__ import annotations

import json
from pathlib import Path

import attrs
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tallyrules import Engine, RuleErrors
from tallyrules.matcher import Matcher
from tallyrules.prefilter import BOUNDARY

from .conftest import FIXTURES, build

SEED = Path(__file__).resolve().parents[1] / "examples" / "seed-article.txt"

# words the installed packs anchor on, and ordinary ones, so generated texts reach deep cascades
VOCABULARY = [
    "said", "says", "told", "officials", "U.S.", "the", "a", "of", "in", "from", "by", "that", ",", ".",
    "more", "than", "between", "and", "about", "6,000", "18,000", "seven", "half", "percent", "%",
    "fighters", "villages", "square", "kilometers", "killed", "captured", "retook", "town", "Mosul",
    "ISIS", "Kurdish", "Peshmerga", "forces", "army", "troops", "withdrew", "John", "Kerry", "Secretary",
    "\u201c", "\u201d", '"', "he", "they", "estimate", "reported", "million", "$", "5bn", "2004", "’s",
    # punctuation, digits and dashes that anchors of token classes, regexes and glued elements rely on
    ":", "-", "\u2013", "\u2014", "--", "#", "(", ")", "/", "10:30", "p.m.", "F-16", "35-year-old", "6-4",
    "9/11", "Police", "spokesman", "0700", "1.5", "Sept.", "bodies", "dead", "one", "two", "No.", "Iraq",
]
# what goes between two words of a generated text: mostly a space, sometimes nothing or a line break
SEPARATORS = [" "] * 6 + ["", "\n", ", "]


def word(text: str) -> str:
    """An anchor of a whole word: a word boundary on each side."""
    return BOUNDARY + text + BOUNDARY


def unfiltered(engine: Engine) -> Matcher:
    """A matcher of the same rules that runs every rule on every text (no anchors, no required masks)."""
    rules = tuple(attrs.evolve(rule, anchors=(), required_masks=()) for rule in engine.compiled.rules)
    return Matcher(attrs.evolve(engine.compiled, rules=rules))


def test_a_rule_runs_only_when_every_anchor_clause_has_a_word_in_the_text() -> None:
    engine = build('rule took_from { match "took" WORD "from" <side> }\nlexicon side = {"rebels", "army"}')
    (rule,) = engine.rules
    assert rule.anchors == (frozenset({word("took")}), frozenset({word("from")}),
                            frozenset({word("rebels"), word("army")}))
    matcher = engine._matcher
    assert rule.order in matcher.possible_rules(b"they took it from the army")
    assert rule.order not in matcher.possible_rules(b"they took it from the town")
    assert rule.order not in matcher.possible_rules(b"the army took it")


def test_an_alternation_requires_one_word_of_any_option() -> None:
    engine = build('rule r { match ("took" | "seized" "back") WORD }')
    (rule,) = engine.rules
    assert frozenset({word("took"), word("seized")}) in rule.anchors
    assert frozenset({word("took"), word("back")}) in rule.anchors  # how a match ends
    assert _possible(engine, "they seized it back") == {"r"}
    assert _possible(engine, "they seized it") == set()


def test_an_optional_or_negated_part_requires_nothing() -> None:
    engine = build('lexicon l = {"x"}\nrule r { match "took"? !<l> WORD }')
    assert engine.rules[0].anchors == ()
    assert engine.rules[0].order in engine._matcher.possible_rules(b"12")


def test_required_cascades_are_clauses_too() -> None:
    engine = build("""
        rule num: number { match NUM }
        rule word: unit { match "km" }
        rule measured { match (@number | "some") @unit }
    """)
    measured = next(rule for rule in engine.rules if rule.short_name == "measured")
    assert len(measured.required_masks) == 1  # @unit; the alternation has an option without a cascade
    assert [e.text for e in engine.extract("some km, 5 km") if e.rule.endswith("measured")] == ["some km", "5 km"]


def _possible(engine: Engine, text: str) -> set[str]:
    """The short names of the rules the prefilter lets run on ``text``."""
    orders = engine._matcher.possible_rules(text.encode("utf-8"))
    return {rule.short_name for rule in engine.rules if rule.order in orders}


def test_a_number_needs_a_digit() -> None:
    engine = build('rule r { match NUM "fighters" }')
    assert engine.rules[0].anchors == (frozenset("0123456789"), frozenset({word("fighters")}))
    assert _possible(engine, "6,000 fighters") == {"r"}
    assert _possible(engine, "thousands of fighters") == set()


def test_punctuation_is_an_anchor_with_its_variants() -> None:
    engine = build("""
        rule colon { match CAP ":" WORD }
        rule hyphen { match WORD "-" WORD }
        rule quoted { match QUOTE WORD QUOTE }
        rule dashed { match WORD DASH WORD }
    """)
    assert _possible(engine, "Police: four held") == {"colon", "hyphen", "quoted", "dashed"} - {"hyphen", "quoted",
                                                                                                "dashed"}
    assert _possible(engine, "one\u2013two") == {"hyphen", "dashed"}  # an en dash is a hyphen to a literal
    assert _possible(engine, "he said \u201cno\u201d") == {"quoted"}
    assert _possible(engine, "nothing of the sort") == set()


def test_a_regex_gives_the_characters_its_matches_need() -> None:
    engine = build(r"""
        rule clock { match /\d{1,2}:\d\d/ }
        rule line_end { match WORD /\n/ }
        rule currency { match /[$€£]/ ~ NUM }
        rule anything { match /[^a-z ]+/ }
        rule choice { match /(?:ab|cd)e/ }
    """)
    anchors = {rule.short_name: rule.anchors for rule in engine.rules}
    assert anchors["clock"] == (frozenset(f"{hour}:{minute}" for hour in range(10) for minute in range(10)),)
    assert anchors["line_end"] == (frozenset({"\n"}),)
    assert anchors["anything"] == ()
    assert anchors["choice"] == (frozenset({"abe", "cde"}),)
    assert _possible(engine, "at 10:30 sharp") == {"clock", "anything"}
    assert _possible(engine, "at 10.30, \u20ac5") == {"currency", "anything"}
    assert _possible(engine, "a headline\nthe text") == {"line_end", "anything"}


def test_private_use_characters_give_no_anchor() -> None:
    # the shadow a rule runs on holds private-use characters where cascades matched: no document does
    engine = build('rule quoted { match WORD /\\Q\ue000\\E/ }\nrule literal { match WORD "\ue000" }')
    assert [rule.anchors for rule in engine.rules] == [(), ()]


def test_glued_elements_join_into_longer_anchors() -> None:
    engine = build('rule label { match "F" ~ "-" ~ "16" }\nrule hashed { match "#" ~ NUM }')
    label, hashed = engine.rules
    assert label.anchors == (frozenset({word("f-16"), word("f\u201016"), word("f\u201116"), word("f\u201316")}),)
    assert hashed.anchors == (frozenset(f"#{digit}" for digit in range(10)),)
    assert _possible(engine, "flew F-16 jets") == {"label"}
    assert _possible(engine, "F and 16 and #") == set()


def test_a_lexicon_of_punctuation_is_an_anchor() -> None:
    engine = build('lexicon sep = {":", ";"}\nrule r { match WORD <sep> WORD }')
    assert engine.rules[0].anchors == (frozenset({":", ";"}),)
    assert _possible(engine, "a; b") == {"r"}
    assert _possible(engine, "a, b") == set()


def test_a_cascade_is_skipped_with_the_rules_that_need_it_when_its_anchors_are_absent() -> None:
    engine = build("""
        rule digits: number { match NUM }
        rule words: number { match "seven" | "eight" }
        rule name: person { match CAP CAP }
        rule measured { match @number "km" }
        rule named { match @person "said" }
    """)
    measured = next(rule for rule in engine.rules if rule.short_name == "measured")
    ((cascade,), _km) = measured.anchors
    assert sorted(cascade) == sorted(rule.order for rule in engine.rules if rule.kind == "number")
    # no digit, no number word: neither the numbers nor the rule that needs one run
    assert _possible(engine, "many km, John Smith said") == {"name", "named"}
    assert _possible(engine, "seven km") == {"words", "name", "measured"}
    assert _possible(engine, "7 km") == {"digits", "name", "measured"}
    # a cascade without anchors of its own holds nothing back
    assert "named" in _possible(engine, "they said so")


def test_a_cascade_in_an_alternation_joins_the_words_of_the_other_options() -> None:
    engine = build("""
        rule num: number { match NUM }
        rule measured { match (@number | "some") "km" }
    """)
    measured = engine.rules[1]
    assert measured.anchors[0] == frozenset({(engine.rules[0].order,), word("some")})
    assert _possible(engine, "some km") == {"measured"}
    assert _possible(engine, "5 km") == {"num", "measured"}
    assert _possible(engine, "many km") == set()


def test_a_word_is_looked_for_as_a_whole_word_unless_glued() -> None:
    engine = build("""
        rule alone { match "age" NUM }
        rule glued { match NUM ~ "age" }
        rule inside { match "x" "age" }
    """)
    anchors = {rule.short_name: rule.anchors for rule in engine.rules}
    assert frozenset({word("age")}) in anchors["alone"]
    assert frozenset({"age" + BOUNDARY}) in anchors["glued"]
    assert _possible(engine, "the agency has 5 pages") == set()
    assert _possible(engine, "5 images") == set()
    assert _possible(engine, "at age 5") == {"alone", "glued", "inside"}
    assert _possible(engine, "x 5age") == {"glued"}
    # a word boundary is also where an underscore or a masked span ends: the prefilter lets these run
    assert _possible(engine, "x_age 5") == {"alone", "glued", "inside"}


def test_letters_whose_lower_case_is_longer_keep_their_case() -> None:
    engine = build('rule city { match "\u0130stanbul" }')
    assert [e.text for e in engine.extract("in \u0130stanbul today")] == ["\u0130stanbul"]


def test_every_rule_may_run_when_the_anchor_search_fails() -> None:
    engine = build('rule r { match "took" NUM }')
    prefilter = engine._matcher.prefilter

    class OutOfMemory:  # RE2's set returns no match at all when its automaton runs out of memory
        @staticmethod
        def Match(text: bytes) -> None:  # noqa: N802 (RE2's name)
            return None

    prefilter.anchor_set = OutOfMemory()
    assert prefilter.possible_rules(b"nothing here") == {engine.rules[0].order}


def _news_texts() -> list[str]:
    texts = [paragraph for paragraph in SEED.read_text(encoding="utf-8").split("\n") if paragraph.strip()]
    for line in (FIXTURES / "documents.jsonl").read_text(encoding="utf-8").splitlines():
        texts.append(json.loads(line)["text"])
    return texts


def test_the_prefilter_changes_no_result_on_news() -> None:
    engine = Engine.default()
    reference = unfiltered(engine)
    for text in _news_texts():
        assert engine._matcher.run(text) == reference.run(text), text


_ENGINE = Engine.default()
_REFERENCE = unfiltered(_ENGINE)


@st.composite
def _texts(draw: st.DrawFn, vocabulary: list[str], max_size: int = 30, between: list[str] = SEPARATORS) -> str:
    words = draw(st.lists(st.sampled_from(vocabulary), min_size=1, max_size=max_size))
    separators = draw(st.lists(st.sampled_from(between), min_size=len(words), max_size=len(words)))
    return "".join(word + separator for word, separator in zip(words, separators, strict=True))


@settings(max_examples=150, deadline=None)
@given(_texts(VOCABULARY))
def test_the_prefilter_changes_no_result_on_generated_text(text: str) -> None:
    assert _ENGINE._matcher.run(text) == _REFERENCE.run(text)


# ---- generated rules: whatever a pattern is made of, skipping it never changes a result ----
_LEAVES = [
    '"took"', '"from"', '"6"', '":"', '"-"', '"U.S."', '"#"', '"\'s"', '"don\'t"', '"more than"', '"\u201c"',
    "NUM", "WORD", "CAP", "DASH", "QUOTE", "OPEN_QUOTE", "PUNCT", "ABBR", "UPPER", "ALNUM", "ANY",
    r"/\d{1,2}:\d\d/", r"/[-\u2013]\d+/", r"/\n/", r"/[^a-z ]+/", r"/(?:ab|cd)e?/", r"/\d{3}-\d{4}/",
    r"/[$\u20ac]/", r"/0\d+/", r"/\pL+ed/", r"/(?:\A|\n)/", r"/['\u2019]s?/", r"/x{2,3}/", r"/\x{2013}/",
    "<side>", "!<side>", "@number", "@unit",
]
_RULE_VOCABULARY = [
    "took", "from", "6", "7", "10:30", "555-1234", ":", "-", "\u2013", "U.S.", "#", "'s", "\u2019s", "don't",
    "more", "than", "\u201c", "\u201d", '"', "abe", "cd", "$", "\u20ac", "0700", "walked", "rebels", "army",
    "F-16", "seven", "half", "km", "XXX", "x", "Took", "FROM", "(", "!",
]
def _patterns(leaves: list[str]) -> st.SearchStrategy[str]:
    return st.recursive(st.sampled_from(leaves), _combined, max_leaves=6)


def _combined(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.lists(inner, min_size=2, max_size=3).map(" ".join),
        st.lists(inner, min_size=2, max_size=3).map(" ~ ".join),
        st.lists(inner, min_size=2, max_size=3).map(lambda options: "(" + " | ".join(options) + ")"),
        inner.map(lambda item: f"({item})?"),
        inner.map(lambda item: f"({item}){{1,2}}"),
        inner.map(lambda item: f"c:({item})"),
    )


_RULE_PRELUDE = """
    lexicon side = {"rebels", "army", "U.S.", "-", "F-16", "#"}
    rule digits: number { match NUM }
    rule words: number { match "seven" | "half" }
    rule distance: unit { match "km" | <side> }
"""


def _same_results(pattern: str, texts: list[str]) -> None:
    try:
        engine = build(f"{_RULE_PRELUDE}\nrule r {{ match {pattern} }}")
    except RuleErrors:
        assume(False)  # not a valid pattern (an empty repetition...): nothing to compare
    reference = unfiltered(engine)
    for text in texts:
        assert engine._matcher.run(text) == reference.run(text), (pattern, text)


@settings(max_examples=120, deadline=None)
@given(_patterns(_LEAVES), st.lists(_texts(_RULE_VOCABULARY, max_size=8), min_size=1, max_size=4))
def test_the_prefilter_changes_no_result_of_generated_rules(pattern: str, texts: list[str]) -> None:
    _same_results(pattern, texts)


@settings(max_examples=80, deadline=None)
@given(_patterns(["@number", "@unit", '"km"', "NUM", "WORD", '"-"', "<side>"]),
       st.lists(_texts(["seven", "half", "6", "km", "rebels", "-", "army", "x"], max_size=6), min_size=1, max_size=4))
def test_the_prefilter_changes_no_result_of_generated_cascades(pattern: str, texts: list[str]) -> None:
    _same_results(pattern, texts)


@settings(max_examples=80, deadline=None)
@given(_patterns(['"took"', '"from"', '"x"', "NUM", '"-"', '"U.S."', "<side>", "WORD"]),
       st.lists(_texts(["took", "from", "6", "-", "U.S.", "rebels", "army", "x", "_"], max_size=6, between=["", " "]),
                min_size=1, max_size=4))
def test_the_prefilter_changes_no_result_of_generated_glued_words(pattern: str, texts: list[str]) -> None:
    _same_results(pattern, texts)
