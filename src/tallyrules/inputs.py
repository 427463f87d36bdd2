"""Read documents for ``tallyrules extract``: JSONL files, plain files, standard input.

A problem with one document (a line that is not JSON, has no text field, is
not UTF-8; a binary file) becomes an :class:`InputProblem` in its place, so the
output keeps one line per input document, in order, and nothing is lost.
"""

from __future__ import annotations

import contextlib
import io
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


UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
INPUT_FORMATS = ("auto", "jsonl", "text")
_SNIFF_LIMIT = 1 << 16  # bytes read ahead to find the first character that is not blank


def _decode(raw: bytes, where: str) -> str | InputProblem:
    if raw.startswith(UTF16_BOMS):  # UTF-16 is only recognised by its byte order mark
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as error:
            return InputProblem(where, f"InputError: {where} is not UTF-16 ({error.reason} at byte {error.start})")
    if b"\x00" in raw:
        return InputProblem(where, f"InputError: {where} looks binary (contains NUL bytes)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return InputProblem(where, f"InputError: {where} is not UTF-8 ({error.reason} at byte {error.start})")


def _lines(stream: BinaryIO) -> Iterator[bytes]:
    """The lines of ``stream``, ended by LF, CRLF or a lone CR (old Mac files), without their ends."""
    for raw in stream:
        raw = raw[:-1] if raw.endswith(b"\n") else raw
        raw = raw[:-1] if raw.endswith(b"\r") else raw
        if b"\r" in raw:  # JSON has no raw CR inside a string: a CR here ends a line
            yield from raw.split(b"\r")
        else:
            yield raw


class _Prefixed(io.RawIOBase):
    """A stream whose first bytes were read ahead to sniff its format, and then the rest of it."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self.head, self.rest = head, rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if self.head:
            size = min(len(view), len(self.head))
            view[:size], self.head = self.head[:size], self.head[size:]
            return size
        data = self.rest.read(len(view))
        view[:len(data)] = data
        return len(data)


def _sniff(stream: BinaryIO) -> tuple[bool, BinaryIO]:
    """Whether ``stream`` holds JSON lines (its first character that is not blank is ``{``), and the
    stream to read it from.  A byte order mark is skipped, UTF-16 (with its mark) is decoded."""
    head = b""
    while len(head) < _SNIFF_LIMIT:
        read = getattr(stream, "read1", stream.read)
        chunk = read(4096)
        if not chunk:
            break
        head += chunk
        if head.startswith(UTF16_BOMS) or head.removeprefix(b"\xef\xbb\xbf").strip():
            break
    if head.startswith(UTF16_BOMS):
        raw = head + stream.read()
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError:
            return False, io.BytesIO(raw)  # reported as a problem when read as text
        data = text.encode("utf-8", "surrogatepass")
        return data.lstrip().startswith(b"{"), io.BytesIO(data)
    looks_json = head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"{")
    return looks_json, io.BufferedReader(_Prefixed(head, stream))


def read_jsonl(stream: BinaryIO, name: str, id_field: str, text_field: str) -> Iterator[Item]:
    """One document per line; blank lines are skipped; bad lines become problems."""
    for number, raw in enumerate(_lines(stream), start=1):
        where = f"{name}:{number}"
        if not raw.strip():
            continue
        decoded = _decode(raw, where)
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


def read_inputs(paths: list[str], id_field: str = "id", text_field: str = "text",
                input_format: str = "auto") -> Iterator[Item]:
    """Documents from each path in order; ``-`` is standard input.

    ``input_format`` ``jsonl`` reads JSON lines, ``text`` one document a file, and ``auto``
    decides: a file by its name (``.jsonl``, ``.ndjson``), standard input by its first
    character that is not blank (``{``: JSON lines).
    """
    for path in paths or ["-"]:
        name = "<stdin>" if path == "-" else path
        try:
            with contextlib.ExitStack() as stack:
                if path == "-":
                    stream: BinaryIO = sys.stdin.buffer
                    looks_json, stream = _sniff(stream) if input_format == "auto" else (False, stream)
                else:
                    stream = stack.enter_context(Path(path).open("rb"))
                    looks_json = Path(path).suffix in (".jsonl", ".ndjson")
                if input_format == "jsonl" or (input_format == "auto" and looks_json):
                    if path != "-" and stream.peek(2)[:2] in UTF16_BOMS:  # type: ignore[attr-defined]
                        _, stream = _sniff(stream)
                    yield from read_jsonl(stream, name, id_field, text_field)
                else:
                    decoded = _decode(stream.read(), name)
                    yield decoded if isinstance(decoded, InputProblem) else InputDocument(name, decoded)
        except OSError as error:
            yield InputProblem(name, f"InputError: cannot read {path}: {error.strerror or error}")
