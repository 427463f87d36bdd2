"""The output contract: DocumentResult.to_dict() and `tallyrules extract --format jsonl` lines
validate against src/tallyrules/schema/extraction.schema.json."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

jsonschema = pytest.importorskip("jsonschema")

TEXTS = [
    "Officials said more than 6,000 fighters were killed.",
    "Between 9,000 and 18,000 fighters remain; about 5bn dollars was spent on 2.3 million people.",
    "In 2004 people fled.\n\nJohn Kerry told reporters 40 percent of civilians left.",
    "Nothing to see here.",
    "",
    "Up to 7 km. At least 3 troops. Fewer than 10 refugees. At most 4 percent. Over 12 people.",
]


@pytest.fixture(scope="module")
def validator():
    schema_text = resources.files("tallyrules").joinpath("schema/extraction.schema.json").read_text(encoding="utf-8")
    schema = json.loads(schema_text)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def assert_valid(validator, line: dict) -> None:
    errors = sorted(validator.iter_errors(line), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_schema_is_valid_draft_2020_12(validator):
    assert validator.schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_engine_output_validates(validator, news_engine):
    for index, result in enumerate(news_engine.extract_many(TEXTS)):
        line = json.loads(json.dumps(result.to_dict(), allow_nan=False))
        assert_valid(validator, line)
        assert line["id"] == index


def test_every_kind_of_the_fixture_appears(news_engine):
    kinds = {e.kind for text in TEXTS for e in news_engine.extract(text)}
    qualifiers = {e.get("qualifier") for text in TEXTS for e in news_engine.extract(text)}
    assert kinds == {"quantity", "range", "attribution"}
    assert {"exact", "approximately", "more_than", "at_least", "less_than", "at_most"} <= qualifiers


def test_error_lines_validate(validator, news_engine):
    results = list(news_engine.extract_many([{"id": "x"}, {"id": "y", "text": 5}]))
    for result in results:
        line = result.to_dict()
        assert "error" in line and line["extractions"] == []
        assert_valid(validator, line)


GOOD = {
    "id": "d1",
    "extractions": [
        {"kind": "attribution", "rule": "p.said", "start": 0, "end": 20, "text": "Officials said 5 people",
         "source": {"start": 0, "end": 9, "text": "Officials", "role": "speaker"},
         "cue": {"start": 10, "end": 14, "text": "said"},
         "content": {"start": 15, "end": 23, "text": "5 people"}, "claims": [1]},
        {"kind": "quantity", "rule": "p.count", "start": 15, "end": 23, "text": "5 people",
         "value": 5, "low": 5, "high": 5, "qualifier": "exact", "unit": None, "entity": "people",
         "attribution": 0, "source": {"start": 0, "end": 9, "text": "Officials"}},
        {"kind": "date", "rule": "p.date", "start": 30, "end": 34, "text": "2004", "year": 2004},
    ],
}


def test_hand_written_line_validates(validator):
    assert_valid(validator, GOOD)
    assert_valid(validator, {"id": None, "extractions": [], "error": "InputError: not JSON"})


def _broken(path: list, value: object) -> dict:
    line = json.loads(json.dumps(GOOD))
    target = line
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return line


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (["extractions"], KeyError),
        (["id"], KeyError),
        (["error"], 5),
        (["surprise"], 1),
        (["extractions", 1, "qualifier"], "roughly"),
        (["extractions", 1, "value"], "5"),
        (["extractions", 1, "low"], KeyError),
        (["extractions", 1, "entity"], 5),
        (["extractions", 1, "start"], -1),
        (["extractions", 1, "kind"], KeyError),
        (["extractions", 1, "rule"], KeyError),
        (["extractions", 1, "text"], ""),
        (["extractions", 1, "attribution"], "0"),
        (["extractions", 0, "cue"], KeyError),
        (["extractions", 0, "source"], "Officials"),
        (["extractions", 0, "content"], {"start": 15, "end": 23}),
        (["extractions", 0, "source", "role"], 3),
        (["extractions", 0, "claims"], ["1"]),
    ],
)
def test_schema_rejects_broken_lines(validator, path, value):
    assert not validator.is_valid(_broken(path, value))


def _run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "tallyrules", *args], capture_output=True, text=True,
                          timeout=120, env=env, check=False)


def test_cli_jsonl_output_validates(validator, fixtures_dir: Path):
    pytest.importorskip("tallyrules.cli")
    documents = fixtures_dir / "documents.jsonl"
    done = _run_cli("extract", "--format", "jsonl", "--no-packs", "--rules", str(fixtures_dir / "pack"),
                    str(documents))
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    inputs = [json.loads(line) for line in documents.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert [line["id"] for line in lines] == [doc["id"] for doc in inputs]
    for line in lines:
        assert_valid(validator, line)
    for line, doc in zip(lines, inputs, strict=True):
        for extraction in line["extractions"]:
            assert doc["text"][extraction["start"]:extraction["end"]] == extraction["text"]
    assert any(e["kind"] == "attribution" for line in lines for e in line["extractions"])


def test_cli_error_lines_validate(validator, fixtures_dir: Path):
    pytest.importorskip("tallyrules.cli")
    done = _run_cli("extract", "--format", "jsonl", "--no-packs", "--rules", str(fixtures_dir / "pack"),
                    str(fixtures_dir / "documents_with_errors.jsonl"))
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert len(lines) == 4
    assert [("error" in line) for line in lines] == [False, True, True, True]
    for line in lines:
        assert_valid(validator, line)
