"""Run compiled rules over a text and resolve their conflicts.

1. A rule that refers to kinds or emitted rules (a cascade) runs over a *shadow*
   of the text in which the spans of those rules are masked (see
   :mod:`tallyrules.patterns`); so the referenced rules run first, each once per
   document (evaluation is lazy and memoized; cycles are rejected at compile time).
   A rule whose pattern needs a mask set that has no span in the document is skipped.
2. Every rule yields its non-overlapping leftmost-longest matches (RE2, linear
   time); those failing their ``where`` clause are dropped.  The spans of a mask
   set are the matches of its rules, overlaps resolved by the policy below.
3. Emitted candidates (``rule`` and ``veto``) are resolved per layer,
   deterministically: the longest wins, then the higher priority, then the rule
   defined first, then the one starting first; a candidate overlapping a winner
   of its layer is dropped.  Vetoes win like any other candidate, then produce nothing.
4. Winners become :class:`Extraction` objects: plain captures become spans,
   captured references nested extractions (the rule that produced that span,
   with its fields), and the ``yield`` expressions are evaluated.
5. ``link`` declarations attach results to the results they lie inside.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterable
from typing import Any

import re2

from .compiler import LONG_TEXT, LONG_TEXT_REGEX_MEMORY, CompiledRule, CompiledRules, regex_options
from .expressions import FunctionFailed
from .patterns import FILLER, mask_char
from .results import Extraction, Span


class RuleFailed(Exception):
    """A rule's expression failed on a document (a bug in a rule or a plugin function)."""


# One match of a rule: (start, end, rule, RE2 match, the shadow text it ran on)
Entry = tuple[int, int, CompiledRule, Any, str]

# (Python's re, not RE2: RE2's sub() mishandles a non-ASCII replacement; a one-class regex is linear anyway)
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")


def _is_word(char: str) -> bool:
    return char.isalnum()


def _starts_inside_word(text: str, start: int) -> bool:
    """True when a match at ``start`` would begin inside a word: after a letter or digit, or
    after an apostrophe that follows one (the "s" of "today's" is no word of its own)."""
    if start == 0 or not _is_word(text[start]):
        return False
    before = text[start - 1]
    if _is_word(before):
        return True
    return before in "'’" and start > 1 and _is_word(text[start - 2])


def _rank(entry: Entry) -> tuple[int, int, int, int]:
    start, end, rule = entry[0], entry[1], entry[2]
    return (start - end, -rule.priority, rule.order, start)


def _non_overlapping(entries: Iterable[Entry], length: int) -> list[Entry]:
    """The conflict policy: longest first, then priority, then rule order, then position.

    Taken characters are marked in a bytearray, so checking and marking a candidate
    costs its own length: linear in the text for a fixed number of rules.
    """
    ranked = sorted(entries, key=_rank)
    if len(ranked) <= 1:
        return ranked
    taken = bytearray(length)
    kept = []
    for entry in ranked:
        start, end = entry[0], entry[1]
        if taken.find(1, start, end) != -1:
            continue  # overlaps a span already kept
        taken[start:end] = b"\x01" * (end - start)
        kept.append(entry)
    return kept


class Matcher:
    """Evaluates one :class:`CompiledRules` over texts."""

    def __init__(self, compiled: CompiledRules) -> None:
        self.compiled = compiled
        self.by_order = {rule.order: rule for rule in compiled.rules}
        self.by_name = {rule.name: rule for rule in compiled.rules}
        self.searching = [r for r in compiled.rules if r.role in ("rule", "veto")]
        self.long_text_regexes: dict[int, Any] = {}
        self._build_prefilter()

    def _build_prefilter(self) -> None:
        """One RE2 set of every rule's anchor words, so one pass tells which rules may match.

        A rule none of whose anchors occurs in a document cannot match it and is
        never run there (nor are the rules only it refers to).  Anchors are looked
        for as case-insensitive substrings: a superset of the words, never fewer.
        """
        words = sorted({word for rule in self.compiled.rules if rule.anchors for word in rule.anchors})
        self.anchor_set: Any = None
        self.unanchored = {rule.order for rule in self.compiled.rules if not rule.anchors}
        self.rules_of_word: list[list[int]] = [[] for _ in words]
        index = {word: i for i, word in enumerate(words)}
        for rule in self.compiled.rules:
            for word in rule.anchors or ():
                self.rules_of_word[index[word]].append(rule.order)
        if words:
            options = re2.Options()
            options.case_sensitive = False
            options.log_errors = False
            self.anchor_set = re2.Set.SearchSet(options)
            for word in words:
                self.anchor_set.Add(re2.escape(word))
            self.anchor_set.Compile()

    def regex_for(self, rule: CompiledRule, length: int) -> Any:
        """The rule's regex for a text of ``length``: a copy with a larger DFA budget for long texts."""
        if length <= LONG_TEXT:
            return rule.search
        if rule.order not in self.long_text_regexes:
            self.long_text_regexes[rule.order] = re2.compile(rule.pattern_source,
                                                             regex_options(LONG_TEXT_REGEX_MEMORY))
        return self.long_text_regexes[rule.order]

    def possible_rules(self, text: str) -> set[int]:
        """The orders of the rules that may match ``text``: unanchored ones, and those with an anchor in it."""
        possible = set(self.unanchored)
        if self.anchor_set is not None:
            for word in self.anchor_set.Match(text) or ():
                possible.update(self.rules_of_word[word])
        return possible

    def run(self, text: str, include_vetoes: bool = False) -> list[Extraction]:
        """Extractions of ``text`` in document order."""
        document = _Document(self, text)
        candidates: list[Entry] = []
        for rule in self.searching:
            candidates.extend(document.matches(rule))
        by_layer: dict[str, list[Entry]] = {}
        for entry in candidates:
            by_layer.setdefault(entry[2].layer, []).append(entry)
        results = []
        for entries in by_layer.values():
            for entry in _non_overlapping(entries, len(text)):
                if entry[2].role == "veto" and not include_vetoes:
                    continue
                results.append(document.extraction(entry))
        results.sort(key=lambda e: (e.start, -e.end, self.by_name[e.rule].order if e.rule in self.by_name else 0))
        return self._link(results)

    def match_whole(self, rule: CompiledRule, text: str) -> Extraction | None:
        """The result of ``rule`` matching all of ``text`` (surrounding whitespace aside), or None."""
        start = len(text) - len(text.lstrip())
        end = len(text.rstrip())
        document = _Document(self, text)
        for entry in document.matches(rule):
            if entry[0] == start and entry[1] == end:
                return document.extraction(entry)
        return None

    def _link(self, results: list[Extraction]) -> list[Extraction]:
        for link in self.compiled.links:
            # the areas (e.g. attribution contents) sorted by start, with the furthest end reached so far,
            # so each claim looks back only over areas that can still contain it
            areas = sorted(
                (area.start, area.end, i) for i, r in enumerate(results) if r.kind == link.target
                for area in [r.fields.get(link.field)] if isinstance(area, (Span, Extraction))
            )
            if not areas:
                continue
            starts = [a[0] for a in areas]
            reach = list(itertools.accumulate((a[1] for a in areas), max))
            claims: dict[int, list[int]] = {}
            for index, result in enumerate(results):
                if result.kind not in link.kinds or link.target in result.fields:
                    continue
                position = bisect.bisect_right(starts, result.start) - 1
                while position >= 0 and reach[position] >= result.end:
                    _start, area_end, owner_index = areas[position]
                    if result.end <= area_end:
                        owner = results[owner_index]
                        claims.setdefault(owner_index, []).append(index)
                        fields = {**result.fields, link.target: owner_index}
                        fields.update((name, owner.fields.get(name)) for name in link.copied)
                        results[index] = Extraction(result.kind, result.rule, result.start, result.end,
                                                    result.text, fields, result.parts)
                        break
                    position -= 1
            for owner_index, members in claims.items():
                owner = results[owner_index]
                fields = {**owner.fields, "claims": members}
                results[owner_index] = Extraction(owner.kind, owner.rule, owner.start, owner.end,
                                                  owner.text, fields, owner.parts)
        return results


class _Document:
    """Everything computed for one text: matches per rule, mask-set spans, shadows, results."""

    def __init__(self, matcher: Matcher, text: str) -> None:
        self.matcher = matcher
        self.text = text
        # the text a shadow starts from: private-use characters that could pass for masks are neutralised
        self.base = _PRIVATE_USE.sub("\ufffd", text) if _PRIVATE_USE.search(text) else text
        self.found: dict[int, list[Entry]] = {}
        self.set_spans: dict[int, dict[tuple[int, int], Entry]] = {}
        self.shadows: dict[tuple[int, ...], str] = {}
        self.built: dict[tuple[int, int, int], Extraction] = {}
        self.possible = matcher.possible_rules(text)

    # ---- matching ---------------------------------------------------------
    def matches(self, rule: CompiledRule) -> list[Entry]:
        """The matches of ``rule`` in this document (memoized)."""
        if rule.order in self.found:
            return self.found[rule.order]
        self.found[rule.order] = []  # re-entry guard; cycles are rejected at compile time
        if rule.order not in self.possible or any(not self.spans(mask) for mask in rule.required_masks):
            return self.found[rule.order]
        shadow = self.shadow(rule.masks)
        text = self.text
        entries: list[Entry] = []
        for match in self.matcher.regex_for(rule, len(shadow)).finditer(shadow):
            start, end = match.span()
            while start < end and text[start].isspace():
                start += 1  # an absent optional element may leave its gap at the start
            while end > start and text[end - 1].isspace():
                end -= 1
            if start == end:
                continue
            if _starts_inside_word(text, start) or (
                end < len(text) and _is_word(text[end - 1]) and _is_word(text[end])
            ):
                continue  # inside a word, where RE2's ASCII \b could not tell
            entry: Entry = (start, end, rule, match, shadow)
            if rule.where is not None and not self._holds(rule, entry):
                continue
            entries.append(entry)
        self.found[rule.order] = entries
        return entries

    def spans(self, mask: int) -> dict[tuple[int, int], Entry]:
        """The spans of a mask set: its rules' matches, overlaps resolved by the policy."""
        if mask not in self.set_spans:
            entries: list[Entry] = []
            for order in self.matcher.compiled.mask_sets[mask]:
                entries.extend(self.matches(self.matcher.by_order[order]))
            self.set_spans[mask] = {(e[0], e[1]): e for e in _non_overlapping(entries, len(self.text))}
        return self.set_spans[mask]

    def shadow(self, masks: tuple[int, ...]) -> str:
        """The text with the spans of ``masks`` replaced by mask tokens of equal length.

        Where spans of two mask sets overlap, the conflict policy decides (the longest is kept).
        """
        if not masks:
            return self.base
        if masks in self.shadows:
            return self.shadows[masks]
        candidates: list[Entry] = []
        mask_of: dict[tuple[int, int, int], int] = {}
        for mask in masks:
            for entry in self.spans(mask).values():
                candidates.append(entry)
                mask_of[(entry[0], entry[1], entry[2].order)] = mask
        marked = sorted((e[0], e[1], mask_of[(e[0], e[1], e[2].order)])
                        for e in _non_overlapping(candidates, len(self.text)))
        pieces = []
        position = 0
        for start, end, mask in marked:
            pieces.append(self.base[position:start])
            pieces.append(mask_char(mask) + FILLER * (end - start - 1))
            position = end
        pieces.append(self.base[position:])
        shadow = "".join(pieces)
        self.shadows[masks] = shadow
        return shadow

    # ---- results ----------------------------------------------------------
    def _holds(self, rule: CompiledRule, entry: Entry) -> bool:
        env = self.environment(entry[2], entry[3], entry[4], 0)
        try:
            value = rule.where(env) if rule.where is not None else True
        except FunctionFailed as error:
            raise RuleFailed(f"{rule.name} ({rule.file}:{rule.line}): {error}") from error
        return value is not None and value is not False and value != 0 and value != ""

    def extraction(self, entry: Entry) -> Extraction:
        """The result of one match (memoized, so shared sub-results are built once)."""
        start, end, rule, match, shadow = entry
        key = (rule.order, start, end)
        if key not in self.built:
            env = self.environment(rule, match, shadow, 0)
            self.built[key] = self._build(rule, start, end, env)
        return self.built[key]

    def environment(self, rule: CompiledRule, match: Any, shadow: str, offset: int) -> dict[str, Any]:
        """Capture name -> span or nested extraction, for a match found at ``offset`` of ``shadow``."""
        env: dict[str, Any] = {}
        parts: list[Extraction] = []
        for index, group in rule.groups:
            start, end = match.span(index)
            if start < 0:
                continue
            start, end = start + offset, end + offset
            value: Any = None
            reference = rule.references.get(group.name)
            if reference is not None:
                value = self._referenced(reference, start, end, shadow)
                if value is not None:
                    parts.append(value)
            if group.capture is not None and group.capture not in env:
                env[group.capture] = value if value is not None else Span(start, end, self.text[start:end])
        env["__parts__"] = parts
        return env

    def _referenced(self, reference: Any, start: int, end: int, shadow: str) -> Extraction | None:
        if reference.mask is not None:
            entry = self.spans(reference.mask).get((start, end))
            return self.extraction(entry) if entry is not None else None
        fragment = self.matcher.by_order[reference.targets[0]]
        key = (fragment.order, start, end)
        if key in self.built:
            return self.built[key]
        match = fragment.search.fullmatch(shadow[start:end])
        if match is None:
            return None
        env = self.environment(fragment, match, shadow, start)
        result = self._build(fragment, start, end, env)
        self.built[key] = result
        return result

    def _build(self, rule: CompiledRule, start: int, end: int, env: dict[str, Any]) -> Extraction:
        fields: dict[str, Any] = dict.fromkeys(rule.defaults)
        for name, evaluate in rule.fields:
            try:
                fields[name] = evaluate(env)
            except FunctionFailed as error:
                raise RuleFailed(f"{rule.name} ({rule.file}:{rule.line}): {error}") from error
        return Extraction(rule.kind, rule.name, start, end, self.text[start:end], fields, tuple(env["__parts__"]))
