"""DataFrames, CSV and Parquet: one row per extraction with flattened field names."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

import tallyrules
from tallyrules.cli import main
from tallyrules.frames import MissingExtra, flat_rows, require

TEXTS = [("kerry", "U.S. Secretary of State John Kerry said 700 square kilometers were retaken."),
         ("isis", "U.S. intelligence officials estimate that ISIS has between 9,000 and 18,000 fighters.")]


@pytest.fixture(scope="module")
def results() -> list[tallyrules.DocumentResult]:
    return list(tallyrules.Engine.default().extract_many(TEXTS))


def test_rows_flatten_nested_fields_with_dotted_names(results: list[tallyrules.DocumentResult]) -> None:
    rows = list(flat_rows(results))
    attribution = next(r for r in rows if r["kind"] == "attribution" and r["document"] == "kerry")
    assert attribution["source.text"] == "U.S. Secretary of State John Kerry"
    assert attribution["source.role"] == "U.S. Secretary of State"
    assert attribution["source.name"] == "John Kerry"
    assert attribution["cue"] == "said"
    text = TEXTS[0][1]
    assert text[attribution["cue.start"]:attribution["cue.end"]] == "said"
    force = next(r for r in rows if r["kind"] == "force_size")
    assert force["size.low"] == 9000 and force["size.high"] == 18000 and force["actor.name"] == "Islamic State"
    # rows read back from JSONL are the same as rows from result objects
    assert list(flat_rows([r.to_dict() for r in results])) == rows


def test_to_dataframe_and_claims_frame(results: list[tallyrules.DocumentResult]) -> None:
    pytest.importorskip("pandas")
    frame = tallyrules.to_dataframe(results)
    assert list(frame.columns[:7]) == ["document", "index", "kind", "rule", "start", "end", "text"]
    assert len(frame) == sum(len(r.extractions) for r in results)
    ranges = frame[frame.kind == "range"]
    assert ranges.iloc[0]["source.text"] == "U.S. intelligence officials"
    claims = tallyrules.claims_dataframe(results)
    row = claims[(claims.document == "isis") & (claims.kind == "range")].iloc[0]
    assert (row["text"], row["low"], row["high"]) == ("between 9,000 and 18,000 fighters", 9000, 18000)
    assert (row["source"], row["cue"]) == ("U.S. intelligence officials", "estimate")
    assert set(claims.document) == {"kerry", "isis"}


def test_cli_csv_and_parquet(tmp_path: Path) -> None:
    docs = tmp_path / "docs.jsonl"
    docs.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in TEXTS) + "not json\n",
                    encoding="utf-8")
    out = tmp_path / "out.csv"
    assert main(["extract", str(docs), "--format", "csv", "-o", str(out), "-q"]) == 1  # the bad line fails
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert {r["document"] for r in rows} == {"kerry", "isis"}
    assert any(r["source.text"] == "U.S. Secretary of State John Kerry" for r in rows)
    pandas = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    parquet = tmp_path / "out.parquet"
    assert main(["extract", str(docs), "--format", "parquet", "-o", str(parquet), "-q", "--limit", "2"]) == 0
    frame = pandas.read_parquet(parquet)
    assert len(frame) == len(rows) and "source.role" in frame.columns


def test_parquet_needs_an_output_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", "--format", "parquet", "-q", "--no-packs"]) == 2
    assert "--output" in capsys.readouterr().err


def test_a_missing_extra_is_named() -> None:
    with pytest.raises(MissingExtra, match=r"pip install 'tallyrules\[frames\]'"):
        require("no_such_module_for_tallyrules", "frames", "A DataFrame")
