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


class TooLong(int):
    """A line left unread because it is longer than the limit: its size in bytes."""


_SKIP_CHUNK = 1 << 20  # what is read at a time of a line being skipped


def _lines(stream: BinaryIO, max_bytes: int | None = None) -> Iterator[bytes | TooLong]:
    """The lines of ``stream``, ended by LF, CRLF or a lone CR (old Mac files), without their ends.

    With ``max_bytes``, a longer line is never held in memory: it is read past in pieces and
    given as its size (:class:`TooLong`), so that it can be reported in its place.
    """
    while True:
        raw = stream.readline() if max_bytes is None else stream.readline(max_bytes + 2)
        if not raw:
            return
        if max_bytes is not None and not raw.endswith(b"\n") and len(raw) == max_bytes + 2:
            size = len(raw)
            while not raw.endswith(b"\n"):
                raw = stream.readline(_SKIP_CHUNK)
                if not raw:
                    break
                size += len(raw)
            ending = 2 if raw.endswith(b"\r\n") else 1 if raw.endswith(b"\n") else 0
            yield TooLong(size - ending)  # the size of the line without its end, as for any other
            continue
        raw = raw[:-1] if raw.endswith(b"\n") else raw
        raw = raw[:-1] if raw.endswith(b"\r") else raw
        if max_bytes is not None and len(raw) > max_bytes:
            yield TooLong(len(raw))
            continue
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


def _too_long(where: str, size: int, max_bytes: int) -> InputProblem:
    return InputProblem(where, f"InputError: {where} is {size:,} bytes, over the limit of {max_bytes:,} "
                               "(--max-bytes); it was not read")


def read_jsonl(stream: BinaryIO, name: str, id_field: str, text_field: str,
               max_bytes: int | None = None) -> Iterator[Item]:
    """One document per line; blank lines are skipped; bad lines, and lines over ``max_bytes``
    bytes, become problems."""
    for number, raw in enumerate(_lines(stream, max_bytes), start=1):
        where = f"{name}:{number}"
        if isinstance(raw, TooLong):
            yield _too_long(where, raw, max_bytes or 0)
            continue
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
                input_format: str = "auto", max_bytes: int | None = None) -> Iterator[Item]:
    """Documents from each path in order; ``-`` is standard input.

    ``input_format`` ``jsonl`` reads JSON lines, ``text`` one document a file, and ``auto``
    decides: a file by its name (``.jsonl``, ``.ndjson``), standard input by its first
    character that is not blank (``{``: JSON lines).

    ``max_bytes``: a document (a JSON line, a text file) longer than this many bytes is not
    read but reported as a problem in its place, so memory stays bounded by the limit.
    Without it every document is read whole (the matcher works through a long one in pieces).
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
                    yield from read_jsonl(stream, name, id_field, text_field, max_bytes)
                else:
                    raw = stream.read() if max_bytes is None else stream.read(max_bytes + 1)
                    if max_bytes is not None and len(raw) > max_bytes:
                        size = len(raw)
                        while chunk := stream.read(_SKIP_CHUNK):
                            size += len(chunk)
                        yield _too_long(name, size, max_bytes)
                        continue
                    decoded = _decode(raw, name)
                    yield decoded if isinstance(decoded, InputProblem) else InputDocument(name, decoded)
        except OSError as error:
            yield InputProblem(name, f"InputError: cannot read {path}: {error.strerror or error}")
