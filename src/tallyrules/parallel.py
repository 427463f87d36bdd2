"""Extraction in worker processes, keeping input order.

Each worker builds its engine once (the engine pickles as the arguments it was
built from, not as compiled automata) and then handles chunks of documents.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable, Iterator

from .engine import Engine
from .inputs import InputDocument, InputProblem, Item
from .results import DocumentResult

_worker_engine: Engine | None = None


def _start_worker(engine: Engine) -> None:
    global _worker_engine
    _worker_engine = engine


def _extract(item: Item) -> DocumentResult:
    assert _worker_engine is not None
    return extract_item(_worker_engine, item)


def extract_item(engine: Engine, item: Item) -> DocumentResult:
    """Extract from one input item; an unreadable item becomes an error result."""
    return engine.extract_item(item)


def extract_parallel(engine: Engine, items: Iterable[Item], jobs: int, chunksize: int = 16) -> Iterator[DocumentResult]:
    """Results for ``items`` in input order, computed by ``jobs`` processes."""
    if jobs <= 1:
        for item in items:
            yield extract_item(engine, item)
        return
    context = multiprocessing.get_context("spawn" if multiprocessing.get_start_method(True) == "spawn" else "fork")
    with context.Pool(jobs, initializer=_start_worker, initargs=(engine,)) as pool:
        yield from pool.imap(_extract, items, chunksize=chunksize)


__all__ = ["InputDocument", "InputProblem", "extract_item", "extract_parallel"]
