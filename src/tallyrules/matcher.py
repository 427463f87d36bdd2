"""Run compiled rules over a text and resolve their conflicts.

1. Every ``rule`` and ``veto`` searches the text (RE2, linear time); each
   yields non-overlapping leftmost-longest candidates.
2. Candidates with a ``where`` clause are filtered.
3. Conflicts are resolved per layer, deterministically: the longest candidate
   wins, then the higher priority, then the rule defined first, then the one
   starting first; a candidate overlapping a winner of its layer is dropped.
   Vetoes win like any other candidate and then produce nothing.
4. Winners become :class:`Extraction` objects: captures become spans, captured
   ``@references`` become nested extractions (the referenced rule re-matched
   on exactly that span), and the ``yield`` expressions are evaluated.
5. ``link`` declarations attach results to the results they lie inside.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from typing import Any

from .compiler import CompiledRule, CompiledRules
from .expressions import FunctionFailed
from .results import Extraction, Span

# (start, end, rule, RE2 match, capture environment if a `where` clause already built it)
Candidate = tuple[int, int, CompiledRule, Any, Any]


class RuleFailed(Exception):
    """A rule's expression failed on a document (a bug in a rule or a plugin function)."""


def _is_word(char: str) -> bool:
    return char.isalnum()


class Matcher:
    """Evaluates one :class:`CompiledRules` over texts."""

    def __init__(self, compiled: CompiledRules) -> None:
        self.compiled = compiled
        self.rules = compiled.rules
        self.by_order = {rule.order: rule for rule in compiled.rules}
        self.searching = [r for r in compiled.rules if r.role in ("rule", "veto")]

    # ---- public ---------------------------------------------------------
    def run(self, text: str, include_vetoes: bool = False) -> list[Extraction]:
        """Extractions of ``text`` in document order."""
        state = _DocumentState(self, text)
        candidates = self._candidates(state)
        winners = self._resolve(candidates)
        results = []
        for _start, _end, rule, match, env in winners:
            if rule.role == "veto" and not include_vetoes:
                continue
            results.append(state.extraction(rule, match, env))
        results.sort(key=lambda e: (e.start, -e.end, self._order(e.rule)))
        return self._link(results)

    def match_whole(self, rule: CompiledRule, text: str) -> Extraction | None:
        """The result of ``rule`` matching all of ``text`` (surrounding whitespace aside), or None."""
        start = len(text) - len(text.lstrip())
        end = len(text.rstrip())
        if end <= start:
            return None
        return _DocumentState(self, text).reference((rule.order,), start, end)

    def _order(self, name: str) -> int:
        rule = self.compiled.by_name(name)
        return rule.order if rule else 0

    # ---- steps ----------------------------------------------------------
    def _candidates(self, state: _DocumentState) -> list[Candidate]:
        text = state.text
        found = []
        for rule in self.searching:
            for match in rule.search.finditer(text):
                start, end = match.span()
                if start == end:
                    continue
                if (start > 0 and _is_word(text[start - 1]) and _is_word(text[start])) or (
                    end < len(text) and _is_word(text[end - 1]) and _is_word(text[end])
                ):
                    continue  # inside a word that RE2's ASCII \b did not see (e.g. "é")
                env = None
                if rule.where is not None:
                    env = state.environment(rule, match)
                    if not state.truth(rule, rule.where, env):
                        continue
                found.append((start, end, rule, match, env))
        return found

    @staticmethod
    def _resolve(candidates: list[Candidate]) -> list[Candidate]:
        ranked = sorted(candidates, key=lambda c: (c[0] - c[1], -c[2].priority, c[2].order, c[0]))
        taken: dict[str, tuple[list[int], list[int]]] = {}
        winners = []
        for candidate in ranked:
            start, end, rule = candidate[0], candidate[1], candidate[2]
            starts, ends = taken.setdefault(rule.layer, ([], []))
            position = bisect.bisect_left(starts, start)
            if position < len(starts) and starts[position] < end:
                continue  # a winner starts inside this candidate
            if position > 0 and ends[position - 1] > start:
                continue  # the winner before this one reaches into it
            starts.insert(position, start)
            ends.insert(position, end)
            winners.append(candidate)
        return winners

    def _link(self, results: list[Extraction]) -> list[Extraction]:
        if not self.compiled.links:
            return results
        for link in self.compiled.links:
            owners = [(i, r) for i, r in enumerate(results) if r.kind == link.target]
            claims: dict[int, list[int]] = {}
            for index, result in enumerate(results):
                if result.kind not in link.kinds or "attribution" in result.fields:
                    continue
                for owner_index, owner in owners:
                    area = owner.fields.get(link.field)
                    if isinstance(area, (Span, Extraction)) and area.start <= result.start and result.end <= area.end:
                        claims.setdefault(owner_index, []).append(index)
                        fields = dict(result.fields)
                        fields[link.target] = owner_index
                        fields["source"] = owner.fields.get("source")
                        results[index] = Extraction(result.kind, result.rule, result.start, result.end,
                                                    result.text, fields, result.parts)
                        break
            for owner_index, members in claims.items():
                owner = results[owner_index]
                fields = dict(owner.fields)
                fields["claims"] = members
                results[owner_index] = Extraction(owner.kind, owner.rule, owner.start, owner.end,
                                                  owner.text, fields, owner.parts)
        return results


class _DocumentState:
    """Per-document memo of re-matched references, so each is evaluated once."""

    def __init__(self, matcher: Matcher, text: str) -> None:
        self.matcher = matcher
        self.text = text
        self.memo: dict[tuple[tuple[int, ...], int, int], Extraction | None] = {}

    def truth(self, rule: CompiledRule, where: Any, env: Mapping[str, Any]) -> bool:
        try:
            value = where(env)
        except FunctionFailed as error:
            raise RuleFailed(f"{rule.name} ({rule.file}:{rule.line}): {error}") from error
        return value is not None and value is not False and value != 0 and value != ""

    def environment(self, rule: CompiledRule, match: Any) -> dict[str, Any]:
        env: dict[str, Any] = {}
        parts: list[Extraction] = []
        for index, group in rule.groups:
            start, end = match.span(index)
            if start < 0:
                continue
            value: Any = None
            targets = rule.targets.get(group.name)
            if targets is not None:
                value = self.reference(targets, start, end)
                if value is not None:
                    parts.append(value)
            if group.capture is not None and group.capture not in env:
                env[group.capture] = value if value is not None else Span(start, end, self.text[start:end])
        env["__parts__"] = parts
        return env

    def reference(self, targets: tuple[int, ...], start: int, end: int) -> Extraction | None:
        key = (targets, start, end)
        if key in self.memo:
            return self.memo[key]
        self.memo[key] = None  # guards against re-entry; cycles are rejected at compile time
        result = None
        for order in targets:
            rule = self.matcher.by_order.get(order)
            if rule is None:
                continue
            match = rule.full.fullmatch(self.text, start, end)
            if match is None:
                continue
            env = self.environment(rule, match)
            if rule.where is not None and not self.truth(rule, rule.where, env):
                continue
            result = self.build(rule, start, end, env)
            break
        self.memo[key] = result
        return result

    def extraction(self, rule: CompiledRule, match: Any, env: dict[str, Any] | None) -> Extraction:
        if env is None:
            env = self.environment(rule, match)
        start, end = match.span()
        return self.build(rule, start, end, env)

    def build(self, rule: CompiledRule, start: int, end: int, env: dict[str, Any]) -> Extraction:
        fields: dict[str, Any] = dict.fromkeys(rule.defaults)
        for name, evaluate in rule.fields:
            try:
                fields[name] = evaluate(env)
            except FunctionFailed as error:
                raise RuleFailed(f"{rule.name} ({rule.file}:{rule.line}): {error}") from error
        return Extraction(rule.kind, rule.name, start, end, self.text[start:end], fields, tuple(env["__parts__"]))
