"""Long documents in pieces: where to cut them, and how results move back to document offsets.

Why: the matcher's working memory grows with the text it runs on (one shadow copy per
cascade level, the spans of every rule), about 0.6 GB per MB of text.  A document longer
than :data:`CHUNK_CHARS` is matched one piece at a time, so memory stays bounded whatever
the input.  Pieces end at the strongest break found in the last half of a piece: a blank
line (paragraph), then a line break, then a sentence end, then any white space; a text with
none of these (a megabyte without a space) is cut where the piece is full.  A match never
crosses a cut, and rules match within sentences, so cutting between paragraphs changes
nothing a rule can see.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .results import Extraction, Span

# The size of a piece, in characters: news articles fit in one piece whole.
CHUNK_CHARS = 50_000

# The breaks a piece may end after, strongest first.
_BREAKS = (
    re.compile(r"\n[ \t\r\f\v]*\n\s*"),  # a paragraph
    re.compile(r"\n\s*"),  # a line
    re.compile(r"[.!?][\"'”’)\]]*\s+"),  # a sentence
    re.compile(r"\s+"),  # a word
)


def pieces(text: str, size: int) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of consecutive pieces of ``text`` that cover it, each at most ``size``
    characters and cut after the strongest break in its last half."""
    start = 0
    length = len(text)
    while length - start > size:
        limit = start + size
        cut = limit
        for pattern in _BREAKS:
            ends = [found.end() for found in pattern.finditer(text, start + size // 2, limit)]
            if ends:
                cut = ends[-1]
                break
        yield start, cut
        start = cut
    yield start, length


def shifted(extraction: Extraction, offset: int) -> Extraction:
    """``extraction`` (found in a piece starting at ``offset``) with document offsets."""
    fields = {name: _shifted_value(value, offset) for name, value in extraction.fields.items()}
    return Extraction(extraction.kind, extraction.rule, extraction.start + offset, extraction.end + offset,
                      extraction.text, fields, tuple(shifted(part, offset) for part in extraction.parts))


def _shifted_value(value: Any, offset: int) -> Any:
    if isinstance(value, Extraction):
        return shifted(value, offset)
    if isinstance(value, Span):
        return Span(value.start + offset, value.end + offset, value.text)
    if isinstance(value, (list, tuple)):
        return type(value)(_shifted_value(item, offset) for item in value)
    return value
