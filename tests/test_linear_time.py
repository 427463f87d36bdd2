"""Linear time and bounded memory whatever the rule and the input.

* A search reads bounded windows (``regex.MAX_MATCH_BYTES``): its matches are exactly the
  leftmost-longest matches of at most that many bytes, with the groups RE2 reads over each
  span in its context, which a brute-force reference computes here for small bounds.
* A long document is matched in pieces cut at paragraphs (``chunks``): its results are those
  of the whole text, at the same offsets, and links are made over the whole text.
"""

from __future__ import annotations

import pytest
import re2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tallyrules import Engine, matcher, regex
from tallyrules.chunks import pieces
from tallyrules.regex import EncodedText, RuleRegex

_ANCHOR_BOTH = re2._re2.RE2.Anchor.ANCHOR_BOTH


def reference_matches(source: str, data: bytes, bound: int) -> list[list[tuple[int, int]]]:
    """Successive non-overlapping matches, each the leftmost start that has a match of at most
    ``bound`` bytes and its longest such match, found by trying every span (quadratic: tests
    only); each with its groups as RE2 reads them over exactly that span of the whole text."""
    program = re2._re2.RE2(source.encode(), regex.regex_options())
    found = []
    position = 0
    while position <= len(data):
        for start in range(position, len(data) + 1):
            lengths = range(min(bound, len(data) - start), -1, -1)
            end = next((start + n for n in lengths if program.Match(_ANCHOR_BOTH, data, start, start + n)[0][0] >= 0),
                       None)
            if end is not None:
                found.append(program.Match(_ANCHOR_BOTH, data, start, end))
                position = end if end > position else start + 1
                break
        else:
            break
    return found


PATTERNS = [r"a|a[ab ]*b", r"ab*", r"(?:a b )+a", r"b[^a]*a|b", r"\ba\b(?: \w+){0,6}",
            r"(a)|(a)([ab ]*)(b)", r"(?P<x>a b )+(a)\b", r"(b)?(?P<rest>[^a]*a)|(b)"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(alphabet="ab c", max_size=120), pattern=st.sampled_from(PATTERNS),
       bound=st.integers(min_value=1, max_value=12))
def test_search_finds_the_leftmost_longest_matches_within_the_bound(text, pattern, bound) -> None:
    encoded = EncodedText(text)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(regex, "MAX_MATCH_BYTES", bound)
        found = RuleRegex(pattern).search_all(encoded)
    assert found == reference_matches(pattern, encoded.data, bound)


def test_a_search_that_could_run_to_the_end_finds_every_match() -> None:
    """The rule of the quadratic case: with no "b", each "a" is its own match; with a "b" at the
    end, the last match is the longest "a ... b" within the bound."""
    engine = Engine.from_text('rule either { match "a" | "a" WORD* "b" }')
    assert [e.text for e in engine.extract("a " * 6000)] == ["a"] * 6000
    found = engine.extract("a " * 6000 + "x b")
    assert all(e.text == "a" for e in found[:-1])
    last = found[-1]
    assert last.text.startswith("a a") and last.text.endswith("x b")
    assert regex.MAX_MATCH_BYTES - 2 <= len(last.text) <= regex.MAX_MATCH_BYTES


def test_pieces_cover_the_text_and_end_at_the_strongest_break() -> None:
    paragraph = "One sentence here. Another one follows.\nA second line.\n\n"
    text = paragraph * 40
    cuts = list(pieces(text, 300))
    assert cuts[0][0] == 0 and cuts[-1][1] == len(text)
    assert all(a[1] == b[0] for a, b in zip(cuts, cuts[1:], strict=False))
    assert all(end - start <= 300 for start, end in cuts)
    assert all(text[end - 2:end] == "\n\n" for _start, end in cuts[:-1])
    no_breaks = "x" * 1000
    assert list(pieces(no_breaks, 300)) == [(0, 300), (300, 600), (600, 900), (900, 1000)]


NEWS = [
    "Officials said more than 6,000 fighters were killed, and nearly 2.5 million people fled.",
    "U.S. intelligence officials estimate ISIS has between 9,000 and 18,000 fighters remaining.",
    "Kurdish Peshmerga forces retook an area near the Mosul dam, liberating seven villages.",
    "\u201cWe lost $5bn this year,\u201d the company said. Shares rose 4% to $31.20.",
]


def test_a_long_document_gives_the_results_of_the_whole_text(monkeypatch) -> None:
    engine = Engine.default()
    text = "\n\n".join(NEWS * 12)
    whole = [e.to_dict() for e in engine.extract(text)]
    monkeypatch.setattr(matcher, "CHUNK_CHARS", 700)
    assert len(list(pieces(text, 700))) > 5
    in_pieces = [e.to_dict() for e in engine.extract(text)]
    assert in_pieces == whole
    assert any("attribution" in e for e in in_pieces)  # links were made across pieces
