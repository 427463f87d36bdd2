"""Run the examples written inside rule files as tests (Duckling's corpus idea).

``example "TEXT" => { field: value }`` passes when running every rule of the
engine on TEXT gives a result *of that rule* whose fields match (dotted keys
reach into nested values; ``text``, ``start``, ``end`` check the span).  For a
fragment, the fragment must match the whole TEXT.  ``reject "TEXT"`` passes when
the rule gives no result on TEXT.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import attrs

from . import ast
from .compiler import CompiledRule
from .engine import Engine, selected_packs
from .packs import load_plugins
from .results import ENGINE_FIELDS, Extraction, Span

_MISSING = object()


@attrs.frozen
class ExampleOutcome:
    """The result of one inline example."""

    rule: str
    file: str
    line: int
    text: str
    negative: bool
    passed: bool
    message: str = ""

    @property
    def title(self) -> str:
        """A short name for reports: ``rule: "text"``."""
        word = "reject" if self.negative else "example"
        return f"{self.rule} {word} {self.text!r}"


def resolve_path(value: Any, path: str) -> Any:
    """Follow a dotted key through extraction fields, spans and mappings."""
    for key in path.split("."):
        if isinstance(value, Extraction):
            value = getattr(value, key) if key in ENGINE_FIELDS else value.fields.get(key, _MISSING)
        elif isinstance(value, Span):
            value = getattr(value, key, _MISSING)
        elif isinstance(value, dict):
            value = value.get(key, _MISSING)
        else:
            return _MISSING
        if value is _MISSING:
            return _MISSING
    return value


def same_value(actual: Any, expected: Any) -> bool:
    """Equality with a tolerance for floats, and spans compared by their text."""
    if isinstance(actual, (Span, Extraction)) and isinstance(expected, str):
        return actual.text == expected
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)) and not isinstance(actual, bool):
        return math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-12)
    return bool(actual == expected)


def _mismatches(result: Extraction, expected: tuple[tuple[str, object], ...]) -> list[str]:
    problems = []
    for key, want in expected:
        got = resolve_path(result, key)
        if got is _MISSING:
            problems.append(f"{key}: missing (expected {want!r})")
        elif not same_value(got, want):
            shown = got.text if isinstance(got, (Span, Extraction)) else got
            problems.append(f"{key}: got {shown!r}, expected {want!r}")
    return problems


def _describe(results: Iterable[Extraction]) -> str:
    lines = [f"    {r.kind} {r.text!r} by {r.rule} {_short_fields(r)}" for r in results]
    return "\n".join(lines) if lines else "    (nothing)"


def _short_fields(result: Extraction) -> str:
    shown = {k: (v.text if isinstance(v, (Span, Extraction)) else v) for k, v in result.fields.items() if v is not None}
    return str(shown) if shown else ""


class ExampleRunner:
    """Runs the inline examples of an engine's rules."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def outcomes(self, rule: CompiledRule) -> Iterator[ExampleOutcome]:
        """The outcome of each example and reject of ``rule``, in file order."""
        for example in rule.examples:
            yield self.run(rule, example, negative=False)
        for example in rule.rejects:
            yield self.run(rule, example, negative=True)

    def run(self, rule: CompiledRule, example: ast.Example, negative: bool) -> ExampleOutcome:
        def outcome(passed: bool, message: str = "") -> ExampleOutcome:
            return ExampleOutcome(rule.name, example.at.file, example.at.line, example.text, negative, passed, message)

        if rule.role == "fragment":
            whole = self.engine._matcher.match_whole(rule, example.text)
            found = [whole] if whole is not None else []
            everything = found
        else:
            everything = (self.engine.run_with_vetoes(example.text) if rule.role == "veto"
                          else self.engine.extract(example.text))
            found = [r for r in everything if r.rule == rule.name]
        if negative:
            if not found:
                return outcome(True)
            return outcome(False, f"rule {rule.name} must not match, but gave:\n{_describe(found)}")
        if not found:
            what = "did not match the whole text" if rule.role == "fragment" else "gave no result"
            return outcome(False, f"rule {rule.name} {what}; all results were:\n{_describe(everything)}")
        problems = [_mismatches(r, example.expected) for r in found]
        if any(not p for p in problems):
            return outcome(True)
        best = min(problems, key=len)
        summary = "; ".join(best)
        return outcome(False, f"rule {rule.name} matched, but: {summary}\n  its results:\n{_describe(found)}")


def rules_in(engine: Engine, paths: Iterable[str | Path]) -> list[CompiledRule]:
    """The rules of ``engine`` defined in the given files or below the given folders."""
    targets = [Path(p).resolve() for p in paths]

    def selected(rule: CompiledRule) -> bool:
        file = Path(rule.file).resolve()
        return any(file == t or t in file.parents for t in targets)

    return [rule for rule in engine.rules if selected(rule)]


def engine_for(paths: Iterable[str | Path], **options: Any) -> Engine:
    """The installed packs plus any of ``paths`` that are not already part of a pack.

    A path holding a copy of an installed pack (its source tree, while the pack is
    installed from an earlier build rather than in editable mode) replaces that pack: the
    pack is read from there, under its own name, instead of being loaded twice.
    """
    found = load_plugins(options.get("plugins", ()), skip_broken=options.get("skip_broken", False),
                         use_entry_points=options.get("use_installed", True))
    installed = selected_packs(found, options.get("packs"), options.get("exclude", ()))
    pack_files = {f.resolve() for pack in installed for f in pack.rule_files()}
    extra: list[Path] = []
    for raw in paths:
        path = Path(raw)
        files = sorted(path.rglob("*.rules")) if path.is_dir() else [path]
        extra.extend(f for f in files if f.resolve() not in pack_files)
    if not extra:
        return Engine(**options)
    folders = {}
    for pack in installed:
        folder = _copy_of(pack.root, extra)
        if folder is not None:
            folders[pack.name] = folder
    inside = [folder.resolve() for folder in folders.values()]
    own = [f for f in extra if not any(folder in f.resolve().parents for folder in inside)]
    if folders:
        options = {**options, "pack_folders": {**options.get("pack_folders", {}), **folders}}
    return Engine(paths=own, **options)


def _copy_of(root: Path, files: list[Path]) -> Path | None:
    """The folder among the parents of ``files`` that holds every rule file of the pack at ``root``
    under the same relative path, or None."""
    relative = [path.relative_to(root) for path in sorted(root.rglob("*.rules"))]
    if not relative:
        return None
    for file in files:
        for inner in relative:
            if file.name != inner.name or len(file.resolve().parents) < len(inner.parts):
                continue
            folder = file.resolve().parents[len(inner.parts) - 1]
            if folder != root.resolve() and all((folder / r).is_file() for r in relative):
                return folder
    return None
