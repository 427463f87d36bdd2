"""What counts as a document, written once for the engine, worker processes and Dask.

A document is a string (its id is its position), an ``(id, text)`` pair, a
mapping with an id field and a text field, or an already-read
:class:`InputDocument`/:class:`InputProblem`.  :func:`document_item` turns any of
them into one of the last two, so a document that has no text becomes an
``InputError`` record in its place instead of an exception.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import InputError, error_record
from .inputs import InputDocument, InputProblem, Item


def document_item(document: Any, position: int, id_field: str = "id", text_field: str = "text") -> Item:
    """The document at ``position`` of an input, as a readable item or an input problem."""
    if isinstance(document, (InputDocument, InputProblem)):
        return document
    if isinstance(document, str):
        return InputDocument(position, document)
    if isinstance(document, tuple) and len(document) == 2:
        return InputDocument(document[0], document[1])
    if isinstance(document, Mapping):
        text = document.get(text_field)
        doc_id = document.get(id_field, position)
        if not isinstance(text, str):
            return InputProblem(doc_id, no_text_field(text_field))
        return InputDocument(doc_id, text)
    return InputProblem(position, error_record(InputError(f"cannot extract from a {type(document).__name__}")))


def no_text_field(text_field: str) -> str:
    """The error record of a document without a string ``text_field``."""
    return error_record(InputError(f"no string field {text_field!r}"))
