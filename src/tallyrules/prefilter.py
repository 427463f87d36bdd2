"""The prefilter: which rules can match a document, decided before any rule runs.

At compile time, :class:`PrefilterAnalysis` reads each rule's pattern for the
*clauses* every match satisfies: anchor clauses (a set of words, one of which
each match contains) and required-mask clauses (a set of cascades, one of which
each match needs a span of).  At run time, :class:`Prefilter` looks for every
rule's anchor words in one RE2 pass and keeps the rules whose anchor clauses all
have a word in the document; the matcher skips a rule whose required-mask
clauses have no span.  Both only ever skip rules that cannot match.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import re2

from . import ast
from .errors import RuleError
from .loader import Unit
from .resolution import Resolution

MAX_ANCHORS = 2000  # a rule with more anchor words than this is not prefiltered

T = TypeVar("T")


def _anchor_word(text: str) -> str:
    """The longest run of letters or digits in ``text``, lower-cased: what must occur for it to match."""
    runs = re.findall(r"[^\W_]+", text.lower())
    return max(runs, key=len) if runs else ""


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


class PrefilterAnalysis:
    """The anchor and required-mask clauses of rule patterns, with names resolved by ``resolution``."""

    def __init__(self, resolution: Resolution) -> None:
        self.resolution = resolution

    def anchors(self, unit: Unit, pattern: Any) -> tuple[frozenset[str], ...]:
        """The anchor clauses of ``pattern``: each a set of lower-case words of which every match holds one."""
        return self._clauses(unit, pattern, self._anchor_words)

    def required_masks(self, unit: Unit, pattern: Any) -> tuple[frozenset[int], ...]:
        """The required-mask clauses of ``pattern``: each a set of mask sets of which every match needs a span."""
        return self._clauses(unit, pattern, self._required_mask)

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

    def _anchor_words(self, unit: Unit, node: Any, mask: int | None) -> tuple[frozenset[str], ...]:
        """A leaf's anchor clause: the word of a literal, the words of a lexicon (lower case).

        A cascade gives none here: the required-mask clauses cover it.
        """
        if isinstance(node, ast.Literal):
            word = _anchor_word(node.text)
            return (frozenset({word}),) if word else ()
        if isinstance(node, ast.LexiconRef) and not node.negated:
            try:
                lexicon = self.resolution.lexicon_in(unit)(node.name, node.at)
            except RuleError:
                return ()
            words = frozenset(_anchor_word(entry) for entry in lexicon.entries)
            return () if "" in words or not words or len(words) > MAX_ANCHORS else (words,)
        return ()

    @staticmethod
    def _required_mask(unit: Unit, node: Any, mask: int | None) -> tuple[frozenset[int], ...]:
        """A leaf's required-mask clause: a cascade needs a span of its mask set (a rule is skipped
        when all the sets of one of its clauses are empty in a document)."""
        return (frozenset({mask}),) if mask is not None else ()


class Prefilter:
    """One RE2 set of every rule's anchor words, so one pass tells which rules may match.

    A rule runs on a document only when each of its anchor clauses has a word in it
    (and the rules it alone refers to are then never needed).  Anchors are looked for
    as case-insensitive substrings: a superset of the words, never fewer.  A clause is
    kept as a bit mask over the words, so checking it is one integer ``and``.
    """

    def __init__(self, rules: Iterable[Any]) -> None:
        """``rules``: compiled rules (each with ``order`` and ``anchors``)."""
        every = list(rules)
        anchored_rules = [rule for rule in every if rule.anchors]
        words = sorted({word for rule in anchored_rules for clause in rule.anchors for word in clause})
        bit = {word: 1 << i for i, word in enumerate(words)}
        self.unanchored = frozenset(rule.order for rule in every if not rule.anchors)
        self.anchored = frozenset(rule.order for rule in anchored_rules)
        self.anchor_clauses = [
            (rule.order, sum(bit[word] for word in clause)) for rule in anchored_rules for clause in rule.anchors
        ]
        self.anchor_set: Any = None
        if words:
            options = re2.Options()
            options.case_sensitive = False
            options.log_errors = False
            self.anchor_set = re2.Set.SearchSet(options)
            for word in words:
                self.anchor_set.Add(re2.escape(word))
            self.anchor_set.Compile()

    def possible_rules(self, text: bytes) -> frozenset[int]:
        """The orders of the rules that may match ``text``: unanchored ones, and those whose anchor
        clauses all have a word in it."""
        if self.anchor_set is None:
            return self.unanchored
        present = 0
        for word in self.anchor_set.Match(text) or ():
            present |= 1 << word
        failed = {order for order, clause in self.anchor_clauses if not present & clause}
        return self.unanchored | (self.anchored - failed)
