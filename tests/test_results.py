"""Result classes: spans, extractions, document results, their JSON form, and pickling engines."""

from __future__ import annotations

import json
import pickle

import attrs
import pytest

from tallyrules import DocumentResult, Engine, Extraction, Span


def test_span_to_dict():
    assert Span(1, 3, "ab").to_dict() == {"start": 1, "end": 3, "text": "ab"}


def test_extraction_access_and_span():
    e = Extraction("quantity", "p.r", 2, 5, "abc", {"value": 5})
    assert e["value"] == 5 and e.get("value") == 5 and e.get("nope", 1) == 1
    with pytest.raises(KeyError):
        e["nope"]
    assert e.span == Span(2, 5, "abc")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        e.start = 3  # type: ignore[misc]


def test_extraction_to_dict_top_level_and_nested():
    source = Extraction("speaker", "p.speaker", 0, 4, "John", {"role": "speaker"})
    e = Extraction("attribution", "p.said", 0, 20, "John said 5 people.",
                   {"source": source, "cue": Span(5, 9, "said"), "value": 5e9, "ratio": 0.5,
                    "claims": [1, 2], "spans": (Span(0, 1, "J"),), "flag": True, "none": None})
    d = e.to_dict()
    assert list(d)[:5] == ["kind", "rule", "start", "end", "text"]
    assert d["source"] == {"start": 0, "end": 4, "text": "John", "role": "speaker"}
    assert d["cue"] == {"start": 5, "end": 9, "text": "said"}
    assert d["value"] == 5000000000 and isinstance(d["value"], int)
    assert d["ratio"] == 0.5
    assert d["claims"] == [1, 2]
    assert d["spans"] == [{"start": 0, "end": 1, "text": "J"}]
    assert d["flag"] is True and d["none"] is None
    assert json.loads(json.dumps(d)) == d
    nested = source.to_dict(nested=True)
    assert "kind" not in nested and "rule" not in nested


def test_huge_floats_stay_floats():
    d = Extraction("k", "r", 0, 1, "x", {"v": 1e300}).to_dict()
    assert d["v"] == 1e300 and isinstance(d["v"], float)


def test_walk_depth_first():
    leaf = Extraction("a", "r.a", 0, 1, "1")
    mid = Extraction("b", "r.b", 0, 2, "1 x", parts=(leaf,))
    other = Extraction("c", "r.c", 3, 4, "y")
    top = Extraction("d", "r.d", 0, 4, "1 x y", parts=(mid, other))
    assert [(depth, e.kind) for depth, e in top.walk()] == [(0, "d"), (1, "b"), (2, "a"), (1, "c")]


def test_parts_do_not_count_for_equality():
    leaf = Extraction("a", "r.a", 0, 1, "1")
    assert Extraction("b", "r", 0, 1, "1", parts=(leaf,)) == Extraction("b", "r", 0, 1, "1")


def test_document_result_to_dict():
    ok = DocumentResult("d1", (Extraction("k", "r", 0, 1, "x"),))
    assert ok.to_dict() == {"id": "d1", "extractions": [{"kind": "k", "rule": "r", "start": 0, "end": 1, "text": "x"}]}
    failed = DocumentResult(7, (), "InputError: no string field 'text'")
    assert failed.to_dict() == {"id": 7, "extractions": [], "error": "InputError: no string field 'text'"}


def test_engine_pickles_and_extracts_the_same(news_engine):
    text = "Officials said more than 6,000 fighters and 5bn dollars.\n\nIn 2004 people fled."
    clone = pickle.loads(pickle.dumps(news_engine))
    assert clone is not news_engine
    assert [r.name for r in clone.rules] == [r.name for r in news_engine.rules]
    assert [e.to_dict() for e in clone.extract(text)] == [e.to_dict() for e in news_engine.extract(text)]


def test_text_engine_pickles(engine_of):
    engine = engine_of('rule r { match n:NUM yield { v: number(n) } }')
    clone = pickle.loads(pickle.dumps(engine))
    assert clone.extract("1 and 2") == engine.extract("1 and 2")


def test_extractions_pickle(news_engine):
    results = news_engine.extract("Officials said 5 people died.")
    assert pickle.loads(pickle.dumps(results)) == results


def test_extract_document_keeps_id(news_engine):
    result = news_engine.extract_document("5 people", id={"nested": 1})
    assert result.id == {"nested": 1} and result.error is None and len(result.extractions) == 1


def test_engine_from_text_with_other_name_qualifies_rules():
    engine = Engine.from_text('rule r { match "a" }', name="sub/x.rules", use_installed=False)
    assert engine.rules[0].name == "sub.x.r"
