"""Hypothesis properties: the engine never crashes on any text, spans are exact, output is
deterministic, and rule files generated from the grammar either compile or raise RuleErrors."""

from __future__ import annotations

import json
from importlib import resources

import lark
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.lark import from_lark

from tallyrules import DocumentResult, Engine, Extraction, RuleErrors, Span

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

VOCABULARY = [
    "Officials", "said", "John", "Kerry", "told reporters", "more than", "about", "at least", "up to",
    "between", "and", "fighters", "people", "troops", "percent", "dollars", "bn", "million", "in", "since",
    "6,000", "5", "2.3", "2004", "1,00", "9,000", "18,000", "“", "”", '"', "'", "’", "—", "-", "%", "$", ".",
    ",", "\n", "\n\n", "\r\n", "\t", "\u00a0", "é", "Ü", "\x00", "\x1b", "\u200b", "😀",
]

words = st.sampled_from(VOCABULARY)
digit_runs = st.integers(min_value=1, max_value=400).map(lambda n: "9" * n)
separators = st.sampled_from(["", " ", "  ", "\n", ",", "~"])
# every code point, lone surrogates too (a JSON "\ud800" escape gives one), in texts of up to a few
# thousand characters
ANY_CODE_POINT = st.one_of(st.characters(codec=None, categories=None),
                           st.integers(0xD800, 0xDFFF).map(chr), st.integers(0xE000, 0xF8FF).map(chr))
any_char_text = st.text(alphabet=ANY_CODE_POINT, max_size=3000)
newsy_text = st.lists(st.tuples(st.one_of(words, words, words, digit_runs, any_char_text), separators),
                      max_size=30).map(lambda parts: "".join(a + b for a, b in parts))
documents = st.one_of(newsy_text, any_char_text)


@pytest.fixture(scope="module")
def engine(news_engine: Engine) -> Engine:
    return news_engine


def check_span(item: Span | Extraction, text: str) -> None:
    assert 0 <= item.start < item.end <= len(text)
    assert text[item.start:item.end] == item.text


def check_nested(value: object, text: str) -> None:
    if isinstance(value, Extraction):
        check_span(value, text)
        for field in value.fields.values():
            check_nested(field, text)
        for part in value.parts:
            check_nested(part, text)
    elif isinstance(value, Span):
        check_span(value, text)
    elif isinstance(value, (list, tuple)):
        for item in value:
            check_nested(item, text)


@SETTINGS
@given(text=documents)
def test_never_raises_and_spans_are_exact(engine, text):
    results = engine.extract(text)
    for extraction in results:
        check_nested(extraction, text)
    keys = [(e.start, -e.end) for e in results]
    assert keys == sorted(keys)
    for extraction in results:
        for claim in extraction.get("claims") or []:
            assert results[claim].get("attribution") == results.index(extraction)


@SETTINGS
@given(text=documents)
def test_same_input_same_output(engine, text):
    first = [e.to_dict() for e in engine.extract(text)]
    second = [e.to_dict() for e in engine.extract(text)]
    assert first == second
    json.dumps(first)  # always serializable


@SETTINGS
@given(text=newsy_text)
def test_document_results_never_carry_an_error_for_text(engine, text):
    result = engine.extract_document(text, id=1)
    assert isinstance(result, DocumentResult)
    assert result.error is None


def test_long_digit_runs_give_finite_json_numbers(engine):
    text = "9" * 400 + " people"
    lines = [e.to_dict() for e in engine.extract(text)]
    assert lines
    json.dumps(lines, allow_nan=False)


# ---- generated rule files ------------------------------------------------------------------

_GRAMMAR = resources.files("tallyrules").joinpath("grammar.lark").read_text(encoding="utf-8")
_LARK = lark.Lark(_GRAMMAR, parser="lalr")

_NAMES = ["a", "b", "n", "x", "value", "unit", "quantity", "amount", "number", "lookup", "min", "scale",
          "NUM", "WORD", "CAP", "ANY", "PUNCT", "fighters", "frob", "r", "q"]
_STRINGS = ['"a"', '"more than"', '"6,000"', '"x"c', '""', '"it\'s"', '"\\""', '"lexicons/none.txt"',
            '"../outside.rules"', '"bn"', '"“"']
_REGEXES = ["/[0-9]+/", "/a|b/i", "/a(b/", "/(?P<x>a)/", "/\\d{1,3}/", "/x*/", "/(?=a)/", "/\\//"]


def _spaced(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return strategy.map(lambda s: f" {s} ")


def _explicit(used: set[str] | None = None) -> dict[str, st.SearchStrategy[str]]:
    explicit: dict[str, st.SearchStrategy[str]] = {
        "NAME": _spaced(st.sampled_from(_NAMES)),
        "STRING": _spaced(st.sampled_from(_STRINGS)),
        "LONG_STRING": st.just(' """a long doc""" '),
        "REGEX": _spaced(st.sampled_from(_REGEXES)),
        "INT": _spaced(st.sampled_from(["0", "1", "2", "3", "1000", "1001"])),
        "SIGNED_INT": _spaced(st.sampled_from(["0", "-1", "5"])),
        "SIGNED_NUMBER": _spaced(st.sampled_from(["0", "1", "-2.5", "1e6", "6000"])),
        "COMMENT": st.just(" # comment\n"),
        "WS": st.just(" "),
    }
    for terminal in _LARK.terminals:
        if terminal.name in explicit:
            continue
        if isinstance(terminal.pattern, lark.lexer.PatternStr):
            explicit[terminal.name] = st.just(f" {terminal.pattern.value} ")
        elif terminal.name in ("RULE_KEYWORD", "COMPARE", "ADD_OP", "MUL_OP", "CASED"):
            options = {"RULE_KEYWORD": ["rule", "fragment", "veto"], "COMPARE": ["==", "!=", "<=", ">=", "<", ">"],
                       "ADD_OP": ["+", "-"], "MUL_OP": ["*", "/"], "CASED": ["cased"]}[terminal.name]
            explicit[terminal.name] = _spaced(st.sampled_from(options))
    if used is not None:
        explicit = {name: strategy for name, strategy in explicit.items() if name in used}
    return explicit


def _terminals_below(start: str) -> set[str]:
    """The terminals reachable from one grammar rule (from_lark rejects explicit strategies for others)."""
    _terminals, rules, _ignore = _LARK.grammar.compile([start], ())
    return {symbol.name for rule in rules for symbol in rule.expansion if symbol.is_term} | {"WS", "COMMENT"}


whole_files = from_lark(_LARK, start="start", explicit=_explicit())
# Whole files are mostly imports and lexicon files that do not exist; also generate files of just
# rules (plus a lexicon they can use), so that many generated files get past name resolution.
rules_only = st.lists(
    from_lark(_LARK, start="rule_def", explicit=_explicit(_terminals_below("rule_def"))), min_size=1, max_size=4
).map(lambda rules: 'lexicon scale = {"bn": 1e9, "million": 1e6}\nkind quantity { value, unit }\n' + "\n".join(rules))
rule_files = st.one_of(whole_files, rules_only)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                                                  HealthCheck.data_too_large])
@given(text=rule_files)
def test_generated_rule_files_compile_or_raise_rule_errors(text):
    try:
        engine = Engine.from_text(text, use_installed=False)
    except RuleErrors as errors:
        assert errors.errors
        for error in errors.errors:
            assert error.message
            str(error)
        return
    # what compiles also runs
    result = engine.extract_document("Officials said more than 6,000 fighters, a b x 5bn.", id=0)
    for extraction in result.extractions:
        check_nested(extraction, "Officials said more than 6,000 fighters, a b x 5bn.")


def test_generated_rule_files_are_mostly_parseable():
    """Guard the generator: the explicit strategies must keep most generated files lexable."""
    from hypothesis import find

    sample = find(rule_files, lambda text: "rule" in text or "fragment" in text or "veto" in text,
                  settings=settings(max_examples=200, deadline=None, database=None))
    _LARK.parse(sample)
