"""Load rule files: read and parse each file and what it imports, and build its lexicons.

A :class:`Loader` turns :class:`RuleSource` objects into :class:`Unit` objects (one
per file, each loaded once), in load order, collecting every problem as a
:class:`RuleError` instead of stopping at the first.  Imports and lexicon files
stay inside the pack's root folder.

Once every file is loaded, ``import NAME`` makes every file of the loaded pack NAME
an import of the importing file, and ``extend lexicon [pack.]name {...}`` adds
entries to a lexicon (of the file, of an imported file, or of any file of a pack),
so that every rule using that lexicon sees them.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import attrs

from . import ast
from .errors import RuleError, RuleErrors, error_at
from .lexicons import Lexicon, build_lexicon, read_word_list
from .safe_files import MAX_RULE_FILE_BYTES, read_text
from .syntax_cache import load as load_parsed


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


@attrs.define
class Unit:
    """A loaded rule file during compilation."""

    source: RuleSource
    module: str
    tree: ast.RuleFile
    text: str
    imports: list[Unit] = attrs.Factory(list)
    lexicons: dict[str, Lexicon] = attrs.Factory(dict)
    rules: dict[str, ast.RuleDef] = attrs.Factory(dict)


def module_name(source: RuleSource) -> str:
    """``pack.folder.file`` for a rule file: the prefix of its rules' qualified names."""
    try:
        relative = source.path.relative_to(source.root)
    except ValueError:
        relative = Path(source.path.name)
    parts = [*relative.parts[:-1], relative.stem]
    return ".".join([source.pack, *parts]) if source.pack else ".".join(parts)


def _parse(text: str, path: str) -> ast.RuleFile:
    """:func:`tallyrules.syntax.parse`, with lark imported only when the parse cache does not
    hold the file (a warm start never imports it)."""
    cached = load_parsed(text.removeprefix("\ufeff"), path)
    if cached is not None:
        return cached
    from .syntax import parse  # noqa: PLC0415

    return parse(text, path)


class Loader:
    """Every file of ``sources`` and of their imports, loaded once each, with the errors found."""

    def __init__(self, sources: Iterable[RuleSource], errors: list[RuleError]) -> None:
        self.errors = errors
        self.units: dict[Path, Unit] = {}
        self.order: list[Unit] = []
        self._resolved_roots: dict[Path, Path] = {}  # a pack root -> its resolved path
        for source in sources:
            self._load(source, None)
        for unit in self.order:
            self._import_packs(unit)
        for unit in self.order:
            for extension in unit.tree.extensions:
                self._extend(unit, extension)

    def _load(self, source: RuleSource, at: ast.Location | None) -> Unit | None:
        key = source.path.resolve() if source.text is None else source.path
        if key in self.units:
            return self.units[key]
        if source.text is None:
            try:
                text = read_text(source.path, MAX_RULE_FILE_BYTES, source.root)
            except (OSError, UnicodeDecodeError) as error:
                message = f"cannot read rule file {source.path}: {error}"
                self.errors.append(error_at(message, at) if at else RuleError(message, file=str(source.path)))
                return None
        else:
            text = source.text
        try:
            tree = _parse(text, str(source.path))
        except RuleErrors as errors:
            self._add_source_lines(errors.errors, text)
            self.errors.extend(errors.errors)
            return None
        unit = Unit(source, module_name(source), tree, text)
        self.units[key] = unit
        for item in tree.imports:
            if item.pack:
                continue  # once every pack is loaded
            imported = self._import(unit, item)
            if imported is not None:
                unit.imports.append(imported)
        self.order.append(unit)
        self._lexicons(unit)
        for rule in tree.rules:
            if rule.name in unit.rules:
                self.errors.append(error_at(f"duplicate rule name {rule.name!r}", rule.at,
                                            hint=f"first defined on line {unit.rules[rule.name].at.line}"))
                continue
            unit.rules[rule.name] = rule
        return unit

    def _import(self, unit: Unit, item: ast.Import) -> Unit | None:
        target = self._inside_root(unit, item.path, item.at)
        if target is None:
            return None
        if unit.source.text is not None and not target.exists():
            self.errors.append(error_at(f"cannot import {item.path!r}: no such file", item.at))
            return None
        return self._load(RuleSource(unit.source.pack, unit.source.root, target), item.at)

    def _import_packs(self, unit: Unit) -> None:
        for item in unit.tree.imports:
            if not item.pack:
                continue
            files = [other for other in self.order if other.source.pack == item.path and other is not unit]
            if not files:
                loaded = sorted({other.source.pack for other in self.order if other.source.pack})
                self.errors.append(error_at(
                    f"no loaded pack named {item.path!r}", item.at,
                    hint=f"loaded packs: {', '.join(loaded) or 'none'} (installed packs load unless --no-packs or "
                         "--packs leave them out); a file of your own is imported with quotes: import \"x.rules\""))
                continue
            unit.imports.extend(other for other in files if other not in unit.imports)

    def _extend(self, unit: Unit, extension: ast.LexiconExtension) -> None:
        """Add the entries of ``extend lexicon`` to the lexicon it names."""
        shown = f"{extension.pack}.{extension.name}" if extension.pack else extension.name
        if extension.pack is not None:
            owners = [u for u in self.order if u.source.pack == extension.pack and extension.name in u.lexicons]
        else:
            owners = [u for u in [unit, *unit.imports] if extension.name in u.lexicons][:1]
        if len(owners) != 1:
            problem = "is defined in several files" if owners else "is not a lexicon of any loaded file"
            hint = ("name the pack and the lexicon: extend lexicon core.attr_cues {...}" if extension.pack is None
                    else f"is the pack {extension.pack!r} loaded, and does it define <{extension.name}>?")
            if len(owners) > 1:
                hint = "files: " + ", ".join(str(u.source.path) for u in owners)
            self.errors.append(error_at(f"cannot extend lexicon {shown}: it {problem}", extension.at, hint=hint))
            return
        added = self._entries(unit, extension.entries, extension.path, extension.at)
        if added is None:
            return
        owner = owners[0]
        lexicon = owner.lexicons[extension.name]
        present = [(entry, lexicon.lookup(entry)) for entry in lexicon.entries]
        owner.lexicons[extension.name] = build_lexicon(lexicon.name, lexicon.cased, present + added)

    def _inside_root(self, unit: Unit, relative: str, at: ast.Location) -> Path | None:
        target = (unit.source.path.parent / relative).resolve()
        root = self._resolved_roots.get(unit.source.root)
        if root is None:
            root = self._resolved_roots[unit.source.root] = unit.source.root.resolve()
        if target != root and root not in target.parents:
            self.errors.append(error_at(f"{relative!r} is outside the pack root {root}", at,
                                        hint="imports and lexicon files must stay inside the pack's folder"))
            return None
        return target

    def _lexicons(self, unit: Unit) -> None:
        for definition in unit.tree.lexicons:
            if definition.name in unit.lexicons:
                self.errors.append(error_at(f"duplicate lexicon name {definition.name!r}", definition.at))
                continue
            entries = self._entries(unit, definition.entries, definition.path, definition.at)
            if entries is not None:
                unit.lexicons[definition.name] = build_lexicon(definition.name, definition.cased, entries)

    def _entries(self, unit: Unit, written: Iterable[Any] | None, path: str | None,
                 at: ast.Location) -> list[Any] | None:
        """The entries of a lexicon or an extension: written inline, or read from a file inside the
        pack root; None (with the error recorded) when the file cannot be read."""
        if written is not None:
            return list(written)
        target = self._inside_root(unit, path or "", at)
        if target is None:
            return None
        try:
            return read_word_list(target)
        except (OSError, UnicodeDecodeError) as error:
            self.errors.append(error_at(f"cannot read lexicon file {path!r}: {error}", at))
            return None

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
