"""Result value classes: spans and extractions (frozen, slotted attrs classes).

An :class:`Extraction` is what a rule produced: its ``kind``, the qualified
``rule`` that fired, exact ``start``/``end`` offsets, the ``text`` between them
and the rule's ``fields``.  A field value is a number, string, bool, None, a
:class:`Span` (a captured piece of text) or a nested :class:`Extraction` (a
match of a referenced rule, e.g. the source inside an attribution).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

#: The fields every extraction has, set by the engine (a kind cannot declare them, a rule cannot yield them).
ENGINE_FIELDS = frozenset({"kind", "rule", "start", "end", "text"})
#: The fields of a span, in the order they are written.
SPAN_FIELDS = ("start", "end", "text")
#: The engine-set fields in the order they are written.
ENGINE_FIELD_ORDER = ("kind", "rule", *SPAN_FIELDS)


@attrs.frozen
class Span:
    """A piece of the document: ``text == document[start:end]``."""

    start: int
    end: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: ``{"start", "end", "text"}``."""
        return {"start": self.start, "end": self.end, "text": self.text}


# field values written as they are (by exact type: a subclass goes through _json_value)
_AS_IS = frozenset({str, int, bool, type(None)})


def _json_value(value: Any) -> Any:
    if type(value) in _AS_IS:
        return value
    if isinstance(value, Extraction):
        return value.to_dict(nested=True)
    if isinstance(value, Span):
        return value.to_dict()
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    if isinstance(value, float):
        if not math.isfinite(value):
            return None  # JSON has no infinity; an overflowing number is no number
        if value.is_integer() and abs(value) < 2**53:
            return int(value)
    return value


@attrs.frozen
class Extraction:
    """One result of one rule over one document.

    ``fields`` holds the rule's yielded values; ``parts`` the matches of the
    rules it referenced (what :meth:`tallyrules.Engine.explain` shows).
    """

    kind: str
    rule: str
    start: int
    end: int
    text: str
    fields: Mapping[str, Any] = attrs.field(factory=dict)
    parts: tuple[Extraction, ...] = attrs.field(default=(), eq=False, repr=False)

    def __getitem__(self, name: str) -> Any:
        return self.fields[name]

    def get(self, name: str, default: Any = None) -> Any:
        """A field's value, or ``default`` when the rule did not yield it."""
        return self.fields.get(name, default)

    @property
    def span(self) -> Span:
        """The extraction's own span."""
        return Span(self.start, self.end, self.text)

    def to_dict(self, nested: bool = False) -> dict[str, Any]:
        """The JSON form of the output contract (docs/output.md).

        Top-level extractions carry ``kind`` and ``rule``; nested ones (a source
        inside an attribution) only their span and fields.
        """
        head: dict[str, Any]
        if nested:
            head = {"start": self.start, "end": self.end, "text": self.text}
        else:
            head = {"kind": self.kind, "rule": self.rule, "start": self.start, "end": self.end, "text": self.text}
        for name, value in self.fields.items():
            # most values are strings and numbers: checked here, without a call
            head[name] = value if type(value) in _AS_IS else _json_value(value)
        return head

    def walk(self) -> Iterator[tuple[int, Extraction]]:
        """Depth-first ``(depth, extraction)`` over this extraction and its parts."""
        stack: list[tuple[int, Extraction]] = [(0, self)]
        while stack:
            depth, node = stack.pop()
            yield depth, node
            stack.extend((depth + 1, part) for part in reversed(node.parts))


@attrs.frozen
class DocumentResult:
    """The extractions of one document, or the error that stopped it."""

    id: Any
    extractions: tuple[Extraction, ...] = ()
    error: str | None = None
    # The document's text, when known: the HTML view shows the extractions in it. Not part of to_dict().
    text: str | None = attrs.field(default=None, eq=False, repr=False, kw_only=True)

    def to_dict(self) -> dict[str, Any]:
        """One line of ``tallyrules extract --format jsonl``."""
        out: dict[str, Any] = {"id": self.id, "extractions": [e.to_dict() for e in self.extractions]}
        if self.error is not None:
            out["error"] = self.error
        return out

    def to_html(self, title: str | None = None) -> str:
        """A self-contained HTML page showing the extractions in the document's text (see ``render_html``)."""
        from .html import render_html

        return render_html([self], title=title or f"tallyrules: {self.id}")
