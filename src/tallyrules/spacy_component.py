"""A spaCy pipeline component: ``nlp.add_pipe("tallyrules", config={"packs": [...]})``.

Registered through the ``spacy_factories`` entry point, so installing tallyrules with the
``spacy`` extra is enough; no import is needed before ``add_pipe``. The component runs a
tallyrules engine on ``doc.text`` and puts every extraction into ``doc.spans["tallyrules"]``
(the key is configurable), labelled with its kind. ``span._.tallyrules`` gives the
extraction's fields in their JSON form (docs/output.md); ``doc._.tallyrules`` the whole list.

An extraction whose offsets fall inside a token (``$15``) is widened to whole tokens; its fields
keep the exact character offsets.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span, SpanGroup

from .engine import Engine

EXTENSION = "tallyrules"
_INDEX = "tallyrules_index"  # doc.user_data key: "label|start_char|end_char" -> position in doc._.tallyrules


def _fields_of_span(span: Span) -> dict[str, Any] | None:
    doc = span.doc
    position = doc.user_data.get(_INDEX, {}).get(f"{span.label_}|{span.start_char}|{span.end_char}")
    extractions = doc._.get(EXTENSION)
    return None if position is None or extractions is None else extractions[position]


if not Doc.has_extension(EXTENSION):
    Doc.set_extension(EXTENSION, default=None)
if not Span.has_extension(EXTENSION):
    Span.set_extension(EXTENSION, getter=_fields_of_span)


class TallyrulesComponent:
    """Extractions as spans: ``doc.spans[spans_key]``, fields on ``span._.tallyrules``."""

    def __init__(self, nlp: Language, name: str, packs: list[str] | None, exclude: list[str], rules: list[str],
                 spans_key: str) -> None:
        self.name = name
        self.spans_key = spans_key
        self.engine = Engine(packs=packs, exclude=exclude, paths=rules)

    def __call__(self, doc: Doc) -> Doc:
        extractions = self.engine.extract(doc.text)
        records: list[dict[str, Any]] = []
        index: dict[str, int] = {}
        spans: list[Span] = []
        for extraction in extractions:
            span = doc.char_span(extraction.start, extraction.end, label=extraction.kind, alignment_mode="expand")
            if span is None:
                continue
            key = f"{span.label_}|{span.start_char}|{span.end_char}"
            if key in index:
                continue  # same kind over the same tokens: the first (longest, earliest rule) stands
            index[key] = len(records)
            records.append(extraction.to_dict())
            spans.append(span)
        doc._.set(EXTENSION, records)
        doc.user_data[_INDEX] = index
        doc.spans[self.spans_key] = SpanGroup(doc, name=self.spans_key, spans=spans)
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        for doc in docs:
            yield self(doc)


@Language.factory(
    "tallyrules",
    default_config={"packs": None, "exclude": [], "rules": [], "spans_key": "tallyrules"},
)
def make_component(nlp: Language, name: str, packs: list[str] | None, exclude: list[str], rules: list[str],
                   spans_key: str) -> TallyrulesComponent:
    """The ``tallyrules`` factory: ``packs`` None means every installed pack; ``rules`` adds rule files."""
    return TallyrulesComponent(nlp, name, packs, exclude, rules, spans_key)
