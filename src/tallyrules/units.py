"""Units: the finest pieces at which a pattern element can start or end, and their classes.

Step 2 of the matching core (docs/matching-core.md) runs rules over a string with one code
point per unit instead of one per character (:mod:`tallyrules.unit_matching`).
The tokens of :mod:`tallyrules.tokenizer` are too coarse for that: an element may start or
end inside one ("F-16" is one token, and ``NUM`` finds "16" in it, since RE2's ASCII ``\\b``
holds between "-" and "1").  A unit is

* a maximal run of ASCII letters and digits (inside one, RE2's ``\\b`` never holds, so an
  element with a word edge cannot start there), or
* any other character that is not a space, alone (a non-ASCII letter, a digit outside
  ASCII, punctuation, ``_``).

So "F-16" is three units, "5bn" one, "Zürich" three (Z, ü, rich), "U.S." four.  What the
units guarantee (``tests/test_units.py`` checks it): in a match of a rule made of literals,
lexicons and token classes, every element starts and ends at a unit edge, except where
``~`` glues two elements, where a regex atom's edge is not known to be a word character,
and the second form of ``ABBR`` ("Gen.", which has no word boundary before it) right after
a word class.  Those stay on the character matcher.

Each unit is classified once per type (its string), a document one chunk type (a run of
non-space characters) at a time, and a unit's code also says whether it is glued
to an ASCII letter, digit or ``_`` on either side: RE2's ``\\b`` is defined by those neighbours
(it holds before a run after a space, and before "é" right after a run), and the code must carry
what a word boundary next to the unit would see.  Each distinct (features, context) combination
is one code point; a document becomes a *unit string*: the codes of its units with a marker
between two units that are not glued (:data:`SPACED_MARK`, :data:`BREAK_MARK`), so a pattern
over the unit string says "glued" by writing two codes side by side and "a gap" with an
optional marker.

:func:`class_pattern` gives, for each token class of :data:`tokens.TOKEN_CLASSES`, an RE2
pattern over unit strings that matches exactly the unit sequences whose text the class's
character regex matches (the property ``tests/test_units.py`` checks on generated text and
news).  It is written against the features below: the classes' knowledge of letters, digits
and punctuation lives in those features, computed by the same compact ranges as the
character regexes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from itertools import accumulate

import attrs

from .patterns import FILLER, MASK_BASE, MASK_UNIT
from .tokenizer import (
    BREAK,
    GLUED,
    SPACE_CHARS,
    SPACED,
    ComputedTable,
    bounded_cache,
    code_index,
    code_point,
    entry_key,
    re2_to_python,
    separation,
    split_with,
    text_keys,
)
from .tokens import LETTER_RANGES, LOWER_RANGES, UPPER_RANGES

# ---- splitting ---------------------------------------------------------------------------------

_SPACES = "".join(f"\\x{{{ord(c):x}}}" for c in SPACE_CHARS)
#: One unit (RE2 syntax): a run of ASCII letters and digits, a masked span of a shadow (its mask
#: character and the filler after it), or any other non-space character.
UNIT_REGEX = rf"[A-Za-z0-9]+|{MASK_UNIT}|[^{_SPACES}]"
_SPLITTER = re.compile(f"({re2_to_python(UNIT_REGEX)})", re.ASCII)


def split_units(text: str) -> tuple[list[str], list[int], list[int], list[str]]:
    """The units of ``text``, their start and end offsets, and the separator before each.

    >>> split_units("F-16s, 5bn")[0]
    ['F', '-', '16s', ',', '5bn']
    """
    return split_with(_SPLITTER, text)


# ---- features ----------------------------------------------------------------------------------


def _bits(*names: str) -> dict[str, int]:
    return {name: 1 << index for index, name in enumerate(names)}


#: One bit per feature a unit can have.  ``RUN_*`` describe a run of ASCII letters and digits,
#: the others a unit of one character; ``AFTER_WORD_CHAR`` / ``BEFORE_WORD_CHAR`` are its context.
FEATURE: dict[str, int] = _bits(
    "RUN",  # a run of ASCII letters and digits
    "RUN_LETTER_FIRST", "RUN_UPPER_FIRST", "RUN_LOWER_FIRST",  # its first character
    "RUN_DIGITS", "RUN_UP_TO_3_DIGITS", "RUN_3_DIGITS",  # all digits; at most three; exactly three
    "RUN_UPPER_OR_DIGITS",  # only A-Z and 0-9
    "RUN_LONG",  # two characters or more
    "RUN_LETTERS_1", "RUN_LETTERS_2", "RUN_LETTERS_3", "RUN_LETTERS_4", "RUN_LETTERS_5",  # only letters, so many
    "LETTER", "UPPER_LETTER", "LOWER_LETTER",  # one non-ASCII letter of the compact Latin ranges
    "JOINER",  # an apostrophe or hyphen a word may hold: ' ’ ‐ -
    "HYPHEN_MINUS", "PERIOD", "COMMA", "AMPERSAND",
    "PUNCT",  # neither letter nor digit (what the PUNCT class matches)
    "QUOTE", "OPEN_QUOTE", "CLOSE_QUOTE", "DASH_CHAR",
    "AFTER_WORD_CHAR", "BEFORE_WORD_CHAR",  # glued to an ASCII letter, digit or "_" (RE2's \w) on that side
    "MASK",  # a span of another rule's results, in the shadow a rule with a reference reads (its word: the mask set)
)

_LETTER = re.compile(f"[{re2_to_python(LETTER_RANGES)}]")
_UPPER = re.compile(f"[{re2_to_python(UPPER_RANGES)}]")
_LOWER = re.compile(f"[{re2_to_python(LOWER_RANGES)}]")
_SINGLE_CHAR_FEATURES: tuple[tuple[str, str], ...] = (
    ("JOINER", "'’‐-"),
    ("HYPHEN_MINUS", "-"),
    ("PERIOD", "."),
    ("COMMA", ","),
    ("AMPERSAND", "&"),
    ("QUOTE", "\"“”„«»"),
    ("OPEN_QUOTE", "\"“„«"),
    ("CLOSE_QUOTE", "\"”»"),
    ("DASH_CHAR", "‐‑‒–—―"),
)
_WORD_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")


def unit_features(unit: str) -> int:
    """The features of one unit (as :func:`split_units` gives it), its context aside."""
    bit = FEATURE
    first = unit[0]
    if first.isascii() and first.isalnum():
        bits = bit["RUN"]
        if first.isalpha():
            bits |= bit["RUN_LETTER_FIRST"] | (bit["RUN_UPPER_FIRST"] if first.isupper() else bit["RUN_LOWER_FIRST"])
        if unit.isdigit():
            bits |= bit["RUN_DIGITS"]
            if len(unit) <= 3:
                bits |= bit["RUN_UP_TO_3_DIGITS"]
            if len(unit) == 3:
                bits |= bit["RUN_3_DIGITS"]
        if all(c.isdigit() or c.isupper() for c in unit):
            bits |= bit["RUN_UPPER_OR_DIGITS"]
        if len(unit) >= 2:
            bits |= bit["RUN_LONG"]
        if unit.isalpha() and len(unit) <= 5:
            bits |= bit[f"RUN_LETTERS_{len(unit)}"]
        return bits
    bits = 0
    if _LETTER.match(first):
        bits |= bit["LETTER"]
        if _UPPER.match(first):
            bits |= bit["UPPER_LETTER"]
        if _LOWER.match(first):
            bits |= bit["LOWER_LETTER"]
    elif not "\ue000" <= first <= "\uf8ff":
        # RE2's \s and the gap spaces are never units, 0-9 are runs; the private-use area is kept
        # for mask tokens (the matcher replaces it in documents), which no token class matches
        bits |= bit["PUNCT"]
    for name, chars in _SINGLE_CHAR_FEATURES:
        if first in chars:
            bits |= bit[name]
    return bits


# ---- the unit string ---------------------------------------------------------------------------

#: Between two units that are not glued: spaces with at most one line break (what a pattern's
#: gap crosses), or a break no pattern sequence crosses (a blank line, a form feed).
SPACED_MARK = "\x01"
BREAK_MARK = "\x02"
_MARKS = {SPACED: SPACED_MARK, BREAK: BREAK_MARK, GLUED: ""}


#: A run of characters that are not spaces.  No unit's context reaches across a space, so the
#: codes of a chunk depend on its text alone: a document is classified a chunk type at a time.
_CHUNK_SPLITTER = re.compile(f"({re2_to_python(f'[^{_SPACES}]+')})", re.ASCII)


@attrs.frozen
class UnitChunk:
    """One chunk (a run of non-space characters) as units, glued: what every occurrence shares."""

    string: str  # the codes of its units
    units: tuple[str, ...]
    starts: tuple[int, ...]  # each unit's offsets in the chunk
    ends: tuple[int, ...]
    code_bytes: tuple[int, ...]  # where each unit's code starts in the UTF-8 of ``string``
    byte_length: int  # of ``string`` in UTF-8


class UnitText:
    """One document as units: the unit string, and its chunks at their offsets.

    The per-unit lists (``units``, ``starts``, ``ends``, ``positions``) are made when first read:
    a search needs only the string, and offsets only for the matches it keeps.
    """

    __slots__ = ("text", "string", "chunks", "chunk_starts", "marks", "_lists")

    def __init__(self, text: str, string: str, chunks: list[UnitChunk], chunk_starts: list[int],
                 marks: list[str]) -> None:
        self.text = text
        self.string = string  # unit codes, with SPACED_MARK / BREAK_MARK between units that are not glued
        self.chunks = chunks
        self.chunk_starts = chunk_starts  # each chunk's offset in ``text``
        self.marks = marks  # the mark before each chunk ("" before the first)
        self._lists: tuple[list[str], list[int], list[int], list[int]] | None = None

    def _unit_lists(self) -> tuple[list[str], list[int], list[int], list[int]]:
        if self._lists is None:
            units: list[str] = []
            starts: list[int] = []
            ends: list[int] = []
            positions: list[int] = []
            position = 0
            for chunk, offset, mark in zip(self.chunks, self.chunk_starts, self.marks, strict=True):
                position += len(mark)
                units.extend(chunk.units)
                starts.extend(offset + start for start in chunk.starts)
                ends.extend(offset + end for end in chunk.ends)
                positions.extend(range(position, position + len(chunk.units)))
                position += len(chunk.units)
            self._lists = units, starts, ends, positions
        return self._lists

    @property
    def units(self) -> list[str]:
        """Each unit's text."""
        return self._unit_lists()[0]

    @property
    def starts(self) -> list[int]:
        """Each unit's start in the text."""
        return self._unit_lists()[1]

    @property
    def ends(self) -> list[int]:
        """Each unit's end in the text."""
        return self._unit_lists()[2]

    @property
    def positions(self) -> list[int]:
        """The index in ``string`` of each unit's code."""
        return self._unit_lists()[3]


#: A word of a :class:`Vocabulary`: its key (:func:`tokenizer.entry_key`) and whether it is cased.
VocabularyKey = tuple[str, bool]


class Vocabulary:
    """The words that patterns name, as unit keys (:func:`tokenizer.entry_key`), each with an id.

    A unit's code carries the ids of the words it is (cased and caseless), so a literal is a
    set of codes like a token class.  Build it before classifying: a unit type is looked up once.
    """

    def __init__(self, keys: Iterable[VocabularyKey] = ()) -> None:
        """A vocabulary of ``keys`` (as :meth:`ordered_keys` gave them), or an empty one."""
        self._ids: dict[VocabularyKey, int] = {}
        for key in keys:
            self._ids.setdefault(key, len(self._ids) + 1)

    def ordered_keys(self) -> tuple[VocabularyKey, ...]:
        """The words in the order of their ids (the first is id 1)."""
        return tuple(self._ids)

    def word(self, piece: str, cased: bool) -> int:
        """The id of a piece of a literal (one unit of it), added when new."""
        key = (entry_key(piece, cased), cased)
        found = self._ids.get(key)
        if found is None:
            found = self._ids[key] = len(self._ids) + 1
        return found

    def words_of(self, unit: str) -> frozenset[int]:
        """The ids of the words a unit of a document is."""
        ids = self._ids
        return frozenset(ids[key] for key in text_keys(unit) if key in ids)

    def __len__(self) -> int:
        return len(self._ids)


def mask_word(mask: int) -> int:
    """The word id of the spans of mask set ``mask`` (below zero: no vocabulary word has it)."""
    return -1 - mask


#: What a code stands for: features (with the unit's context) and the ids of the words it is.
UnitKind = tuple[int, frozenset[int]]
#: A set of units, as alternatives: (features required, features excluded, word id or 0 for any,
#: word ids it must not be).
UnitSet = tuple[tuple[int, int, int, frozenset[int]], ...]


class UnitClassifier:
    """Classify unit types once, and intern each kind (features, context, words) as a code point.

    Codes are interned in the order met, from :data:`tokenizer.CODE_BASE` up; a
    :class:`UnitPattern` is rendered over the codes interned so far, so it is built once the
    alphabet it must cover has been seen, or rendered again when the alphabet grows
    (:attr:`generation` says when).
    """

    def __init__(self, vocabulary: Vocabulary | None = None, max_types: int = 200_000) -> None:
        self.vocabulary = vocabulary if vocabulary is not None else Vocabulary()
        self.max_types = max_types
        self._types: ComputedTable[str, UnitKind] = ComputedTable(self._new_type)
        self._chunks: ComputedTable[str, UnitChunk] = ComputedTable(self._new_chunk)
        self._codes: ComputedTable[UnitKind, str] = ComputedTable(self._new_code)
        self._kinds: list[UnitKind] = []

    def features(self, unit: str) -> int:
        """The features of ``unit``, its context aside (cached per type; the cache is emptied when full)."""
        return self._types[unit][0]

    def _new_type(self, unit: str) -> UnitKind:
        if len(self._types) >= self.max_types:
            self._types.clear()
        if MASK_BASE <= ord(unit[0]) < ord(FILLER):  # a masked span: its word says which set
            found = self._types[unit] = (FEATURE["MASK"], frozenset({mask_word(ord(unit[0]) - MASK_BASE)}))
        else:
            found = self._types[unit] = (unit_features(unit), self.vocabulary.words_of(unit))
        return found

    @property
    def cached_types(self) -> int:
        """How many unit types the cache holds."""
        return len(self._types)

    @property
    def generation(self) -> int:
        """How many codes have been interned: a pattern rendered before it grew may lack some."""
        return len(self._kinds)

    def intern_words(self) -> None:
        """Intern now the codes of the vocabulary's words as documents mostly write them (as
        listed; a caseless word also capitalised and in upper case), ordered by features.

        Why: a pattern rendered over these already knows the codes most documents bring, and
        codes of one set of features are neighbours, so a token class renders as a few ranges
        instead of a long list of code points.
        """
        kinds = set()
        for key, cased in self.vocabulary.ordered_keys():
            for form in (key,) if cased else (key, key.capitalize(), key.upper()):
                if len(split_units(form)[0]) == 1:
                    kinds.add(self._types[form])
        for kind in sorted(kinds, key=lambda kind: (kind[0], sorted(kind[1]))):
            self._codes[kind]  # noqa: B018 (interning is the point)

    def _new_code(self, kind: UnitKind) -> str:
        found = self._codes[kind] = code_point(len(self._kinds))
        self._kinds.append(kind)
        return found

    def kind_of(self, index: int) -> UnitKind:
        """What the ``index``-th code interned stands for."""
        return self._kinds[index]

    def features_of(self, code: str) -> int:
        """The features (with the context) a code point of a unit string stands for."""
        return self._kinds[code_index(code)][0]

    def words_of(self, code: str) -> frozenset[int]:
        """The word ids a code point of a unit string stands for."""
        return self._kinds[code_index(code)][1]

    def document(self, text: str) -> UnitText:
        """Split ``text`` into units and build its unit string (a chunk type is classified once)."""
        texts, chunk_starts, _ends, separators = split_with(_CHUNK_SPLITTER, text)
        chunks = list(map(self._chunks.__getitem__, texts))
        marks = list(map(_MARK_BEFORE.__getitem__, separators))
        if marks:
            marks[0] = ""  # nothing before the first unit
        string = "".join([piece for mark, chunk in zip(marks, chunks, strict=True) for piece in (mark, chunk.string)])
        return UnitText(text, string, chunks, chunk_starts, marks)

    def _new_chunk(self, chunk: str) -> UnitChunk:
        if len(self._chunks) >= self.max_types:
            self._chunks.clear()
        units, starts, ends, _separators = split_units(chunk)
        kinds = list(map(self._types.__getitem__, units))
        features = [kind[0] for kind in kinds]
        # the context of glued units: whether RE2's \b sees a word character on that side
        after, before = FEATURE["AFTER_WORD_CHAR"], FEATURE["BEFORE_WORD_CHAR"]
        for index in range(1, len(units)):
            if units[index - 1][-1] in _WORD_CHARS:
                features[index] |= after
            if units[index][0] in _WORD_CHARS:
                features[index - 1] |= before
        codes = list(map(self._codes.__getitem__, zip(features, [kind[1] for kind in kinds], strict=True)))
        widths = [len(code.encode("utf-8")) for code in codes]
        found = self._chunks[chunk] = UnitChunk("".join(codes), tuple(units), tuple(starts), tuple(ends),
                                                tuple(accumulate(widths, initial=0))[:-1], sum(widths))
        return found


class UnitPattern:
    """A pattern over unit strings written against sets of units, rendered over an alphabet.

    The template holds a placeholder (``\\x00`` index ``\\x00``) per set; :meth:`render` puts in
    each the character class of the codes a classifier has interned for it.
    """

    __slots__ = ("template", "sets")

    def __init__(self, template: str, sets: tuple[UnitSet, ...]) -> None:
        self.template = template
        self.sets = sets

    def render(self, classifier: UnitClassifier) -> str:
        """The RE2 pattern over the unit strings of ``classifier`` (the codes interned so far)."""
        members = SetMembers(self.sets)
        members.update(classifier)
        return members.fill(self.template)


_PLACEHOLDER = re.compile("\x00([0-9]+)\x00")


def set_indices(template: str) -> tuple[int, ...]:
    """The sets a template refers to, each once, ascending."""
    return tuple(sorted({int(index) for index in _PLACEHOLDER.findall(template)}))


#: A character class that matches nothing: a set no code has been interned for yet.
_NOTHING = r"[^\x00-\x{10ffff}]"


class SetMembers:
    """Which interned codes each set of units holds, kept up to date as codes are interned.

    Each new code is tested once against the alternatives that can hold it: those naming one of
    its words, and those that take any word (indexed so, a code costs a few dozen tests, not
    one per set).
    """

    def __init__(self, sets: Sequence[UnitSet]) -> None:
        self.sets = sets
        self.members: list[list[int]] = [[] for _ in sets]  # code indices, ascending
        self.seen = 0  # codes tested so far
        self._by_word: dict[int, list[tuple[int, int, int, frozenset[int]]]] = {}
        self._any_word: list[tuple[int, int, int, frozenset[int]]] = []
        for index, units in enumerate(sets):
            for required, excluded, word, not_words in units:
                alternative = (index, required, excluded, not_words)
                if word:
                    self._by_word.setdefault(word, []).append(alternative)
                else:
                    self._any_word.append(alternative)
        self._classes: dict[int, tuple[int, str]] = {}  # set -> (members counted, its class)

    def newest(self, set_index: int) -> int:
        """The index of the newest code the set holds (-1: none)."""
        members = self.members[set_index]
        return members[-1] if members else -1

    def fill(self, template: str) -> str:
        """``template`` with each placeholder replaced by the class of the codes its set holds."""
        return _PLACEHOLDER.sub(lambda found: self.code_class(int(found.group(1))), template)

    def update(self, classifier: UnitClassifier) -> None:
        """Test the codes ``classifier`` has interned since the last update."""
        for index in range(self.seen, classifier.generation):
            features, words = classifier.kind_of(index)
            candidates: Iterable[tuple[int, int, int, frozenset[int]]] = self._any_word
            if words:
                candidates = [*self._any_word, *(a for word in words for a in self._by_word.get(word, ()))]
            for set_index, required, excluded, not_words in candidates:
                members = self.members[set_index]
                if (features & required == required and not features & excluded and not words & not_words
                        and not (members and members[-1] == index)):  # several alternatives may hold it
                    members.append(index)
        self.seen = classifier.generation

    def code_class(self, set_index: int) -> str:
        """An RE2 character class of the codes the set holds (runs written as ranges)."""
        members = self.members[set_index]
        cached = self._classes.get(set_index)
        if cached is not None and cached[0] == len(members):
            return cached[1]
        if not members:
            found = _NOTHING
        else:
            points = [ord(code_point(index)) for index in members]
            ranges = []
            first = previous = points[0]
            for point in points[1:]:
                if point != previous + 1:
                    ranges.append((first, previous))
                    first = point
                previous = point
            ranges.append((first, previous))
            found = "[" + "".join(f"\\x{{{a:x}}}" if a == b else f"\\x{{{a:x}}}-\\x{{{b:x}}}" for a, b in ranges) + "]"
        self._classes[set_index] = (len(members), found)
        return found


class UnitSets:
    """The sets of units a pattern being written refers to, each once."""

    def __init__(self) -> None:
        self.sets: dict[UnitSet, int] = {}

    def placeholder(self, *alternatives: tuple[Iterable[str], Iterable[str], int]
                    | tuple[Iterable[str], Iterable[str], int, frozenset[int]]) -> str:
        """The placeholder of the units having, for one of ``alternatives``, every feature named
        first, none named second, the word id third (0: any word), and none of the word ids of
        the fourth, when there is one."""
        units: UnitSet = tuple((_mask(required), _mask(excluded), word, not_words)
                               for required, excluded, word, *rest in alternatives
                               for not_words in [rest[0] if rest else frozenset()])
        index = self.sets.setdefault(units, len(self.sets))
        return f"\x00{index}\x00"

    def pattern(self, template: str) -> UnitPattern:
        """A :class:`UnitPattern` of ``template`` and these sets."""
        return UnitPattern(template, tuple(self.sets))


_MARK_BEFORE: ComputedTable[str, str] = bounded_cache(lambda separator: _MARKS[separation(separator)])


# ---- token classes over units ------------------------------------------------------------------


def _mask(names: Iterable[str]) -> int:
    bits = 0
    for name in names:
        bits |= FEATURE[name]
    return bits


def _letters_up_to(count: int, letter: Callable[[int], str]) -> str:
    """Glued units holding between 0 and ``count`` letters in all (``letter(n)``: a unit of n letters)."""
    if count == 0:
        return ""
    options = [letter(n) + _letters_up_to(count - n, letter) for n in range(1, count + 1)]
    return "(?:" + "|".join(options) + ")?"


def class_pattern(name: str, classifier: UnitClassifier) -> str:
    """An RE2 pattern over unit strings for token class ``name`` (not glued to its neighbours),
    rendered over the codes ``classifier`` has interned so far (see :func:`class_template`)."""
    sets = UnitSets()
    return sets.pattern(class_template(name, sets)).render(classifier)


def class_template(name: str, sets: UnitSets) -> str:
    """The template (over ``sets``) of token class ``name``, not glued to its neighbours.

    It matches exactly the unit sequences whose text the class's character regex matches, its
    word boundaries included (a ``\\b`` before a run is a run not glued after an ``_``).
    """
    def units(*alternatives: tuple[tuple[str, ...], tuple[str, ...]]) -> str:
        return sets.placeholder(*((required, excluded, 0) for required, excluded in alternatives))

    edge = ("AFTER_WORD_CHAR", "BEFORE_WORD_CHAR")
    # a run that may start a \b-bounded class, or a letter of another script that needs no boundary
    digits = units((("RUN_DIGITS",), edge))
    up_to_3 = units((("RUN_UP_TO_3_DIGITS",), edge))
    three = units((("RUN_3_DIGITS",), edge))
    comma, period = units((("COMMA",), ())), units((("PERIOD",), ()))
    number = f"(?:{up_to_3}(?:{comma}{three})+(?:{period}{digits})?|{digits}(?:{period}{digits})?)"
    any_run = units((("RUN",), ()))
    letter = units((("LETTER",), ()))
    alnum = f"(?:{any_run}|{letter})"
    joiner = units((("JOINER",), ()))
    word_body = f"(?:{alnum}|{joiner}{alnum})*"

    def word(run_first: str, letter_first: str) -> str:
        first = units(((run_first,), ("AFTER_WORD_CHAR",)), ((letter_first,), ()))
        return f"(?:{first}{word_body})"

    if name == "NUM":
        return number
    if name == "WORD":
        return word("RUN_LETTER_FIRST", "LETTER")
    if name == "CAP":
        return word("RUN_UPPER_FIRST", "UPPER_LETTER")
    if name == "LOWER":
        return word("RUN_LOWER_FIRST", "LOWER_LETTER")
    if name == "UPPER":
        # an initial capital and one or more capitals, digits or "&" after it, the initial's run included
        upper_run = units((("RUN_UPPER_FIRST", "RUN_UPPER_OR_DIGITS"), ("AFTER_WORD_CHAR",)))
        long_upper_run = units((("RUN_UPPER_FIRST", "RUN_UPPER_OR_DIGITS", "RUN_LONG"), ("AFTER_WORD_CHAR",)))
        body = units((("RUN_UPPER_OR_DIGITS",), ()), (("UPPER_LETTER",), ()), (("AMPERSAND",), ()))
        first = units((("UPPER_LETTER",), ()))
        return f"(?:{long_upper_run}{body}*|(?:{upper_run}|{first}){body}+)"
    if name == "ABBR":
        return _abbreviation(units, period)
    if name == "ALNUM":
        first = units((("RUN",), ("AFTER_WORD_CHAR",)), (("LETTER",), ()))
        return f"(?:{first}{word_body})"
    if name in ("PUNCT", "QUOTE", "OPEN_QUOTE", "CLOSE_QUOTE"):
        return units(((name,), ()))
    if name == "DASH":
        hyphen = units((("HYPHEN_MINUS",), ()))
        return f"(?:{units((('DASH_CHAR',), ()))}|{hyphen}{hyphen}?)"
    if name == "ANY":
        first = units((("RUN",), ("AFTER_WORD_CHAR",)), (("LETTER",), ()))
        dotted = _dotted_letters(units, period)
        return f"(?:{number}|{dotted}|{first}{word_body}|{units((('PUNCT',), ()))})"
    raise KeyError(name)


def _dotted_letters(units: Callable[..., str], period: str) -> str:
    """Two or more letters each followed by a period ("U.S."), a word boundary before the first:
    an ASCII letter not glued after a word character, or another letter glued after one."""
    first = units((("RUN_LETTERS_1",), ("AFTER_WORD_CHAR",)), (("LETTER", "AFTER_WORD_CHAR"), ()))
    other = units((("RUN_LETTERS_1",), ()), (("LETTER",), ()))
    return f"(?:{first}{period}(?:{other}{period})+)"


def _abbreviation(units: Callable[..., str], period: str) -> str:
    """ABBR: dotted letters ("U.S."), or a capital and at most four letters then a period
    ("Gen.").  The second form has no word boundary before it in the character regex, so a
    match of it that starts inside a run is not a unit sequence (see the module's docstring)."""
    def letters(count: int) -> str:
        run = units(((f"RUN_LETTERS_{count}",), ()))
        return f"(?:{run}|{units((('LETTER',), ()))})" if count == 1 else run

    def capital_then(count: int) -> str:  # a capital starting a unit, and count letters in all
        run = units(((f"RUN_LETTERS_{count}", "RUN_UPPER_FIRST"), ()))
        if count == 1:
            return f"(?:{run}|{units((('UPPER_LETTER',), ()))})"
        return run

    titled = "|".join(capital_then(n) + _letters_up_to(5 - n, letters) for n in range(1, 6))
    return f"(?:{_dotted_letters(units, period)}|(?:{titled}){period})"
