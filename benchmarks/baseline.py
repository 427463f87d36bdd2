"""What the benchmarks measure against: one Python ``re`` number pass, and best-of timing.

Every speed in ``benchmarks/`` is reported as a ratio to :func:`re_number_pass` over the same
texts in the same run, since the machine may be shared and absolute figures move with its load.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections.abc import Callable
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "ag_news_test.jsonl"
NUMBER_RE = r"\d+(?:[.,]\d+)*"


def re_number_pass(texts: list[str]) -> None:
    """Find every number of every text with one Python ``re`` pass (the baseline)."""
    pattern = re.compile(NUMBER_RE)
    for text in texts:
        for match in pattern.finditer(text):
            match.span()


def best_of(repeat: int, run: Callable[[], object]) -> float:
    """The shortest wall time of ``repeat`` runs of ``run``, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


def load_texts(path: Path) -> list[str]:
    """The ``text`` of each line of a JSONL file."""
    with path.open(encoding="utf-8") as stream:
        return [json.loads(line)["text"] for line in stream if line.strip()]


def corpus_run(description: str, repeat: int) -> tuple[argparse.Namespace, list[str], float] | None:
    """Parse ``--corpus``, ``--repeat`` and ``--json``, and read the corpus's texts, with their
    size in MB of UTF-8; None (having said so) when the corpus is not there."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--repeat", type=int, default=repeat)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not args.corpus.exists():
        print(f"no corpus at {args.corpus}: nothing to measure")
        return None
    texts = load_texts(args.corpus)
    return args, texts, sum(len(text.encode("utf-8")) for text in texts) / 1e6
