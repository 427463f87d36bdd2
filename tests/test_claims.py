"""tallyrules claims: the same thing counted in several documents, side by side, disagreements flagged."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

import tallyrules
from tallyrules.claims import group_claims, lemma, normalize_entity
from tallyrules.cli import main

DOCUMENTS = [
    ("a", "U.S. intelligence officials estimate that ISIS has between 9,000 and 18,000 fighters remaining."),
    ("b", "The CIA said ISIL has more than 31,000 fighters in Iraq and Syria."),
    ("c", "Kurdish commanders said ISIS has about 12,000 fighters."),
    ("d", "Local officials said 40 civilians were killed in the shelling."),
    ("e", "Medics said at least 38 Civilians were killed on Monday."),
]


@pytest.fixture(scope="module")
def out_jsonl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    engine = tallyrules.Engine.default()
    path = tmp_path_factory.mktemp("claims") / "out.jsonl"
    path.write_text("".join(json.dumps(r.to_dict()) + "\n" for r in engine.extract_many(DOCUMENTS)), encoding="utf-8")
    return path


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_lemmas_of_counted_entities() -> None:
    assert [lemma(w) for w in ("Fighters", "militias", "casualties", "people", "bus", "children")] == [
        "fighter", "militia", "casualty", "person", "bus", "child"]
    assert normalize_entity("Foreign Fighters") == "foreign fighter"
    assert normalize_entity("  ") is None


def test_same_actor_and_entity_group_across_documents_and_disagreement_is_flagged(out_jsonl: Path) -> None:
    groups = {g.label: g for g in group_claims(records(out_jsonl), min_claims=2)}
    force = groups["force_size \u00b7 Islamic State \u00b7 fighter"]
    assert [(c.document, c.source, c.value_text()) for c in force.claims] == [
        ("a", "U.S. intelligence officials", "9,000-18,000"),
        ("b", "The CIA", "more than 31,000"),
        ("c", "Kurdish commanders", "about 12,000")]
    assert force.disagrees
    assert {pair for pair in force.conflicts()} == {(0, 1), (1, 2)}  # about 12,000 fits 9,000-18,000
    killed = next(g for label, g in groups.items() if label.startswith("casualty (killed)") and "civilian" in label)
    assert {c.document for c in killed.claims} == {"d", "e"}
    assert not killed.disagrees  # 40 is at least 38


def test_cli_table_csv_html(out_jsonl: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["claims", str(out_jsonl)]) == 0
    table = capsys.readouterr().out
    assert "force_size \u00b7 Islamic State \u00b7 fighter: 3 claims in 3 documents  DISAGREE" in table
    assert "more than 31,000       (The CIA, doc b)" in table
    assert main(["claims", str(out_jsonl), "--format", "csv", "--disagreeing"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {r["about"] for r in rows} == {"force_size \u00b7 Islamic State \u00b7 fighter"}
    assert [r["conflicting"] for r in rows] == ["True", "True", "True"]
    page = tmp_path / "claims.html"
    assert main(["claims", str(out_jsonl), "--format", "html", "-o", str(page)]) == 0
    html = page.read_text(encoding="utf-8")
    assert 'class="disagree"' in html and "The CIA" in html


def test_bad_input_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1, "extractions": []}\nnot json\n', encoding="utf-8")
    assert main(["claims", str(bad)]) == 2
    assert "line 2 of" in capsys.readouterr().err
