"""The seed article end to end, through the API and the CLI, with every installed pack.

These tests pin what the bundled packs must get on the article the project started from
(examples/seed-article.txt): its quantities, its three ranges, its six attributions and the
links between claims and their sources.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tallyrules import Engine, Extraction, Span
from tallyrules.cli import main

SEED = Path(__file__).resolve().parents[1] / "examples" / "seed-article.txt"
SCHEMA = Path(__file__).resolve().parents[1] / "src" / "tallyrules" / "schema" / "extraction.schema.json"


@cache
def default_engine() -> Engine:
    return Engine.default()


@pytest.fixture(scope="module")
def article() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def results(article: str) -> list[Extraction]:
    return default_engine().extract(article)


def of_kind(results: list[Extraction], kind: str) -> dict[str, Extraction]:
    return {r.text: r for r in results if r.kind == kind}


def spans_in(value: Any) -> list[Span | Extraction]:
    if isinstance(value, (Span, Extraction)):
        found: list[Span | Extraction] = [value]
        if isinstance(value, Extraction):
            for field in value.fields.values():
                found += spans_in(field)
        return found
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in spans_in(v)]
    return []


def test_every_span_is_exact(article: str, results: list[Extraction]) -> None:
    assert results
    for result in results:
        for span in spans_in(result):
            assert 0 <= span.start < span.end <= len(article)
            assert article[span.start:span.end] == span.text


def test_quantities_with_qualifiers_bounds_entities_and_units(results: list[Extraction]) -> None:
    quantities = of_kind(results, "quantity")
    more = quantities["more than 6,000 fighters"]
    assert (more["value"], more["low"], more["high"], more["qualifier"], more["entity"]) == (
        6000, 6000, None, "more_than", "fighters")
    close = quantities["close to 31,000"]
    assert (close["value"], close["qualifier"]) == (31000, "approximately")
    area = quantities["more than 700 square kilometers"]
    assert (area["value"], area["unit"], area["qualifier"]) == (700, "km2", "more_than")
    assert quantities["seven villages"]["value"] == 7
    assert quantities["more than 200 bodies"]["entity"] == "bodies"
    half = next(q for text, q in quantities.items() if text.startswith("half of the group"))
    assert half["value"] == 0.5 and half["entity"] == "commanders"


def test_the_three_ranges(results: list[Extraction]) -> None:
    ranges = {r.text.split(" of ")[0]: r for r in results if r.kind == "range"}
    fighters = ranges["between 9,000 and 18,000 fighters"]
    assert (fighters["low"], fighters["high"], fighters["entity"]) == (9000, 18000, "fighters")
    percent = ranges["20 percent to 25 percent"]
    assert (percent["low"], percent["high"], percent["unit"]) == (20, 25, "percent")
    fraction = ranges["anywhere from half to one-third"]
    assert fraction["low"] == pytest.approx(1 / 3) and fraction["high"] == 0.5
    assert all(r["value"] is None and r["qualifier"] is None for r in ranges.values())


def test_the_six_attributions_with_roles(results: list[Extraction]) -> None:
    attributions = [r for r in results if r.kind == "attribution"]
    sources = {a["source"].text: a for a in attributions}
    for expected in ("Masrour Barzani", "Experts", "Hisham al-Hashimi", "U.S. diplomatic officials",
                     "U.S. intelligence officials", "John Kerry"):
        assert any(expected in text for text in sources), expected
    assert len(attributions) == 6
    kerry = next(a for text, a in sources.items() if "John Kerry" in text)
    assert kerry["cue"].text == "said" and "Secretary of State" in kerry["source"]["role"].text
    barzani = next(a for text, a in sources.items() if "Masrour Barzani" in text)
    assert "chancellor of the Kurdistan Region Security Council" in barzani["source"]["role"].text


def test_claims_are_linked_to_their_sources(results: list[Extraction]) -> None:
    by_text = {r.text: r for r in results}
    fighters = by_text["between 9,000 and 18,000 fighters"]
    assert "U.S. intelligence officials" in fighters["source"].text
    owner = results[fighters["attribution"]]
    assert owner.kind == "attribution" and results.index(fighters) in owner["claims"]
    assert "John Kerry" in by_text["more than 700 square kilometers"]["source"].text
    assert by_text["seven villages"].get("source") is None  # not said by anyone


def test_cli_output_follows_the_contract_and_schema(article: str, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "out.jsonl"
    assert main(["extract", str(SEED), "--format", "jsonl", "--output", str(output)]) == 0
    lines = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 1 and lines[0]["id"] == str(SEED)
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(lines[0], schema)
    for extraction in lines[0]["extractions"]:
        assert article[extraction["start"]:extraction["end"]] == extraction["text"]
    api = [e.to_dict() for e in default_engine().extract(article)]
    assert lines[0]["extractions"] == api


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)
       | st.lists(st.sampled_from(["more than", "6,000", "said", "“", "”", '"', "between", "and", "fighters",
                                   "U.S.", "officials", ",", ".", "\n", "ISIS", "retook", "Mosul", "percent",
                                   "half", "one-third", "to", "according to", "—", "’s"]), max_size=60).map(" ".join))
def test_all_packs_on_any_text(text: str) -> None:
    first = default_engine().extract(text)
    assert first == default_engine().extract(text)
    for result in first:
        for span in spans_in(result):
            assert 0 <= span.start < span.end <= len(text) and text[span.start:span.end] == span.text
        json.dumps(result.to_dict(), allow_nan=False)
