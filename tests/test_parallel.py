"""``--jobs N`` gives exactly the output of ``--jobs 1``: same lines, same order, same errors."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

from tallyrules import Engine
from tallyrules.cli import main
from tallyrules.inputs import InputDocument, InputProblem
from tallyrules.packs import load_plugins
from tallyrules.parallel import extract_parallel

RULES = (Path(__file__).parent / "fixtures" / "streaming.rules").read_text(encoding="utf-8")

TEXTS = [
    "Officials said more than 6,000 fighters were killed.",
    "Nearly 2.5 million people left the city, Maria Lopez told reporters.",
    "No numbers here at all.",
    "Prices rose 4.5 percent in 2004, and about 300 workers lost their jobs.",
    "\u201cWe expect 12 new plants,\u201d the company said. Caf\u00e9 owners said 40 caf\u00e9s closed.",
    "",
]


def write_fixture(folder: Path, copies: int = 12) -> Path:
    """A JSONL file with good documents and, in between, every kind of bad line."""
    lines: list[bytes] = []
    for round_ in range(copies):
        for index, text in enumerate(TEXTS):
            lines.append(json.dumps({"id": f"d{round_}-{index}", "text": text}).encode())
        if round_ % 4 == 0:
            lines += [
                b"this is not json",
                b'{"id": "no-text", "body": "6,000 fighters"}',
                b'["a", "list"]',
                b'{"id": "latin1", "text": "caf\xe9 6,000"}',  # not UTF-8
                b"",  # blank: skipped
                json.dumps({"text": "an id-less document with 7 cars"}).encode(),
            ]
    path = folder / "docs.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


@pytest.fixture
def fixture_files(tmp_path: Path) -> tuple[Path, Path]:
    rules = tmp_path / "ptest.rules"
    rules.write_text(RULES, encoding="utf-8")
    return write_fixture(tmp_path), rules


def run_cli(tmp_path: Path, docs: Path, rules: Path, *extra: str) -> tuple[int, str]:
    out = tmp_path / f"out{'-'.join(extra)}.jsonl"
    code = main(["extract", str(docs), "--rules", str(rules), "--output", str(out), *extra])
    return code, out.read_text(encoding="utf-8")


def without_packs() -> list[str]:
    """CLI options leaving out every installed pack (the tests' own rules only: no pack compile time)."""
    return [option for pack in load_plugins().packs for option in ("--no-pack", pack.name)]


@pytest.mark.parametrize("fmt", ["jsonl", "json"])
def test_jobs_2_output_identical_to_jobs_1(tmp_path: Path, fixture_files: tuple[Path, Path], fmt: str) -> None:
    # jsonl runs with every installed pack as well (the real results: nested parts, links, claims)
    docs, rules = fixture_files
    packs = [] if fmt == "jsonl" else without_packs()
    code1, out1 = run_cli(tmp_path, docs, rules, "--jobs", "1", "--format", fmt, *packs)
    code2, out2 = run_cli(tmp_path, docs, rules, "--jobs", "2", "--format", fmt, *packs)
    assert out2 == out1
    assert code1 == code2 == 1  # the bad lines are reported as failed documents in both
    records = [json.loads(line) for line in out1.splitlines()] if fmt == "jsonl" else json.loads(out1)
    good = sum(1 for line in docs.read_bytes().splitlines() if line.strip())
    assert len(records) == good  # one output record per non-blank input line, in order
    assert [r["id"] for r in records[:6]] == [f"d0-{i}" for i in range(6)]
    assert sum("error" in r for r in records) == 3 * 4  # 4 bad lines (blank skipped) x 3 rounds
    assert any(e["kind"] == "stream_quantity" for r in records for e in r["extractions"])


def test_jobs_more_than_documents_and_chunks(tmp_path: Path, fixture_files: tuple[Path, Path]) -> None:
    docs, rules = fixture_files
    _, out1 = run_cli(tmp_path, docs, rules, "--jobs", "1", *without_packs())
    _, out3 = run_cli(tmp_path, docs, rules, "--jobs", "3", *without_packs())
    assert out3 == out1


def test_extract_parallel_keeps_order_across_chunks() -> None:
    engine = Engine.from_text(RULES, name="ptest.rules")
    items: list[InputDocument | InputProblem] = []
    for index in range(150):  # many chunks of 16
        if index % 37 == 0:
            items.append(InputProblem(f"bad{index}", "InputError: broken"))
        else:
            items.append(InputDocument(index, f"Officials said {index} fighters were killed. " * (index % 5 + 1)))
    serial = [r.to_dict() for r in extract_parallel(engine, items, 1)]
    parallel = [r.to_dict() for r in extract_parallel(engine, iter(items), 2, chunksize=7)]
    assert parallel == serial
    assert [r["id"] for r in parallel] == [i.id for i in items]


def test_engine_pickles_as_its_arguments() -> None:
    engine = Engine.from_text(RULES, name="ptest.rules")
    copy = pickle.loads(pickle.dumps(engine))
    text = TEXTS[0] + " " + TEXTS[1]
    assert [e.to_dict() for e in copy.extract(text)] == [e.to_dict() for e in engine.extract(text)]
    assert len(pickle.dumps(engine)) < 10_000  # arguments, not automata
