"""The spaCy component on a blank English pipeline (no model download)."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import pytest

spacy = pytest.importorskip("spacy", reason="needs spaCy: pip install 'tallyrules[spacy]'")

TEXT = ("U.S. intelligence officials estimate that ISIS has between 9,000 and 18,000 fighters remaining. "
        "The cost rose to $15 million.")


@pytest.fixture(scope="module")
def nlp() -> object:
    nlp = spacy.blank("en")
    nlp.add_pipe("tallyrules", config={"packs": ["core", "military"]})  # found through the entry point
    return nlp


def test_the_factory_is_registered_through_the_entry_point() -> None:
    found = {e.name: e.value for e in entry_points(group="spacy_factories")}
    assert found.get("tallyrules") == "tallyrules.spacy_component:make_component"


def test_extractions_become_spans_with_their_fields(nlp: object) -> None:
    doc = nlp(TEXT)  # type: ignore[operator]
    spans = doc.spans["tallyrules"]
    found = {(span.label_, span.text) for span in spans}
    assert ("range", "between 9,000 and 18,000 fighters") in found
    assert ("actor", "ISIS") in found
    claim = next(span for span in spans if span.label_ == "range")
    fields = claim._.tallyrules
    assert (fields["low"], fields["high"], fields["entity"]) == (9000, 18000, "fighters")
    assert fields["source"]["text"] == "U.S. intelligence officials"
    force = next(span for span in spans if span.label_ == "force_size")
    assert force._.tallyrules["actor"]["name"] == "Islamic State"
    assert len(doc._.tallyrules) == len(spans)
    money = next(span for span in spans if span.label_ == "quantity" and "15" in span.text)
    assert money._.tallyrules["unit"] == "USD" and money.text.startswith("$15")


def test_pipe_and_a_saved_pipeline_load_again(nlp: object, tmp_path: Path) -> None:
    docs = list(nlp.pipe(["Officials said 40 fighters died.", "Nothing here."]))  # type: ignore[attr-defined]
    assert [len(d.spans["tallyrules"]) for d in docs][1] == 0
    assert any(s.label_ == "quantity" for s in docs[0].spans["tallyrules"])
    nlp.to_disk(tmp_path / "pipeline")  # type: ignore[attr-defined]
    loaded = spacy.load(tmp_path / "pipeline")
    assert loaded.pipe_names == ["tallyrules"]
    doc = loaded("Officials said 40 fighters died.")
    assert any(s.label_ == "attribution" for s in doc.spans["tallyrules"])
