"""Shared fixtures of the tallyrules test suite.

The suite never depends on the installed rule packs: every engine here is built
with ``use_installed=False`` from rule text written in the tests or from the
small fixture pack under ``tests/fixtures/pack``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tallyrules import Engine, RuleError, RuleErrors

FIXTURES = Path(__file__).parent / "fixtures"
PACK = FIXTURES / "pack"


def build(text: str, **options: object) -> Engine:
    """An engine of just ``text`` (no installed packs, no entry points)."""
    options.setdefault("use_installed", False)
    return Engine.from_text(text, **options)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def news_engine() -> Engine:
    """The whole fixture pack: numbers, quantities, ranges, a veto, attributions and a link."""
    return Engine.from_paths(PACK, use_installed=False)


@pytest.fixture
def engine_of() -> Callable[..., Engine]:
    """``engine_of(rule_text, **options)``: compile rule text into an isolated engine."""
    return build


@pytest.fixture
def compile_errors() -> Callable[..., list[RuleError]]:
    """``compile_errors(rule_text)``: the RuleErrors of a text that must not compile."""

    def run(text: str, name: str = "inline.rules", **options: object) -> list[RuleError]:
        with pytest.raises(RuleErrors) as info:
            build(text, name=name, **options)
        assert info.value.errors, "RuleErrors raised with an empty list"
        return info.value.errors

    return run


@pytest.fixture
def texts_matched() -> Callable[..., list[str]]:
    """``texts_matched(pattern, text, prelude="")``: the texts one rule with this pattern extracts."""

    def run(pattern: str, text: str, prelude: str = "") -> list[str]:
        engine = build(f"{prelude}\nrule r {{ match {pattern} }}\n")
        return [e.text for e in engine.extract(text)]

    return run
