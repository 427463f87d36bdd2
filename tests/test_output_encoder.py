"""The JSON line writer against the reference it replaced: ``json.dumps`` with the same options.

``output._dumps`` calls the standard library's C encoder directly and skips the line-end regex
on ASCII lines; both are only faster ways to the same bytes.  Compared here on generated
records (every kind of value the writer may meet: floats of any size, NaN, lone surrogates,
line separators, huge integers, keys that are not strings, subclasses, objects JSON has no form
for) and on every document of the hostile fixture, including what is raised when a record
cannot be written.
"""

from __future__ import annotations

import enum
import json
import re
from pathlib import Path
from typing import Any
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from tallyrules import DocumentResult, Engine, Extraction, Span, output
from tallyrules.inputs import read_inputs
from tallyrules.output import _dumps, encode_record

HOSTILE = Path(__file__).parent / "fixtures" / "hostile.jsonl"
PACK = Path(__file__).parent / "fixtures" / "pack"
_ESCAPED = re.compile("[\ud800-\udfff\x85\u2028\u2029]")


def reference(record: Any, indent: int | None = None) -> str:
    """What the writer wrote before: json.dumps, then every lone surrogate and line end escaped."""
    text = json.dumps(record, ensure_ascii=False, allow_nan=False, indent=indent)
    return _ESCAPED.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def outcome(function: Any, *args: Any) -> tuple[str, str]:
    try:
        return "text", function(*args)
    except (TypeError, ValueError, RecursionError) as error:
        return type(error).__name__, str(error)


class Label(str):
    pass


class Count(int):
    pass


class Colour(enum.Enum):
    RED = 1


CHARACTERS = st.characters(codec=None)  # every code point, lone surrogates included
STRINGS = st.one_of(st.text(CHARACTERS, max_size=12),
                    st.sampled_from(["\u2028", "\x85", "\ud800", "a,b: c", '"q"', "\\", "\x00\x1f\x7f"]))
SCALARS = st.one_of(
    st.none(), st.booleans(), STRINGS,
    st.integers(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(), st.floats(allow_nan=False, allow_infinity=False, min_value=-1e-3, max_value=1e-3),
    st.builds(Label, STRINGS), st.builds(Count, st.integers()), st.just(Colour.RED), st.just({1, 2}),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.tuples(inner, inner),
                            st.dictionaries(st.one_of(STRINGS, st.integers(), st.booleans(), st.none()), inner,
                                            max_size=4)),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(record=st.dictionaries(STRINGS, VALUES, max_size=5))
def test_any_record_is_written_as_json_dumps_writes_it(record: dict[str, Any]) -> None:
    assert outcome(_dumps, record) == outcome(reference, record)
    assert outcome(_dumps, record, 1) == outcome(reference, record, 1)


def test_a_record_that_holds_itself_fails_as_before() -> None:
    record: dict[str, Any] = {"id": 1, "extractions": []}
    record["extractions"].append(record)
    assert outcome(_dumps, record) == outcome(reference, record) == ("ValueError", "Circular reference detected")
    assert _dumps({"id": 2}) == '{"id": 2}'  # nothing of the failed call is left behind


def reference_record(result: DocumentResult, indent: int | None = None) -> tuple[str, bool]:
    """``encode_record`` with the reference serializer in place of ``_dumps``: what it wrote before."""
    with mock.patch.object(output, "_dumps", reference):
        return encode_record(result, indent)


@settings(max_examples=200, deadline=None)
@given(texts=st.lists(STRINGS, min_size=1, max_size=3), values=st.lists(VALUES, min_size=1, max_size=3),
       doc_id=VALUES)
def test_any_result_is_written_as_before(texts: list[str], values: list[Any], doc_id: Any) -> None:
    extractions = tuple(
        Extraction("kind", "pack.rule", 0, len(text), text,
                   {"value": value, "values": [value, 2.5, float("inf")], "span": Span(0, len(text), text),
                    "source": Extraction("source", "pack.source", 0, len(text), text, {"x": value})})
        for text, value in zip(texts, values, strict=False))
    result = DocumentResult(doc_id, extractions)
    assert encode_record(result) == reference_record(result)


def test_every_hostile_document_is_written_as_before() -> None:
    engine = Engine(packs=[], paths=[PACK])
    results = [engine.extract_item(item) for item in read_inputs([str(HOSTILE)], "id", "text", "auto")]
    assert len(results) == 32
    for result in results:
        assert encode_record(result) == reference_record(result)
        assert encode_record(result, indent=1) == reference_record(result, indent=1)
