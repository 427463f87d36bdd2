"""Nothing lost: a hostile corpus and generated texts through the command line's writer.

``fixtures/hostile.jsonl`` holds one hostile case a line: lone surrogates in an id and in
spans, JSON nested 20,000 deep, NaN / Infinity / 5,000-digit ids, lines that are not
JSON, not objects, not UTF-8 or hold NUL bytes, a byte order mark mid-file, terminal
escape codes, private-use characters (the matcher's own mask range), a long text, empty
and blank texts, duplicate keys and a truncated line.  The invariant, for every way of
running: one valid JSON line per input line, in order, and exit status 1.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tallyrules import DocumentResult, Engine
from tallyrules.cli import main
from tallyrules.output import write_results

HOSTILE = Path(__file__).parent / "fixtures" / "hostile.jsonl"
PACK = Path(__file__).parent / "fixtures" / "pack"


def _refuse_constant(name: str) -> Any:
    raise AssertionError(f"{name} is not JSON")


def strict_lines(data: bytes) -> list[dict[str, Any]]:
    """Each line as JSON, refusing what json.loads accepts but JSON has not (NaN, Infinity)."""
    text = data.decode("utf-8")  # raises if anything but UTF-8 was written
    assert text.splitlines() == text.split("\n")[:-1] or not text  # no line break but the newline after each
    return [json.loads(line, parse_constant=_refuse_constant) for line in text.splitlines()]


def input_lines() -> list[bytes]:
    return [line for line in HOSTILE.read_bytes().split(b"\n") if line.strip()]


def extract(*options: str) -> tuple[int, list[dict[str, Any]]]:
    done = subprocess.run([sys.executable, "-m", "tallyrules", "extract", str(HOSTILE), "--rules", str(PACK),
                           "--no-packs", *options], capture_output=True, timeout=300, check=False)
    return done.returncode, strict_lines(done.stdout)


@pytest.fixture(scope="module")
def single_process() -> tuple[int, list[dict[str, Any]]]:
    return extract()


def test_every_hostile_line_gets_one_valid_json_line_in_order(single_process: Any) -> None:
    status, lines = single_process
    assert status == 1 and len(lines) == len(input_lines()) == 32
    assert lines[0]["id"] == "plain" and lines[-1]["id"] == "after-all-that"
    assert lines[1]["id"] == "\ud800" and "more than 22 people" in [x["text"] for x in lines[-1]["extractions"]]
    failed = [line["id"] for line in lines if "error" in line]
    assert len(failed) == 12 and all(line["extractions"] == [] for line in lines if "error" in line)
    assert [line["id"] for line in lines[4:7]] == ["NaN", "Infinity", "-Infinity"]


def test_jobs_2_writes_the_same_lines(single_process: Any) -> None:
    assert extract("--jobs", "2") == single_process


def test_the_dask_path_writes_the_same_lines(single_process: Any) -> None:
    pytest.importorskip("distributed")
    assert extract("--dask", "local") == single_process


def test_the_output_file_and_table_formats_write_every_document(tmp_path: Path, single_process: Any,
                                                                 capsys: Any) -> None:
    out = tmp_path / "out.jsonl"
    assert main(["extract", str(HOSTILE), "--rules", str(PACK), "--no-packs", "-o", str(out)]) == 1
    assert strict_lines(out.read_bytes()) == single_process[1]
    array = tmp_path / "out.json"
    assert main(["extract", str(HOSTILE), "--rules", str(PACK), "--no-packs", "--format", "json",
                 "-o", str(array)]) == 1
    assert json.loads(array.read_text(encoding="utf-8"), parse_constant=_refuse_constant) == single_process[1]
    table = tmp_path / "out.txt"
    assert main(["extract", str(HOSTILE), "--rules", str(PACK), "--no-packs", "--format", "table",
                 "-o", str(table)]) == 1
    shown = table.read_text(encoding="utf-8")
    assert shown.count("\n== ") + shown.startswith("== ") == 32 and "\x1b" not in shown


# ---- generated texts through the API and the writer -------------------------------------------------

ANY_CODE_POINT = st.one_of(st.characters(codec=None, categories=None), st.integers(0xD800, 0xDFFF).map(chr),
                           st.sampled_from(list("0123456789 ,.%$\n\ue000\uf8ff\x1b")))
TEXTS = st.one_of(st.text(alphabet=ANY_CODE_POINT, max_size=3000),
                  st.lists(st.sampled_from(["more than", "6,000", "fighters", "said", "\ud800", "“", "”", " ",
                                            "between", "and", "9,000", "\udfff", "\x1b[2J"]),
                           max_size=400).map(" ".join))


def _same_code_units(a: str, b: str) -> bool:
    """Equal as UTF-16 code units: a written pair of lone surrogates is read back as one character."""
    return a.encode("utf-16-le", "surrogatepass") == b.encode("utf-16-le", "surrogatepass")


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.from_paths(PACK, use_installed=False)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(TEXTS, min_size=1, max_size=4), ids=st.lists(TEXTS, min_size=4, max_size=4))
def test_any_text_and_id_is_written_as_one_valid_json_line(engine: Engine, tmp_path_factory: Any,
                                                          texts: list[str], ids: list[str]) -> None:
    results = [engine.extract_document(text, ids[index]) for index, text in enumerate(texts)]
    for result, text in zip(results, texts, strict=True):
        assert result.error is None
        for extraction in result.extractions:
            assert text[extraction.start:extraction.end] == extraction.text
    out = tmp_path_factory.mktemp("writer") / "out.jsonl"
    with out.open("w", encoding="utf-8") as stream:  # a real UTF-8 file, as -o and standard output are
        assert write_results(iter(results), stream, "jsonl") == (len(texts), 0)
    lines = strict_lines(out.read_bytes())
    assert len(lines) == len(texts)
    for line, result, text in zip(lines, results, texts, strict=True):
        assert _same_code_units(line["id"], result.id)
        for written, extraction in zip(line["extractions"], result.extractions, strict=True):
            assert _same_code_units(written["text"], text[written["start"]:written["end"]])
            assert written["start"] == extraction.start and written["end"] == extraction.end


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(TEXTS, min_size=1, max_size=5))
def test_any_text_through_the_command_line(tmp_path_factory: Any, texts: list[str]) -> None:
    folder = tmp_path_factory.mktemp("cli")
    source, out = folder / "in.jsonl", folder / "out.jsonl"
    # json.dumps escapes lone surrogates, as any JSON producer may
    source.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(texts)))
    assert main(["extract", str(source), "--rules", str(PACK), "--no-packs", "-o", str(out)]) == 0
    lines = strict_lines(out.read_bytes())
    assert [line["id"] for line in lines] == list(range(len(texts)))
    for line, text in zip(lines, texts, strict=True):
        for written in line["extractions"]:
            assert _same_code_units(written["text"], text[written["start"]:written["end"]])


def test_a_result_with_an_unwritable_value_keeps_its_place() -> None:
    import io

    stream = io.StringIO()
    results = [DocumentResult("a"), DocumentResult("b", error="x"), DocumentResult(float("nan"))]
    assert write_results(results, stream, "jsonl") == (3, 1)
    assert [line["id"] for line in strict_lines(stream.getvalue().encode())] == ["a", "b", "NaN"]
