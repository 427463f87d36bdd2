"""Write extraction results: JSONL (the contract), one JSON array, or a readable table."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from typing import Any, TextIO

from .results import ENGINE_FIELD_ORDER, DocumentResult

FORMATS = ("jsonl", "json", "table")

_SPAN_KEYS = (*ENGINE_FIELD_ORDER, "content", "claims")


def _cell(value: Any) -> str:
    if isinstance(value, dict):
        return repr(value.get("text"))
    return str(value)


def _table_row(extraction: dict[str, Any]) -> str:
    details = [f"{key}={_cell(value)}" for key, value in extraction.items()
               if key not in _SPAN_KEYS and value is not None and value != []]
    return f"{extraction['kind']:<18} {extraction['text'][:48]!r:<52} {' '.join(details)}"


def write_results(results: Iterable[DocumentResult], out: TextIO, fmt: str) -> tuple[int, int]:
    """Write every result as it comes; return (documents, documents with errors)."""
    count = failed = 0
    width = shutil.get_terminal_size((120, 20)).columns
    if fmt == "json":
        out.write("[")
    for result in results:
        record = result.to_dict()
        failed += result.error is not None
        if fmt == "jsonl":
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        elif fmt == "json":
            out.write(("," if count else "") + "\n" + json.dumps(record, ensure_ascii=False, indent=1))
        else:
            out.write(f"== {record['id']}" + (f"  ERROR: {result.error}" if result.error else "") + "\n")
            for extraction in record["extractions"]:
                out.write(_table_row(extraction)[:width] + "\n")
        count += 1
        out.flush() if fmt == "jsonl" and count % 256 == 0 else None
    if fmt == "json":
        out.write("\n]\n")
    return count, failed
