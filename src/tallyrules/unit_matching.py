"""Running the unit-level rules over a document's unit string (step 2c of docs/matching-core.md).

A rule whose every element is unit-level has a template over sets of units (written by
:mod:`tallyrules.unit_patterns` when the rules compile).  A template becomes an RE2 program
once the codes of its sets are known, and codes are interned as documents bring new unit
types.  So each rule's program is *rendered* over the alphabet seen so far, and it stays exact
as long as none of its sets has gained a code since: a document whose codes are all older than
the render is matched exactly either way.  When neither holds, the program is rendered again.

Why render instead of enumerating the alphabet up front: a code is a combination of features,
context and words, and only the combinations that occur are worth a code point (2,767 on the
news corpus, against millions possible); a set rendered over them is a short character class.

The matches found here are handed to the matcher exactly as the character regex's would be:
offsets in the document's characters, group spans in bytes of the plain text (the shadow of a
rule without masks), so everything downstream (``where``, results, conflicts) is unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import attrs

from .matcher import kept_matches
from .regex import ByteSpans, EncodedText, RuleRegex, capture_groups
from .tokenizer import code_index, code_point
from .unit_patterns import UnitShadow
from .units import UnitClassifier, UnitSet, Vocabulary, VocabularyKey

if TYPE_CHECKING:
    from .compiler import CompiledRule

_PLACEHOLDER = re.compile("\x00([0-9]+)\x00")
#: With ``route="large"``, a rule is searched over units when its character program has at least
#: this many RE2 instructions and it reads no mask.  Why: the unit string shrinks what makes a
#: program large (the gap between words, lexicon tries), and a large program's searches ran
#: 2-5x faster over units; a small program costs about the same either way, and its matches
#: cost more over units (each offset is mapped back to the text).  A rule that reads masks needs
#: the unit string of its own shadow, a pass over the document that cost more than the search
#: saved.  See docs/matching-core.md, *Step 2c* and *Step 3a*.
LARGE_PROGRAM = 4000

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
        self.gained_at: list[int] = [-1] * len(sets)  # the newest code index each set holds
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

    def update(self, classifier: UnitClassifier) -> None:
        """Test the codes ``classifier`` has interned since the last update."""
        for index in range(self.seen, classifier.generation):
            features, words = classifier.kind_of(index)
            candidates: Iterable[tuple[int, int, int, frozenset[int]]] = self._any_word
            if words:
                candidates = [*self._any_word, *(a for word in words for a in self._by_word.get(word, ()))]
            for set_index, required, excluded, not_words in candidates:
                if (features & required == required and not features & excluded and not words & not_words
                        and self.gained_at[set_index] != index):
                    self.members[set_index].append(index)
                    self.gained_at[set_index] = index
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


@attrs.define
class _Rendered:
    """A rule's program over unit strings, and the alphabet it was rendered over."""

    program: RuleRegex
    generation: int  # it knows every code below this


class UnitDocument:
    """One document's unit string, ready to search, and what its codes need of a program."""

    __slots__ = ("shadow", "newest")

    def __init__(self, shadow: UnitShadow, newest: int) -> None:
        self.shadow = shadow
        self.newest = newest  # the index of its newest code (-1: no unit)


class UnitSearch:
    """The unit-level rules of one compilation, each searched over documents' unit strings."""

    def __init__(self, rules: Iterable[CompiledRule], unit_sets: Sequence[UnitSet],
                 unit_words: Sequence[VocabularyKey], route: str = "large") -> None:
        """``rules`` of one compilation, with the tables their unit templates refer to; ``route``
        says which unit-level rules are searched over units (one of :data:`matcher.UNIT_ROUTES`)."""
        self.route = route
        self.classifier = UnitClassifier(Vocabulary(unit_words))
        self.classifier.intern_words()
        self.members = SetMembers(unit_sets)
        self._rules: dict[int, tuple[str, tuple[int, ...], RuleRegex]] = {}
        for rule in rules:
            if rule.unit_template is not None:
                used = tuple(sorted({int(index) for index in _PLACEHOLDER.findall(rule.unit_template)}))
                self._rules[rule.order] = (rule.unit_template, used, rule.search)
        # False: to be rendered; None: searched over characters
        self._rendered: dict[int, _Rendered | bool | None] = {}
        self.renders = 0  # how many programs were rendered (a measure of the alphabet's growth)

    def covers(self, rule: CompiledRule) -> bool:
        """Whether ``rule`` is searched over units (deciding it, for ``route="large"``, compiles
        the rule's character program)."""
        if rule.order not in self._rendered:
            if rule.order not in self._rules or self.route == "none" or (
                    self.route == "large" and (rule.masks or rule.search.program_size < LARGE_PROGRAM)):
                self._rendered[rule.order] = None
            else:
                self._rendered[rule.order] = False  # to be rendered
        return self._rendered[rule.order] is not None

    def document(self, text: str) -> UnitDocument:
        """``text`` as units, with the sets brought up to date with any code it brought."""
        units = self.classifier.document(text)
        if self.classifier.generation != self.members.seen:
            self.members.update(self.classifier)
        newest = code_index(max(units.string)) if units.chunks else -1
        return UnitDocument(UnitShadow(units), newest)

    def kept_matches(self, rule: CompiledRule, document: UnitDocument, plain: EncodedText,
                     text: str) -> list[tuple[int, int, ByteSpans]] | None:
        """What :func:`tallyrules.matcher.kept_matches` gives for ``rule`` over ``plain`` (the
        text a rule without masks searches) and ``text``, found over units; None when the rule is
        not searched so."""
        if not self.covers(rule):
            return None
        program = self._program(rule.order, document.newest)
        if program is None:
            return None
        found = []
        to_char = document.shadow.char_offset
        for start, end, spans in kept_matches(program, document.shadow, text):
            characters = [(start, end)]
            characters.extend((to_char(a), to_char(b)) if a >= 0 else (a, b) for a, b in spans[1:])
            found.append((start, end, characters))
        if not plain.ascii:  # then characters and bytes differ
            to_byte = plain.byte_offset
            found = [(start, end, [(to_byte(a), to_byte(b)) if a >= 0 else (a, b) for a, b in spans])
                     for start, end, spans in found]
        return found

    def _program(self, order: int, newest: int) -> RuleRegex | None:
        rule = self._rules.get(order)
        if rule is None:
            return None
        template, used, characters = rule
        groups = characters.groups
        rendered = self._rendered[order]
        if rendered is None:
            return None
        if rendered is not False:
            assert isinstance(rendered, _Rendered)
            gained = self.members.gained_at
            # exact if no set gained a code since, or if this document has none of the newer codes
            if newest < rendered.generation or all(gained[index] < rendered.generation for index in used):
                return rendered.program
        classes = {str(index): self.members.code_class(index) for index in used}
        source = _PLACEHOLDER.sub(lambda found: classes[found.group(1)], template)
        self.renders += 1
        if capture_groups(source) != groups:
            self._rendered[order] = None  # cannot happen for a template of the unit emitter: keep to characters
            return None
        program = RuleRegex(source, memory=characters.memory, groups=groups)
        self._rendered[order] = _Rendered(program, self.members.seen)
        return program


__all__ = ["SetMembers", "UnitDocument", "UnitSearch"]
