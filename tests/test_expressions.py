"""The sandboxed expression language: null-propagating arithmetic, comparisons, functions."""

from __future__ import annotations

from typing import Any

import pytest

from tallyrules import Extraction, RuleError, RuleErrors, Span
from tallyrules.expressions import ExpressionCompiler, get_attribute
from tallyrules.functions import BUILTIN_FUNCTIONS, lower_bound, parse_number, upper_bound
from tallyrules.lexicons import NO_VALUE, build_lexicon
from tallyrules.syntax import parse

SCALE = build_lexicon("scale", False, [("million", 1e6), ("bn", 1e9), ("dozen", 12), ("plain", NO_VALUE)])


def _lexicon(name: str, at: Any):
    if name == "scale":
        return SCALE
    raise RuleError(f"undefined lexicon <{name}>", file=at.file, line=at.line, column=at.column)


def evaluate(source: str, **env: Any) -> Any:
    rule = parse(f'rule r {{ match "a" yield {{ v: {source} }} }}').rules[0]
    compiler = ExpressionCompiler(set(env) | {"x", "y", "n"}, _lexicon, BUILTIN_FUNCTIONS)
    return compiler.compile(rule.fields[0][1])(env)


NUM5 = Span(0, 1, "5")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("10 - 4 - 3", 3),
        ("7 / 2", 3.5),
        ("-3 + 1", -2),
        ("- -3", 3),
        ("1e3 * 2", 2000.0),
        ('"ab" + "cd"', "abcd"),
        ("1 / 0", None),
        ("0 / 0", None),
        ("null + 1", None),
        ("1 - null", None),
        ("null * null", None),
        ('"a" * 2', None),
        ('"a" + 1', None),
        ("true + 1", None),
        ("-null", None),
        ('-"a"', None),
        ("(1 / 0) * 5", None),
    ],
)
def test_arithmetic(source, expected):
    result = evaluate(source)
    assert result == expected
    assert type(result) is type(expected)


def test_null_capture_propagates():
    assert evaluate("x * 2", x=None) is None
    assert evaluate("number(x) * 2", x=NUM5) == 10
    assert evaluate("number(x) * 2", x=None) is None
    assert evaluate("x.value + 1", x=None) is None


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("1 < 2", True),
        ("2 <= 2", True),
        ("3 > 4", False),
        ("3 >= 3", True),
        ("1 == 1.0", True),
        ("1 != 2", True),
        ('"a" < "b"', True),
        ('"a" == "a"', True),
        ('1 < "a"', False),
        ("null < 1", False),
        ("null >= 1", False),
        ("null == null", True),
        ("null != 1", True),
        ("true < 2", False),
    ],
)
def test_comparisons(source, expected):
    assert evaluate(source) is expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("1 if true else 2", 1),
        ("1 if false else 2", 2),
        ("1 if null else 2", 2),
        ('1 if "" else 2', 2),
        ("1 if 0 else 2", 2),
        ('1 if "x" else 2', 1),
        ("1 if false else 2 if true else 3", 2),
        ("not null", True),
        ("not 5", False),
        ("true and 0", False),
        ("1 and 2", True),
        ("null or 7", 7),
        ("0 or false", False),
        ('"a" or "b"', "a"),
    ],
)
def test_booleans_and_conditionals(source, expected):
    assert evaluate(source) == expected


def test_conditional_only_evaluates_the_taken_branch():
    calls = []

    def spy(value):
        calls.append(value)
        return value

    rule = parse('rule r { match "a" yield { v: spy(1) if true else spy(2) } }').rules[0]
    compiler = ExpressionCompiler(set(), _lexicon, {**BUILTIN_FUNCTIONS, "spy": spy})
    assert compiler.compile(rule.fields[0][1])({}) == 1
    assert calls == [1]


def test_attributes_of_spans_extractions_and_others():
    span = Span(3, 8, "hello")
    ext = Extraction("amount", "p.amount", 3, 8, "hello", {"value": 5})
    assert evaluate("x.start", x=span) == 3
    assert evaluate("x.text", x=span) == "hello"
    assert evaluate("x.value", x=span) is None
    assert evaluate("x.value", x=ext) == 5
    assert evaluate("x.kind", x=ext) == "amount"
    assert evaluate("x.missing", x=ext) is None
    assert evaluate("x.value.deeper", x=ext) is None
    assert get_attribute({"a": 1}, "a") == 1
    assert get_attribute(5, "real") is None


# ---- functions ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("6,000", 6000), ("1.5", 1.5), ("1 500", 1500), ("1\u00a0500", 1500), ("12,345,678", 12345678),
     ("2004", 2004), ("abc", None), ("", None), (None, None), (7, 7), (2.5, 2.5), (True, None),
     (Span(0, 5, "6,000"), 6000)],
)
def test_number(value, expected):
    result = parse_number(value)
    assert result == expected and type(result) is type(expected)


def test_number_of_a_float_that_is_whole_is_int():
    assert isinstance(parse_number("3.0"), int)


def test_lookup():
    assert evaluate("lookup(<scale>, x)", x=Span(0, 7, "MILLION")) == 1e6
    assert evaluate("lookup(<scale>, x)", x=Span(0, 2, "bn")) == 1e9
    assert evaluate('lookup(<scale>, "Dozen")') == 12
    assert evaluate('lookup(<scale>, "plain")') == "plain"  # an entry without a value maps to itself
    assert evaluate('lookup(<scale>, "nope")') is None
    assert evaluate('lookup(<scale>, "nope", 1)') == 1
    assert evaluate("lookup(<scale>, x, 1)", x=None) == 1
    assert evaluate('lookup(x, "bn", 3)', x=NUM5) == 3  # not a lexicon: the default


def test_min_max_ignore_nulls():
    assert evaluate("min(3, null, 1, 2)") == 1
    assert evaluate("max(3, null, 1, 2)") == 3
    assert evaluate("min(null, null)") is None
    assert evaluate("max()") is None
    assert evaluate('max("a", 1)') == 1
    assert evaluate("min(true, 5)") == 5


@pytest.mark.parametrize(
    ("qualifier", "low", "high"),
    [("exact", 10, 10), ("approximately", 10, 10), ("more_than", 10, None), ("at_least", 10, None),
     ("less_than", None, 10), ("at_most", None, 10), (None, None, None), ("bogus", None, None)],
)
def test_bounds_per_qualifier(qualifier, low, high):
    assert lower_bound(10, qualifier) == low
    assert upper_bound(10, qualifier) == high
    assert evaluate("lower_bound(10, x)", x=qualifier) == low
    assert evaluate("upper_bound(10, x)", x=qualifier) == high


def test_other_builtins():
    assert evaluate("text(x)", x=Span(0, 3, "Abc")) == "Abc"
    assert evaluate("lower(x)", x=Span(0, 3, "Abc")) == "abc"
    assert evaluate("lower(x)", x=None) is None
    assert evaluate('concat(x, "-", y)', x=Span(0, 1, "a"), y=None) == "a-"
    assert evaluate("concat(x, y)", x=None, y=None) is None
    assert evaluate("coalesce(x, y, 3)", x=None, y=None) == 3
    assert evaluate("coalesce(x, 3)", x=0) == 0
    assert evaluate("has(x)", x=None) is False
    assert evaluate("has(x)", x=NUM5) is True
    assert evaluate("round(3.14159, 2)") == 3.14
    assert evaluate("round(2.5)") == 2 and isinstance(evaluate("round(2.6)"), int)
    assert evaluate('round("a", 1)') is None
    assert evaluate("abs(-4)") == 4
    assert evaluate("abs(x)", x=None) is None
    assert evaluate("is_integer(4.0)") is True and evaluate("is_integer(4.5)") is False
    assert evaluate("is_finite(1 / 3)") is True and evaluate("is_finite(x)", x=None) is False
    ext = Extraction("k", "r", 1, 4, "abc", {"f": 1})
    assert evaluate("span(x)", x=ext) == Span(1, 4, "abc")


# ---- sandbox ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["__import__", "open", "eval", "os", "__builtins__", "self", "print"])
def test_names_are_only_captures(compile_errors, name):
    errors = compile_errors(f'rule r {{ match x:"a" yield {{ v: {name} }} }}')
    assert f"unknown name {name!r}" in errors[0].message


@pytest.mark.parametrize("call", ["__import__(\"os\")", "open(\"x\")", "eval(\"1\")", "getattr(x, \"a\")",
                                  "exec(\"1\")", "type(x)"])
def test_python_callables_are_not_functions(compile_errors, call):
    errors = compile_errors(f'rule r {{ match x:"a" yield {{ v: {call} }} }}')
    assert "unknown function" in errors[0].message


@pytest.mark.parametrize("attribute", ["__class__", "__dict__", "__init__", "fields", "to_dict", "__globals__"])
def test_attributes_cannot_reach_python(engine_of, compile_errors, attribute):
    # a fragment of no declared kind may have any field: unknown ones are null
    engine = engine_of(f'fragment f {{ match NUM }}\nrule r {{ match x:@f yield {{ v: x.{attribute} }} }}')
    (result,) = engine.extract("5 a")
    assert result["v"] is None
    # a span has only start, end and text: anything else is a compile error
    (error,) = compile_errors(f'rule r {{ match y:"a" yield {{ w: y.{attribute} }} }}')
    assert f"has no field {attribute!r}" in error.message


def test_python_syntax_is_not_accepted():
    for source in ["x[0]", "lambda: 1", "x.y()", "1 ** 2", "{1: 2}", "[1]", "x if y"]:
        with pytest.raises(RuleErrors):
            parse(f'rule r {{ match x:"a" yield {{ v: {source} }} }}')
