"""The RE2 layer the matcher runs on: group numbering without compiling, byte offsets, lazy programs."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
import re2
from hypothesis import given
from hypothesis import strategies as st

from tallyrules import Engine, RuleErrors
from tallyrules.regex import EncodedText, RegexError, RuleRegex, capture_groups, regex_options

from .conftest import build

# characters of every UTF-8 width, mask-like private-use ones and a lone surrogate
ODD_TEXT = st.text(alphabet=st.sampled_from(list("ab 1.é“—\ue001\uf8ff😀\ud800")), max_size=40)


@pytest.mark.parametrize("pattern", [
    r"(?P<a>x)(y)(?:z)(?i:w)(?P<b>v)",
    r"[(](?P<a>x)[^)(]\((?P<b>y)\)",
    r"[]()](?P<a>x)[^]()]",
    r"[[:alpha:](](?P<a>x)",
    r"\Q(()\E(?P<a>x)",
    r"\x{28}(?P<a>\p{Lu})(\pL)",
    r"(?P<a>(?P<b>x)|(y))",
    r"(?P<a>x)(?P<a>y)",
])
def test_capture_groups_agree_with_re2(pattern: str) -> None:
    compiled = re2.compile(pattern)
    names = capture_groups(pattern)
    assert len(names) == compiled.groups
    assert RuleRegex(pattern).group_index == compiled.groupindex


def test_capture_groups_agree_with_re2_on_every_installed_rule() -> None:
    for rule in Engine.default().rules:
        compiled = re2.compile(rule.pattern_source, regex_options())
        assert rule.search.group_index == compiled.groupindex, rule.name
        assert len(rule.search.groups) == compiled.groups, rule.name


@given(ODD_TEXT)
def test_byte_offsets_map_back_to_characters(text: str) -> None:
    encoded = EncodedText(text)
    for index in range(len(text) + 1):
        assert encoded.char_offset(len(text[:index].encode("utf-8", "surrogatepass"))) == index


@given(ODD_TEXT, st.sampled_from([r"\pL+", r"[^ ]+", r"b?", "é|“—", r"\x{e001}\x{f8ff}*", "."]))
def test_search_all_finds_what_re2_finditer_finds(text: str, pattern: str) -> None:
    encoded = EncodedText(text)
    ours = [(encoded.char_offset(start), encoded.char_offset(end))
            for (start, end), *_groups in RuleRegex(pattern).search_all(encoded)]
    if "\ud800" in text:
        return  # the wrapper cannot encode a lone surrogate; ours must simply not fail
    theirs = [m.span() for m in re2.compile(pattern, regex_options()).finditer(text)]
    assert ours == theirs


@given(st.text(alphabet=st.sampled_from(list("ab 12,.")), max_size=30))
def test_a_search_gives_the_groups_of_each_match(text: str) -> None:
    pattern = r"(?P<n>\d+(?:,\d+)*)(?P<gap> ?)(?P<w>[ab]+)?|\b(?P<x>a)(b)"
    encoded = EncodedText(text)
    ours = RuleRegex(pattern).search_all(encoded)
    theirs = [[match.span(i) for i in range(1 + match.re.groups)]
              for match in re2.compile(pattern, regex_options()).finditer(text)]
    assert ours == theirs


def test_match_exactly_matches_the_slice_on_its_own() -> None:
    encoded = EncodedText("xé ab")
    start = len("xé ".encode())
    # \b at the slice's start holds on its own even though a letter precedes it in the text
    assert RuleRegex(r"\bab").match_exactly(encoded, start - 1, len(encoded.data)) is None
    assert RuleRegex(r"\bab").match_exactly(encoded, start, len(encoded.data)) == [(start, start + 2)]


def test_regexes_compile_on_first_use_unless_asked_now() -> None:
    rules = 'rule n { match /\\d+/ example "12" }'
    lazy = build(rules)
    assert not any(rule.search.compiled for rule in lazy.rules)
    assert [e.text for e in lazy.extract("a 12 b")] == ["12"]
    assert all(rule.search.compiled for rule in lazy.rules)
    assert all(rule.search.compiled for rule in build(rules, compile_regexes=True).rules)


def test_a_pattern_too_large_for_re2_is_reported_where_it_is_defined() -> None:
    big = "rule big { match (/[a-z]{1000}/ | /[0-9]{1000}/){1000} }"
    with pytest.raises(RuleErrors, match="does not compile"):
        build(big, compile_regexes=True)
    result = build(big).extract_document("abc")
    assert result.error is not None and "big" in result.error and "does not compile" in result.error


def test_rule_regex_refuses_bad_syntax_when_compiled() -> None:
    with pytest.raises(RegexError):
        RuleRegex("(").compile()


def test_a_smaller_memory_budget_changes_no_result_and_lets_every_pattern_run() -> None:
    news = (Path(__file__).parent / "fixtures" / "news_sample.txt").read_text(encoding="utf-8")
    default = Engine.default()
    small = Engine.default(regex_memory=2 << 20)
    assert {rule.search.memory for rule in small.rules} == {2 << 20}
    found = [e.to_dict() for e in default.extract(news)]
    assert found and [e.to_dict() for e in small.extract(news)] == found
    assert {rule.search.memory for rule in pickle.loads(pickle.dumps(small)).rules} == {2 << 20}  # --jobs workers
    # a pattern that does not fit a budget below the default gets the default instead of failing
    large = "(?:" + "|".join(f"w{n:05d}x" for n in range(20_000)) + ")"
    assert not re2._re2.RE2(large.encode(), regex_options(64 << 10)).ok()
    assert [tuple(m[0]) for m in RuleRegex(large, memory=64 << 10).search_all(EncodedText("a w00042x b"))] == [(2, 9)]
    with pytest.raises(ValueError, match="regex_memory"):
        Engine.from_text("rule n { match NUM }", regex_memory=0)
