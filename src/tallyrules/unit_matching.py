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

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import attrs

from .matcher import kept_matches
from .regex import ByteSpans, EncodedText, RuleRegex, capture_groups
from .tokenizer import code_index
from .unit_patterns import UnitShadow
from .units import SetMembers, UnitClassifier, UnitSet, Vocabulary, VocabularyKey, set_indices

if TYPE_CHECKING:
    from .compiler import CompiledRule

#: With ``route="large"``, a rule is searched over units when its character program has at least
#: this many RE2 instructions and it reads no mask.  Why: the unit string shrinks what makes a
#: program large (the gap between words, lexicon tries), and a large program's searches ran
#: 2-5x faster over units; a small program costs about the same either way, and its matches
#: cost more over units (each offset is mapped back to the text).  A rule that reads masks needs
#: the unit string of its own shadow, a pass over the document that cost more than the search
#: saved.  See docs/matching-core.md, *Step 2c* and *Step 3a*.
LARGE_PROGRAM = 4000

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
                used = set_indices(rule.unit_template)
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
            # exact if no set gained a code since, or if this document has none of the newer codes
            if newest < rendered.generation or all(self.members.newest(index) < rendered.generation
                                                   for index in used):
                return rendered.program
        source = self.members.fill(template)
        self.renders += 1
        if capture_groups(source) != groups:
            self._rendered[order] = None  # cannot happen for a template of the unit emitter: keep to characters
            return None
        program = RuleRegex(source, memory=characters.memory, groups=groups)
        self._rendered[order] = _Rendered(program, self.members.seen)
        return program


__all__ = ["UnitDocument", "UnitSearch"]
