"""Dask paths (bag, dataframe, ``extract --dask``) give exactly the single-process results."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tallyrules import Engine
from tallyrules.cli import main
from tallyrules.inputs import InputDocument, InputProblem
from tallyrules.packs import load_plugins

RULES = (Path(__file__).parent / "fixtures" / "streaming.rules").read_text(encoding="utf-8")

SENTENCES = [
    "Officials said more than {n},000 fighters were killed.",
    "Nearly {n}.5 million people left the city, Maria Lopez told reporters.",
    "No numbers in this one.",
    "\u201cWe expect {n} new plants,\u201d the company said. Caf\u00e9 owners said {n}0 caf\u00e9s closed.",
]
TEXTS = [" ".join(SENTENCES[(i + k) % 4].format(n=i % 97 + 1) for k in range(i % 3 + 1)) for i in range(120)]


def test_importing_tallyrules_does_not_import_dask() -> None:
    code = "import sys, tallyrules, tallyrules.cli, tallyrules.dask; print(any(m.split('.')[0] in ('dask', " \
           "'distributed') for m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert done.stdout.strip() == "False"


def test_clear_error_without_dask(monkeypatch: pytest.MonkeyPatch) -> None:
    from tallyrules import TallyrulesError
    from tallyrules.dask import DaskUnavailable, extract_with_dask

    monkeypatch.setitem(sys.modules, "distributed", None)  # makes "import distributed" fail
    with pytest.raises(DaskUnavailable, match=r"pip install 'tallyrules\[dask\]'"):
        list(extract_with_dask(Engine.from_text(RULES), iter([]), "local"))
    assert issubclass(DaskUnavailable, TallyrulesError)  # so the CLI reports it as an error, exit 2


def test_cli_without_dask_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    docs = tmp_path / "docs.jsonl"
    docs.write_text('{"id": 1, "text": "6,000 fighters"}\n', encoding="utf-8")
    rules = tmp_path / "dtest.rules"
    rules.write_text(RULES, encoding="utf-8")
    no_packs = [option for pack in load_plugins().packs for option in ("--no-pack", pack.name)]
    code = main(["extract", str(docs), "--rules", str(rules), *no_packs, "--dask", "local",
                 "--output", str(tmp_path / "out.jsonl")])
    assert code == 2
    assert "tallyrules[dask]" in capsys.readouterr().err


pytest.importorskip("dask")
pytest.importorskip("distributed")
pd = pytest.importorskip("pandas")

import dask.bag as db  # noqa: E402
import dask.dataframe as dd  # noqa: E402
from distributed import Client, LocalCluster  # noqa: E402

from tallyrules.dask import EngineRef, extract_bag, extract_column, extractions_frame  # noqa: E402


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.from_text(RULES, name="dtest.rules")


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1",
                      dashboard_address=":0") as cluster, \
            Client(cluster) as dask_client:
        yield dask_client


def single_process(engine: Engine, documents: list[Any]) -> list[dict[str, Any]]:
    return [r.to_dict() for r in engine.extract_many(documents)]


def test_bag_of_texts_matches_single_process(engine: Engine, client: Client) -> None:
    expected = single_process(engine, TEXTS)
    assert any(r["extractions"] for r in expected)
    for partitions in (1, 7):
        bag = db.from_sequence(TEXTS, npartitions=partitions)
        assert extract_bag(engine, bag, as_dict=True).compute() == expected
    results = extract_bag(engine, db.from_sequence(TEXTS, npartitions=5)).compute()
    assert [r.to_dict() for r in results] == expected  # string ids are global positions, as in extract_many


def test_bag_of_records_pairs_and_problems(engine: Engine, client: Client) -> None:
    records: list[Any] = []
    for i, text in enumerate(TEXTS[:40]):
        records.append({"doc": f"m{i}", "body": text} if i % 3 == 0 else (f"p{i}", text) if i % 3 == 1
                       else InputDocument(f"i{i}", text))
    records += [{"doc": "missing"}, InputProblem("broken", "InputError: not JSON")]
    expected = []
    for record in records:
        if isinstance(record, InputProblem):
            expected.append({"id": record.id, "extractions": [], "error": record.error})
        elif isinstance(record, InputDocument):
            expected.append(engine.extract_document(record.text, record.id).to_dict())
        else:
            expected.append(next(engine.extract_many([record], id_field="doc", text_field="body")).to_dict())
    got = extract_bag(engine, db.from_sequence(records, npartitions=4), id_field="doc", text_field="body",
                      as_dict=True).compute()
    assert got == expected


def test_engine_built_once_per_worker(engine: Engine, client: Client) -> None:
    ref = EngineRef(engine)
    extract_bag(ref, db.from_sequence(TEXTS, npartitions=12)).compute()
    extract_bag(ref, db.from_sequence(TEXTS, npartitions=12)).compute()

    def cached() -> list[str]:
        import tallyrules.dask

        return list(tallyrules.dask._engines)

    per_worker = client.run(cached)
    assert len(per_worker) == 2
    for tokens in per_worker.values():
        assert tokens.count(ref.token) <= 1


def test_dataframe_column_and_frame(engine: Engine, client: Client) -> None:
    ids = [f"doc{i}" for i in range(len(TEXTS))]
    frame = pd.DataFrame({"id": ids, "text": TEXTS})
    ddf = dd.from_pandas(frame, npartitions=5)
    expected = single_process(engine, list(zip(ids, TEXTS, strict=True)))

    column = extract_column(engine, ddf["text"]).compute()
    assert list(column.index) == list(frame.index)
    assert list(column) == [r["extractions"] for r in expected]

    rows = extractions_frame(engine, ddf).compute()
    flat = [(r["id"], e) for r in expected for e in r["extractions"]]
    assert len(rows) == len(flat)
    for (_, row), (doc_id, extraction) in zip(rows.iterrows(), flat, strict=True):
        assert row["id"] == doc_id
        assert (row["kind"], row["rule"], row["start"], row["end"], row["text"]) == (
            extraction["kind"], extraction["rule"], extraction["start"], extraction["end"], extraction["text"])
        others = {k: v for k, v in extraction.items() if k not in ("kind", "rule", "start", "end", "text")}
        assert json.loads(row["fields"]) == json.loads(json.dumps(others))


def write_docs(folder: Path) -> tuple[Path, Path]:
    rules = folder / "dtest.rules"
    rules.write_text(RULES, encoding="utf-8")
    lines = [json.dumps({"id": f"d{i}", "text": text}) for i, text in enumerate(TEXTS)]
    lines[10:10] = ["not json", '{"id": "no-text"}']
    docs = folder / "docs.jsonl"
    docs.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return docs, rules


def cli_output(folder: Path, docs: Path, rules: Path, *extra: str) -> tuple[int, str]:
    # the tests' own rules only: each Dask worker compiles the engine, and pack compile time is not under test
    no_packs = [option for pack in load_plugins().packs for option in ("--no-pack", pack.name)]
    out = folder / f"out{len(list(folder.iterdir()))}.jsonl"
    code = main(["extract", str(docs), "--rules", str(rules), "--output", str(out), *no_packs, *extra])
    return code, out.read_text(encoding="utf-8")


def test_cli_dask_local_matches_jobs_1(tmp_path: Path) -> None:
    docs, rules = write_docs(tmp_path)
    code1, serial = cli_output(tmp_path, docs, rules, "--jobs", "1")
    code2, on_dask = cli_output(tmp_path, docs, rules, "--dask", "local")
    assert on_dask == serial
    assert code1 == code2 == 1  # two bad lines
    assert len(serial.splitlines()) == len(TEXTS) + 2


def test_cli_dask_address_matches_jobs_1(tmp_path: Path, client: Client) -> None:
    docs, rules = write_docs(tmp_path)
    _, serial = cli_output(tmp_path, docs, rules, "--jobs", "1")
    _, on_dask = cli_output(tmp_path, docs, rules, "--dask", client.scheduler.address)
    assert on_dask == serial
