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
from typing import TYPE_CHECKING, Any, NamedTuple

import attrs

from .chunks import CHUNK_CHARS, pieces, shifted
from .compiler import CompiledRule, CompiledRules
from .errors import RuleFailed
from .expressions import FunctionFailed
from .patterns import FILLER, MASK_WIDTH, mask_char
from .prefilter import Prefilter
from .regex import ByteSpans, EncodedText, RegexError, RuleRegex, masked_ascii_runs
from .results import Extraction, Span

if TYPE_CHECKING:  # the unit path is imported on first use
    from .unit_matching import UnitDocument, UnitSearch


class Entry(NamedTuple):
    """One match of a rule."""

    start: int  # character offsets in the document
    end: int
    rule: CompiledRule
    spans: ByteSpans  # in the shadow text: the match's bytes, then each group's (see RuleRegex.search_all)
    shadow: EncodedText  # the text the rule ran on


@attrs.frozen
class NearMiss:
    """A candidate that matched but gave no result: why, and (lost in a conflict) to which rule."""

    rule: str
    kind: str
    start: int
    end: int
    text: str
    reason: str  # "where": its where clause was false; "conflict": a longer or earlier match won; "veto"
    winner: str | None = None  # the rule that took the span (conflict, veto)

    def format(self) -> str:
        """One readable line."""
        why = {"where": "dropped by its where clause",
               "conflict": f"lost the conflict to {self.winner}",
               "veto": f"suppressed by the veto {self.winner}"}[self.reason]
        return f"{self.kind} {self.text!r} [{self.start}:{self.end}] by {self.rule}: {why}"


__all__ = ["Entry", "Matcher", "NearMiss", "RuleFailed", "kept_matches", "matches_in_characters"]

# (Python's re, not RE2: RE2's sub() mishandles a non-ASCII replacement; a one-class regex is linear anyway)
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")


def _not_compiled(rule: CompiledRule, error: RegexError) -> RuleFailed:
    """A rule's regex that RE2 refused when first used (``compile_regexes=True`` reports it at compile time)."""
    return RuleFailed(f"{rule.name} ({rule.file}:{rule.line}) does not compile: {error}")


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


def kept_matches(search: RuleRegex, shadow: EncodedText, text: str) -> list[tuple[int, int, ByteSpans]]:
    """The matches of ``search`` over ``shadow`` (a form of ``text``) that a rule keeps, before
    its ``where``: (start, end) in characters of ``text``, whitespace at either end left out,
    never starting or ending inside a word (where RE2's ASCII ``\\b`` could not tell), with the
    byte spans of the match and its groups in ``shadow``."""
    char_offset = shadow.char_offset
    length = len(text)
    kept = []
    for spans in search.search_all(shadow):
        start, end = char_offset(spans[0][0]), char_offset(spans[0][1])
        while start < end and text[start].isspace():
            start += 1  # an absent optional element may leave its gap at the start
        while end > start and text[end - 1].isspace():
            end -= 1
        if start == end:
            continue
        if _starts_inside_word(text, start) or (end < length and _is_word(text[end - 1]) and _is_word(text[end])):
            continue
        kept.append((start, end, spans))
    return kept


#: One match as a rule keeps it (before ``where``): start, end, and each group's span or None.
CharacterMatch = tuple[int, int, tuple[tuple[int, int] | None, ...]]


def matches_in_characters(search: RuleRegex, shadow: EncodedText, text: str) -> list[CharacterMatch]:
    """:func:`kept_matches` with each group's span in characters of ``text``: what two ways of
    matching a rule (over characters, over units) are compared by."""
    offset = shadow.char_offset
    return [(start, end, tuple((offset(a), offset(b)) if a >= 0 else None for a, b in spans[1:]))
            for start, end, spans in kept_matches(search, shadow, text)]


def _rank(entry: Entry) -> tuple[int, int, int, int]:
    start, end, rule = entry.start, entry.end, entry.rule
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
        start, end = entry.start, entry.end
        if taken.find(1, start, end) != -1:
            continue  # overlaps a span already kept
        taken[start:end] = b"\x01" * (end - start)
        kept.append(entry)
    return kept


#: Which unit-level rules are searched over units (docs/matching-core.md, *Step 2c*): "none" (the
#: reference); "large", those whose character program is large and that read no mask
#: (:data:`tallyrules.unit_matching.LARGE_PROGRAM`); "all".
UNIT_ROUTES = ("none", "large", "all")


class Matcher:
    """Evaluates one :class:`CompiledRules` over texts."""

    def __init__(self, compiled: CompiledRules, unit_matching: str = "none") -> None:
        """``unit_matching``: which unit-level rules are searched over each document's unit
        string (:data:`UNIT_ROUTES`); "none" searches every rule over characters."""
        if unit_matching not in UNIT_ROUTES:
            raise ValueError(f"unit_matching must be one of {', '.join(map(repr, UNIT_ROUTES))}, not {unit_matching!r}")
        self.compiled = compiled
        self.by_order = {rule.order: rule for rule in compiled.rules}
        self.by_name = {rule.name: rule for rule in compiled.rules}
        self.searching = [r for r in compiled.rules if r.role in ("rule", "veto")]
        self.prefilter = Prefilter(compiled.rules)
        self.unit_matching = unit_matching
        self._unit_search: UnitSearch | None = None

    @property
    def unit_search(self) -> UnitSearch | None:
        """The unit-level rules' search (made on first use: a start does not pay for it), or None."""
        if self._unit_search is None and self.unit_matching != "none":
            from .unit_matching import UnitSearch

            self._unit_search = UnitSearch(self.compiled.rules, self.compiled.unit_sets, self.compiled.unit_words,
                                           self.unit_matching)
        return self._unit_search

    def possible_rules(self, text: bytes) -> frozenset[int]:
        """The orders of the rules that may match ``text`` (see :class:`tallyrules.prefilter.Prefilter`)."""
        return self.prefilter.possible_rules(text)

    def run(self, text: str, include_vetoes: bool = False) -> list[Extraction]:
        """Extractions of ``text`` in document order.

        A text longer than ``CHUNK_CHARS`` is matched piece by piece (see :mod:`tallyrules.chunks`),
        so that memory stays bounded; links are made over the whole text.
        """
        if len(text) <= CHUNK_CHARS:
            return self._link(self._matched(text, include_vetoes))
        results: list[Extraction] = []
        for start, end in pieces(text, CHUNK_CHARS):
            results.extend(shifted(result, start) for result in self._matched(text[start:end], include_vetoes))
        return self._link(results)

    def _matched(self, text: str, include_vetoes: bool) -> list[Extraction]:
        """Extractions of ``text`` in document order, not yet linked."""
        document = _Document(self, text)
        candidates: list[Entry] = []
        possible = document.possible
        for rule in self.searching:
            if rule.order in possible:
                candidates.extend(document.matches(rule))
        by_layer: dict[str, list[Entry]] = {}
        for entry in candidates:
            by_layer.setdefault(entry.rule.layer, []).append(entry)
        results = []
        for entries in by_layer.values():
            for entry in _non_overlapping(entries, len(text)):
                if entry.rule.role == "veto" and not include_vetoes:
                    continue
                results.append(document.extraction(entry))
        results.sort(key=lambda e: (e.start, -e.end, self.by_name[e.rule].order if e.rule in self.by_name else 0))
        return results

    def near_misses(self, text: str) -> list[NearMiss]:
        """The candidates of ``text`` that gave no result: dropped by ``where``, lost in a conflict, vetoed."""
        document = _Document(self, text)
        document.dropped = {}
        candidates: list[Entry] = []
        for rule in self.searching:
            if rule.order in document.possible:
                candidates.extend(document.matches(rule))
        misses = [NearMiss(e.rule.name, e.rule.kind, e.start, e.end, text[e.start:e.end], "where")
                  for rule in self.searching for e in document.dropped.get(rule.order, ())]
        by_layer: dict[str, list[Entry]] = {}
        for entry in candidates:
            by_layer.setdefault(entry.rule.layer, []).append(entry)
        for entries in by_layer.values():
            kept = _non_overlapping(entries, len(text))
            winners = set(map(id, kept))
            for entry in sorted(entries, key=_rank):
                if id(entry) in winners:
                    continue
                winner = next(k for k in sorted(kept, key=_rank) if k.start < entry.end and entry.start < k.end)
                reason = "veto" if winner.rule.role == "veto" else "conflict"
                misses.append(NearMiss(entry.rule.name, entry.rule.kind, entry.start, entry.end,
                                       text[entry.start:entry.end], reason, winner.rule.name))
        return sorted(misses, key=lambda m: (m.start, -m.end, m.rule))

    def match_whole(self, rule: CompiledRule, text: str) -> Extraction | None:
        """The result of ``rule`` matching all of ``text`` (surrounding whitespace aside), or None."""
        start = len(text) - len(text.lstrip())
        end = len(text.rstrip())
        document = _Document(self, text)
        for entry in document.matches(rule):
            if entry.start == start and entry.end == end:
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
                # several links may fill one owner (a pack links its own kinds): its claims are all of them
                fields = {**owner.fields, "claims": sorted({*owner.fields.get("claims", ()), *members})}
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
        self.shadows: dict[tuple[int, ...], EncodedText] = {(): EncodedText(self.base)}
        self.built: dict[tuple[int, int, int], Extraction] = {}
        self.possible = matcher.possible_rules(self.shadows[()].data)
        self.dropped: dict[int, list[Entry]] | None = None  # where-failing matches, when asked for
        self._units: dict[tuple[int, ...], UnitDocument] = {}  # a shadow's units, by its masks

    # ---- matching ---------------------------------------------------------
    def matches(self, rule: CompiledRule) -> list[Entry]:
        """The matches of ``rule`` in this document (memoized)."""
        found = self.found.get(rule.order)
        if found is not None:
            return found
        self.found[rule.order] = []  # re-entry guard; cycles are rejected at compile time
        if rule.order not in self.possible or (rule.required_masks and not self._has_required_spans(rule)):
            return self.found[rule.order]
        shadow = self.shadow(rule.masks)
        entries: list[Entry] = []
        try:
            matched = self._unit_matches(rule, shadow) if rule.unit_template is not None else None
            if matched is None:
                matched = kept_matches(rule.search, shadow, self.text)
        except RegexError as error:
            raise _not_compiled(rule, error) from None
        for start, end, spans in matched:
            entry = Entry(start, end, rule, spans, shadow)
            if rule.where is not None and not self._holds(rule, entry):
                if self.dropped is not None:
                    self.dropped.setdefault(rule.order, []).append(entry)
                continue
            entries.append(entry)
        self.found[rule.order] = entries
        return entries

    def _unit_matches(self, rule: CompiledRule, shadow: EncodedText) -> list[tuple[int, int, ByteSpans]] | None:
        """The kept matches of a unit-level rule, found over the unit string of its ``shadow``
        (where each masked span is one unit); None when the rule is to be searched over characters."""
        search = self.matcher.unit_search
        if search is None or not search.covers(rule):
            return None
        units = self._units.get(rule.masks)
        if units is None:
            units = self._units[rule.masks] = search.document(shadow.text)
        return search.kept_matches(rule, units, shadow, self.text)

    def _has_required_spans(self, rule: CompiledRule) -> bool:
        """Whether each required-mask clause of ``rule`` has a set with a span in this document."""
        return all(any(self.spans(mask) for mask in clause) for clause in rule.required_masks)

    def spans(self, mask: int) -> dict[tuple[int, int], Entry]:
        """The spans of a mask set: its rules' matches, overlaps resolved by the policy."""
        if mask not in self.set_spans:
            orders = self.matcher.compiled.mask_sets[mask]
            if len(orders) == 1:  # one rule's matches never overlap: nothing to resolve
                self.set_spans[mask] = {(e.start, e.end): e for e in self.matches(self.matcher.by_order[orders[0]])}
                return self.set_spans[mask]
            entries: list[Entry] = []
            for order in orders:
                entries.extend(self.matches(self.matcher.by_order[order]))
            self.set_spans[mask] = {(e.start, e.end): e for e in _non_overlapping(entries, len(self.text))}
        return self.set_spans[mask]

    def shadow(self, masks: tuple[int, ...]) -> EncodedText:
        """The text with the spans of ``masks`` replaced by mask tokens of equal length.

        Where spans of two mask sets overlap, the conflict policy decides (the longest is kept).
        """
        shadow = self.shadows.get(masks)
        if shadow is not None:
            return shadow
        if len(masks) == 1:  # the spans of one set do not overlap: nothing to resolve
            marked = sorted((start, end, masks[0]) for start, end in self.spans(masks[0]))
        else:
            candidates: list[Entry] = []
            mask_of: dict[tuple[int, int, int], int] = {}
            for mask in masks:
                for entry in self.spans(mask).values():
                    candidates.append(entry)
                    mask_of[(entry.start, entry.end, entry.rule.order)] = mask
            marked = sorted((e.start, e.end, mask_of[(e.start, e.end, e.rule.order)])
                            for e in _non_overlapping(candidates, len(self.text)))
        pieces = []
        position = 0
        for start, end, mask in marked:
            pieces.append(self.base[position:start])
            pieces.append(mask_char(mask) + FILLER * (end - start - 1))
            position = end
        pieces.append(self.base[position:])
        # on an ASCII text the shadow's only non-ASCII runs are its mask tokens
        runs = masked_ascii_runs([(m[0], m[1]) for m in marked], MASK_WIDTH) if self.shadows[()].ascii else None
        shadow = EncodedText("".join(pieces), runs)
        self.shadows[masks] = shadow
        return shadow

    # ---- results ----------------------------------------------------------
    def _holds(self, rule: CompiledRule, entry: Entry) -> bool:
        # only the captures the clause reads are built: most candidates that a `where` tests lose,
        # and building the nested results of their references was most of the test's cost
        env = _CaptureReader(self, rule, entry.spans, entry.shadow)
        try:
            value = rule.where(env) if rule.where is not None else True
        except FunctionFailed as error:
            raise RuleFailed(f"{rule.name} ({rule.file}:{rule.line}): {error}") from error
        return value is not None and value is not False and value != 0 and value != ""

    def extraction(self, entry: Entry) -> Extraction:
        """The result of one match (memoized, so shared sub-results are built once)."""
        start, end, rule, spans, shadow = entry
        key = (rule.order, start, end)
        if key not in self.built:
            env = self.environment(rule, spans, shadow)
            self.built[key] = self._build(rule, start, end, env)
        return self.built[key]

    def environment(self, rule: CompiledRule, spans: ByteSpans, shadow: EncodedText) -> dict[str, Any]:
        """Capture name -> span or nested extraction, for one match of ``rule`` in ``shadow``;
        ``__parts__`` lists the nested extractions in group order."""
        env: dict[str, Any] = {}
        parts: list[Extraction] = []
        for index, group in rule.groups:
            value = self.group_value(rule, group, spans[index], shadow)
            if value is None:
                continue
            if isinstance(value, Extraction):
                parts.append(value)
            if group.capture is not None and group.capture not in env:
                env[group.capture] = value
        env["__parts__"] = parts
        return env

    def group_value(self, rule: CompiledRule, group: Any, byte_span: tuple[int, int],
                    shadow: EncodedText) -> Span | Extraction | None:
        """What one group of a match holds: the nested extraction of a reference, else its span;
        None when the group did not take part in the match."""
        byte_start, byte_end = byte_span
        if byte_start < 0:
            return None
        start, end = shadow.char_offset(byte_start), shadow.char_offset(byte_end)
        reference = rule.references.get(group.name)
        if reference is not None:
            value = self._referenced(reference, start, end, byte_start, byte_end, shadow)
            if value is not None:
                return value
            if group.capture is None:
                return None
        return Span(start, end, self.text[start:end])

    def _referenced(self, reference: Any, start: int, end: int, byte_start: int, byte_end: int,
                    shadow: EncodedText) -> Extraction | None:
        if reference.mask is not None:
            entry = self.spans(reference.mask).get((start, end))
            return self.extraction(entry) if entry is not None else None
        fragment = self.matcher.by_order[reference.targets[0]]
        key = (fragment.order, start, end)
        if key in self.built:
            return self.built[key]
        try:
            spans = fragment.search.match_exactly(shadow, byte_start, byte_end)
        except RegexError as error:
            raise _not_compiled(fragment, error) from None
        if spans is None:
            return None
        env = self.environment(fragment, spans, shadow)
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


class _CaptureReader(dict):  # type: ignore[type-arg]
    """The captures of one match as a ``where`` clause reads them: each built on first read.

    Expressions read captures through ``get`` (see :mod:`tallyrules.expressions`), so a capture
    the clause never names, or a nested result it never looks into, is never built.  A capture
    named by several groups holds the first that took part, as in :meth:`_Document.environment`.
    """

    __slots__ = ("_document", "_rule", "_spans", "_shadow")

    def __init__(self, document: _Document, rule: CompiledRule, spans: ByteSpans, shadow: EncodedText) -> None:
        super().__init__()
        self._document, self._rule, self._spans, self._shadow = document, rule, spans, shadow

    def get(self, name: str, default: Any = None) -> Any:
        if name in self:
            return self[name]
        value = default
        for index, group in self._rule.groups:
            if group.capture == name:
                found = self._document.group_value(self._rule, group, self._spans[index], self._shadow)
                if found is not None:
                    value = found
                    break
        self[name] = value
        return value
