"""Results as tables: pandas DataFrames, CSV and Parquet (``pip install 'tallyrules[frames]'``).

Column naming (docs/dataframes.md):

* ``document`` (the document id), ``index`` (the extraction's position in its document's
  ``extractions``, the number a claim's ``attribution`` refers to), ``kind``, ``rule``,
  ``start``, ``end``, ``text``;
* one column per field. A field holding a plain piece of text (a span without fields of its own,
  like an attribution's ``cue``) gives its text under the field's name and its offsets in
  ``<name>.start`` and ``<name>.end``. A field holding a nested result (a span with fields, like
  an attribution's ``source``) gives ``<name>.text``, ``<name>.start``, ``<name>.end`` and its own
  fields below ``<name>.``, by the same rules: ``source.text``, ``source.name``, ``source.role``,
  ``count.value``. A list stays a list (in CSV, its JSON text).

Works on :class:`DocumentResult` objects or on their JSON form (lines of ``--format jsonl``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO

from .errors import TallyrulesError
from .results import DocumentResult

if TYPE_CHECKING:
    import pandas

_ENGINE_KEYS = ("kind", "rule", "start", "end", "text")


class MissingExtra(TallyrulesError):
    """An optional dependency is not installed; the message names the extra to install."""


def require(module: str, extra: str, purpose: str) -> Any:
    """Import ``module`` or raise :class:`MissingExtra` saying how to install it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise MissingExtra(f"{purpose} needs {module}, which is not installed: "
                           f"pip install 'tallyrules[{extra}]'") from error


def _records(results: Iterable[DocumentResult | Mapping[str, Any]]) -> Iterator[dict[str, Any]]:
    for result in results:
        yield result.to_dict() if isinstance(result, DocumentResult) else dict(result)


def _is_piece(value: Any) -> bool:
    return isinstance(value, Mapping) and "start" in value and "end" in value and "text" in value


def _flatten(record: Mapping[str, Any], prefix: str, row: dict[str, Any], skip: tuple[str, ...]) -> None:
    for name, value in record.items():
        if name in skip:
            continue
        path = prefix + name
        if _is_piece(value):
            nested = [k for k in value if k not in ("start", "end", "text")]
            if nested:
                row[path + ".text"] = value["text"]
                row[path + ".start"] = value["start"]
                row[path + ".end"] = value["end"]
                _flatten(value, path + ".", row, ("start", "end", "text"))
            else:
                row[path] = value["text"]
                row[path + ".start"] = value["start"]
                row[path + ".end"] = value["end"]
        else:
            row[path] = value


def flat_rows(results: Iterable[DocumentResult | Mapping[str, Any]]) -> Iterator[dict[str, Any]]:
    """One flat dict per extraction, with the column names described in this module."""
    for record in _records(results):
        for index, extraction in enumerate(record.get("extractions", [])):
            row: dict[str, Any] = {"document": record.get("id"), "index": index}
            row.update((key, extraction.get(key)) for key in _ENGINE_KEYS)
            _flatten(extraction, "", row, _ENGINE_KEYS)
            yield row


def claim_rows(results: Iterable[DocumentResult | Mapping[str, Any]]) -> Iterator[dict[str, Any]]:
    """One dict per claim: a result linked to an attribution, with its source and cue.

    Columns: ``document``, ``index``, ``kind``, ``text``, ``start``, ``end``, ``value``, ``low``,
    ``high``, ``qualifier``, ``unit``, ``entity``, ``source``, ``source.role``, ``cue``,
    ``attribution`` (the attribution's index) and ``attribution.text``.
    """
    for record in _records(results):
        extractions = record.get("extractions", [])
        for index, extraction in enumerate(extractions):
            link = extraction.get("attribution")
            if not isinstance(link, int) or not 0 <= link < len(extractions):
                continue
            attribution = extractions[link]
            source = attribution.get("source") or extraction.get("source") or {}
            role = source.get("role") if isinstance(source, Mapping) else None
            cue = attribution.get("cue")
            yield {
                "document": record.get("id"), "index": index, "kind": extraction.get("kind"),
                "text": extraction.get("text"), "start": extraction.get("start"), "end": extraction.get("end"),
                **{key: extraction.get(key) for key in ("value", "low", "high", "qualifier", "unit", "entity")},
                "source": source.get("text") if isinstance(source, Mapping) else None,
                "source.role": role.get("text") if isinstance(role, Mapping) else role,
                "cue": cue.get("text") if isinstance(cue, Mapping) else cue,
                "attribution": link, "attribution.text": attribution.get("text"),
            }


def _frame(rows: Iterable[dict[str, Any]], first: tuple[str, ...]) -> pandas.DataFrame:
    pandas = require("pandas", "frames", "A DataFrame")
    rows = list(rows)
    columns = list(first)
    for row in rows:
        columns.extend(name for name in row if name not in columns)
    return pandas.DataFrame(rows, columns=columns)


def to_dataframe(results: Iterable[DocumentResult | Mapping[str, Any]]) -> pandas.DataFrame:
    """A pandas DataFrame with one row per extraction (see the module doc for the columns).

    >>> frame = tallyrules.to_dataframe(engine.extract_many(texts))        # doctest: +SKIP
    >>> frame[frame.kind == "quantity"][["document", "text", "value", "source.text"]]  # doctest: +SKIP
    """
    return _frame(flat_rows(results), ("document", "index", *_ENGINE_KEYS))


def claims_dataframe(results: Iterable[DocumentResult | Mapping[str, Any]]) -> pandas.DataFrame:
    """A pandas DataFrame with one row per claim (a result linked to an attribution)."""
    return _frame(claim_rows(results), ("document", "index", "kind", "text", "start", "end", "value", "low", "high",
                                        "qualifier", "unit", "entity", "source", "source.role", "cue",
                                        "attribution", "attribution.text"))


def _csv_cell(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value


def _text_cell(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def write_csv(results: Iterable[DocumentResult], out: TextIO) -> tuple[int, int]:
    """One CSV row per extraction (columns as in :func:`to_dataframe`; needs no pandas).

    The columns are those of all results, so rows are gathered before writing.
    """
    import csv

    documents = failed = 0
    rows: list[dict[str, Any]] = []
    columns: list[str] = ["document", "index", *_ENGINE_KEYS]
    for result in results:
        documents += 1
        failed += result.error is not None
        for row in flat_rows([result]):
            columns.extend(name for name in row if name not in columns)
            rows.append(row)
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({name: _csv_cell(value) for name, value in row.items()})
    return documents, failed


def write_parquet(results: Iterable[DocumentResult], out: BinaryIO | str) -> tuple[int, int]:
    """One Parquet row per extraction (needs pandas and pyarrow: ``tallyrules[frames]``)."""
    require("pyarrow", "frames", "Parquet output")
    documents = failed = 0
    kept: list[DocumentResult] = []
    for result in results:
        documents += 1
        failed += result.error is not None
        kept.append(result)
    frame = to_dataframe(kept)
    # Parquet needs one type per column: lists, and columns mixing types, are written as JSON text.
    for column in frame.columns:
        if frame[column].dtype != object:
            continue
        types = {type(v) for v in frame[column] if v is not None}
        if len(types) > 1 or types & {list, dict}:
            frame[column] = frame[column].map(_text_cell)
    frame.to_parquet(out, index=False)
    return documents, failed
