"""Adversarial inputs finish (RE2: linear time) and every offset is exact.

The inputs are the benchmark's (benchmarks/throughput.py) and more, scaled down
so the file runs in seconds. Inputs dense in matches (many numbers, many
non-ASCII characters) are kept smallest: today each re-matched reference costs
time proportional to the whole document (see docs/performance.md), so their
cost grows with the square of their length. There is no tight timing assert: only a generous
wall-clock guard per input, so a quadratic regression shows up as a failure
instead of a hung CI run only when it is dramatic.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from tallyrules import Engine, Extraction, Span

GUARD_SECONDS = 30.0

# Our own rules beside the installed packs: nested references, a long counted
# repetition over ANY, a where clause and a link, so every matcher path runs.
RULES = r'''
lexicon scale = {"million": 1e6, "billion": 1e9, "bn": 1e9}
lexicon qualifier = {"more than": "more_than", "nearly": "approximately", "at least": "at_least"}
lexicon cue = {"said", "told", "reported"}
kind xtest_number { value }
kind xtest_quantity { value, qualifier, entity }
kind xtest_attribution { source, cue, content }
rule digits: xtest_number {
    match n:NUM (s:<scale>)?
    yield { value: number(n) * lookup(<scale>, s, 1) }
}
rule money: xtest_number {
    match "$" ~ n:NUM ~ s:<scale>?
    yield { value: number(n) * lookup(<scale>, s, 1) }
}
rule counted: xtest_quantity {
    match q:<qualifier>* n:@xtest_number e:LOWER?
    where n.value >= 0
    yield { value: n.value, qualifier: lookup(<qualifier>, q, "exact"), entity: text(e) }
}
rule said: xtest_attribution {
    match s:(CAP CAP?) k:<cue> c:(ANY{2,10}) "."
    yield { source: text(s), cue: text(k), content: c }
}
rule quoted: xtest_attribution {
    match OPEN_QUOTE c:(ANY{1,10}) CLOSE_QUOTE s:CAP k:<cue>
    yield { source: text(s), cue: text(k), content: c }
}
link xtest_quantity to xtest_attribution.content copy source
'''

NEWS = ("Officials said more than 6,000 fighters were killed. \u201cWe lost $5bn,\u201d Lopez said. "
        "Nearly 2.5 million people fled, the U.N. reported. Shares rose 4% to $31.20 in 2004. ")


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(texts={"xtest.rules": RULES})


def check_offsets(text: str, extractions: list[Extraction]) -> None:
    """Every extraction, nested part and span field points at exactly its text."""

    def check(value: Any) -> None:
        if isinstance(value, (Span, Extraction)):
            assert 0 <= value.start <= value.end <= len(text), value
            assert text[value.start:value.end] == value.text, value
        if isinstance(value, Extraction):
            for part in value.parts:
                check(part)
            for field in value.fields.values():
                check(field)
        elif isinstance(value, (list, tuple)):
            for item in value:
                check(item)

    last = (-1, 0)
    for extraction in extractions:
        assert extraction.start < extraction.end
        check(extraction)
        assert (extraction.start, -extraction.end) >= last  # document order
        last = (extraction.start, -extraction.end)


def run(engine: Engine, text: str) -> list[Extraction]:
    started = time.perf_counter()
    results = engine.extract(text)
    elapsed = time.perf_counter() - started
    assert elapsed < GUARD_SECONDS, f"{elapsed:.1f} s on {len(text):,} characters"
    check_offsets(text, results)
    return results


CASES: dict[str, Callable[[], str]] = {
    "no_spaces": lambda: ("Officials4said6,000fighters-died;more1.5bn$(US)\u00e9" * 4000),  # ~200 KB, no whitespace
    "digits_100k": lambda: "1234567890" * 10_000,
    "digit_groups": lambda: "1" + ",000" * 25_000,  # one 100 KB "number" with separators
    "decimal_points": lambda: "1." * 5_000,
    "more_than_x10k": lambda: "more than " * 10_000,
    "more_than_then_number": lambda: "more than " * 10_000 + "6,000 fighters",
    "dollar_signs": lambda: "$" * 100_000,
    "quotes_unbalanced": lambda: "\u201c" * 20_000 + '"' * 20_000 + " Lopez said ." * 100,
    "capitals_said": lambda: "Officials " * 20_000 + "said 5 things.",
    "any_tokens": lambda: ". , ; : ! ? " * 20_000,
    "single_line_news": lambda: NEWS * 250,  # ~50 KB on one line
    "many_lines": lambda: (NEWS + "\n") * 150 + "\n\n" * 20_000,
    "long_word": lambda: "a" * 1_000_000,
    "multibyte": lambda: ("\u20ac6 million \u00e9t\u00e9 \u4e2d\u6587 12\u00a0000 caf\u00e9s \U0001f600 " * 500),
    "nul_and_controls": lambda: ("6,000\x00fighters\x01\x02 said\x0b7 cars. " * 1_000),
    "empty": lambda: "",
    "whitespace": lambda: " \t\n\u00a0" * 50_000,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_pathological_input_completes_with_valid_offsets(engine: Engine, name: str) -> None:
    run(engine, CASES[name]())


def test_news_on_one_line_finds_what_short_documents_find(engine: Engine) -> None:
    # a long line must not lose or shift results: the same sentence alone and repeated
    alone = [(e.kind, e.text) for e in engine.extract(NEWS)]
    repeated = run(engine, NEWS * 200)
    assert alone
    first = [(e.kind, e.text) for e in repeated if e.end <= len(NEWS)]
    assert first == alone


def test_multibyte_offsets_are_characters_not_bytes(engine: Engine) -> None:
    prefix = "\u4e2d\u6587\U0001f600\u00e9 " * 1000
    text = prefix + "Officials said more than 6,000 fighters were killed."
    results = run(engine, text)
    numbers = [e for e in results if e.kind == "xtest_quantity" and "6,000" in e.text]
    assert numbers
    assert numbers[0].start >= len(prefix)
