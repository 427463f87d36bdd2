"""Shared fixtures of the tallyrules test suite.

The suite never depends on the installed rule packs: every engine here is built
with ``use_installed=False`` from rule text written in the tests or from the
small fixture pack under ``tests/fixtures/pack``.

Nor does it touch the user's parse cache: the whole session (and any subprocess it
starts) caches parsed rule files in a private temporary directory, removed at the end.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tallyrules import Engine, RuleError, RuleErrors

FIXTURES = Path(__file__).parent / "fixtures"
PACK = FIXTURES / "pack"

# Set at import, before any engine is built (collecting the examples of rule files builds some).
SESSION_PARSE_CACHE = tempfile.mkdtemp(prefix="tallyrules-test-parse-cache-")
os.environ["TALLYRULES_CACHE_DIR"] = SESSION_PARSE_CACHE
os.environ.pop("TALLYRULES_CACHE", None)  # the suite runs with the cache on, as users do


@pytest.fixture(scope="session", autouse=True)
def _isolated_parse_cache() -> Iterator[None]:
    """Remove the session's parse cache directory when the session ends."""
    yield
    shutil.rmtree(SESSION_PARSE_CACHE, ignore_errors=True)


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh private cache directory for one test (created by the cache itself)."""
    directory = tmp_path / "cache"
    monkeypatch.setenv("TALLYRULES_CACHE_DIR", str(directory))
    monkeypatch.delenv("TALLYRULES_CACHE", raising=False)
    return directory


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
