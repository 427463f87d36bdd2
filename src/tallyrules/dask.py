"""Run an :class:`~tallyrules.Engine` on Dask: bags, dataframe columns, and ``tallyrules extract --dask``.

Dask is an optional extra (``pip install 'tallyrules[dask]'``): this module
imports without it, and each function raises :class:`DaskUnavailable` (a
:class:`~tallyrules.TallyrulesError`, so the command line reports it cleanly)
when ``dask``/``distributed`` are missing.

The engine is built once per worker process, not once per task: what travels
with each task is an :class:`EngineRef` (the engine's constructor arguments, as
its ``__reduce__`` gives them, plus a token), and each worker keeps the engines
it built in a small module-level cache keyed by that token.  Compiled RE2
programs never cross a process boundary.

Every function keeps input order: bag results come partition by partition in
the bag's order, dataframe results keep the input index, and
:func:`extract_with_dask` yields one result per input item, in order.

>>> import dask.bag as db                                              # doctest: +SKIP
>>> from tallyrules import Engine
>>> from tallyrules.dask import extract_bag
>>> texts = db.from_sequence(["Officials said 6,000 fighters died."], npartitions=1)  # doctest: +SKIP
>>> extract_bag(Engine.default(), texts).compute()                      # doctest: +SKIP
"""

from __future__ import annotations

import collections
import hashlib
import itertools
import json
import pickle
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from .documents import document_item, no_text_field
from .engine import Engine
from .errors import TallyrulesError
from .inputs import Item
from .results import ENGINE_FIELD_ORDER, DocumentResult

if TYPE_CHECKING:  # pragma: no cover
    import dask.bag
    import dask.dataframe

__all__ = [
    "DaskUnavailable",
    "EngineRef",
    "extract_bag",
    "extract_column",
    "extract_with_dask",
    "extractions_frame",
    "worker_engine",
]

#: what a flattened extraction row holds (see :func:`extractions_frame`)
FRAME_COLUMNS = ("id", *ENGINE_FIELD_ORDER, "fields", "error")


class DaskUnavailable(TallyrulesError):
    """Dask (or distributed) is not installed."""


def _require(distributed: bool = False) -> None:
    try:
        import dask  # noqa: F401
        import dask.bag  # noqa: F401

        if distributed:
            import distributed as _distributed  # noqa: F401
    except ImportError as error:
        raise DaskUnavailable(
            f"running on Dask needs the optional dependencies ({error.name or error} is missing): "
            "pip install 'tallyrules[dask]'"
        ) from None


# ---- the engine, once per worker ---------------------------------------------------------------
class EngineRef:
    """A picklable, cheap stand-in for an engine: how to build it, and a token naming it.

    Unpickling an :class:`Engine` recompiles it; unpickling an ``EngineRef`` does
    nothing, and :meth:`get` builds the engine at most once per process.
    """

    __slots__ = ("builder", "args", "token")

    def __init__(self, engine: Engine) -> None:
        reduced = engine.__reduce__()
        self.builder: Callable[..., Engine] = reduced[0]
        self.args: tuple[Any, ...] = tuple(reduced[1])
        try:
            self.token = hashlib.sha256(pickle.dumps((self.builder, self.args))).hexdigest()
        except Exception:  # arguments only cloudpickle can ship (e.g. plugin objects): one token per ref
            self.token = uuid.uuid4().hex
        _remember(self.token, engine)  # the client process (and local threads) reuse the engine it already has

    def __getstate__(self) -> tuple[Any, ...]:
        return (self.builder, self.args, self.token)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        self.builder, self.args, self.token = state

    def __dask_tokenize__(self) -> str:
        return self.token

    def get(self) -> Engine:
        """The engine, built in this process on first use."""
        return worker_engine(self)


_CACHE_SIZE = 4
_engines: collections.OrderedDict[str, Engine] = collections.OrderedDict()
_lock = threading.Lock()


def _remember(token: str, engine: Engine) -> None:
    with _lock:
        _engines[token] = engine
        _engines.move_to_end(token)
        while len(_engines) > _CACHE_SIZE:
            _engines.popitem(last=False)


def worker_engine(ref: EngineRef) -> Engine:
    """The engine ``ref`` names, from this process's cache (built and cached on first use)."""
    with _lock:
        engine = _engines.get(ref.token)
        if engine is not None:
            _engines.move_to_end(ref.token)
            return engine
    engine = ref.builder(*ref.args)  # compile outside the lock; a rare duplicate build is harmless
    _remember(ref.token, engine)
    return engine


def _ref(engine: Engine | EngineRef) -> EngineRef:
    return engine if isinstance(engine, EngineRef) else EngineRef(engine)


# ---- one record -> one result ------------------------------------------------------------------
def _extract_record(engine: Engine, record: Any, position: int, id_field: str, text_field: str) -> DocumentResult:
    """Like :meth:`Engine.extract_many` for one element, plus :class:`InputDocument`/:class:`InputProblem`."""
    return engine.extract_item(document_item(record, position, id_field, text_field))


def _extract_partition(records: Iterable[Any], offset: int, ref: EngineRef, id_field: str, text_field: str,
                       as_dict: bool) -> list[Any]:
    engine = ref.get()
    out = []
    for position, record in enumerate(records, start=offset):
        result = _extract_record(engine, record, position, id_field, text_field)
        out.append(result.to_dict() if as_dict else result)
    return out


def _extract_items(ref: EngineRef, items: list[Item]) -> list[DocumentResult]:
    engine = ref.get()
    return [_extract_record(engine, item, 0, "id", "text") for item in items]


# ---- dask.bag ---------------------------------------------------------------------------------
def extract_bag(engine: Engine | EngineRef, bag: dask.bag.Bag, id_field: str = "id", text_field: str = "text",
                as_dict: bool = False) -> dask.bag.Bag:
    """A bag of one :class:`DocumentResult` per element of ``bag``, in the bag's order.

    An element is a string (its id is its position in the whole bag, as with
    :meth:`Engine.extract_many`), an ``(id, text)`` pair, a mapping with
    ``id_field``/``text_field``, or an :class:`InputDocument`/:class:`InputProblem`.
    ``as_dict=True`` gives the JSON form (``DocumentResult.to_dict()``) instead.
    """
    _require()
    import dask
    import dask.bag as db

    ref = _ref(engine)
    partitions = bag.to_delayed(optimize_graph=False)
    lengths = [dask.delayed(_count)(part) for part in partitions]
    results = []
    offset: Any = 0
    for part, length in zip(partitions, lengths, strict=True):
        results.append(dask.delayed(_extract_partition, pure=True)(part, offset, ref, id_field, text_field, as_dict))
        offset = dask.delayed(_add)(offset, length)
    return db.from_delayed(results)


def _count(partition: Iterable[Any]) -> int:
    return sum(1 for _ in partition)


def _add(a: int, b: int) -> int:
    return a + b


# ---- dask.dataframe ---------------------------------------------------------------------------
def _column_partition(texts: Any, ref: EngineRef) -> Any:
    import pandas as pd

    engine = ref.get()
    values: list[Any] = []
    for text in texts:
        if isinstance(text, str):
            values.append([e.to_dict() for e in engine.extract(text)])
        else:
            values.append(None)
    return pd.Series(values, index=texts.index, name=texts.name, dtype=object)


def extract_column(engine: Engine | EngineRef, column: dask.dataframe.Series) -> dask.dataframe.Series:
    """For a column of texts, a column (same index, same order) of lists of extraction dicts.

    A missing or non-string value gives ``None``.  A rule failure raises (use
    :func:`extractions_frame` to get failures as rows instead).
    """
    _require()
    import pandas as pd

    ref = _ref(engine)
    meta = pd.Series([], dtype=object, name=column.name)
    return column.map_partitions(_column_partition, ref, meta=meta)


def _frame_partition(frame: Any, ref: EngineRef | None, text_column: str, id_column: str | None) -> Any:
    import pandas as pd

    rows: dict[str, list[Any]] = {name: [] for name in FRAME_COLUMNS}

    def add(doc_id: Any, extraction: Any = None, error: Any = None) -> None:
        record = extraction.to_dict() if extraction is not None else {}
        rows["id"].append(doc_id)
        for name in ENGINE_FIELD_ORDER:
            rows[name].append(record.pop(name, None))
        rows["fields"].append(json.dumps(record, ensure_ascii=False, sort_keys=True) if extraction is not None
                              else None)
        rows["error"].append(error)

    if ref is not None and len(frame):
        engine = ref.get()
        ids = frame[id_column] if id_column else frame.index.to_series()
        for doc_id, text in zip(ids.tolist(), frame[text_column].tolist(), strict=True):
            if not isinstance(text, str):
                add(doc_id, error=no_text_field(text_column))
                continue
            result = engine.extract_document(text, doc_id)
            if result.error is not None:
                add(doc_id, error=result.error)
            for extraction in result.extractions:
                add(doc_id, extraction)
    out = pd.DataFrame({name: pd.Series(values, dtype=object) for name, values in rows.items()})
    for name in ("start", "end"):
        out[name] = pd.array(rows[name], dtype="Int64")
    return out


def extractions_frame(engine: Engine | EngineRef, frame: dask.dataframe.DataFrame, text_column: str = "text",
                      id_column: str | None = "id") -> dask.dataframe.DataFrame:
    """One row per extraction: ``id, kind, rule, start, end, text, fields, error``, in input order.

    ``fields`` is the extraction's other fields as a JSON object string; a document
    that failed gives one row with only ``id`` and ``error``; a document without
    extractions gives no row.  ``id_column=None`` uses the frame's index as the id.
    The result's index restarts in each partition; order follows the input.
    """
    _require()
    ref = _ref(engine)
    meta = _frame_partition(frame._meta, None, text_column, id_column)
    return frame.map_partitions(_frame_partition, ref, text_column, id_column, meta=meta,
                                enforce_metadata=False, align_dataframes=False)


# ---- the command line's --dask -----------------------------------------------------------------
def _chunks(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def extract_with_dask(engine: Engine, items: Iterable[Item], address: str, chunk_size: int = 256,
                      in_flight: int | None = None) -> Iterator[DocumentResult]:
    """Results for ``items`` in input order, computed on a Dask cluster.

    ``address`` is a scheduler address (``tcp://host:8786``), or ``"local"`` to
    start a :class:`distributed.LocalCluster` of two worker processes for the run.
    Items are read lazily and sent in chunks of ``chunk_size``; at most
    ``in_flight`` chunks (default: four per worker thread) are outstanding, so a
    long input streams through in bounded memory.
    """
    _require(distributed=True)
    from distributed import Client, LocalCluster

    ref = EngineRef(engine)
    cluster = None
    if address == "local":
        cluster = LocalCluster(n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1",
                               dashboard_address=":0")
        client = Client(cluster)
    else:
        client = Client(address)
    try:
        if in_flight is None:
            threads = sum(client.nthreads().values()) or 1
            in_flight = 4 * threads
        remote_ref = client.scatter(ref, broadcast=True)
        window: collections.deque[Any] = collections.deque()
        for chunk in _chunks(items, chunk_size):
            window.append(client.submit(_extract_items, remote_ref, chunk, pure=False))
            if len(window) >= in_flight:
                yield from window.popleft().result()
        while window:
            yield from window.popleft().result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
