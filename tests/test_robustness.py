"""Hostile input, one defect at a time: every document gets its line, nothing crashes the run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tallyrules.cli import main

RULES = r'''
kind quantity layer numeric { value, entity }
rule counted: quantity {
    "digits and the noun they count"
    match n:NUM e:("tanks" | "fighters")?
    yield { value: number(n), entity: text(e) }
}
rule marked: quantity {
    "a number after a mark keeps the mark in its span"
    match m:/[^0-9 ]+/ n:NUM "units"
    yield { value: number(n) }
}
'''


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    path = tmp_path / "mini.rules"
    path.write_text(RULES, encoding="utf-8")
    return path


def cli(*argv: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    """The real command, so that the real standard output (UTF-8, not a test's StringIO) is written."""
    return subprocess.run([sys.executable, "-m", "tallyrules", *argv], input=stdin, capture_output=True,
                          timeout=120, check=False)


def json_lines(data: bytes) -> list[dict]:
    return [json.loads(line) for line in data.decode("utf-8").splitlines()]


SURROGATES = (b'{"id":"a","text":"5 tanks"}\n'
              b'{"id":"\\ud800","text":"x\\udc00 6 units"}\n'
              b'{"id":"b","text":"7 tanks"}\n')


@pytest.mark.parametrize("extra", [(), ("--jobs", "2")])
def test_lone_surrogates_in_ids_and_spans_are_written_as_escapes(rules: Path, extra: tuple[str, ...]) -> None:
    done = cli("extract", "--no-packs", "--rules", str(rules), *extra, stdin=SURROGATES)
    assert done.returncode == 0, done.stderr
    lines = json_lines(done.stdout)
    assert [line["id"] for line in lines] == ["a", "\ud800", "b"]
    assert "x\udc00 6 units" in [x["text"] for x in lines[1]["extractions"]]
    assert b"\\ud800" in done.stdout and b"\\udc00" in done.stdout


def test_lone_surrogate_in_a_span_through_output_file(tmp_path: Path, rules: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(b'{"id":1,"text":"x\\ud800 5 units"}\n{"id":2,"text":"7 tanks"}\n')
    out = tmp_path / "out.jsonl"
    status = main(["extract", str(source), "--no-packs", "--rules", str(rules), "-o", str(out)])
    lines = json_lines(out.read_bytes())
    assert status == 0 and [line["id"] for line in lines] == [1, 2]
    assert {x["text"] for x in lines[0]["extractions"]} >= {"x\ud800 5 units"}
    assert lines[1]["extractions"][0]["text"] == "7 tanks"


def test_deeply_nested_json_is_one_error_record_and_later_lines_go_on(tmp_path: Path, rules: Path) -> None:
    source = tmp_path / "deep.jsonl"
    source.write_text('{"x":' + "[" * 100_000 + "]" * 100_000 + "}\n" + '{"id":2,"text":"5 tanks"}\n')
    out = tmp_path / "out.jsonl"
    status = main(["extract", str(source), "--no-packs", "--rules", str(rules), "-o", str(out)])
    lines = json_lines(out.read_bytes())
    assert status == 1 and len(lines) == 2
    assert "nested too deeply" in lines[0]["error"] and lines[1]["extractions"][0]["value"] == 5


def test_non_finite_ids_are_written_as_valid_json(tmp_path: Path, rules: Path) -> None:
    source = tmp_path / "nan.jsonl"
    source.write_text('{"id":NaN,"text":"5 tanks"}\n{"id":[Infinity,-Infinity],"text":"6 tanks"}\n')
    out = tmp_path / "out.jsonl"
    assert main(["extract", str(source), "--no-packs", "--rules", str(rules), "-o", str(out)]) == 0
    strict = [json.loads(line, parse_constant=lambda name: pytest.fail(f"{name} is not JSON"))
              for line in out.read_text().splitlines()]
    assert [line["id"] for line in strict] == ["NaN", ["Infinity", "-Infinity"]]


def test_table_escapes_terminal_control_codes_and_keeps_rows_whole_when_piped(rules: Path) -> None:
    long_tail = " and then a long sentence" * 8
    stdin = json.dumps({"id": "e\x1b[31m", "text": "\x1b[2J5 tanks" + long_tail + " 6 fighters"}).encode()
    done = cli("extract", "--no-packs", "--rules", str(rules), "--format", "table", stdin=stdin)
    assert b"\x1b" not in done.stdout and b"\\x1b" in done.stdout
    rows = done.stdout.decode().splitlines()
    assert rows[0] == "== e\\x1b[31m"
    assert rows[-1].endswith("value=6 entity=fighters")  # not cut at a width when not on a terminal
