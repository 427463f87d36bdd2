"""The front door: :class:`Engine` compiles rule packs and extracts from text."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from .compiler import CompiledRule, CompiledRules, RuleSource, compile_rules
from .documents import document_item
from .errors import PluginError, RuleErrors, TallyrulesError, error_record
from .inputs import InputProblem, Item
from .matcher import Matcher, NearMiss
from .packs import Pack, Plugins, load_plugins
from .regex import REGEX_MEMORY
from .results import SPAN_FIELDS, DocumentResult, Extraction

Document = str | tuple[Any, str] | Mapping[str, Any]


def selected_packs(found: Plugins, packs: Sequence[str] | None, exclude: Sequence[str] = ()) -> list[Pack]:
    """The packs of ``found`` that ``packs`` (None: all) selects and ``exclude`` does not leave out.

    :raises PluginError: a name is not an installed pack's.
    """
    available = {p.name: p for p in found.packs}
    unknown = [n for n in [*(packs or ()), *exclude] if n not in available]
    if unknown:
        raise PluginError(f"no installed pack named {', '.join(map(repr, unknown))}; "
                          f"installed: {', '.join(available) or 'none'}")
    return [p for p in found.packs if (packs is None or p.name in packs) and p.name not in exclude]


def sources_from_paths(paths: Iterable[str | Path]) -> list[RuleSource]:
    """Rule files for user paths: a folder gives every ``.rules`` file below it."""
    sources: list[RuleSource] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            sources.extend(RuleSource("", path, p) for p in sorted(path.rglob("*.rules")))
        else:
            sources.append(RuleSource("", path.parent, path))
    return sources


@attrs.frozen
class Explanation:
    """Why an extraction exists: the rule that fired, its documentation and the matches it used."""

    extraction: Extraction
    rule: CompiledRule | None
    parts: tuple[Explanation, ...]

    def format(self, depth: int = 0) -> str:
        """A readable tree, one line per rule."""
        pad = "  " * depth
        where = f" ({self.rule.file}:{self.rule.line})" if self.rule else ""
        found = self.extraction
        lines = [f"{pad}{found.kind} {found.text!r} [{found.start}:{found.end}] by {found.rule}{where}"]
        if self.rule and self.rule.doc:
            lines.append(f"{pad}  \u2014 {self.rule.doc}")
        fields = {k: v for k, v in self.extraction.to_dict(nested=True).items() if k not in SPAN_FIELDS}
        if fields:
            lines.append(f"{pad}  fields: {fields}")
        lines.extend(part.format(depth + 1) for part in self.parts)
        return "\n".join(lines)


class Engine:
    """Compiled rules, ready to extract.

    >>> engine = Engine.default()                       # every installed pack
    >>> [e.text for e in engine.extract("Officials said 6,000 fighters died.") if e.kind == "quantity"]
    ['6,000 fighters']
    """

    def __init__(
        self,
        packs: Sequence[str] | None = None,
        exclude: Sequence[str] = (),
        paths: Sequence[str | Path] = (),
        plugins: Sequence[Any] = (),
        skip_broken: bool = False,
        use_installed: bool = True,
        texts: Mapping[str, str] | None = None,
        compile_regexes: bool = False,
        pack_folders: Mapping[str, str | Path] | None = None,
        regex_memory: int = REGEX_MEMORY,
        unit_matching: str = "none",
    ) -> None:
        """Compile the installed packs (``packs`` selects, ``exclude`` leaves out) plus rule files at ``paths``.

        ``plugins`` are extra plugin objects (modules or instances with hooks);
        ``texts`` maps names to rule-file text written in code.  Each rule's RE2 regex is
        compiled when the rule first runs; ``compile_regexes=True`` compiles them all now, so
        that a pattern too large for RE2 is reported here rather than on first use.
        ``pack_folders`` reads the named installed packs from other folders (their source
        trees, say, while an older copy is installed), under the same pack names.
        ``regex_memory`` is each rule regex's RE2 budget in bytes, which bounds its cached
        automaton states: less memory for less speed (see docs/performance.md, *Where the memory
        goes*); a pattern that does not fit a smaller budget gets the default one.
        ``unit_matching`` says which rules are searched over units, the rest over characters:
        "none" (the default) no rule, "large" those whose character program is large and read
        no mask, "all" every rule that can be.  The results are the same; the unit path is the
        matching core under construction (docs/matching-core.md, *Step 2c*), off until it pays.
        :raises RuleErrors: a rule file is wrong.  :raises PluginError: a plugin is.
        """
        if regex_memory <= 0:
            raise ValueError(f"regex_memory must be a positive number of bytes, not {regex_memory}")
        self._args = dict(packs=packs, exclude=tuple(exclude), paths=tuple(str(p) for p in paths),
                          plugins=tuple(plugins), skip_broken=skip_broken, use_installed=use_installed,
                          texts=dict(texts or {}), compile_regexes=compile_regexes,
                          pack_folders={name: str(folder) for name, folder in (pack_folders or {}).items()},
                          regex_memory=regex_memory, unit_matching=unit_matching)
        found: Plugins = load_plugins(plugins, skip_broken=skip_broken, use_entry_points=use_installed)
        chosen = selected_packs(found, packs, exclude)
        moved = dict(pack_folders or {})
        chosen = [attrs.evolve(p, root=Path(moved[p.name])) if p.name in moved else p for p in chosen]
        self.packs: tuple[Pack, ...] = tuple(chosen)
        self.skipped_plugins = found.skipped
        own = sources_from_paths(paths)
        own += [RuleSource("", Path("."), Path(name), text) for name, text in (texts or {}).items()]
        while True:
            sources = [s for pack in chosen for s in pack.sources()] + own
            try:
                self.compiled: CompiledRules = compile_rules(sources, found.functions, compile_regexes, regex_memory)
                self.sources: tuple[RuleSource, ...] = tuple(sources)  # the rule files compiled
                self.functions = found.functions
                break
            except RuleErrors as errors:
                broken = _packs_in_error(chosen, errors)
                if not broken:
                    raise
                names = ", ".join(f"pack {p.name!r} of plugin {p.plugin!r}" for p in broken)
                if not skip_broken:
                    errors.message += f" of {names} (--skip-broken-plugins leaves it out)"
                    raise
                for pack in broken:
                    first = next(e for e in errors.errors if pack in _packs_in_error([pack], RuleErrors([e])))
                    warnings.warn(f"skipping plugin {pack.plugin!r}: the rule files of its pack {pack.name!r} "
                                  f"do not compile ({first.file}:{first.line}:{first.column}: {first.message})",
                                  stacklevel=2)
                chosen = [p for p in chosen if p not in broken]
                self.packs = tuple(chosen)
                self.skipped_plugins = (*self.skipped_plugins, *dict.fromkeys(p.plugin for p in broken))
        self._postprocessors = tuple(p for p in found.postprocessors if p.plugin not in self.skipped_plugins)
        self._warned: set[str] = set()  # plugins whose failure was reported (with skip_broken)
        self._matcher = Matcher(self.compiled, unit_matching)

    # ---- constructors ---------------------------------------------------
    @classmethod
    def default(cls, **options: Any) -> Engine:
        """Every installed pack (core and plugins)."""
        return cls(**options)

    @classmethod
    def from_paths(cls, *paths: str | Path, with_packs: bool | Sequence[str] = False, **options: Any) -> Engine:
        """Your own rule files or folders; ``with_packs=True`` (or a list of names) adds installed packs."""
        if with_packs is True:
            return cls(paths=paths, **options)
        if with_packs:
            return cls(packs=list(with_packs), paths=paths, **options)
        return cls(packs=[], paths=paths, **options)

    @classmethod
    def from_text(cls, text: str, name: str = "inline.rules", with_packs: bool = False, **options: Any) -> Engine:
        """Rules written as a string (handy in tests and notebooks)."""
        return cls(packs=None if with_packs else [], texts={name: text}, **options)

    def __reduce__(self) -> tuple[Any, ...]:
        # RE2 programs cannot be pickled; a worker recompiles from the same inputs.
        return (_rebuild, (self._args,))

    # ---- extraction -----------------------------------------------------
    @property
    def rules(self) -> tuple[CompiledRule, ...]:
        """Every compiled rule, in evaluation order."""
        return self.compiled.rules

    def extract(self, text: str) -> list[Extraction]:
        """The extractions of one text, in document order."""
        if not isinstance(text, str):
            raise TypeError(f"extract() needs a str, not {type(text).__name__}")
        results = self._matcher.run(text)
        for postprocess in self._postprocessors:
            try:
                changed = postprocess(text=text, extractions=results)
            except PluginError as error:
                if not self._args["skip_broken"]:
                    raise  # extract_document makes it this document's error
                if postprocess.plugin not in self._warned:  # its change to this document is left out
                    self._warned.add(postprocess.plugin)
                    warnings.warn(f"skipping plugin {postprocess.plugin!r} where it fails: {error}", stacklevel=2)
                continue
            if changed is not None:
                results = changed
        return results

    def extract_document(self, text: str, id: Any = None) -> DocumentResult:
        """Like :meth:`extract`, but a failure becomes the result's ``error`` instead of an exception."""
        try:
            return DocumentResult(id, tuple(self.extract(text)), text=text)
        except (TallyrulesError, RecursionError, MemoryError) as error:
            return DocumentResult(id, (), error_record(error), text=text)
        except Exception as error:  # a bug must cost one document, never the documents after it
            return DocumentResult(id, (), f"InternalError: {type(error).__name__}: {error} (please report it)",
                                  text=text)

    def extract_item(self, item: Item) -> DocumentResult:
        """The result of one input item; an unreadable one becomes an error result."""
        if isinstance(item, InputProblem):
            return DocumentResult(item.id, (), item.error)
        return self.extract_document(item.text, item.id)

    def extract_many(self, documents: Iterable[Document], id_field: str = "id",
                     text_field: str = "text") -> Iterator[DocumentResult]:
        """Stream results for many documents, in input order.

        A document is a string (its id is its position), an ``(id, text)`` pair,
        or a mapping with ``id_field`` and ``text_field`` (see :mod:`tallyrules.documents`).
        """
        for position, document in enumerate(documents):
            yield self.extract_item(document_item(document, position, id_field, text_field))

    def explain(self, text: str) -> list[Explanation]:
        """For each extraction of ``text``, the tree of rules that produced it."""
        return [self._explain(e) for e in self.extract(text)]

    def near_misses(self, text: str, rule: str | None = None) -> list[NearMiss]:
        """Why expected results may be missing: the candidates of ``text`` dropped by a ``where``,
        lost in a conflict (and to which rule) or suppressed by a veto; only ``rule``'s when given
        (a qualified name, or a short name that is unique)."""
        misses = self._matcher.near_misses(text)
        if rule is None:
            return misses
        wanted = self.compiled.by_name(rule)
        if wanted is None:
            raise TallyrulesError(f"no rule named {rule!r} (or the short name is not unique)")
        return [miss for miss in misses if miss.rule == wanted.name]

    def _explain(self, extraction: Extraction) -> Explanation:
        return Explanation(extraction, self.compiled.by_name(extraction.rule),
                           tuple(self._explain(p) for p in extraction.parts))

    def run_with_vetoes(self, text: str) -> list[Extraction]:
        """Extractions including the vetoes that won (for testing veto rules)."""
        return self._matcher.run(text, include_vetoes=True)


def _packs_in_error(packs: Sequence[Pack], errors: RuleErrors) -> list[Pack]:
    """The packs holding a file that one of ``errors`` points at."""
    files = {Path(error.file).resolve() for error in errors.errors}
    return [pack for pack in packs if any(pack.root.resolve() in file.parents for file in files)]


def _rebuild(args: dict[str, Any]) -> Engine:
    return Engine(**args)
