"""Tokenize a text once and classify each token type once: the input of token-level matching.

Today each rule is a regex over the characters of the text (see :mod:`tallyrules.patterns`);
this module is the first step towards rules over tokens (docs/matching-core.md, step 1).
It is not used by the matcher yet.

* :func:`split` is one regex pass giving the tokens of a text with exact character
  offsets, as parallel lists.  Token boundaries are those of :func:`tokens.tokenize`
  (numbers, abbreviations with periods, words with inner hyphens and apostrophes, one
  character of anything else), except that the spaces :data:`tokens.GAP` skips between
  two tokens (no-break, thin and narrow no-break spaces) separate tokens here instead of
  being one-character tokens.
* :class:`TokenClassifier` computes, once per distinct token string (a *type*), its
  *shape bits* (the token classes of :data:`tokens.TOKEN_CLASSES` whose regex matches
  the whole token, edges as the pattern compiler writes them), the lexicons it is a
  single-token entry of, and the lexicons one of whose multi-token entries it can start
  (both as bit sets over the classifier's lexicons).  Each distinct combination gets one
  code point, so a document becomes a *class string* with one code point per token.
* :meth:`TokenClassifier.document` gives a :class:`TokenizedText`: tokens, offsets,
  class string and, per token, how it is separated from the token before it (glued,
  a gap a pattern sequence may cross, or a break no sequence crosses).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable, Sequence
from itertools import accumulate
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import attrs

from . import ast
from .lexicons import Lexicon, build_lexicon, read_word_list
from .patterns import EmitContext, PatternEmitter
from .tokens import NUMBER, TOKEN_CLASSES, compact_classes

if TYPE_CHECKING:
    from .engine import Engine

# ---- the splitting pass --------------------------------------------------------------------

#: Characters between tokens: RE2's ``\s`` (what ``tokens.tokenize`` skips) and the spaces of ``tokens.GAP``.
SPACE_CHARS = "\t\n\f\r \xa0\u2009\u202f"
#: Of these, the ones a pattern's gap may cross, with at most one line break (``tokens.GAP``).
GAP_SPACE_CHARS = "\t\r \xa0\u2009\u202f"

# how a token is separated from the token before it (one byte per token in TokenizedText.gaps)
GLUED = 0  # no character between: a `~` glue or a word edge without a boundary
SPACED = 1  # spaces and at most one line break: a pattern sequence crosses it
BREAK = 2  # the start of the text, a blank line, a form feed: no pattern sequence crosses it


def re2_to_python(regex: str) -> str:
    """An RE2 regex (of this package's token model) in Python ``re`` syntax.

    Only what the token model uses needs translating: ``\\x{HHHH}`` escapes, the Unicode
    classes (compacted to Latin ranges as RE2 sees them) and ``\\s`` (RE2's has no vertical
    tab; the token model writes it inside brackets only).  Compile the result with ``re.ASCII``
    so that ``\\b`` and ``\\d`` are ASCII-only, as in RE2.
    """
    regex = compact_classes(regex)
    regex = re.sub(r"\\x\{([0-9A-Fa-f]+)\}", lambda m: _python_escape(int(m.group(1), 16)), regex)
    return regex.replace(r"\s", r"\t\n\f\r ")


def _python_escape(code: int) -> str:
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


_LETTER_NUMBER = r"\pL\pN"
# tokens._WORD_BODY, (?:[\pL\pN]|['’‐\-][\pL\pN])*, written as the same language with single-character
# loops, which Python's re runs faster
_WORD_BODY = r"[\pL\pN]*(?:['’‐\-][\pL\pN]+)*"
_SPACES = "".join(f"\\x{{{ord(c):x}}}" for c in SPACE_CHARS)  # in RE2 syntax

#: The token alternatives, tried in order (leftmost-first, as in ``tokens.tokenize``).
TOKEN_REGEX = "|".join((
    NUMBER,
    r"(?:\pL\.){2,}",
    rf"\pL{_WORD_BODY}",
    rf"[{_LETTER_NUMBER}]+",
    rf"[^{_SPACES}{_LETTER_NUMBER}]",
))
#: One match per token (RE2 syntax): the separator before it (group 1) and the token (group 2).
SPLIT_REGEX = f"([{_SPACES}]*)({TOKEN_REGEX})"

# Python's re, not RE2: measured 15-22x faster for this pass (benchmarks/tokenizer.py), as
# RE2's Python binding builds each match in Python.  re.split with the token as its group
# gives separators and tokens alternating in one flat list, and one running sum of the part
# lengths gives every offset.
_SPLITTER = re.compile(f"({re2_to_python(TOKEN_REGEX)})", re.ASCII)


def split(text: str) -> tuple[list[str], list[int], list[int], list[str]]:
    """The tokens of ``text``, their start and end offsets, and the separator before each.

    >>> split("U.S. troops—6,000")[:3]
    (['U.S.', 'troops', '—', '6,000'], [0, 5, 11, 12], [4, 11, 12, 17])
    """
    return split_with(_SPLITTER, text)


def split_with(splitter: re.Pattern[str], text: str) -> tuple[list[str], list[int], list[int], list[str]]:
    """Pieces of ``text`` by a compiled regex that is one group (a piece), with their offsets and
    the separator before each: separators and pieces alternate in ``re.split``'s flat list."""
    parts = splitter.split(text)  # separator, piece, separator, piece, ..., what follows the last piece
    offsets = list(accumulate(map(len, parts)))
    return parts[1::2], offsets[0:-1:2], offsets[1::2], parts[0:-1:2]


def separation(separator: str) -> int:
    """How two tokens (or units) with ``separator`` between them are separated: GLUED, SPACED or BREAK."""
    if not separator:
        return GLUED
    if separator.count("\n") <= 1 and not separator.strip(GAP_SPACE_CHARS + "\n"):
        return SPACED
    return BREAK


# ---- classification --------------------------------------------------------------------------

#: The token classes that have a shape bit, in bit order (``ANY`` is every token: no bit).
SHAPE_CLASSES: tuple[str, ...] = tuple(name for name in TOKEN_CLASSES if name != "ANY")
SHAPE_BIT: dict[str, int] = {name: 1 << index for index, name in enumerate(SHAPE_CLASSES)}


def _nowhere(name: str, at: ast.Location) -> Lexicon:
    raise KeyError(name)


def class_regex(name: str) -> str:
    """The RE2 regex the pattern compiler writes for token class ``name`` (not glued to anything)."""
    emitter = PatternEmitter(_nowhere, lambda *args: "")
    return emitter.emit(ast.TokenClass(name, ast.Location("<tokenizer>", 0, 0)), EmitContext(False))


_SHAPE_REGEXES = tuple(
    (SHAPE_BIT[name], re.compile(re2_to_python(class_regex(name)), re.ASCII)) for name in SHAPE_CLASSES
)


def shape_bits(token: str) -> int:
    """The shape bits of ``token``: a bit for each token class whose regex matches all of it."""
    bits = 0
    for bit, regex in _SHAPE_REGEXES:
        if regex.fullmatch(token):
            bits |= bit
    return bits


# Characters a lexicon literal treats as the same (tokens.CHARACTER_VARIANTS): an entry's
# character is folded only when it has variants, a token's also when it is a variant of one.
_ENTRY_FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "‐": "-"})
_TOKEN_FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "‐": "-", "‑": "-", "–": "-"})
_LITERAL_ONLY = frozenset("‑–")  # variants of "-" that, written in an entry, match only themselves
# where RE2's case-insensitive matching (simple case folding) relates letters that str.lower() does not
_CASE_FOLD = str.maketrans({"ſ": "s", "µ": "μ", "ς": "σ", "ϐ": "β", "ϑ": "θ", "ϕ": "φ", "ϖ": "π", "ϰ": "κ",
                            "ϱ": "ρ", "ϵ": "ε", "ẛ": "ṡ", "\u1fbe": "ι"})


def _caseless(text: str) -> str:
    return text.lower().translate(_CASE_FOLD)


def entry_key(piece: str, cased: bool) -> str:
    """The lookup key of a piece (a token, a unit) of a literal or lexicon entry: quotes,
    apostrophes and hyphens folded to the character whose variants they match, and case folded
    as RE2 folds it unless ``cased``."""
    key = piece.translate(_ENTRY_FOLD)  # an entry's "‑" or "–" matches only itself: kept
    return key if cased else _caseless(key)


def text_keys(piece: str) -> tuple[tuple[str, bool], ...]:
    """The (key, cased) pairs under which a piece of a document equals a piece of an entry
    (:func:`entry_key`): its folded form, cased and caseless, and a dash an entry may write
    literally."""
    folded = piece.translate(_TOKEN_FOLD)
    keys = ((folded, True), (_caseless(folded), False))
    return (*keys, (piece, True), (piece, False)) if piece in _LITERAL_ONLY else keys


@attrs.frozen
class TokenClass:
    """What the classifier knows of a token type; one code point of the class string stands for it."""

    shape: int  # SHAPE_BIT bits
    lexicons: int  # bit i: a single-token entry of lexicon i
    starts: int  # bit i: the first token of a multi-token entry of lexicon i

    def classes(self) -> list[str]:
        """The names of the token classes of the shape bits."""
        return [name for name in SHAPE_CLASSES if self.shape & SHAPE_BIT[name]]


@attrs.frozen
class MultiTokenEntry:
    """A lexicon entry of several tokens: their lookup keys and how each follows the one before.

    Separations are :data:`GLUED` (inside one whitespace-separated word of the entry) or
    :data:`SPACED` (between words: the literal's gap, which may also be empty where no word
    boundary is required).  The first separation is :data:`BREAK` (nothing before the entry).
    """

    lexicon: int
    keys: tuple[str, ...]
    separations: bytes


# Code points below CODE_BASE are kept for the later steps: U+0000..U+00FF for markers,
# U+0100..U+1FFF for mask tokens (one per mask set; patterns.MAX_MASKS is 6,399).
CODE_BASE = 0x2000
_SURROGATES = range(0xD800, 0xE000)


def code_point(index: int) -> str:
    """The code point of the ``index``-th interned combination: from CODE_BASE up, surrogates skipped."""
    point = CODE_BASE + index
    if point >= _SURROGATES.start:
        point += len(_SURROGATES)
    if point > 0x10FFFF:
        raise OverflowError("more class combinations than code points")
    return chr(point)


def code_index(code: str) -> int:
    """The inverse of :func:`code_point`."""
    point = ord(code)
    return point - CODE_BASE - (len(_SURROGATES) if point >= _SURROGATES.stop else 0)


@attrs.frozen(eq=False)
class TokenizedText:
    """One document as tokens: parallel lists (no object per token) and the class string."""

    text: str
    tokens: list[str]
    starts: list[int]
    ends: list[int]
    codes: str  # one code point per token: TokenClassifier.class_of(code) says what it stands for
    gaps: bytes  # per token: GLUED, SPACED or BREAK, its separation from the token before


class TokenClassifier:
    """Classify token types against the token classes and a set of lexicons, once per type.

    ``max_types`` bounds the per-type cache: when it is full it is emptied (codes stay
    the same: the table of combinations is kept, and it is bounded by what the lexicons
    and shapes can combine to).
    """

    def __init__(self, lexicons: Sequence[Lexicon] = (), max_types: int = 200_000) -> None:
        self.lexicons: tuple[Lexicon, ...] = tuple(lexicons)
        self.max_types = max_types
        # lookup key -> lexicon bits, for case-sensitive and case-insensitive lexicons
        self._single: tuple[dict[str, int], dict[str, int]] = ({}, {})
        self._start: tuple[dict[str, int], dict[str, int]] = ({}, {})
        self.multi_token_entries: list[MultiTokenEntry] = []
        for index, lexicon in enumerate(self.lexicons):
            self._index(index, lexicon)
        self._combinations: dict[TokenClass, str] = {}
        self._classes: list[TokenClass] = []
        self._type_codes: ComputedTable[str, str] = ComputedTable(self._new_code)

    # ---- building -----------------------------------------------------------------------
    def _index(self, index: int, lexicon: Lexicon) -> None:
        bit = 1 << index
        table = 0 if lexicon.cased else 1
        for entry in lexicon.entries:
            tokens, _starts, _ends, separators = split(entry)
            if not tokens:
                continue
            keys = tuple(entry_key(token, lexicon.cased) for token in tokens)
            if len(tokens) == 1:
                self._single[table][keys[0]] = self._single[table].get(keys[0], 0) | bit
                continue
            self._start[table][keys[0]] = self._start[table].get(keys[0], 0) | bit
            separations = bytes([BREAK, *(GLUED if not s else SPACED for s in separators[1:])])
            self.multi_token_entries.append(MultiTokenEntry(index, keys, separations))

    # ---- classifying --------------------------------------------------------------------
    def classify(self, token: str) -> TokenClass:
        """What ``token`` (one token, as :func:`split` gives it) is."""
        folded = token.translate(_TOKEN_FOLD)
        caseless = _caseless(folded)
        single_cased, single_caseless = self._single
        start_cased, start_caseless = self._start
        lexicons = single_cased.get(folded, 0) | single_caseless.get(caseless, 0)
        starts = start_cased.get(folded, 0) | start_caseless.get(caseless, 0)
        if token in _LITERAL_ONLY:  # also an entry written with this very dash
            lexicons |= single_cased.get(token, 0) | single_caseless.get(token, 0)
            starts |= start_cased.get(token, 0) | start_caseless.get(token, 0)
        return TokenClass(shape_bits(token), lexicons, starts)

    def code(self, token: str) -> str:
        """The class-string code point of ``token`` (cached per type)."""
        return self._type_codes[token]

    def _new_code(self, token: str) -> str:
        """Classify a type not in the cache, emptying the cache first when it is full."""
        if len(self._type_codes) >= self.max_types:
            self._type_codes.clear()
        kind = self.classify(token)
        found = self._combinations.get(kind)
        if found is None:
            found = self._combinations[kind] = code_point(len(self._classes))
            self._classes.append(kind)
        self._type_codes[token] = found
        return found

    def class_of(self, code: str) -> TokenClass:
        """What a code point of a class string stands for."""
        return self._classes[code_index(code)]

    def codes_with(self, shape: int = 0, lexicons: int = 0, starts: int = 0) -> str:
        """Every code interned so far whose class has all the given bits (for building class patterns)."""
        return "".join(code for kind, code in self._combinations.items()
                       if kind.shape & shape == shape and kind.lexicons & lexicons == lexicons
                       and kind.starts & starts == starts)

    @property
    def cached_types(self) -> int:
        return len(self._type_codes)

    def class_string(self, tokens: Iterable[str]) -> str:
        """One code point per token."""
        return "".join(map(self._type_codes.__getitem__, tokens))

    def document(self, text: str) -> TokenizedText:
        """Tokenize ``text`` and build its class string."""
        tokens, starts, ends, separators = split(text)
        gaps = bytes(map(_SEPARATIONS.__getitem__, separators))
        if gaps:
            gaps = _START_OF_TEXT + gaps[1:]
        return TokenizedText(text, tokens, starts, ends, "".join(map(self._type_codes.__getitem__, tokens)), gaps)


_Key = TypeVar("_Key", bound=Hashable)
_Value = TypeVar("_Value")


class ComputedTable(dict[_Key, _Value]):
    """A dict that computes what it lacks: a lookup of a missing key returns ``compute(key)``,
    which decides whether to store it (a per-type cache bounds itself this way)."""

    def __init__(self, compute: Callable[[_Key], _Value]) -> None:
        super().__init__()
        self._compute = compute

    def __missing__(self, key: _Key) -> _Value:
        return self._compute(key)


def bounded_cache(compute: Callable[[_Key], _Value], limit: int = 10_000) -> ComputedTable[_Key, _Value]:
    """A :class:`ComputedTable` that keeps the first ``limit`` keys computed (for small key sets)."""
    def remember(key: _Key) -> _Value:
        found = compute(key)
        if len(table) < limit:
            table[key] = found
        return found

    table: ComputedTable[_Key, _Value] = ComputedTable(remember)
    return table


_SEPARATIONS: ComputedTable[str, int] = bounded_cache(separation)  # separator -> GLUED, SPACED or BREAK
_START_OF_TEXT = bytes([BREAK])


# ---- an engine's lexicons --------------------------------------------------------------------

def lexicons_of_files(files: Iterable[str | Path]) -> list[Lexicon]:
    """The lexicons defined in rule files, built as the compiler builds them, in file order.

    Files that do not exist on disk (rules given as text) are skipped.
    """
    from .syntax import parse  # here: loading the rule grammar is not a cost of every importer

    found: list[Lexicon] = []
    for name in files:
        path = Path(name)
        if not path.is_file():
            continue
        tree = parse(path.read_text(encoding="utf-8"), str(path))
        for definition in tree.lexicons:
            if definition.entries is not None:
                entries = list(definition.entries)
            else:
                entries = read_word_list(path.parent / (definition.path or ""))
            found.append(build_lexicon(definition.name, definition.cased, entries))
    return found


def engine_lexicons(engine: Engine) -> list[Lexicon]:
    """The lexicons of the rule files an :class:`~tallyrules.engine.Engine` compiled (from disk)."""
    return lexicons_of_files(engine.compiled.files)
