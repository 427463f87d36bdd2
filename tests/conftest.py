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
from hypothesis import strategies as st

from tallyrules import Engine, RuleError, RuleErrors

FIXTURES = Path(__file__).parent / "fixtures"
PACK = FIXTURES / "pack"

# Generated text for the property tests of the token and unit layers: characters news text
# has, and the ones that test the edges of those models.
TEXT_ALPHABET = (
    "abcxyzABCXYZ0123456789 .,;:!?%$€£&@#/()[]'\"-_+*=<>"
    "“”‘’„«»‐‑‒–—―"  # curly quotes and dashes
    "éÜßñçøÆſİıµªĀ"  # Latin letters beyond ASCII, some with odd case folding
    "МоскваΣσς東京٣𝟘😀\u0301"  # letters, digits and marks outside the Latin ranges
    "\t\n\r\f\v\xa0\u2009\u202f\u2028\u3000"  # spaces, some of them not gaps
)
TEXT_FRAGMENTS = ["U.S.", "u.s.", "6,000", "1,0000", "1,00", "1.5", "Gen.", "Éric.", "Zürich", "one-third", "don’t",
                  "--", "5bn", "$15", "F-16", "747s", "AT&T", "A&", "NATO", "É.U.", "xé.u.", "e.g.", "foo_bar", "_1",
                  " \n ", "\n\n", "  "]


def check_pieces(text: str, pieces: list[str], starts: list[int], ends: list[int], separators: list[str],
                 spaces: str) -> None:
    """What a splitting pass (tokens or units) promises: exact offsets, in order, never
    overlapping, and every character of ``text`` in a piece or in a separator of ``spaces``."""
    assert len(pieces) == len(starts) == len(ends) == len(separators)
    previous_end = 0
    for piece, start, end, separator in zip(pieces, starts, ends, separators, strict=True):
        assert text[start:end] == piece and piece
        assert text[previous_end:start] == separator
        assert all(char in spaces for char in separator)
        previous_end = end
    assert all(char in spaces for char in text[previous_end:])


def generated_texts(max_pieces: int = 25) -> st.SearchStrategy[str]:
    """Texts made of fragments, runs of :data:`TEXT_ALPHABET` and any characters at all."""
    pieces = st.one_of(st.sampled_from(TEXT_FRAGMENTS), st.text(TEXT_ALPHABET, max_size=6), st.text(max_size=3))
    return st.lists(pieces, max_size=max_pieces).map("".join)

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
