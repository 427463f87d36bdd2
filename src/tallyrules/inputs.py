"""Read documents for ``tallyrules extract``: JSONL files, plain files, standard input.

A problem with one document (a line that is not JSON, has no text field, is
not UTF-8; a binary file) becomes an :class:`InputProblem` in its place, so the
output keeps one line per input document, in order, and nothing is lost.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import attrs


@attrs.frozen
class InputDocument:
    """A document to extract from."""

    id: Any
    text: str


@attrs.frozen
class InputProblem:
    """A document that could not be read; it is reported in the output with ``error``."""

    id: Any
    error: str


Item = InputDocument | InputProblem


def _decode(raw: bytes, where: str) -> str | InputProblem:
    if b"\x00" in raw:
        return InputProblem(where, f"InputError: {where} looks binary (contains NUL bytes)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return InputProblem(where, f"InputError: {where} is not UTF-8 ({error.reason} at byte {error.start})")


def read_jsonl(stream: BinaryIO, name: str, id_field: str, text_field: str) -> Iterator[Item]:
    """One document per line; blank lines are skipped; bad lines become problems."""
    for number, raw in enumerate(stream, start=1):
        where = f"{name}:{number}"
        if not raw.strip():
            continue
        decoded = _decode(raw.rstrip(b"\r\n"), where)
        if isinstance(decoded, InputProblem):
            yield decoded
            continue
        try:
            record = json.loads(decoded)
        except ValueError as error:
            yield InputProblem(where, f"InputError: line {number} of {name} is not JSON: {error}")
            continue
        except RecursionError:
            yield InputProblem(where, f"InputError: line {number} of {name} is nested too deeply to read")
            continue
        if not isinstance(record, dict):
            yield InputProblem(where, f"InputError: line {number} of {name} is not a JSON object")
            continue
        doc_id = record.get(id_field, where)
        text = record.get(text_field)
        if not isinstance(text, str):
            yield InputProblem(doc_id, f"InputError: line {number} of {name} has no string field {text_field!r}")
            continue
        yield InputDocument(doc_id, text)


def read_inputs(paths: list[str], id_field: str = "id", text_field: str = "text") -> Iterator[Item]:
    """Documents from each path in order: ``-`` is standard input (JSONL if it looks like JSON)."""
    for path in paths or ["-"]:
        if path == "-":
            data = sys.stdin.buffer
            first = data.peek(1)[:1] if hasattr(data, "peek") else b""
            if first == b"{":
                yield from read_jsonl(data, "<stdin>", id_field, text_field)
            else:
                decoded = _decode(data.read(), "<stdin>")
                yield decoded if isinstance(decoded, InputProblem) else InputDocument("<stdin>", decoded)
            continue
        file = Path(path)
        try:
            if file.suffix == ".jsonl":
                with file.open("rb") as stream:
                    yield from read_jsonl(stream, path, id_field, text_field)
            else:
                decoded = _decode(file.read_bytes(), path)
                yield decoded if isinstance(decoded, InputProblem) else InputDocument(path, decoded)
        except OSError as error:
            yield InputProblem(path, f"InputError: cannot read {path}: {error.strerror or error}")
