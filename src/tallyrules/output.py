"""Write extraction results: JSONL (the contract), one JSON array, or a readable table.

Whatever a document holds, its line is written: a lone surrogate (a valid JSON escape,
so it can come in through an id or a span of the text) is written back as its
``\\uXXXX`` escape (so are U+0085, U+2028 and U+2029, which some readers take for line
ends), a ``NaN`` or ``Infinity`` id as a string, and a result that cannot be written as
JSON at all (a plugin's value that JSON has no form for) becomes an error record in its
place.  The table escapes control characters, so the input text
cannot send escape codes to a terminal.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from typing import Any, TextIO

from .results import ENGINE_FIELD_ORDER, DocumentResult

FORMATS = ("jsonl", "json", "table")

_SPAN_KEYS = (*ENGINE_FIELD_ORDER, "content", "claims")

# lone surrogates (not encodable), and the line separators that str.splitlines() and JavaScript
# break lines at: written as their escapes, which mean the same inside a JSON string
_ESCAPED = re.compile("[\ud800-\udfff\x85\u2028\u2029]")
# C0 and C1 controls (but tab), DEL, surrogates, and the bidirectional overrides that reorder a line
_UNPRINTABLE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
TABLE_TEXT = 48  # characters of an extraction's text shown in a table row cut to a terminal's width


def _escape_character(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def _finite_id(value: Any) -> Any:
    """An id with every non-finite number as a string: ``NaN`` is read by json.loads, but is not JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, list):
        return [_finite_id(item) for item in value]
    if isinstance(value, dict):
        return {key: _finite_id(item) for key, item in value.items()}
    return value


def _refuse(value: Any) -> Any:
    # the standard library's own message (JSONEncoder.default)
    raise TypeError(f"Object of type {value.__class__.__name__} is not JSON serializable")


# A JSON line is written by the standard library's C encoder, given the arguments that
# JSONEncoder.iterencode gives it: json.dumps with options builds a JSONEncoder, and
# iterencode a C encoder, on every call, which cost a third of the time of a news item's line.
_make_c_encoder = getattr(json.encoder, "c_make_encoder", None)  # None without the C accelerator
_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False)


def _escape_line_ends(text: str) -> str:
    # such a character can only stand inside a JSON string here, where its escape means the same;
    # most lines are ASCII, which str.isascii() tells at once (a regex search reads every character)
    if text.isascii() or not _ESCAPED.search(text):
        return text
    return _ESCAPED.sub(_escape_character, text)


def _dumps(record: dict[str, Any], indent: int | None = None) -> str:
    if indent is not None:
        text = json.dumps(record, ensure_ascii=False, allow_nan=False, indent=indent)
    elif _make_c_encoder is not None:
        # a fresh dict of the containers being written (the cycle check) for every call
        encoder = _make_c_encoder({}, _refuse, json.encoder.encode_basestring, None, ": ", ", ", False, False, False)
        text = "".join(encoder(record, 0))
    else:  # pragma: no cover - a Python without the json module's C accelerator
        text = _ENCODER.encode(record)
    return _escape_line_ends(text)


def encode_record(result: DocumentResult, indent: int | None = None) -> tuple[str, bool]:
    """The JSON text of one result and whether it is an error record.

    A result that cannot be written as JSON becomes an error record with the same id.
    """
    record = result.to_dict()
    record["id"] = _finite_id(record["id"])
    try:
        return _dumps(record, indent), result.error is not None
    except (TypeError, ValueError, RecursionError) as error:
        reason = f"OutputError: the result cannot be written as JSON: {type(error).__name__}: {error}"
    try:
        _dumps({"id": record["id"]})
        doc_id = record["id"]
    except (TypeError, ValueError, RecursionError):
        doc_id = repr(record["id"])[:200]
    return _dumps({"id": doc_id, "extractions": [], "error": reason[:2000]}, indent), True


def printable(text: str) -> str:
    """``text`` with control characters, surrogates and bidi overrides shown as escapes."""
    return _UNPRINTABLE.sub(lambda m: repr(m.group())[1:-1], text) if _UNPRINTABLE.search(text) else text


def _cell(value: Any) -> str:
    if isinstance(value, dict):
        return repr(value.get("text"))
    return str(value)


def _table_row(extraction: dict[str, Any], shorten: bool) -> str:
    details = [f"{key}={_cell(value)}" for key, value in extraction.items()
               if key not in _SPAN_KEYS and value is not None and value != []]
    text = str(extraction["text"])
    shown = repr(text[:TABLE_TEXT] if shorten else text)
    return printable(f"{extraction['kind']:<18} {shown:<52} {' '.join(details)}")


def write_results(results: Iterable[DocumentResult], out: TextIO, fmt: str,
                  width: int | None = None) -> tuple[int, int]:
    """Write every result as it comes; return (documents, documents with errors).

    ``width`` cuts table rows to a terminal's width; None (output to a file or a pipe)
    writes them whole.
    """
    count = failed = 0
    if fmt == "json":
        out.write("[")
    for result in results:
        if fmt == "table":
            record = result.to_dict()
            error = result.error
            failed += error is not None
            out.write(printable(f"== {record['id']}" + (f"  ERROR: {error}" if error else "")) + "\n")
            for extraction in record["extractions"]:
                row = _table_row(extraction, shorten=width is not None)
                out.write((row[:width] if width is not None else row) + "\n")
        else:
            line, is_error = encode_record(result, indent=1 if fmt == "json" else None)
            failed += is_error
            if fmt == "jsonl":
                out.write(line + "\n")
            else:
                out.write(("," if count else "") + "\n" + line)
        count += 1
        out.flush() if fmt == "jsonl" and count % 256 == 0 else None
    if fmt == "json":
        out.write("\n]\n")
    return count, failed
