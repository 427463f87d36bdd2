"""The prefilter: which rules can match a document, decided before any rule runs.

At compile time, :class:`PrefilterAnalysis` reads each rule's pattern for the
*clauses* every match satisfies: anchor clauses (a set of anchors, one of which
each match holds) and required-mask clauses (a set of cascades, one of which
each match needs a span of).  An anchor is a string that a match contains (a
word, a digit, a dash, "p.m.": whatever the element's characters must be), or a
cascade: the rules (orders) of a mask set, one of which must match for the rule
to.  Literals, lexicons, token classes and regexes all give anchors; a glued
sequence joins them into longer strings ("#" ~ NUM needs one of "#0".."#9"); a
literal's word is looked for as a whole word where its regex has a word boundary.

At run time, :class:`Prefilter` looks for every anchor string in one RE2 pass and
decides rule by rule, each after the rules it refers to, whether each of its
clauses has an anchor present: a string found, or a cascade whose rules may
match.  So a rule whose cascade cannot match in the document is skipped without
running the cascade.  The matcher then also skips a rule whose required-mask
clauses have no span.  Both only ever skip rules that cannot match.
"""

from __future__ import annotations

import functools
import graphlib
import re
from collections.abc import Callable, Iterable
from itertools import product
from typing import Any, TypeVar

import attrs
import re2

from . import ast
from .errors import RuleError
from .lexicons import Lexicon
from .loader import Unit
from .patterns import PRIVATE_FIRST, PRIVATE_LAST
from .resolution import Resolution
from .tokens import CHARACTER_VARIANTS, LEAD, TOKEN_CLASSES, compact_classes

MAX_ANCHORS = 2000  # a clause with more anchors than this is not kept
MAX_EXACT = 64  # an element matching at most this many strings keeps them all, to join with its neighbours
MAX_JOINED = 256  # the most strings a clause of the ends of one element joined to the starts of the next has
MAX_CLASS = 32  # a character class of at most this many characters gives an anchor clause
ANCHOR_SET_MEMORY = 64 << 20  # the anchor set's automaton budget (built lazily; generous, see possible_rules)

T = TypeVar("T")
# a string every match contains, or the rules of a cascade one of which must match (their orders)
Anchor = str | tuple[int, ...]
# in an anchor string, a word boundary: the pattern has RE2's \b there.  A private-use character,
# which no document holds (the matcher replaces them) and the analysis never puts in a string.
BOUNDARY = "\uf8fe"
Clause = frozenset[Anchor]


# ---- required-mask clauses ----------------------------------------------------------------------
def _all_of(parts: list[tuple[frozenset[T], ...]]) -> tuple[frozenset[T], ...]:
    """The clauses of a sequence: every clause of every part (each once)."""
    return tuple(dict.fromkeys(clause for part in parts for clause in part))


def _one_of(options: list[tuple[frozenset[T], ...]]) -> frozenset[T] | None:
    """One clause for an alternation: the smallest clause of each option, together.

    None when an option has no clause (then nothing is required of the alternation).
    """
    if not options or any(not option for option in options):
        return None
    return frozenset().union(*(min(option, key=len) for option in options))


# ---- anchor clauses -------------------------------------------------------------------------------
@attrs.frozen
class _Info:
    """What every match of an element holds.

    ``exact``: all the strings the element can match (folded to lower case), when there are
    few, so that glued neighbours join into longer anchors; None when unknown or too many.
    ``clauses``: anchor clauses besides ``exact``.  ``prefixes`` and ``suffixes`` (when not
    exact): strings one of which every match starts (ends) with, to join with a glued neighbour.
    """

    exact: frozenset[str] | None
    clauses: tuple[Clause, ...] = ()
    prefixes: frozenset[str] | None = None
    suffixes: frozenset[str] | None = None

    @property
    def starts(self) -> frozenset[str] | None:
        """Strings one of which every match starts with (None: unknown or not worth it)."""
        return _edge(self.exact if self.exact is not None else self.prefixes)

    @property
    def ends(self) -> frozenset[str] | None:
        """Strings one of which every match ends with (None: unknown or not worth it)."""
        return _edge(self.exact if self.exact is not None else self.suffixes)


_NOTHING = _Info(None)
_EMPTY = _Info(frozenset({""}))
_DIGITS = frozenset("0123456789")
_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _edge(strings: frozenset[str] | None) -> frozenset[str] | None:
    """``strings`` as the starts or ends of matches: None when one is empty (a match may start
    anywhere) or when there are too many to keep."""
    if strings is None or "" in strings or len(strings) > MAX_ANCHORS:
        return None
    return strings


def _joined(first: frozenset[str] | None, second: frozenset[str] | None) -> frozenset[str] | None:
    """Every string of ``first`` followed by every string of ``second``, when both are known and few."""
    if first is None or second is None or len(first) * len(second) > MAX_JOINED:
        return None
    return frozenset(a + b for a in first for b in second)


def _ascii_word(char: str) -> bool:
    """Whether the pattern compiler puts a word boundary on an edge of this character."""
    return char.isascii() and char.isalnum()


def _fold(text: str) -> str:
    """``text`` in lower case, character by character (a character whose lower case is longer,
    like "İ", stays: the anchor set's case folding would not find its expansion)."""
    lower = text.lower()
    if len(lower) == len(text):  # (lower case never shortens a character)
        return lower
    return "".join(low if len(low := char.lower()) == 1 else char for char in text)


def _useful(clause: Clause) -> bool:
    """Whether a clause can tell documents apart: not when an anchor is empty, a space or a single
    letter (present in any text)."""
    return not any(isinstance(anchor, str) and len(bare := anchor.replace(BOUNDARY, "")) <= 1
                   and (bare in ("", " ") or bare in _LETTERS) for anchor in clause)


def _settled(info: _Info) -> tuple[Clause, ...]:
    """All the useful clauses of an element: its clauses, its exact strings, its starts and ends."""
    clauses = info.clauses
    if info.exact is not None:
        clauses = (*clauses, info.exact)
    else:
        clauses = (*clauses, *(edge for edge in (info.prefixes, info.suffixes) if edge is not None))
    return tuple(dict.fromkeys(clause for clause in clauses if len(clause) <= MAX_ANCHORS and _useful(clause)))


def _likelihood(anchor: Anchor) -> float:
    """A rough chance that a news text holds ``anchor``: shorter strings are commoner."""
    if not isinstance(anchor, str):
        return 0.3  # a cascade: unknown
    return 0.5 ** min(len(anchor), 5)


def _cost(clause: Clause) -> tuple[float, int]:
    """How likely a clause is satisfied (the lower the better to require), then its size."""
    return min(1.0, sum(_likelihood(anchor) for anchor in clause)), len(clause)


def _glued(first: _Info, second: _Info) -> _Info:
    """Two elements with nothing between them: their exact strings joined when few; else the
    clauses of both, and the ends of the first joined to the starts of the second."""
    if first.exact is not None and second.exact is not None and len(first.exact) * len(second.exact) <= MAX_EXACT:
        joined = frozenset(a + b for a in first.exact for b in second.exact)
        return _Info(joined, (*first.clauses, *second.clauses))
    clauses = (*_settled(first), *_settled(second))
    across = _joined(first.ends, second.starts)
    if across is not None:
        clauses = (*clauses, across)
    # a match starts with a start of the first element (followed by a start of the second, when
    # the first is exact) and ends likewise
    prefixes = first.prefixes if first.exact is None else (_joined(first.exact, second.starts) or first.exact)
    suffixes = second.suffixes if second.exact is None else (_joined(first.ends, second.exact) or second.exact)
    return _Info(None, clauses, _edge(prefixes), _edge(suffixes))


def _glued_all(parts: Iterable[_Info]) -> _Info:
    info = _EMPTY
    for part in parts:
        info = _glued(info, part)
    return info


def _in_sequence(parts: Iterable[_Info]) -> _Info:
    """Elements in order with gaps between them: the clauses of each; a match starts as the first
    starts and ends as the last ends."""
    items = list(parts)
    if not items:
        return _EMPTY
    return _Info(None, tuple(clause for part in items for clause in _settled(part)), items[0].starts, items[-1].ends)


def _union(sets: list[frozenset[T]]) -> frozenset[T]:
    return frozenset().union(*sets)


def _either(options: list[_Info]) -> _Info:
    """An alternation: the exact strings of all options when few; else the clauses every option
    has, and one clause made of the likeliest-to-fail clause of each option."""
    if not options:
        return _NOTHING
    if all(option.exact is not None for option in options):
        exact = _union([option.exact for option in options if option.exact is not None])
        if len(exact) <= MAX_EXACT and not any(option.clauses for option in options):
            return _Info(exact)
    starts = [option.starts for option in options]
    ends = [option.ends for option in options]
    prefixes = _union([start for start in starts if start is not None]) if None not in starts else None
    suffixes = _union([end for end in ends if end is not None]) if None not in ends else None
    settled = [_settled(option) for option in options]
    if any(not clauses for clauses in settled):
        return _Info(None, (), _edge(prefixes), _edge(suffixes))
    common = tuple(clause for clause in settled[0] if all(clause in other for other in settled[1:]))
    union = _union([min(clauses, key=_cost) for clauses in settled])
    clauses = (*common, union) if len(union) <= MAX_ANCHORS else common
    return _Info(None, clauses, _edge(prefixes), _edge(suffixes))


def _repeated(item: _Info, low: int, high: int | None) -> _Info:
    """``item{low,high}``: all its repetitions when few and of one count, else what its first holds
    (and a match starts as the item starts, ends as it ends)."""
    if high == 0:
        return _EMPTY
    if low == 0:
        if high == 1 and item.exact is not None and not item.clauses:
            return _Info(item.exact | {""})
        return _NOTHING
    if low == high and item.exact is not None and len(item.exact) ** low <= MAX_EXACT:
        return _glued_all([item] * low)
    return _Info(None, _settled(item), item.starts, item.ends)


def _implies(stronger: Clause, weaker: Clause) -> bool:
    """Whether every anchor of ``stronger`` contains one of ``weaker`` (then ``weaker`` adds nothing)."""
    return all(any(a == b or (isinstance(a, str) and isinstance(b, str) and b in a) for b in weaker)
               for a in stronger)


def _simplified(clauses: Iterable[Clause]) -> tuple[Clause, ...]:
    """The clauses without repeats and without those another clause implies (of two equivalent, the first)."""
    unique = list(dict.fromkeys(clauses))
    kept = []
    for i, clause in enumerate(unique):
        if not any(j != i and _implies(other, clause) and (j < i or not _implies(clause, other))
                   for j, other in enumerate(unique)):
            kept.append(clause)
    return tuple(kept)


# ---- what a regular expression's matches contain ---------------------------------------------------
class _Unsupported(Exception):
    """Syntax the reader does not know: the regex gives no anchors."""


_ESCAPED_CHARS = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v", "a": "\a"}
_LARGE_ESCAPES = set("DsSwWC")
_ASSERTIONS = set("bBAz")
_DIGIT_CLASSES = (r"\pN", r"\p{N}", r"\p{Nd}")
_REPEAT = re.compile(r"\{(\d+)(?:(,)(\d*))?\}")
_GROUP_FLAGS = re.compile(r"\(\?(?:P?<\w+>|[imsU-]*:)")
_FLAGS_ONLY = re.compile(r"\(\?[imsU-]*\)")


class _RegexReader:
    """Reads an RE2 regex into an :class:`_Info`; syntax it does not know raises :class:`_Unsupported`.

    Only what is certain counts: a character class of a few characters is a set of one-character
    strings, a larger or negated class or ``.`` stands for anything.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.position = 0

    def read(self) -> _Info:
        info = self._alternation()
        if self.position != len(self.source):
            raise _Unsupported(self.source)
        return info

    def _peek(self, text: str) -> bool:
        return self.source.startswith(text, self.position)

    def _alternation(self) -> _Info:
        options = [self._sequence()]
        while self._peek("|"):
            self.position += 1
            options.append(self._sequence())
        return options[0] if len(options) == 1 else _either(options)

    def _sequence(self) -> _Info:
        parts = []
        while self.position < len(self.source) and not self._peek("|") and not self._peek(")"):
            parts.append(self._repeat(self._atom()))
        return _glued_all(parts)

    def _repeat(self, item: _Info) -> _Info:
        while self.position < len(self.source):
            char = self.source[self.position]
            bounds = _REPEAT.match(self.source, self.position) if char == "{" else None
            if char in "*+?":
                low, high = {"*": (0, None), "+": (1, None), "?": (0, 1)}[char]
                self.position += 1
            elif bounds is not None:
                low = int(bounds.group(1))
                high = low if not bounds.group(2) else (int(bounds.group(3)) if bounds.group(3) else None)
                self.position = bounds.end()
            else:
                return item
            if self._peek("?"):  # non-greedy: the same strings
                self.position += 1
            item = _repeated(item, low, high)
        return item

    def _atom(self) -> _Info:
        source, position = self.source, self.position
        char = source[position]
        if char == "(":
            flags_only = _FLAGS_ONLY.match(source, position)
            if flags_only:
                self.position = flags_only.end()
                return _EMPTY
            opener = _GROUP_FLAGS.match(source, position)
            self.position = opener.end() if opener else position + 1
            if not opener and self._peek("?"):
                raise _Unsupported(source)
            info = self._alternation()
            if not self._peek(")"):
                raise _Unsupported(source)
            self.position += 1
            return info
        if char == "[":
            return self._chars(self._class())
        if char == ".":
            self.position += 1
            return _NOTHING
        if char in "^$":
            self.position += 1
            return _EMPTY
        if char == "\\":
            if self._peek(r"\Q"):
                close = source.find(r"\E", position + 2)
                end = len(source) if close == -1 else close
                self.position = len(source) if close == -1 else close + 2
                quoted = source[position + 2:end]
                if any(PRIVATE_FIRST <= ord(char) <= PRIVATE_LAST for char in quoted):
                    raise _Unsupported(source)  # it could match a masked span of the shadow
                return _Info(frozenset({_fold(quoted)}))
            if source[position + 1:position + 2] in _ASSERTIONS:
                self.position += 2
                return _EMPTY
            return self._chars(self._escape())
        self.position += 1
        return self._chars(frozenset({char}))

    def _chars(self, chars: frozenset[str] | None) -> _Info:
        """One character of ``chars`` (None: of a class too large to tell anything)."""
        if chars is None or len(chars) > MAX_CLASS:
            return _NOTHING
        if any(0xE000 <= ord(char) <= 0xF8FF for char in chars):
            raise _Unsupported(self.source)  # a mask character: the pattern compiler rewrites these
        return _Info(frozenset(_fold(char) for char in chars))

    def _escape(self) -> frozenset[str] | None:
        """The characters of the escape at the position (None: too many to tell), moving past it."""
        source, position = self.source, self.position
        for name in _DIGIT_CLASSES:
            if source.startswith(name, position):
                self.position += len(name)
                return _DIGITS
        kind = source[position + 1:position + 2]
        if kind in ("p", "P"):
            close = source.find("}", position) if source.startswith("{", position + 2) else position + 2
            self.position = close + 1
            return None
        if kind == "x":
            if source.startswith("{", position + 2):
                close = source.find("}", position)
                digits, self.position = source[position + 3:close], close + 1
            else:
                digits, self.position = source[position + 2:position + 4], position + 4
            try:
                return frozenset({chr(int(digits, 16))})
            except ValueError:
                raise _Unsupported(source) from None
        self.position += 2
        if kind == "d":
            return _DIGITS
        if kind in _LARGE_ESCAPES:
            return None
        if kind in _ESCAPED_CHARS:
            return frozenset({_ESCAPED_CHARS[kind]})
        if kind and not kind.isalnum():
            return frozenset({kind})
        raise _Unsupported(source)

    def _class(self) -> frozenset[str] | None:
        """The characters of the class at the position (None: negated or too many), moving past it."""
        source = self.source
        self.position += 1
        negated = self._peek("^")
        self.position += negated
        chars: set[str] = set()
        large = negated
        first = True
        while self.position < len(source) and (first or not self._peek("]")):
            first = False
            if self._peek("[:"):
                close = source.find(":]", self.position)
                if close == -1:
                    raise _Unsupported(source)
                self.position = close + 2
                large = True
                continue
            low = self._class_char()
            if low is None:
                large = True
                continue
            if self._peek("-") and not self._peek("-]") and self.position + 1 < len(source):
                self.position += 1
                high = self._class_char()
                if high is None or len(low) != 1 or len(high) != 1:
                    raise _Unsupported(source)
                (low_char,), (high_char,) = low, high
                if ord(high_char) - ord(low_char) >= MAX_CLASS:
                    large = True
                else:
                    chars.update(chr(code) for code in range(ord(low_char), ord(high_char) + 1))
            else:
                chars.update(low)
        if not self._peek("]"):
            raise _Unsupported(source)
        self.position += 1
        return None if large else frozenset(chars)

    def _class_char(self) -> frozenset[str] | None:
        if self._peek("\\"):
            return self._escape()
        char = self.source[self.position]
        self.position += 1
        return frozenset({char})


def _regex_info(source: str) -> _Info:
    """What every match of an RE2 regex contains (nothing, when its syntax is not understood)."""
    try:
        return _RegexReader(compact_classes(source)).read()
    except (_Unsupported, IndexError):
        return _NOTHING


_VARIANTS = {char: _regex_info(regex).exact for char, regex in CHARACTER_VARIANTS.items()}


def _word_info(word: str, glued_left: bool, glued_right: bool) -> _Info:
    """One word of a literal: the strings it matches, quote and hyphen variants included, with a
    word boundary where its regex has one (an ASCII letter or digit on an edge not glued); when
    too many, each of its runs without such characters."""
    if any(PRIVATE_FIRST <= ord(char) <= PRIVATE_LAST for char in word):
        return _NOTHING  # (what a private-use character matches is the matcher's business)
    choices = [_VARIANTS.get(char) or frozenset({_fold(char)}) for char in word]
    count = 1
    for chosen in choices:
        count *= len(chosen)
    if count <= MAX_EXACT:
        before = BOUNDARY if not glued_left and _ascii_word(word[0]) else ""
        after = BOUNDARY if not glued_right and _ascii_word(word[-1]) else ""
        return _Info(frozenset(before + "".join(chars) + after for chars in product(*choices)))
    runs = [run for run in re.split("|".join(map(re.escape, CHARACTER_VARIANTS)), word) if run]
    return _Info(None, tuple(frozenset({_fold(run)}) for run in runs))


@functools.cache
def _literal_info(text: str, glued_left: bool, glued_right: bool) -> _Info:
    """A literal: its words, with gaps between them."""
    words = text.split()
    last = len(words) - 1
    infos = [_word_info(word, glued_left and i == 0, glued_right and i == last) for i, word in enumerate(words)]
    return infos[0] if len(infos) == 1 else _in_sequence(infos)


_TOKEN_CLASS_INFO: dict[str, _Info] = {
    name: _either([_regex_info(shape.regex.replace(LEAD, "")) for shape in shapes])
    for name, shapes in TOKEN_CLASSES.items()
}


class PrefilterAnalysis:
    """The anchor and required-mask clauses of rule patterns, with names resolved by ``resolution``."""

    def __init__(self, resolution: Resolution) -> None:
        self.resolution = resolution
        self._lexicon_infos: dict[tuple[int, bool, bool], _Info] = {}
        self._regex_infos: dict[str, _Info] = {}
        self._fragment_infos: dict[tuple[int, bool, bool], _Info] = {}

    def anchors(self, unit: Unit, pattern: Any) -> tuple[Clause, ...]:
        """The anchor clauses of ``pattern``: each a set of anchors of which every match holds one."""
        return _simplified(_settled(self._info(unit, pattern, False, False)))

    def required_masks(self, unit: Unit, pattern: Any) -> tuple[frozenset[int], ...]:
        """The required-mask clauses of ``pattern``: each a set of mask sets of which every match needs a span."""
        return self._clauses(unit, pattern, self._required_mask)

    def _info(self, unit: Unit, node: Any, left: bool, right: bool, depth: int = 0) -> _Info:
        """What every match of ``node`` holds: a sequence the clauses of its items, a glued
        sequence its items' strings joined, an alternation what all options hold, an optional
        part nothing; a fragment named directly counts as its pattern, a cascade as the anchor
        of its rules.  ``left``, ``right``: whether the node is glued to a neighbour on that side
        (then its words have no boundary there), as the pattern compiler has it."""
        if node is None or depth > 50:
            return _NOTHING
        deeper = depth + 1
        if isinstance(node, ast.RuleRef):
            try:
                found = self.resolution.reference(unit, node.name, node.at)
            except RuleError:
                return _NOTHING
            if found.mask is not None:
                return _Info(None, (frozenset({found.targets}),))
            key = (found.targets[0], left, right)
            if key not in self._fragment_infos:
                target_unit, target = self.resolution.rule_list[found.targets[0]]
                self._fragment_infos[key] = self._info(target_unit, target.pattern, left, right, deeper)
            return self._fragment_infos[key]
        if isinstance(node, (ast.Sequence, ast.Glued)):
            glued = isinstance(node, ast.Glued)
            last = len(node.items) - 1
            items = [self._info(unit, item, left or (glued and i > 0), right or (glued and i < last), deeper)
                     if glued else self._info(unit, item, left and i == 0, right and i == last, deeper)
                     for i, item in enumerate(node.items)]
            return _glued_all(items) if glued else _in_sequence(items)
        if isinstance(node, ast.Alternation):
            return _either([self._info(unit, option, left, right, deeper) for option in node.options])
        if isinstance(node, ast.Repeat):
            item = self._info(unit, node.item, left, right, deeper)
            if node.low > 1 or (node.high is not None and node.high > 1):
                item = _Info(None, _settled(item), item.starts, item.ends)  # repetitions are separated by gaps
            return _repeated(item, min(node.low, 1), node.high if node.high is None else min(node.high, 1))
        if isinstance(node, ast.Capture):
            return self._info(unit, node.item, left, right, deeper)
        if isinstance(node, ast.Literal):
            return _literal_info(node.text, left, right) if node.text.split() else _NOTHING
        if isinstance(node, ast.TokenClass):
            return _TOKEN_CLASS_INFO.get(node.name, _NOTHING)
        if isinstance(node, ast.Regex):
            if node.source not in self._regex_infos:
                self._regex_infos[node.source] = _regex_info(node.source)
            return self._regex_infos[node.source]
        if isinstance(node, ast.LexiconRef) and not node.negated:
            try:
                lexicon = self.resolution.lexicon_in(unit)(node.name, node.at)
            except RuleError:
                return _NOTHING
            return self._lexicon_info(lexicon, left, right)
        return _NOTHING

    def _lexicon_info(self, lexicon: Lexicon, left: bool, right: bool) -> _Info:
        key = (id(lexicon), left, right)
        info = self._lexicon_infos.get(key)
        if info is None:
            entries = [_literal_info(entry, left, right) for entry in lexicon.entries if entry.split()]
            info = _either(entries) if entries else _NOTHING
            self._lexicon_infos[key] = info
        return info

    def _clauses(self, unit: Unit, node: Any, of_leaf: Callable[[Unit, Any, int | None], tuple[frozenset[T], ...]],
                 depth: int = 0) -> tuple[frozenset[T], ...]:
        """Clauses that every match of ``node`` satisfies: each is a set of which a match holds one.

        A sequence needs the clauses of all its items, an alternation one clause made of a
        clause of each option, an optional part nothing; a fragment named directly counts as
        its pattern.  ``of_leaf(unit, node, mask)`` gives the clauses of a leaf: a literal, a
        lexicon, or a cascade (``mask`` is then its mask set).  No clause: nothing to rely on.
        """
        if node is None or depth > 50:
            return ()
        if isinstance(node, ast.RuleRef):
            try:
                found = self.resolution.reference(unit, node.name, node.at)
            except RuleError:
                return ()
            if found.mask is not None:
                return of_leaf(unit, node, found.mask)
            target_unit, target = self.resolution.rule_list[found.targets[0]]
            return self._clauses(target_unit, target.pattern, of_leaf, depth + 1)
        if isinstance(node, (ast.Sequence, ast.Glued)):
            return _all_of([self._clauses(unit, item, of_leaf, depth + 1) for item in node.items])
        if isinstance(node, ast.Alternation):
            union = _one_of([self._clauses(unit, option, of_leaf, depth + 1) for option in node.options])
            return () if union is None or len(union) > MAX_ANCHORS else (union,)
        if isinstance(node, ast.Repeat):
            return self._clauses(unit, node.item, of_leaf, depth + 1) if node.low > 0 else ()
        if isinstance(node, ast.Capture):
            return self._clauses(unit, node.item, of_leaf, depth + 1)
        return of_leaf(unit, node, None)

    @staticmethod
    def _required_mask(unit: Unit, node: Any, mask: int | None) -> tuple[frozenset[int], ...]:
        """A leaf's required-mask clause: a cascade needs a span of its mask set (a rule is skipped
        when all the sets of one of its clauses are empty in a document)."""
        return (frozenset({mask}),) if mask is not None else ()


# The anchor set searches a text whose underscores are this character instead, so that RE2's \b
# there means "no ASCII letter or digit" (an underscore may end a cascade's span, which the rule
# sees as a boundary); an anchor's underscore is looked for as it.  (An alternation "\b or an
# underscore" in every pattern made RE2's automaton many times larger and slower to build.)
_UNDERSCORE = b"\x01"


def _pattern_of(anchor: str) -> str:
    """The RE2 pattern finding an anchor string in a text: its characters, and at a boundary mark
    RE2's \\b (in the text as searched, a character that is no ASCII letter or digit, or its edge)."""
    body = "".join(str(re2.escape(part)) for part in anchor.split(BOUNDARY)).replace("_", r"\x01")
    before = r"\b" if anchor.startswith(BOUNDARY) else ""
    after = r"\b" if anchor.endswith(BOUNDARY) and len(anchor) > 1 else ""
    return before + body + after


class Prefilter:
    """One RE2 set of every rule's anchor strings, so one pass tells which rules may match.

    A rule may match a document only when each of its anchor clauses has an anchor in it: a
    string found, or a cascade one of whose rules may match (decided first: rules are
    decided after those they refer to).  Strings are looked for as case-insensitive
    substrings: a superset of what the rules match, never fewer.  Each distinct set of
    strings of a clause is one pattern of the RE2 set (an alternation), so the pass tells
    which clauses are satisfied.  Only rules the matcher may ask about are decided: those
    that search a document, and those a cascade refers to; a fragment only copied into
    other patterns is always possible.
    """

    def __init__(self, rules: Iterable[Any]) -> None:
        """``rules``: compiled rules (each with ``order``, ``role``, ``anchors`` and ``references``)."""
        every = list(rules)
        known = {rule.order for rule in every}
        referred = {order for rule in every for reference in rule.references.values()
                    if reference.mask is not None for order in reference.targets}
        decided = [rule for rule in every if rule.anchors and (rule.role != "fragment" or rule.order in referred)]
        patterns: dict[frozenset[str], int] = {}  # the strings of a clause -> their pattern in the set
        # per rule: the patterns all of which must be found, and the clauses with cascades (the pattern
        # of their strings or None, the orders of the cascades' rules)
        needs: dict[int, frozenset[int]] = {}
        cascading: dict[int, list[tuple[int | None, frozenset[int]]]] = {}
        for rule in decided:
            need = set()
            for clause in rule.anchors:
                strings = frozenset(anchor for anchor in clause if isinstance(anchor, str))
                orders = frozenset(order for anchor in clause if not isinstance(anchor, str) for order in anchor)
                pattern = patterns.setdefault(strings, len(patterns)) if strings else None
                if not orders and pattern is not None:
                    need.add(pattern)
                elif orders and orders <= known:  # (a rule left out of these rules could match: nothing to rely on)
                    cascading.setdefault(rule.order, []).append((pattern, orders))
            needs[rule.order] = frozenset(need)
        sorter = graphlib.TopologicalSorter(
            {order: {o for _pattern, orders in clauses for o in orders} for order, clauses in cascading.items()})
        try:
            ordered = list(sorter.static_order())
        except graphlib.CycleError:  # the compiler rejects reference cycles; without it, rely on strings alone
            ordered, cascading = [], {}
        self.needs = [(order, need) for order, need in needs.items() if need and order not in cascading]
        # in an order where a rule comes after the rules its cascades need
        self.cascading = [(order, needs[order], tuple(cascading[order])) for order in ordered if order in cascading]
        self.every = frozenset(known)
        self.anchor_set: Any = None
        if patterns:
            options = re2.Options()
            options.case_sensitive = False
            options.log_errors = False
            options.max_mem = ANCHOR_SET_MEMORY
            self.anchor_set = re2.Set.SearchSet(options)
            for strings in patterns:  # (in the order of their numbers)
                self.anchor_set.Add("|".join(_pattern_of(string) for string in sorted(strings)))
            # matches every text: missing from a result, it tells that RE2 gave up (out of memory)
            self.always = self.anchor_set.Add("")
            self.anchor_set.Compile()

    def possible_rules(self, text: bytes) -> frozenset[int]:
        """The orders of the rules that may match ``text``: unanchored ones, and those whose anchor
        clauses all have an anchor in it."""
        if self.anchor_set is None:
            return self.every
        if b"_" in text:
            text = text.replace(b"_", _UNDERSCORE)
        found = set(self.anchor_set.Match(text) or ())
        if self.always not in found:
            return self.every  # the set's automaton ran out of memory: nothing is known
        possible = set(self.every).difference([order for order, need in self.needs if not need <= found])
        for order, need, clauses in self.cascading:
            if need <= found:
                for pattern, orders in clauses:
                    if pattern not in found and possible.isdisjoint(orders):
                        break
                else:
                    continue
            possible.discard(order)
        return frozenset(possible)
