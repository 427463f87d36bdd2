"""Rule patterns over unit strings: step 2b of the matching core (docs/matching-core.md).

:class:`UnitPatternEmitter` writes a rule's pattern as a :class:`~tallyrules.units.UnitPattern`
with the very traversal of :class:`~tallyrules.patterns.PatternEmitter` (it is a subclass): the
same groups in the same order, sequences, repetitions and optional elements built alike.  Only
the leaves differ:

* a literal is its units, glued, each the set of codes of that word (its
  :class:`~tallyrules.units.Vocabulary` id), the words joined by a gap; a word boundary at an
  ASCII letter or digit edge excludes the units glued to a word character on that side;
* a token class is :func:`~tallyrules.units.class_template`; a lexicon the alternation of its
  entries as literals;
* a gap is an optional :data:`~tallyrules.units.SPACED_MARK`: whitespace has no code.

What the unit layer does not match (yet) raises :class:`NotUnitLevel`: regex atoms, ``~`` glue,
``!<lexicon>``, references to kinds or emitted rules (masks: step 3), and ``ABBR`` and
``UPPER``, whose character regexes may start or end inside a run of letters, where a
leftmost-longest match over characters (rejected by the matcher) can hide a shorter one.  Such a rule stays on
the character matcher.

:class:`UnitShadow` is a document's unit string as the matcher's search loop reads it: a byte
offset of a match maps to the document's characters, a code to its unit's start and a mark (or
the end) to the end of the unit before it, so a match's span and groups come out in characters
exactly where the character regex puts them.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable

from . import ast
from .lexicons import Lexicon
from .patterns import EmitContext, PatternEmitter
from .regex import EncodedText
from .units import SPACED_MARK, UnitPattern, UnitSets, UnitText, Vocabulary, class_template, split_units


class NotUnitLevel(Exception):  # noqa: N818 (a verdict, not a failure: the rule stays on the character matcher)
    """A pattern element the unit layer does not match: the message says which."""


# Token classes whose character regex may start or end inside a run of letters, so that the
# leftmost-longest match over characters (which the matcher then rejects) can hide a shorter
# one that units would find: "Gen." inside "XGen.", "AT&T" inside "AT&Tu" where units find "AT&".
_CHARACTER_ONLY_CLASSES = {
    "ABBR": "its second form may start inside a run of letters",
    "UPPER": "its longest match may end inside a run of letters",
}
_ALNUM, _UNDERSCORE = 1, 2  # what a pattern's edge character may be (see UnitPatternEmitter._edge)
# what the edge characters of each token class may be (letters beyond ASCII are neither)
_CLASS_EDGES = {"NUM": _ALNUM, "WORD": _ALNUM, "CAP": _ALNUM, "LOWER": _ALNUM, "UPPER": _ALNUM, "ALNUM": _ALNUM,
                "ABBR": _ALNUM, "PUNCT": _UNDERSCORE, "QUOTE": 0, "OPEN_QUOTE": 0, "CLOSE_QUOTE": 0, "DASH": 0}


def _char_edge(char: str) -> int:
    return _ALNUM if _ascii_word(char) else _UNDERSCORE if char == "_" else 0


_GAP = f"\\x{{{ord(SPACED_MARK):02x}}}?"


def _ascii_word(char: str) -> bool:
    return char.isascii() and char.isalnum()


class UnitPatternEmitter(PatternEmitter):
    """Emit the unit-string template of one pattern (see the module's docstring).

    ``reference`` gives the template standing for ``@name``: a fragment's, inlined, or the
    code of a masked span; ``masked`` says which names are masks (whose span is one unit, never
    an ASCII letter or digit at its edges).  ``sets`` and ``vocabulary`` are shared by every
    pattern of a compilation, so fragments and lexicons are written once.
    """

    gap = _GAP

    def __init__(self, lexicon: Callable[[str, ast.Location], Lexicon],
                 reference: Callable[[str, ast.Location, bool, bool], str],
                 sets: UnitSets, vocabulary: Vocabulary,
                 lexicon_cache: dict[tuple[int, bool, bool, bool], str],
                 masked: Callable[[str, ast.Location], bool] = lambda name, at: False) -> None:
        super().__init__(lexicon, reference, lexicon_cache)
        self.sets = sets
        self.vocabulary = vocabulary
        self.masked = masked

    def emit(self, node: ast.Pattern, context: EmitContext, glued_left: bool = False,
             glued_right: bool = False, depth: int = 0) -> str:
        if isinstance(node, ast.Regex):
            raise NotUnitLevel(f"a regex atom /{node.source}/")
        if isinstance(node, ast.Glued):
            for left, right in itertools.pairwise(node.items):
                if self._edge(left, first=False) & self._edge(right, first=True) or (
                        _UNDERSCORE & (self._edge(left, first=False) | self._edge(right, first=True))):
                    raise NotUnitLevel("a glued sequence (~) that may join inside a run of letters and "
                                       "digits, or at an underscore")
        if isinstance(node, ast.LexiconRef) and node.negated:
            return self._complement(node)
        return super().emit(node, context, glued_left, glued_right, depth)

    def _edge(self, node: ast.Pattern, first: bool) -> int:
        """What the first (or last) character of a match of ``node`` may be: :data:`_ALNUM` (an
        ASCII letter or digit), :data:`_UNDERSCORE`; both when it cannot tell (references, regexes)."""
        if isinstance(node, ast.Literal):
            words = node.text.split()
            return _char_edge(words[0][0] if first else words[-1][-1]) if words else 0
        if isinstance(node, ast.TokenClass):
            return _CLASS_EDGES.get(node.name, _ALNUM | _UNDERSCORE)
        if isinstance(node, ast.LexiconRef) and not node.negated:
            lexicon = self._lexicon(node.name, node.at)
            edges = 0
            for entry in lexicon.entries:
                words = entry.split()
                if words:
                    edges |= _char_edge(words[0][0] if first else words[-1][-1])
            return edges
        if isinstance(node, (ast.Capture, ast.Repeat)):
            return self._edge(node.item, first)
        if isinstance(node, (ast.Sequence, ast.Glued)):
            edges = 0
            for item in node.items:
                edges |= self._edge(item, first)
            return edges
        if isinstance(node, ast.Alternation):
            edges = 0
            for option in node.options:
                edges |= self._edge(option, first)
            return edges
        if isinstance(node, ast.RuleRef) and self.masked(node.name, node.at):
            return 0  # a mask character, then filler: private-use characters
        return _ALNUM | _UNDERSCORE

    def _complement(self, node: ast.LexiconRef) -> str:
        """``!<lexicon>``: an ASCII word (a letter, then letters, digits and "_", RE2's ``\\w``)
        with word boundaries, which is not an entry.  Exact when every entry is ASCII letters and
        digits only; otherwise the character regex's trie crosses other characters."""
        lexicon = self._lexicon(node.name, node.at)
        keys = list(lexicon.values)
        if not all(key.isascii() and key.isalnum() for key in keys):
            raise NotUnitLevel(f"a complement lexicon !<{node.name}> with entries of other characters than "
                               "ASCII letters and digits")
        entries = frozenset(self.vocabulary.word(key, lexicon.cased) for key in keys)
        # the character regex walks a trie of the entries: a word that goes on with "_" while
        # still on the trie's path (its first run a prefix of an entry) does not match
        prefixes = frozenset(self.vocabulary.word(key[:end], lexicon.cased)
                             for key in keys for end in range(1, len(key) + 1))
        underscore = self.vocabulary.word("_", True)
        placeholder = self.sets.placeholder
        alone = placeholder((["RUN_LETTER_FIRST"], ["AFTER_WORD_CHAR", "BEFORE_WORD_CHAR"], 0, entries))
        # several units: a run, then "_" and runs glued (never an entry, which has no "_")
        first = placeholder((["RUN_LETTER_FIRST", "BEFORE_WORD_CHAR"], ["AFTER_WORD_CHAR"], 0, prefixes))
        inner = placeholder((["RUN"], [], 0), ([], [], underscore))
        last = placeholder((["RUN"], ["BEFORE_WORD_CHAR"], 0), ([], ["BEFORE_WORD_CHAR"], underscore))
        return f"(?:{alone}|{first}{inner}*{last})"

    def _literal(self, text: str, cased: bool, glued_left: bool, glued_right: bool) -> str:
        words = text.split()
        parts = []
        for index, word in enumerate(words):
            units = split_units(word)[0]
            # the word boundaries of patterns.literal_regex, as the context of the edge units
            after_word = _ascii_word(word[0]) and not (glued_left and index == 0)
            before_word = _ascii_word(word[-1]) and not (glued_right and index == len(words) - 1)
            codes = []
            for position, unit in enumerate(units):
                excluded = (["AFTER_WORD_CHAR"] if after_word and position == 0 else []) + (
                    ["BEFORE_WORD_CHAR"] if before_word and position == len(units) - 1 else [])
                codes.append(self.sets.placeholder(((), excluded, self.vocabulary.word(unit, cased))))
            parts.append("".join(codes))
        return self.gap.join(parts)

    def _token_class(self, node: ast.TokenClass, glued_left: bool, glued_right: bool) -> str:
        if node.name in _CHARACTER_ONLY_CLASSES:
            raise NotUnitLevel(f"{node.name} ({_CHARACTER_ONLY_CLASSES[node.name]})")
        return class_template(node.name, self.sets)


class UnitShadow(EncodedText):
    """A document's unit string, whose byte offsets map to the document's characters.

    What the search loop reads of an :class:`EncodedText` is its bytes and :meth:`char_offset`;
    the other conversions of the base class do not apply to a unit string.
    """

    __slots__ = ("units", "_chunk_bytes")

    def __init__(self, units: UnitText) -> None:
        # the string is codes and ASCII marks: the base class's runs are not needed, only this map
        self.text = units.string
        self.data = units.string.encode("utf-8")
        self._byte_starts, self._char_starts, self._runs = [], [], []
        self.units = units
        self._chunk_bytes: list[int] | None = None  # where each chunk's codes start in ``data``

    def char_offset(self, byte_offset: int) -> int:
        """A code maps to its unit's start; a mark, or the end of the string, to the end of the
        unit before it."""
        units = self.units
        if self._chunk_bytes is None:
            self._chunk_bytes = []
            position = 0
            for mark, chunk in zip(units.marks, units.chunks, strict=True):
                position += len(mark)
                self._chunk_bytes.append(position)
                position += chunk.byte_length
        index = bisect.bisect_right(self._chunk_bytes, byte_offset) - 1
        if index < 0:
            return 0  # a string without units
        chunk, offset = units.chunks[index], units.chunk_starts[index]
        within = byte_offset - self._chunk_bytes[index]
        if within >= chunk.byte_length:
            return offset + chunk.ends[-1]
        return offset + chunk.starts[bisect.bisect_left(chunk.code_bytes, within)]


__all__ = ["NotUnitLevel", "UnitPattern", "UnitPatternEmitter", "UnitShadow"]
