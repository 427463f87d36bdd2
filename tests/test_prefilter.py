"""The prefilter skips rules that cannot match, and never changes what is extracted."""

from __future__ import annotations

import json
from pathlib import Path

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from tallyrules import Engine
from tallyrules.matcher import Matcher

from .conftest import FIXTURES, build

SEED = Path(__file__).resolve().parents[1] / "examples" / "seed-article.txt"

# words the installed packs anchor on, and ordinary ones, so generated texts reach deep cascades
VOCABULARY = [
    "said", "says", "told", "officials", "U.S.", "the", "a", "of", "in", "from", "by", "that", ",", ".",
    "more", "than", "between", "and", "about", "6,000", "18,000", "seven", "half", "percent", "%",
    "fighters", "villages", "square", "kilometers", "killed", "captured", "retook", "town", "Mosul",
    "ISIS", "Kurdish", "Peshmerga", "forces", "army", "troops", "withdrew", "John", "Kerry", "Secretary",
    "\u201c", "\u201d", '"', "he", "they", "estimate", "reported", "million", "$", "5bn", "2004", "’s",
]


def unfiltered(engine: Engine) -> Matcher:
    """A matcher of the same rules that runs every rule on every text (no anchors, no required masks)."""
    rules = tuple(attrs.evolve(rule, anchors=(), required_masks=()) for rule in engine.compiled.rules)
    return Matcher(attrs.evolve(engine.compiled, rules=rules))


def test_a_rule_runs_only_when_every_anchor_clause_has_a_word_in_the_text() -> None:
    engine = build('rule took_from { match "took" WORD "from" <side> }\nlexicon side = {"rebels", "army"}')
    (rule,) = engine.rules
    assert rule.anchors == (frozenset({"took"}), frozenset({"from"}), frozenset({"rebels", "army"}))
    matcher = engine._matcher
    assert rule.order in matcher.possible_rules(b"they took it from the army")
    assert rule.order not in matcher.possible_rules(b"they took it from the town")
    assert rule.order not in matcher.possible_rules(b"the army took it")


def test_an_alternation_requires_one_word_of_any_option() -> None:
    engine = build('rule r { match ("took" | "seized" "back") NUM }')
    (rule,) = engine.rules
    assert rule.anchors == (frozenset({"took", "seized"}),)


def test_an_optional_or_negated_part_requires_nothing() -> None:
    engine = build('lexicon l = {"x"}\nrule r { match "took"? !<l> NUM }')
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


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=30).map(" ".join))
def test_the_prefilter_changes_no_result_on_generated_text(text: str) -> None:
    assert _ENGINE._matcher.run(text) == _REFERENCE.run(text)
