"""Resolve names across the loaded rule files: kinds, ``@name`` references, ``<name>`` lexicons.

``@name`` resolves to a rule of that name in the same file, else in a file it
imports, else to every rule (of any loaded file) whose kind is ``name``.
Lexicons ``<name>`` resolve in the same file, then in imported files.

A reference to a fragment by name is *inlined* (a macro); a reference to a kind
or to an emitted rule is a *cascade*: the referenced rules are matched first and
their spans appear in the referencing rule's text as mask tokens (see
:mod:`tallyrules.patterns`).  Each distinct set of referenced rules is a *mask
set* with its own mask character.  Reference cycles are found here too.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from . import ast
from .errors import RuleError, did_you_mean, error_at
from .lexicons import Lexicon
from .loader import Unit
from .patterns import MAX_MASKS
from .results import ENGINE_FIELDS

LexiconResolver = Callable[[str, ast.Location], Lexicon]


@attrs.frozen
class Reference:
    """What a reference group stands for: an inlined fragment, or a mask set (cascade)."""

    inline: bool
    targets: tuple[int, ...]  # rule orders, highest priority first
    mask: int | None = None


class Resolution:
    """The rules of the loaded files, numbered in evaluation order, with their names resolved.

    Problems are appended to ``errors``; a rule in a reference cycle is in ``cyclic``.
    """

    def __init__(self, order: list[Unit], errors: list[RuleError]) -> None:
        self.errors = errors
        self.order = order
        self.kind_layers: dict[str, str] = {}
        self.conflicting_kinds: set[str] = set()  # declared twice with different fields: reported once
        self.kinds = self._kind_schemas()
        self.rule_list: list[tuple[Unit, ast.RuleDef]] = [(u, r) for u in order for r in u.rules.values()]
        self.index = {(id(u), r.name): i for i, (u, r) in enumerate(self.rule_list)}
        self.by_kind: dict[str, list[int]] = {}
        for i, (_unit, rule) in enumerate(self.rule_list):
            if rule.kind and rule.role != "veto":  # a veto produces nothing to refer to
                self.by_kind.setdefault(rule.kind, []).append(i)
        self.references = [self._references(u, r) for u, r in self.rule_list]
        self.cyclic: dict[int, RuleError] = {}  # rule index -> the report of a cycle it is on
        self._check_cycles()
        self.mask_ids: dict[tuple[int, ...], int] = {}
        self.used_lexicons: set[int] = set()  # ids of the lexicons some pattern or expression named

    def fields_of(self, kind: str) -> tuple[str, ...] | None:
        """The declared fields of ``kind``; None when it has no (consistent) declaration."""
        return None if kind in self.conflicting_kinds else self.kinds.get(kind)

    @property
    def mask_sets(self) -> tuple[tuple[int, ...], ...]:
        """Mask id -> the rule orders whose spans it marks."""
        return tuple(targets for targets, _ in sorted(self.mask_ids.items(), key=lambda item: item[1]))

    def _kind_schemas(self) -> dict[str, tuple[str, ...]]:
        kinds: dict[str, tuple[str, ...]] = {}
        first: dict[str, ast.Location] = {}
        for unit in self.order:
            for kind in unit.tree.kinds:
                if kind.name in kinds and kinds[kind.name] != kind.fields:
                    where = first[kind.name]
                    self.errors.append(error_at(
                        f"kind {kind.name!r} is declared twice with different fields", kind.at,
                        hint=f"first declared at {where.file}:{where.line} with {{ {', '.join(kinds[kind.name])} }}; "
                             "declare a kind once and refer to it from other files"))
                    self.conflicting_kinds.add(kind.name)  # its rules' fields are not checked: one error is enough
                    continue
                first.setdefault(kind.name, kind.at)
                bad = ENGINE_FIELDS.intersection(kind.fields)
                if bad:
                    self.errors.append(error_at(f"kind {kind.name!r} declares reserved field(s) {sorted(bad)}",
                                                kind.at))
                kinds[kind.name] = kind.fields
                if kind.layer:
                    self.kind_layers[kind.name] = kind.layer
        return kinds

    def targets(self, unit: Unit, name: str, at: ast.Location) -> list[int]:
        """The rules ``@name`` in ``unit`` stands for (orders, highest priority first)."""
        if name in unit.rules:
            return [self.index[(id(unit), name)]]
        found = [imp for imp in unit.imports if name in imp.rules]
        if len(found) > 1:
            files = ", ".join(str(u.source.path.name) for u in found)
            raise error_at(f"@{name} is ambiguous: defined in {files}", at)
        if found:
            return [self.index[(id(found[0]), name)]]
        if name in self.by_kind:
            rules = self.rule_list
            return sorted(self.by_kind[name], key=lambda i: (-rules[i][1].priority, i))
        known = [*self._visible_rules(unit), *self.by_kind]
        raise error_at(f"undefined rule or kind @{name}", at,
                       hint=did_you_mean(name, known, "@") or
                       "import the file that defines it, or load the pack that does (check --no-packs leaves them out)")

    def _references(self, unit: Unit, rule: ast.RuleDef) -> list[tuple[str, ast.Location, list[int]]]:
        found: list[tuple[str, ast.Location, list[int]]] = []
        for node in ast.pattern_nodes(rule.pattern):
            if isinstance(node, ast.RuleRef):
                try:
                    found.append((node.name, node.at, self.targets(unit, node.name, node.at)))
                except RuleError as error:
                    self.errors.append(error)
        return found

    def _check_cycles(self) -> None:
        state = [0] * len(self.rule_list)  # 0 new, 1 on the path, 2 done
        for start in range(len(self.rule_list)):
            if state[start]:
                continue
            path: list[int] = []
            stack: list[tuple[int, int]] = [(start, 0)]
            while stack:
                node, edge = stack.pop()
                if edge == 0:
                    state[node] = 1
                    path.append(node)
                targets = [(t, name, at) for name, at, ts in self.references[node] for t in ts]
                if edge < len(targets):
                    stack.append((node, edge + 1))
                    target, name, at = targets[edge]
                    if state[target] == 1:
                        cycle = path[path.index(target):] + [target]
                        names = " -> ".join(self.rule_list[i][1].name for i in cycle)
                        error = error_at(f"reference cycle: {names}", at,
                                         hint="a rule cannot refer to itself, directly or through others")
                        self.errors.append(error)
                        self.cyclic.update((i, self.cyclic.get(i, error)) for i in cycle)
                    elif state[target] == 0:
                        stack.append((target, 0))
                else:
                    state[node] = 2
                    path.pop()

    def lexicon_in(self, unit: Unit) -> LexiconResolver:
        """A function resolving ``<name>`` as seen from ``unit``."""
        def resolve(name: str, at: ast.Location) -> Lexicon:
            if name in unit.lexicons:
                self.used_lexicons.add(id(unit.lexicons[name]))
                return unit.lexicons[name]
            for imported in unit.imports:
                if name in imported.lexicons:
                    self.used_lexicons.add(id(imported.lexicons[name]))
                    return imported.lexicons[name]
            visible = [*unit.lexicons, *(n for imported in unit.imports for n in imported.lexicons)]
            suggestion = did_you_mean(name, visible)
            raise error_at(f"undefined lexicon <{name}>", at,
                           hint=suggestion or "define it with `lexicon NAME = {...}` or import its file")
        return resolve

    def reference(self, unit: Unit, name: str, at: ast.Location) -> Reference:
        """Resolve ``@name`` in ``unit``: an inlined fragment, or a cascade over a mask set."""
        targets = tuple(self.targets(unit, name, at))
        if len(targets) == 1 and name in self._visible_rules(unit) and self.rule_list[targets[0]][1].role == "fragment":
            return Reference(True, targets)
        if targets not in self.mask_ids:
            if len(self.mask_ids) >= MAX_MASKS:
                raise error_at("too many distinct references in the loaded rules", at)
            self.mask_ids[targets] = len(self.mask_ids)
        return Reference(False, targets, self.mask_ids[targets])

    def _visible_rules(self, unit: Unit) -> set[str]:
        return set(unit.rules).union(*(imported.rules for imported in unit.imports))
