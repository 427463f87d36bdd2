"""extract on a terminal: a progress bar and a closing summary on stderr; --quiet and --limit."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tallyrules.cli import main


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    lines = [json.dumps({"id": n, "text": f"Officials said {n + 2} fighters were killed."}) for n in range(6)]
    path = tmp_path / "docs.jsonl"
    path.write_text("\n".join([*lines, "{broken"]) + "\n", encoding="utf-8")
    return path


def test_bar_and_summary_on_a_terminal(docs: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert main(["extract", str(docs), "--packs", "core"]) == 1
    shown = terminal.getvalue()
    assert "docs" in shown and "MB/s" in shown and "1 errors" in shown  # the bar, as it ends
    summary = [line for line in shown.splitlines() if line.startswith("tallyrules: 7 documents")]
    assert summary and "6 attribution" in summary[0] and "6 quantity" in summary[0] and "1 errors" in summary[0]
    assert len(capsys.readouterr().out.splitlines()) == 7  # results stay on stdout


def test_quiet_and_limit(docs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", str(docs), "--packs", "core", "--limit", "3", "--quiet"]) == 0
    captured = capsys.readouterr()
    assert [json.loads(line)["id"] for line in captured.out.splitlines()] == [0, 1, 2]
    assert captured.err == ""
    assert main(["extract", str(docs), "--packs", "core", "--limit", "2"]) == 0
    err = capsys.readouterr().err
    assert err.startswith("tallyrules: 2 documents, 4 extractions (2 attribution, 2 quantity), 0 errors")
