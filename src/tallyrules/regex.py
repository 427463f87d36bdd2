"""RE2 regexes as the matcher runs them: compiled on first use, searched over UTF-8 bytes.

Why not ``re2.compile(...).finditer(text)``: the wrapper re-encodes the text and converts
every offset back to characters on each call, which cost more than the search itself on
short news items.  Here a text is encoded once per document (:class:`EncodedText`), every
rule searches the same bytes, and offsets are converted only for the spans kept.

Why lazily: most rules never run on a given input (the prefilter skips them), and compiling
every regex up front was a third of start-up.  A pattern's syntax is checked when the rule
file is compiled (each regex atom by :func:`tallyrules.patterns.check_regex`), and its groups
are numbered by :func:`capture_groups`; ``Engine(compile_regexes=True)`` and
``tallyrules check`` hand every regex to RE2 at once, so its size limits are reported there.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from typing import Any

import re2

# A rule regex gets this DFA budget.  RE2's lazily built DFA keeps its states between calls,
# so documents that look alike reuse them; when the budget is spent the cache is flushed.
REGEX_MEMORY = 8 << 20
# A long text outgrows that budget over and over, so texts past LONG_TEXT characters use a
# copy with a larger one, compiled when first needed.
LONG_TEXT = 200_000
LONG_TEXT_REGEX_MEMORY = 64 << 20
# The longest match a rule can make, in UTF-8 bytes: what keeps every search linear in the
# text (see RuleRegex.search_all).  News sentences are far shorter; a paragraph may not be.
MAX_MATCH_BYTES = 2048
# A search reads this many bounds at a time: more reads the text fewer times over (a window
# overlaps the next by one bound), fewer makes each match of a pattern like the above cheaper.
WINDOW_BOUNDS = 4

_UNANCHORED = re2._re2.RE2.Anchor.UNANCHORED
_ANCHOR_START = re2._re2.RE2.Anchor.ANCHOR_START
_ANCHOR_BOTH = re2._re2.RE2.Anchor.ANCHOR_BOTH
# runs of non-ASCII characters of one UTF-8 width (2, 3 or 4 bytes)
_NON_ASCII_RUN = re.compile("[\u0080-\u07ff]+|[\u0800-\uffff]+|[\U00010000-\U0010ffff]+")

ByteSpans = list[tuple[int, int]]


class RegexError(Exception):
    """RE2 refused a pattern (invalid, or larger than its memory budget)."""


def regex_options(memory: int = REGEX_MEMORY) -> Any:
    """The RE2 options of every rule regex: leftmost-longest, a memory budget, no logging."""
    options = re2.Options()
    options.longest_match = True
    options.max_mem = memory
    options.log_errors = False  # errors are reported as RuleErrors, never printed by RE2
    return options


# Everything up to the next capturing group's opener, then the opener.  What lies between is
# skipped in one piece: quoted text (\Q...\E), escapes (\(, \x{28}, \p{Lu}), character classes
# (which may hold parentheses: [(], []()], [[:alpha:](]) and groups that do not capture.  The skip
# sits in a lookahead taken back by a backreference, which makes it atomic: a pattern with no
# opener left fails at once instead of backtracking.
_NEXT_OPENER = re.compile(r"""
    (?=(?P<skipped>(?:
          [^\\\[(]+
        | \\Q.*?(?:\\E|\Z)
        | \\.
        | \[\^?\]?(?:\\.|\[:[a-z]+:\]|[^\]\\])*\]
        | \(\?(?!P?<[A-Za-z_])
    )*))(?P=skipped)
    (?P<opener>\(\?P?<(?P<name>[A-Za-z_][A-Za-z0-9_]*)>|\()
""", re.VERBOSE | re.DOTALL)


def _group_openers(source: str) -> Iterator[tuple[int, int, str | None]]:
    """Each capturing group's opener in an RE2 pattern: (start, end of the opener, name or None)."""
    position = 0
    while (found := _NEXT_OPENER.match(source, position)) is not None:
        yield found.start("opener"), found.end("opener"), found.group("name")
        position = found.end()


def capture_groups(source: str) -> list[str | None]:
    """The capturing groups of an RE2 pattern in index order: their names, None when unnamed.

    Known without compiling the pattern, so group indexes are fixed when the rule is
    compiled and the regex itself can wait until it is first needed.
    """
    return [name for _start, _end, name in _group_openers(source)]


class EncodedText:
    """A text and its UTF-8 bytes, with conversion of byte offsets back to characters.

    Only the runs of non-ASCII characters are recorded (each run of one UTF-8 width), so an
    ASCII text costs one ``encode`` and a long text no more memory than its runs.
    """

    __slots__ = ("text", "data", "_byte_starts", "_char_starts", "_runs")

    def __init__(self, text: str, runs: list[tuple[int, int, int]] | None = None) -> None:
        """Encode ``text``; ``runs`` (char start, char end, width), when the caller knows them,
        saves looking for the non-ASCII runs (see :func:`masked_ascii_runs`)."""
        self.text = text
        # a lone surrogate (possible in a Python str) is encoded as is: RE2 sees an invalid byte
        self.data = text.encode("utf-8", "surrogatepass")
        self._byte_starts: list[int] = []  # byte offset of each run
        self._char_starts: list[int] = []  # character offset of each run
        self._runs: list[tuple[int, int, int, int]] = []  # (char start, byte end, width, surplus after)
        if len(self.data) != len(text):
            if runs is None:
                runs = [(run.start(), run.end(), len(run.group()[0].encode("utf-8", "surrogatepass")))
                        for run in _NON_ASCII_RUN.finditer(text)]
            surplus = 0
            for start, end, width in runs:
                self._byte_starts.append(start + surplus)
                self._char_starts.append(start)
                surplus += (width - 1) * (end - start)
                self._runs.append((start, end + surplus, width, surplus))

    @property
    def ascii(self) -> bool:
        """Whether every character is ASCII (then byte and character offsets agree)."""
        return not self._runs

    def char_offset(self, byte_offset: int) -> int:
        """The character offset of a byte offset at a character boundary."""
        if not self._runs:
            return byte_offset
        index = bisect.bisect_right(self._byte_starts, byte_offset) - 1
        if index < 0:
            return byte_offset
        char_start, byte_end, width, surplus = self._runs[index]
        if byte_offset >= byte_end:
            return byte_offset - surplus
        return char_start + (byte_offset - self._byte_starts[index]) // width

    def byte_offset(self, char_offset: int) -> int:
        """The byte offset of a character offset (the inverse of :meth:`char_offset`)."""
        if not self._runs:
            return char_offset
        index = bisect.bisect_right(self._char_starts, char_offset) - 1
        if index < 0:
            return char_offset
        char_start, byte_end, width, surplus = self._runs[index]
        byte_start = self._byte_starts[index]
        if char_offset >= char_start + (byte_end - byte_start) // width:  # past the run
            return char_offset + surplus
        return byte_start + (char_offset - char_start) * width

    def boundary_at(self, byte_offset: int) -> int:
        """``byte_offset`` if a character starts there, else the start of the next character."""
        data = self.data
        while byte_offset < len(data) and 0x80 <= data[byte_offset] < 0xC0:
            byte_offset += 1
        return byte_offset

    def next_boundary(self, byte_offset: int) -> int:
        """The byte offset of the character after the one starting at ``byte_offset``."""
        position = byte_offset + 1
        data = self.data
        while position < len(data) and 0x80 <= data[position] < 0xC0:
            position += 1
        return position


def masked_ascii_runs(spans: list[tuple[int, int]], width: int) -> list[tuple[int, int, int]]:
    """The non-ASCII runs of an ASCII text in which ``spans`` (sorted, not overlapping) were
    replaced by characters of UTF-8 ``width``: the spans, those that touch merged."""
    runs: list[tuple[int, int, int]] = []
    for start, end in spans:
        if runs and runs[-1][1] == start:
            runs[-1] = (runs[-1][0], end, width)
        else:
            runs.append((start, end, width))
    return runs


class RuleRegex:
    """One rule's RE2 regex, compiled on first use.

    One program finds the matches and reads their groups: RE2 locates a match with its DFAs
    (capturing groups play no part there), and only on the span found does it run its submatch
    engine.  So a search that finds nothing costs what a program without groups would, and the
    groups of a match come with it.  (Two programs, one without groups to search and one to
    read the groups of the matches that need them, cost as much time and held a second copy
    of every program in memory.)  Texts past ``LONG_TEXT`` characters get a copy with a larger
    DFA budget.
    """

    __slots__ = ("source", "groups", "memory", "_programs")

    def __init__(self, source: str, memory: int = REGEX_MEMORY, groups: list[str | None] | None = None) -> None:
        """``memory``: the program's RE2 budget in bytes (program and DFA states; a pattern that
        does not fit a budget below ``REGEX_MEMORY`` gets ``REGEX_MEMORY``); ``groups``: the
        pattern's :func:`capture_groups`, when the caller knows them already."""
        self.source = source
        self.memory = memory
        self.groups = capture_groups(source) if groups is None else groups
        self._programs: dict[bool, Any] = {}  # long text -> RE2 program

    @property
    def group_index(self) -> dict[str, int]:
        """Named group -> its index (group 0 is the whole match); a name used twice means its first group."""
        index: dict[str, int] = {}
        for number, name in enumerate(self.groups, 1):
            if name is not None:
                index.setdefault(name, number)
        return index

    @property
    def compiled(self) -> bool:
        """Whether a program has been compiled yet."""
        return bool(self._programs)

    def compile(self) -> None:
        """Compile now; raise :class:`RegexError` if RE2 refuses the pattern."""
        self._program(length=0)

    @property
    def program_size(self) -> int:
        """RE2's size of the compiled program (instructions): a measure of its cost."""
        return int(self._program(length=0).ProgramSize())

    def _program(self, length: int) -> Any:
        long_text = length > LONG_TEXT
        program = self._programs.get(long_text)
        if program is None:
            memory = LONG_TEXT_REGEX_MEMORY if long_text else self.memory
            try:
                program = _compile(self.source, memory)
            except RegexError:
                if memory >= REGEX_MEMORY:
                    raise
                # a budget chosen below the default is a wish, not a limit on which rules may run
                program = _compile(self.source, REGEX_MEMORY)
            self._programs[long_text] = program
        return program

    def search_all(self, encoded: EncodedText) -> list[ByteSpans]:
        """Each successive non-overlapping leftmost-longest match of at most ``MAX_MATCH_BYTES``:
        its byte span, then the byte span of each group ((-1, -1) for a group that took no part).

        Why the bound: to know that a match is the longest, RE2 reads on until no longer match
        is possible, and a pattern such as ``"a" | "a" WORD* "b"`` keeps that possible to the
        end of the text, so each of n matches would read O(n) bytes.  Each search reads a
        window of ``WINDOW_BOUNDS`` bounds instead: a match of at most one bound that starts
        before its last bound lies wholly inside it, so the leftmost such start is found there;
        one anchored search from that start gives its longest match within the bound.  Each
        search reads at most one window: linear in the text.

        The groups are those RE2 reads over the span found, with the whole text around it as
        context (``\\b`` at the span's edges sees its neighbours): the same as a search of the
        whole text that found that span.
        """
        data = encoded.data
        end = len(data)
        program = self._program(end)
        bound = MAX_MATCH_BYTES
        found = []
        position = 0
        while position <= end:
            window_end = min(position + WINDOW_BOUNDS * bound, end)
            spans = program.Match(_UNANCHORED, data, position, window_end)
            match_start, match_end = spans[0]
            if match_start < 0 or (match_start >= window_end - bound and window_end < end):
                if window_end == end:
                    break
                position = encoded.boundary_at(window_end - bound)  # no match of at most one bound starts before
                continue
            if match_end - match_start > bound:  # the longest match within the bound, if there is one
                spans = program.Match(_ANCHOR_START, data, match_start, min(match_start + bound, end))
                match_end = spans[0][1]
                if match_end < 0:
                    position = encoded.next_boundary(match_start)
                    continue
            found.append(spans)
            position = match_end if match_end > position else encoded.next_boundary(position)
        return found

    def match_exactly(self, encoded: EncodedText, start: int, end: int) -> ByteSpans | None:
        """Group spans (in bytes, offsets into ``encoded``) of a match of exactly ``data[start:end]``.

        The slice is matched on its own, as a text of its own: ``\\b`` at its edges does not
        look at the characters around it.  None when it does not match.
        """
        piece = encoded.data[start:end]
        spans = self._program(len(piece)).Match(_ANCHOR_BOTH, piece, 0, len(piece))
        if spans[0][0] < 0:
            return None
        return [(a + start, b + start) if a >= 0 else (a, b) for a, b in spans]

    def __getstate__(self) -> tuple[str, int]:
        return self.source, self.memory

    def __setstate__(self, state: tuple[str, int]) -> None:
        self.__init__(*state)  # type: ignore[misc]


def _compile(source: str, memory: int) -> Any:
    program = re2._re2.RE2(source.encode("utf-8"), regex_options(memory))
    if not program.ok():
        error = program.error()
        raise RegexError(error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error))
    return program
