"""Progress of a long ``extract`` run and its closing summary, on standard error.

On a terminal a tqdm bar shows the documents done, the megabytes of text read and their rate,
and the errors so far. Whatever the stream, the run ends with one summary line: documents,
extractions by kind, errors. ``quiet`` silences both; the results themselves never go here.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from typing import Any, TextIO, TypeVar

from .inputs import InputDocument, Item
from .results import DocumentResult

T = TypeVar("T")


def first(items: Iterable[T], limit: int | None) -> Iterator[T]:
    """The first ``limit`` items (all of them when ``limit`` is None)."""
    return iter(items) if limit is None else itertools.islice(items, max(limit, 0))


class RunProgress:
    """Counts a run as it streams: call :meth:`track` on the inputs, :meth:`watch` on the results.

    The bar advances on results (documents done), not on inputs read, so that worker processes
    reading ahead do not make it run early.
    """

    def __init__(self, stream: TextIO, quiet: bool = False, total: int | None = None) -> None:
        self.stream = stream
        self.quiet = quiet
        self.documents = 0
        self.errors = 0
        self.bytes_done = 0
        self.kinds: Counter[str] = Counter()
        self._sizes: deque[int] = deque()
        self._started = time.perf_counter()
        self._bar: Any = None
        if not quiet and _is_terminal(stream):
            from tqdm import tqdm

            self._bar = tqdm(total=total, file=stream, unit=" docs", dynamic_ncols=True, mininterval=0.2,
                             leave=False, desc="extract")

    def track(self, items: Iterable[Item]) -> Iterator[Item]:
        """Pass the inputs through, noting the size of each (UTF-8 bytes)."""
        for item in items:
            self._sizes.append(len(item.text.encode("utf-8", "surrogatepass")) if isinstance(item, InputDocument)
                               else 0)
            yield item

    def watch(self, results: Iterable[DocumentResult]) -> Iterator[DocumentResult]:
        """Pass the results through, counting documents, kinds and errors and moving the bar."""
        for result in results:
            self.documents += 1
            self.bytes_done += self._sizes.popleft() if self._sizes else 0
            self.errors += result.error is not None
            self.kinds.update(e.kind for e in result.extractions)
            if self._bar is not None:
                seconds = max(time.perf_counter() - self._started, 1e-9)
                self._bar.set_postfix_str(f"{self.bytes_done / 1e6:.1f} MB, {self.bytes_done / 1e6 / seconds:.2f} MB/s,"
                                          f" {self.errors} errors", refresh=False)
                self._bar.update(1)
            yield result

    def summary(self) -> str:
        """One line: documents, extractions by kind (most frequent first), errors, time."""
        seconds = time.perf_counter() - self._started
        found = sum(self.kinds.values())
        kinds = ", ".join(f"{count} {kind}" for kind, count in self.kinds.most_common())
        return (f"tallyrules: {self.documents} documents, {found} extractions" + (f" ({kinds})" if kinds else "")
                + f", {self.errors} errors, {self.bytes_done / 1e6:.1f} MB in {seconds:.1f} s")

    def close(self) -> None:
        """Remove the bar and print the summary line (unless quiet)."""
        if self._bar is not None:
            self._bar.refresh()  # its final state, even when the run ended before the bar's first redraw
            self._bar.close()
            self._bar = None
        if not self.quiet:
            print(self.summary(), file=self.stream)


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
