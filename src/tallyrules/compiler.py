"""Compile rule files into :class:`CompiledRules`: resolved, checked, ready to match.

Compilation runs four steps, each in its own module: :mod:`tallyrules.loader`
reads each file (and what it imports) and builds its lexicons;
:mod:`tallyrules.resolution` resolves every ``@name`` and ``<name>`` and rejects
reference cycles; :mod:`tallyrules.prefilter` finds what each rule's matches must
contain; this module compiles each rule's pattern to RE2 and its
``yield``/``where`` expressions to closures.  Every problem found is collected
and raised together as :class:`RuleErrors`.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

import attrs

from . import ast, compiled_cache
from .compiled_cache import CompiledPattern
from .errors import RuleError, RuleErrors, RuleWarning, did_you_mean, error_at
from .expressions import Evaluator, ExpressionCompiler
from .functions import BUILTIN_FUNCTIONS, Function
from .loader import Loader, RuleSource, Unit
from .patterns import EmitContext, Group, PatternEmitter, large_pattern_hint, mask_token
from .prefilter import Anchor, PrefilterAnalysis
from .regex import REGEX_MEMORY, RegexError, RuleRegex, capture_groups
from .resolution import Reference, Resolution
from .results import ENGINE_FIELDS, SPAN_FIELDS

if TYPE_CHECKING:  # the unit layer is imported when used: a start never loads it
    from .unit_patterns import NotUnitLevel, UnitPatternEmitter
    from .units import UnitPattern, UnitSet, UnitSets, Vocabulary, VocabularyKey

ROLES = ("rule", "fragment", "veto")
MAX_PATTERN_SIZE = 200_000  # characters of regex after inlining fragments

__all__ = ["CompiledRule", "CompiledRules", "Link", "Reference", "RuleSource", "compile_rules"]


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
    # clauses: every match contains a span of a mask set of each clause, and an anchor of each anchor clause
    required_masks: tuple[frozenset[int], ...] = attrs.field(eq=False, repr=False)
    anchors: tuple[frozenset[Anchor], ...] = attrs.field(eq=False, repr=False)
    fields: tuple[tuple[str, Evaluator], ...] = attrs.field(eq=False, repr=False)
    defaults: tuple[str, ...] = attrs.field(eq=False, repr=False)
    where: Evaluator | None = attrs.field(eq=False, repr=False)
    examples: tuple[ast.Example, ...] = attrs.field(eq=False, repr=False)
    rejects: tuple[ast.Example, ...] = attrs.field(eq=False, repr=False)
    # the rule over unit strings (docs/matching-core.md, step 2c): a template over the compilation's
    # ``unit_sets``, or None when an element of it is not unit-level
    unit_template: str | None = attrs.field(default=None, eq=False, repr=False)


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
    warnings: tuple[RuleWarning, ...] = ()  # problems that do not stop compilation (unused lexicons...)
    # what the rules' unit templates refer to: their sets of units (placeholder index -> set) and
    # the words of their literals and lexicons (word id - 1 -> vocabulary key)
    unit_sets: tuple[UnitSet, ...] = ()
    unit_words: tuple[VocabularyKey, ...] = ()

    def by_name(self, name: str) -> CompiledRule | None:
        """Find a rule by qualified name, or by unique short name."""
        for rule in self.rules:
            if rule.name == name:
                return rule
        matches = [r for r in self.rules if r.short_name == name or r.name.endswith("." + name)]
        return matches[0] if len(matches) == 1 else None


class _Compilation:
    """One compile run: load, resolve, then compile each rule; problems collect in ``errors``."""

    def __init__(self, sources: Iterable[RuleSource], functions: Mapping[str, Function],
                 compile_regexes: bool = True, regex_memory: int = REGEX_MEMORY) -> None:
        self.functions = {**BUILTIN_FUNCTIONS, **functions}
        self.compile_regexes = compile_regexes
        self.regex_memory = regex_memory
        self.errors: list[RuleError] = []
        self.loader = Loader(sources, self.errors)
        self.loaded_cleanly = not self.errors
        self.resolution = Resolution(self.loader.order, self.errors)
        self.prefilter = PrefilterAnalysis(self.resolution)
        self.inline_cache: dict[tuple[int, bool, bool], tuple[str, tuple[int, ...]]] = {}
        self.lexicon_regexes: dict[tuple[int, bool, bool, bool], str] = {}
        self.unit_inline_cache: dict[tuple[int, bool, bool], str | NotUnitLevel] = {}
        self.unit_lexicon_templates: dict[tuple[int, bool, bool, bool], str] = {}
        # the unit templates of this compilation's rules share one table of sets and one vocabulary
        # (made when the first rule is written over units: a warm start reads them from the cache)
        self.unit_sets: UnitSets | None = None
        self.vocabulary: Vocabulary | None = None
        self.not_unit_level: dict[int, str] = {}  # rule index -> why it stays on the character matcher

    def report(self) -> list[RuleError]:
        """The errors found, each once, with the line of the file it points at."""
        return self.loader.report()

    def compile_all(self) -> CompiledRules:
        """Every rule compiled; :class:`RuleErrors` when anything is wrong.

        When the files loaded and resolved cleanly, the patterns come from the compiled-rules
        cache if it holds this exact set of files (:mod:`tallyrules.compiled_cache`); the rest
        of each rule (its expressions, checks and examples) is compiled either way.
        """
        resolution = self.resolution
        cache = compiled_cache.CompiledCache(self.loader.order, resolution) if not self.errors else None
        cached = cache.load() if cache is not None else None
        compiled = []
        for i, (unit, rule) in enumerate(resolution.rule_list):
            result = self._compile_rule(i, unit, rule, cached[i] if cached is not None else None)
            if result is not None:
                compiled.append(result)
        links = self._links()
        if self.errors:
            raise RuleErrors(self.report())
        if cached is not None:
            assert cache is not None
            unit_sets, unit_words = cache.unit_sets, cache.unit_words
        else:
            unit_sets = tuple(self.unit_sets.sets) if self.unit_sets is not None else ()
            unit_words = self.vocabulary.ordered_keys() if self.vocabulary is not None else ()
            if cache is not None:
                cache.store(compiled, unit_sets, unit_words)
        return CompiledRules(tuple(compiled), links, resolution.kinds,
                             tuple(str(u.source.path) for u in self.loader.order), resolution.mask_sets,
                             self._unused_lexicons(), unit_sets, unit_words)

    def _unused_lexicons(self) -> tuple[RuleWarning, ...]:
        found = []
        for unit in self.loader.order:
            for definition in unit.tree.lexicons:
                lexicon = unit.lexicons.get(definition.name)
                if lexicon is not None and id(lexicon) not in self.resolution.used_lexicons:
                    at = definition.at
                    found.append(RuleWarning(f"lexicon <{definition.name}> is never used", file=at.file,
                                             line=at.line, column=at.column, source_line=self._line(unit, at.line),
                                             hint="refer to it as <name> in a pattern or lookup(), or remove it"))
        return tuple(found)

    @staticmethod
    def _line(unit: Unit, line: int) -> str:
        lines = unit.text.splitlines()
        return lines[line - 1] if 0 < line <= len(lines) else ""

    def _capture_fields(self, unit: Unit, rule: ast.RuleDef, groups: list[Group]) -> dict[str, frozenset[str] | None]:
        """For each capture, the names ``capture.name`` may use: a span's, or the fields of the kinds
        it refers to (None, anything, when one of those kinds declares no fields)."""
        fields: dict[str, frozenset[str] | None] = {}
        for group in groups:
            if group.capture is None:
                continue
            names: frozenset[str] | None = frozenset(SPAN_FIELDS)
            if group.reference is not None:
                try:
                    targets = self.resolution.targets(unit, group.reference, rule.at)
                except RuleError:
                    targets = []
                schemas = [self.resolution.fields_of(self._kind_of(self.resolution.rule_list[t][1]))
                           for t in targets]
                names = None if not schemas or None in schemas else frozenset(ENGINE_FIELDS).union(
                    *(schema for schema in schemas if schema is not None), self._linked_fields(targets))
            if group.capture in fields:
                earlier = fields[group.capture]
                names = None if earlier is None or names is None else earlier | names
            fields[group.capture] = names
        return fields

    @staticmethod
    def _kind_of(rule: ast.RuleDef) -> str:
        return rule.kind or rule.name

    def _linked_fields(self, targets: Iterable[int]) -> frozenset[str]:
        """The fields ``link`` declarations add to results of these rules' kinds."""
        kinds = {self._kind_of(self.resolution.rule_list[t][1]) for t in targets}
        names: set[str] = set()
        for unit in self.loader.order:
            for link in unit.tree.links:
                if kinds & set(link.kinds):
                    names.update((link.target, *link.copied))
                if link.target in kinds:
                    names.add("claims")
        return frozenset(names)

    def _check_examples(self, unit: Unit, rule: ast.RuleDef, index: int, kind: str) -> None:
        """An example's field names must be fields of the rule's kind (dotted keys: their first part)."""
        schema = self.resolution.fields_of(kind)
        if schema is None:
            return
        known = {*schema, *ENGINE_FIELDS, *self._linked_fields([index])}
        for example in rule.examples:
            for key, _value in example.expected:
                name = key.split(".")[0]
                if name not in known:
                    suggestion = did_you_mean(name, known)
                    self.errors.append(error_at(
                        f"example names field {name!r}, which kind {kind!r} does not have", example.at,
                        hint=f"{suggestion + ' ' if suggestion else ''}its fields are: {', '.join(schema)}"))

    # ---- compiling one rule ---------------------------------------------
    def _emitter(self, unit: Unit, masks: dict[int, None]) -> PatternEmitter:
        def code_for(name: str, at: ast.Location, glued_left: bool, glued_right: bool) -> str:
            found = self.resolution.reference(unit, name, at)
            if found.mask is not None:
                masks.setdefault(found.mask)
                return mask_token(found.mask)
            code, inner_masks = self._inline_rule(found.targets[0], glued_left, glued_right)
            masks.update(dict.fromkeys(inner_masks))
            return code
        return PatternEmitter(self.resolution.lexicon_in(unit), code_for, self.lexicon_regexes)

    def _inline_rule(self, index: int, glued_left: bool, glued_right: bool) -> tuple[str, tuple[int, ...]]:
        key = (index, glued_left, glued_right)
        if key not in self.inline_cache:
            if index in self.resolution.cyclic:
                raise self.resolution.cyclic[index]  # the same report: listed once
            unit, rule = self.resolution.rule_list[index]
            if rule.pattern is None:
                raise error_at(f"rule {rule.name!r} has no match clause", rule.at)
            masks: dict[int, None] = {}
            code = self._emitter(unit, masks).emit(rule.pattern, EmitContext(with_groups=False),
                                                   glued_left, glued_right)
            self.inline_cache[key] = (code, tuple(masks))
        return self.inline_cache[key]

    # ---- over units (step 2b of docs/matching-core.md) -----------------
    def unit_pattern(self, index: int, sets: UnitSets, vocabulary: Vocabulary) -> tuple[str, list[Group]]:
        """The unit-string template of rule ``index`` and its groups (those of its regex, in the
        same order); :class:`NotUnitLevel` when an element of it is not unit-level."""
        from .unit_patterns import NotUnitLevel

        unit, rule = self.resolution.rule_list[index]
        if rule.pattern is None:
            raise NotUnitLevel("no match clause")
        context = EmitContext(with_groups=True)
        template = self._unit_emitter(unit, sets, vocabulary).emit(rule.pattern, context)
        return template, context.groups

    def _unit_emitter(self, unit: Unit, sets: UnitSets, vocabulary: Vocabulary) -> UnitPatternEmitter:
        from .unit_patterns import NotUnitLevel, UnitPatternEmitter
        from .units import mask_word

        def template_for(name: str, at: ast.Location, glued_left: bool, glued_right: bool) -> str:
            found = self.resolution.reference(unit, name, at)
            if found.mask is not None:  # the span is one unit of the shadow, whose word is its mask set
                return sets.placeholder((("MASK",), (), mask_word(found.mask)))
            key = (found.targets[0], glued_left, glued_right)
            if key not in self.unit_inline_cache:
                fragment_unit, fragment = self.resolution.rule_list[found.targets[0]]
                try:
                    emitter = self._unit_emitter(fragment_unit, sets, vocabulary)
                    assert fragment.pattern is not None  # the character compilation checked it
                    self.unit_inline_cache[key] = emitter.emit(fragment.pattern, EmitContext(with_groups=False),
                                                               glued_left, glued_right)
                except NotUnitLevel as error:
                    self.unit_inline_cache[key] = error
            inlined = self.unit_inline_cache[key]
            if isinstance(inlined, NotUnitLevel):
                raise NotUnitLevel(f"@{name}: {inlined}")
            return inlined

        def masked(name: str, at: ast.Location) -> bool:
            return self.resolution.reference(unit, name, at).mask is not None

        return UnitPatternEmitter(self.resolution.lexicon_in(unit), template_for, sets, vocabulary,
                                  self.unit_lexicon_templates, masked)

    def _unit_template(self, index: int, groups: list[Group]) -> str | None:
        """Rule ``index`` over unit strings, or None (the reason recorded) when it is not unit-level."""
        from .unit_patterns import NotUnitLevel
        from .units import UnitSets, Vocabulary

        if self.unit_sets is None or self.vocabulary is None:
            self.unit_sets, self.vocabulary = UnitSets(), Vocabulary()
        try:
            template, unit_groups = self.unit_pattern(index, self.unit_sets, self.vocabulary)
        except NotUnitLevel as error:
            self.not_unit_level[index] = str(error)
            return None
        if [group.name for group in unit_groups] != [group.name for group in groups]:
            # the two emitters share their traversal, so this would be a bug of the unit emitter
            self.not_unit_level[index] = "its groups over units differ from its regex's"
            return None
        return template

    def _pattern(self, index: int, unit: Unit, rule: ast.RuleDef) -> CompiledPattern | None:
        """Emit the regex of a rule's pattern and find what its matches need; None (with the
        error recorded) when the pattern is wrong."""
        if rule.pattern is None:
            return None
        search_context = EmitContext(with_groups=True)
        masks: dict[int, None] = {}
        try:
            search_code = self._emitter(unit, masks).emit(rule.pattern, search_context)
        except RuleError as error:
            self.errors.append(error)
            return None
        if len(search_code) > MAX_PATTERN_SIZE:
            self.errors.append(error_at(
                f"rule {rule.name!r} is {len(search_code) // 1000} KB of regex once its fragments are inlined",
                rule.at, hint=large_pattern_hint(rule.pattern)))
            return None
        references = tuple(
            (group.name, self.resolution.reference(unit, group.reference, rule.at))
            for group in search_context.groups if group.reference is not None
        )
        return CompiledPattern(
            source=search_code,
            regex_groups=tuple(capture_groups(search_code)),
            groups=tuple(search_context.groups),
            masks=tuple(masks),
            required_masks=self.prefilter.required_masks(unit, rule.pattern),
            anchors=self.prefilter.anchors(unit, rule.pattern),
            references=references,
            unit_template=self._unit_template(index, search_context.groups),
        )

    def _compile_rule(self, index: int, unit: Unit, rule: ast.RuleDef,
                      cached: CompiledPattern | None = None) -> CompiledRule | None:
        """The rule at ``index`` compiled, its pattern taken from ``cached`` when given; None (with
        the errors recorded) when anything about it is wrong."""
        errors_before = len(self.errors)
        if rule.pattern is None:
            self.errors.append(error_at(f"rule {rule.name!r} has no match clause", rule.at,
                                      hint='add `match ...`, e.g. match NUM "fighters"'))
            return None
        if index in self.resolution.cyclic:
            return None
        kind = rule.kind or rule.name
        if rule.role == "veto" and not (rule.layer or self.resolution.kind_layers.get(kind) or rule.kind):
            self.errors.append(error_at("a veto needs a kind or a layer to act in", rule.at))
        pattern = cached if cached is not None else self._pattern(index, unit, rule)
        if pattern is None:
            return None
        search = self._regex(pattern.source, list(pattern.regex_groups), rule)
        groups = list(pattern.groups)
        captures = {g.capture for g in groups if g.capture}
        expressions = ExpressionCompiler(captures, self.resolution.lexicon_in(unit), self.functions,
                                         self._capture_fields(unit, rule, groups))
        fields: list[tuple[str, Evaluator]] = []
        schema = self.resolution.fields_of(kind)
        self._check_examples(unit, rule, index, kind)
        for name, expr in rule.fields:
            if name in ENGINE_FIELDS:
                self.errors.append(error_at(f"{name!r} is set by the engine and cannot be yielded", expr.at))
                continue
            if schema is not None and name not in schema:
                self.errors.append(error_at(f"kind {kind!r} has no field {name!r}", expr.at,
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
        return CompiledRule(
            name=f"{unit.module}.{rule.name}",
            short_name=rule.name,
            role=rule.role,
            kind=kind,
            layer=rule.layer or self.resolution.kind_layers.get(kind) or kind,
            priority=rule.priority,
            order=index,
            doc=rule.doc,
            file=str(unit.source.path),
            line=rule.at.line,
            pattern_source=pattern.source,
            search=search,
            groups=tuple((search.group_index[g.name], g) for g in groups),
            references=dict(pattern.references),
            masks=pattern.masks,
            required_masks=pattern.required_masks,
            anchors=pattern.anchors,
            fields=tuple(fields),
            defaults=tuple(schema) if schema else (),
            where=where,
            examples=rule.examples,
            rejects=rule.rejects,
            unit_template=pattern.unit_template,
        )

    def _regex(self, code: str, groups: list[str | None], rule: ast.RuleDef) -> RuleRegex | None:
        regex = RuleRegex(code, memory=self.regex_memory, groups=groups)
        if self.compile_regexes:
            try:
                regex.compile()
            except RegexError as error:
                self.errors.append(error_at(f"rule {rule.name!r} does not compile: {error}", rule.at,
                                          hint="the pattern (with everything it references) may be too large"))
                return None
        return regex

    def _links(self) -> tuple[Link, ...]:
        links = []
        for unit in self.loader.order:
            for link in unit.tree.links:
                links.append(Link(frozenset(link.kinds), link.target, link.field, link.copied))
        return tuple(links)


@attrs.frozen
class UnitRules:
    """The rules of a set of rule files written over unit strings, as far as they are unit-level."""

    patterns: Mapping[str, tuple[UnitPattern, tuple[Group, ...]]]  # rule name -> template and groups
    not_unit_level: Mapping[str, str]  # rule name -> why it stays on the character matcher
    vocabulary: Vocabulary  # the words their literals and lexicons name: classify with it


def unit_rules(sources: Iterable[RuleSource], functions: Mapping[str, Function] | None = None) -> UnitRules:
    """Every rule of ``sources`` (which must compile) written over unit strings where it can be
    (see :mod:`tallyrules.unit_patterns`); the others with the reason they cannot."""
    from .units import UnitPattern, Vocabulary

    with _cyclic_gc_paused():
        compilation = _Compilation(sources, functions or {}, compile_regexes=False)
        # each rule's pattern written anew, the cache aside: the reasons are found only then
        rules = [compilation._compile_rule(index, unit, rule) for index, (unit, rule)
                 in enumerate(compilation.resolution.rule_list)]
    if compilation.errors:
        raise RuleErrors(compilation.report())
    sets = tuple(compilation.unit_sets.sets) if compilation.unit_sets is not None else ()
    patterns = {rule.name: (UnitPattern(rule.unit_template, sets), tuple(group for _, group in rule.groups))
                for rule in rules if rule is not None and rule.unit_template is not None}
    not_unit_level = {rule.name: compilation.not_unit_level[rule.order] for rule in rules
                      if rule is not None and rule.unit_template is None}
    return UnitRules(patterns, not_unit_level, compilation.vocabulary or Vocabulary())


def compile_rules(sources: Iterable[RuleSource], functions: Mapping[str, Function] | None = None,
                  compile_regexes: bool = True, regex_memory: int = REGEX_MEMORY) -> CompiledRules:
    """Compile rule files (and everything they import); raise :class:`RuleErrors` on any problem.

    With ``compile_regexes=False`` each rule's RE2 regex is compiled when first used
    instead (its syntax is checked either way; only RE2's size limits wait).
    ``regex_memory``: each regex's RE2 budget in bytes (see :class:`tallyrules.regex.RuleRegex`).
    """
    with _cyclic_gc_paused():
        compilation = _Compilation(sources, functions or {}, compile_regexes, regex_memory)
        if not compilation.loaded_cleanly:
            # keep going to find the errors of the files that did parse
            with contextlib.suppress(RuleErrors):
                compilation.compile_all()
            raise RuleErrors(compilation.report())
        return compilation.compile_all()


@contextlib.contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while compiling.

    Why: compiling allocates some hundred thousand objects that all live on (syntax trees read
    from the parse cache, lexicons, compiled rules), so the collector's passes find nothing to
    free, yet their cost grows with the heap: they were an eighth of a warm start.  Plain
    reference counting goes on freeing what is dropped; a collection runs as usual afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
