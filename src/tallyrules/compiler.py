"""Compile rule files into :class:`CompiledRules`: resolved, checked, ready to match.

Compilation reads each file (and what it imports), builds its lexicons,
resolves every ``@name`` and ``<name>``, rejects reference cycles, compiles
each rule's pattern to RE2 and its ``yield``/``where`` expressions to closures.
Every problem found is collected and raised together as :class:`RuleErrors`.

Name resolution of ``@name``: a rule of that name in the same file, else in a
file it imports, else every rule (of any loaded file) whose kind is ``name``.
Lexicons ``<name>`` resolve in the same file, then in imported files.

A reference to a fragment by name is *inlined* (a macro); a reference to a kind
or to an emitted rule is a *cascade*: the referenced rules are matched first and
their spans appear in the referencing rule's text as mask tokens (see
:mod:`tallyrules.patterns`).  Each distinct set of referenced rules is a *mask
set* with its own mask character.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import attrs

from . import ast
from .errors import RuleError, RuleErrors
from .expressions import Evaluator, ExpressionCompiler
from .functions import BUILTIN_FUNCTIONS, Function
from .lexicons import Lexicon, build_lexicon, read_word_list
from .patterns import MAX_MASKS, EmitContext, Group, PatternEmitter, large_pattern_hint, mask_token
from .regex import RegexError, RuleRegex
from .safe_files import MAX_RULE_FILE_BYTES, read_text
from .syntax import parse

RESERVED_FIELDS = frozenset({"kind", "rule", "start", "end", "text"})
ROLES = ("rule", "fragment", "veto")
MAX_PATTERN_SIZE = 200_000  # characters of regex after inlining fragments
MAX_ANCHORS = 2000  # a rule with more anchor words than this is not prefiltered


def _anchor_word(text: str) -> str:
    """The longest run of letters or digits in ``text``, lower-cased: what must occur for it to match."""
    runs = re.findall(r"[^\W_]+", text.lower())
    return max(runs, key=len) if runs else ""


T = TypeVar("T")


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


@attrs.frozen
class RuleSource:
    """A rule file to compile: its pack, the pack's root (imports stay inside) and its path.

    ``text`` may hold the file's content directly (rules written in Python code);
    then ``path`` only names it.
    """

    pack: str
    root: Path
    path: Path
    text: str | None = None


@attrs.frozen
class CompiledRule:
    """One rule, ready for the matcher."""

    name: str  # qualified: pack.module.rule
    short_name: str
    role: str  # rule | fragment | veto
    kind: str
    layer: str
    priority: int
    order: int
    doc: str
    file: str
    line: int
    pattern_source: str
    search: RuleRegex = attrs.field(eq=False, repr=False)  # the RE2 regex, run over the rule's shadow text
    groups: tuple[tuple[int, Group], ...] = attrs.field(eq=False, repr=False)  # (regex group index, group)
    references: Mapping[str, Reference] = attrs.field(eq=False, repr=False)  # group name -> what it refers to
    masks: tuple[int, ...] = attrs.field(eq=False, repr=False)  # mask sets in the regex (its shadow needs them)
    # clauses: every match contains a span of a mask set of each clause, and a word of each anchor clause
    required_masks: tuple[frozenset[int], ...] = attrs.field(eq=False, repr=False)
    anchors: tuple[frozenset[str], ...] = attrs.field(eq=False, repr=False)
    fields: tuple[tuple[str, Evaluator], ...] = attrs.field(eq=False, repr=False)
    defaults: tuple[str, ...] = attrs.field(eq=False, repr=False)
    where: Evaluator | None = attrs.field(eq=False, repr=False)
    examples: tuple[ast.Example, ...] = attrs.field(eq=False, repr=False)
    rejects: tuple[ast.Example, ...] = attrs.field(eq=False, repr=False)


@attrs.frozen
class Reference:
    """What a reference group stands for: an inlined fragment, or a mask set (cascade)."""

    inline: bool
    targets: tuple[int, ...]  # rule orders, highest priority first
    mask: int | None = None


@attrs.frozen
class Link:
    """``link kinds to target.field``: the claims of a target result."""

    kinds: frozenset[str]
    target: str
    field: str
    copied: tuple[str, ...] = ()


@attrs.frozen
class CompiledRules:
    """All rules of an engine, in evaluation order, with the links between kinds."""

    rules: tuple[CompiledRule, ...]
    links: tuple[Link, ...]
    kinds: Mapping[str, tuple[str, ...]]
    files: tuple[str, ...]
    mask_sets: tuple[tuple[int, ...], ...] = ()  # mask id -> the rule orders whose spans it marks

    def by_name(self, name: str) -> CompiledRule | None:
        """Find a rule by qualified name, or by unique short name."""
        for rule in self.rules:
            if rule.name == name:
                return rule
        matches = [r for r in self.rules if r.short_name == name or r.name.endswith("." + name)]
        return matches[0] if len(matches) == 1 else None


@attrs.define
class _Unit:
    """A loaded rule file during compilation."""

    source: RuleSource
    module: str
    tree: ast.RuleFile
    text: str
    imports: list[_Unit] = attrs.Factory(list)
    lexicons: dict[str, Lexicon] = attrs.Factory(dict)
    rules: dict[str, ast.RuleDef] = attrs.Factory(dict)


def _error(message: str, at: ast.Location, hint: str = "") -> RuleError:
    return RuleError(message, file=at.file, line=at.line, column=at.column, hint=hint)


def _module_name(source: RuleSource) -> str:
    try:
        relative = source.path.relative_to(source.root)
    except ValueError:
        relative = Path(source.path.name)
    parts = [*relative.parts[:-1], relative.stem]
    return ".".join([source.pack, *parts]) if source.pack else ".".join(parts)


class _Compilation:
    def __init__(self, sources: Iterable[RuleSource], functions: Mapping[str, Function],
                 compile_regexes: bool = True) -> None:
        self.functions = {**BUILTIN_FUNCTIONS, **functions}
        self.compile_regexes = compile_regexes
        self.errors: list[RuleError] = []
        self.units: dict[Path, _Unit] = {}
        self.order: list[_Unit] = []
        for source in sources:
            self._load(source, None)

    # ---- loading --------------------------------------------------------
    def _load(self, source: RuleSource, at: ast.Location | None) -> _Unit | None:
        key = source.path.resolve() if source.text is None else source.path
        if key in self.units:
            return self.units[key]
        if source.text is None:
            try:
                text = read_text(source.path, MAX_RULE_FILE_BYTES, source.root)
            except (OSError, UnicodeDecodeError) as error:
                message = f"cannot read rule file {source.path}: {error}"
                self.errors.append(_error(message, at) if at else RuleError(message, file=str(source.path)))
                return None
        else:
            text = source.text
        try:
            tree = parse(text, str(source.path))
        except RuleErrors as errors:
            self._add_source_lines(errors.errors, text)
            self.errors.extend(errors.errors)
            return None
        unit = _Unit(source, _module_name(source), tree, text)
        self.units[key] = unit
        for item in tree.imports:
            imported = self._import(unit, item)
            if imported is not None:
                unit.imports.append(imported)
        self.order.append(unit)
        self._lexicons(unit)
        for rule in tree.rules:
            if rule.name in unit.rules:
                self.errors.append(_error(f"duplicate rule name {rule.name!r}", rule.at,
                                          hint=f"first defined on line {unit.rules[rule.name].at.line}"))
                continue
            unit.rules[rule.name] = rule
        return unit

    def _import(self, unit: _Unit, item: ast.Import) -> _Unit | None:
        target = self._inside_root(unit, item.path, item.at)
        if target is None:
            return None
        if unit.source.text is not None and not target.exists():
            self.errors.append(_error(f"cannot import {item.path!r}: no such file", item.at))
            return None
        return self._load(RuleSource(unit.source.pack, unit.source.root, target), item.at)

    def _inside_root(self, unit: _Unit, relative: str, at: ast.Location) -> Path | None:
        target = (unit.source.path.parent / relative).resolve()
        root = unit.source.root.resolve()
        if target != root and root not in target.parents:
            self.errors.append(_error(f"{relative!r} is outside the pack root {root}", at,
                                      hint="imports and lexicon files must stay inside the pack's folder"))
            return None
        return target

    def _lexicons(self, unit: _Unit) -> None:
        for definition in unit.tree.lexicons:
            if definition.name in unit.lexicons:
                self.errors.append(_error(f"duplicate lexicon name {definition.name!r}", definition.at))
                continue
            if definition.entries is not None:
                entries = list(definition.entries)
            else:
                path = self._inside_root(unit, definition.path or "", definition.at)
                if path is None:
                    continue
                try:
                    entries = read_word_list(path)
                except (OSError, UnicodeDecodeError) as error:
                    self.errors.append(_error(f"cannot read lexicon file {definition.path!r}: {error}", definition.at))
                    continue
            unit.lexicons[definition.name] = build_lexicon(definition.name, definition.cased, entries)

    @staticmethod
    def _add_source_lines(errors: list[RuleError], text: str) -> None:
        lines = text.splitlines()
        for error in errors:
            if not error.source_line and 0 < error.line <= len(lines):
                error.source_line = lines[error.line - 1]

    def report(self) -> list[RuleError]:
        """The errors found, each once, with the line of the file it points at."""
        texts = {str(unit.source.path): unit.text for unit in self.units.values()}
        unique: dict[tuple[str, int, int, str], RuleError] = {}
        for error in self.errors:
            unique.setdefault((error.file, error.line, error.column, error.message), error)
        for error in unique.values():
            if error.file in texts:
                self._add_source_lines([error], texts[error.file])
        return list(unique.values())

    # ---- resolution -----------------------------------------------------
    def resolve_all(self) -> CompiledRules:
        self.kinds = self._kind_schemas()
        self.rule_list: list[tuple[_Unit, ast.RuleDef]] = [(u, r) for u in self.order for r in u.rules.values()]
        self.index = {(id(u), r.name): i for i, (u, r) in enumerate(self.rule_list)}
        self.by_kind: dict[str, list[int]] = {}
        for i, (_unit, rule) in enumerate(self.rule_list):
            if rule.kind and rule.role != "veto":  # a veto produces nothing to refer to
                self.by_kind.setdefault(rule.kind, []).append(i)
        self.references = [self._references(u, r) for u, r in self.rule_list]
        self._check_cycles()
        self.inline_cache: dict[tuple[int, bool, bool], tuple[str, tuple[int, ...]]] = {}
        self.mask_ids: dict[tuple[int, ...], int] = {}
        self.lexicon_regexes: dict[tuple[int, bool, bool, bool], str] = {}
        compiled = []
        for i, (unit, rule) in enumerate(self.rule_list):
            result = self._compile_rule(i, unit, rule)
            if result is not None:
                compiled.append(result)
        links = self._links()
        if self.errors:
            raise RuleErrors(self.report())
        mask_sets = tuple(targets for targets, _ in sorted(self.mask_ids.items(), key=lambda item: item[1]))
        return CompiledRules(tuple(compiled), links, self.kinds, tuple(str(u.source.path) for u in self.order),
                             mask_sets)

    def _kind_schemas(self) -> dict[str, tuple[str, ...]]:
        kinds: dict[str, tuple[str, ...]] = {}
        self.kind_layers: dict[str, str] = {}
        for unit in self.order:
            for kind in unit.tree.kinds:
                if kind.name in kinds and kinds[kind.name] != kind.fields:
                    self.errors.append(_error(f"kind {kind.name!r} is declared twice with different fields", kind.at))
                    continue
                bad = RESERVED_FIELDS.intersection(kind.fields)
                if bad:
                    self.errors.append(_error(f"kind {kind.name!r} declares reserved field(s) {sorted(bad)}", kind.at))
                kinds[kind.name] = kind.fields
                if kind.layer:
                    self.kind_layers[kind.name] = kind.layer
        return kinds

    def _targets(self, unit: _Unit, name: str, at: ast.Location) -> list[int]:
        if name in unit.rules:
            return [self.index[(id(unit), name)]]
        found = [imp for imp in unit.imports if name in imp.rules]
        if len(found) > 1:
            files = ", ".join(str(u.source.path.name) for u in found)
            raise _error(f"@{name} is ambiguous: defined in {files}", at)
        if found:
            return [self.index[(id(found[0]), name)]]
        if name in self.by_kind:
            rules = self.rule_list
            return sorted(self.by_kind[name], key=lambda i: (-rules[i][1].priority, i))
        raise _error(f"undefined rule or kind @{name}", at,
                     hint="import the file that defines it, or check the spelling")

    def _references(self, unit: _Unit, rule: ast.RuleDef) -> list[tuple[str, ast.Location, list[int]]]:
        found: list[tuple[str, ast.Location, list[int]]] = []
        stack: list[Any] = [rule.pattern] if rule.pattern is not None else []
        while stack:
            node = stack.pop()
            if isinstance(node, ast.RuleRef):
                try:
                    found.append((node.name, node.at, self._targets(unit, node.name, node.at)))
                except RuleError as error:
                    self.errors.append(error)
            elif isinstance(node, (ast.Sequence, ast.Glued)):
                stack.extend(node.items)
            elif isinstance(node, ast.Alternation):
                stack.extend(node.options)
            elif isinstance(node, (ast.Repeat, ast.Capture)):
                stack.append(node.item)
        return found

    def _check_cycles(self) -> None:
        state = [0] * len(self.rule_list)  # 0 new, 1 on the path, 2 done
        self.cyclic: dict[int, RuleError] = {}  # rule index -> the report of a cycle it is on
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
                        error = _error(f"reference cycle: {names}", at,
                                       hint="a rule cannot refer to itself, directly or through others")
                        self.errors.append(error)
                        self.cyclic.update((i, self.cyclic.get(i, error)) for i in cycle)
                    elif state[target] == 0:
                        stack.append((target, 0))
                else:
                    state[node] = 2
                    path.pop()

    # ---- compiling one rule ---------------------------------------------
    def _lexicon_in(self, unit: _Unit) -> Any:
        def resolve(name: str, at: ast.Location) -> Lexicon:
            if name in unit.lexicons:
                return unit.lexicons[name]
            for imported in unit.imports:
                if name in imported.lexicons:
                    return imported.lexicons[name]
            raise _error(f"undefined lexicon <{name}>", at,
                         hint="define it with `lexicon NAME = {...}` or import its file")
        return resolve

    def reference(self, unit: _Unit, name: str, at: ast.Location) -> Reference:
        """Resolve ``@name`` in ``unit``: an inlined fragment, or a cascade over a mask set."""
        targets = tuple(self._targets(unit, name, at))
        if len(targets) == 1 and name in self._visible_rules(unit) and self.rule_list[targets[0]][1].role == "fragment":
            return Reference(True, targets)
        if targets not in self.mask_ids:
            if len(self.mask_ids) >= MAX_MASKS:
                raise _error("too many distinct references in the loaded rules", at)
            self.mask_ids[targets] = len(self.mask_ids)
        return Reference(False, targets, self.mask_ids[targets])

    def _visible_rules(self, unit: _Unit) -> set[str]:
        return set(unit.rules).union(*(imported.rules for imported in unit.imports))

    def _emitter(self, unit: _Unit, masks: dict[int, None]) -> PatternEmitter:
        def code_for(name: str, at: ast.Location, glued_left: bool, glued_right: bool) -> str:
            found = self.reference(unit, name, at)
            if found.mask is not None:
                masks.setdefault(found.mask)
                return mask_token(found.mask)
            code, inner_masks = self._inline_rule(found.targets[0], glued_left, glued_right)
            masks.update(dict.fromkeys(inner_masks))
            return code
        return PatternEmitter(self._lexicon_in(unit), code_for, self.lexicon_regexes)

    def _inline_rule(self, index: int, glued_left: bool, glued_right: bool) -> tuple[str, tuple[int, ...]]:
        key = (index, glued_left, glued_right)
        if key not in self.inline_cache:
            if index in self.cyclic:
                raise self.cyclic[index]  # the same report: listed once
            unit, rule = self.rule_list[index]
            if rule.pattern is None:
                raise _error(f"rule {rule.name!r} has no match clause", rule.at)
            masks: dict[int, None] = {}
            code = self._emitter(unit, masks).emit(rule.pattern, EmitContext(with_groups=False),
                                                   glued_left, glued_right)
            self.inline_cache[key] = (code, tuple(masks))
        return self.inline_cache[key]

    def _clauses(self, unit: _Unit, node: Any, of_leaf: Callable[[_Unit, Any, int | None], tuple[frozenset[T], ...]],
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
                found = self.reference(unit, node.name, node.at)
            except RuleError:
                return ()
            if found.mask is not None:
                return of_leaf(unit, node, found.mask)
            target_unit, target = self.rule_list[found.targets[0]]
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

    def _anchor_words(self, unit: _Unit, node: Any, mask: int | None) -> tuple[frozenset[str], ...]:
        """A leaf's anchor clause: the word of a literal, the words of a lexicon (lower case).

        The matcher looks for the anchors of all rules in one RE2 pass and runs a rule only
        when each of its clauses has a word in the text: the prefilter on literal anchors.
        A cascade gives none here: the required-mask clauses cover it.
        """
        if isinstance(node, ast.Literal):
            word = _anchor_word(node.text)
            return (frozenset({word}),) if word else ()
        if isinstance(node, ast.LexiconRef) and not node.negated:
            try:
                lexicon = self._lexicon_in(unit)(node.name, node.at)
            except RuleError:
                return ()
            words = frozenset(_anchor_word(entry) for entry in lexicon.entries)
            return () if "" in words or not words or len(words) > MAX_ANCHORS else (words,)
        return ()

    @staticmethod
    def _required_mask(unit: _Unit, node: Any, mask: int | None) -> tuple[frozenset[int], ...]:
        """A leaf's required-mask clause: a cascade needs a span of its mask set (a rule is skipped
        when all the sets of one of its clauses are empty in a document)."""
        return (frozenset({mask}),) if mask is not None else ()

    def _compile_rule(self, index: int, unit: _Unit, rule: ast.RuleDef) -> CompiledRule | None:
        errors_before = len(self.errors)
        if rule.pattern is None:
            self.errors.append(_error(f"rule {rule.name!r} has no match clause", rule.at,
                                      hint='add `match ...`, e.g. match NUM "fighters"'))
            return None
        if index in self.cyclic:
            return None
        kind = rule.kind or rule.name
        if rule.role == "veto" and not (rule.layer or self.kind_layers.get(kind) or rule.kind):
            self.errors.append(_error("a veto needs a kind or a layer to act in", rule.at))
        search_context = EmitContext(with_groups=True)
        masks: dict[int, None] = {}
        try:
            search_code = self._emitter(unit, masks).emit(rule.pattern, search_context)
        except RuleError as error:
            self.errors.append(error)
            return None
        if len(search_code) > MAX_PATTERN_SIZE:
            self.errors.append(_error(
                f"rule {rule.name!r} is {len(search_code) // 1000} KB of regex once its fragments are inlined",
                rule.at, hint=large_pattern_hint(rule.pattern)))
            return None
        search = self._regex(search_code, rule)
        captures = {g.capture for g in search_context.groups if g.capture}
        expressions = ExpressionCompiler(captures, self._lexicon_in(unit), self.functions)
        fields: list[tuple[str, Evaluator]] = []
        schema = self.kinds.get(kind)
        for name, expr in rule.fields:
            if name in RESERVED_FIELDS:
                self.errors.append(_error(f"{name!r} is set by the engine and cannot be yielded", expr.at))
                continue
            if schema is not None and name not in schema:
                self.errors.append(_error(f"kind {kind!r} has no field {name!r}", expr.at,
                                          hint=f"its fields are: {', '.join(schema)}"))
                continue
            try:
                fields.append((name, expressions.compile(expr)))
            except RuleError as error:
                self.errors.append(error)
        where = None
        if rule.where is not None:
            try:
                where = expressions.compile(rule.where)
            except RuleError as error:
                self.errors.append(error)
        if len(self.errors) > errors_before or search is None:
            return None
        references = {
            group.name: self.reference(unit, group.reference, rule.at)
            for group in search_context.groups if group.reference is not None
        }
        return CompiledRule(
            name=f"{unit.module}.{rule.name}",
            short_name=rule.name,
            role=rule.role,
            kind=kind,
            layer=rule.layer or self.kind_layers.get(kind) or kind,
            priority=rule.priority,
            order=index,
            doc=rule.doc,
            file=str(unit.source.path),
            line=rule.at.line,
            pattern_source=search_code,
            search=search,
            groups=tuple((search.group_index[g.name], g) for g in search_context.groups),
            references=references,
            masks=tuple(masks),
            required_masks=self._clauses(unit, rule.pattern, self._required_mask),
            anchors=self._clauses(unit, rule.pattern, self._anchor_words),
            fields=tuple(fields),
            defaults=tuple(schema) if schema else (),
            where=where,
            examples=rule.examples,
            rejects=rule.rejects,
        )

    def _regex(self, code: str, rule: ast.RuleDef) -> RuleRegex | None:
        regex = RuleRegex(code)
        if self.compile_regexes:
            try:
                regex.compile()
            except RegexError as error:
                self.errors.append(_error(f"rule {rule.name!r} does not compile: {error}", rule.at,
                                          hint="the pattern (with everything it references) may be too large"))
                return None
        return regex

    def _links(self) -> tuple[Link, ...]:
        links = []
        for unit in self.order:
            for link in unit.tree.links:
                links.append(Link(frozenset(link.kinds), link.target, link.field, link.copied))
        return tuple(links)


def compile_rules(sources: Iterable[RuleSource], functions: Mapping[str, Function] | None = None,
                  compile_regexes: bool = True) -> CompiledRules:
    """Compile rule files (and everything they import); raise :class:`RuleErrors` on any problem.

    With ``compile_regexes=False`` each rule's RE2 regex is compiled when first used
    instead (its syntax is checked either way; only RE2's size limits wait).
    """
    compilation = _Compilation(sources, functions or {}, compile_regexes)
    if compilation.errors:
        # keep going to find the errors of the files that did parse
        with contextlib.suppress(RuleErrors):
            compilation.resolve_all()
        raise RuleErrors(compilation.report())
    return compilation.resolve_all()
