"""Rule packs and the plugin manager that discovers them.

Plugins are found through the ``tallyrules`` entry-point group.  A plugin that
fails to import, has a hook with a wrong signature, or answers a hook with the
wrong type raises :class:`PluginError` naming the plugin and the problem; with
``skip_broken=True`` it is left out with a warning instead.
"""

from __future__ import annotations

import functools
import importlib.metadata
import warnings
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs
import pluggy

from . import hookspecs
from .compiler import RuleSource
from .errors import PluginError
from .results import Extraction, Span

ENTRY_POINT_GROUP = "tallyrules"


@attrs.frozen
class Pack:
    """A rule pack: a name, a version, and the folder holding its ``.rules`` files."""

    name: str = attrs.field(validator=attrs.validators.matches_re(r"[A-Za-z_][A-Za-z0-9_]*"))
    version: str
    root: Path = attrs.field(converter=Path)
    description: str = ""
    plugin: str = ""

    def rule_files(self) -> list[Path]:
        """The pack's rule files, in a stable order."""
        return sorted(self.root.rglob("*.rules"))

    def sources(self) -> list[RuleSource]:
        """The pack's rule files as compiler inputs."""
        return [RuleSource(self.name, self.root, path) for path in self.rule_files()]


@attrs.frozen
class Plugins:
    """What the installed plugins contribute."""

    packs: tuple[Pack, ...]
    functions: Mapping[str, Callable[..., Any]]
    postprocessors: tuple[Postprocessor, ...]
    skipped: tuple[str, ...] = ()


# A plugin's value is written as JSON: the shapes JSON can hold, no deeper and no longer than this.
MAX_VALUE_DEPTH = 50
MAX_INTEGER_BITS = 4096  # ~1,200 digits; Python refuses to print integers past 4,300 digits


def check_value(value: Any, depth: int = 0) -> None:
    """Raise TypeError unless ``value`` can be written as JSON: None, bool, number, str,
    Span, Extraction, or lists and string-keyed mappings of these."""
    if value is None or isinstance(value, (bool, str, Span)):
        return
    if isinstance(value, int):
        if value.bit_length() > MAX_INTEGER_BITS:
            raise TypeError(f"an integer of {value.bit_length()} bits is too large to write")
        return
    if isinstance(value, float):
        return  # a non-finite float is written as null
    if depth > MAX_VALUE_DEPTH:
        raise TypeError(f"a value nested more than {MAX_VALUE_DEPTH} levels deep")
    if isinstance(value, Extraction):
        for item in value.fields.values():
            check_value(item, depth + 1)
    elif isinstance(value, (list, tuple)):
        for item in value:
            check_value(item, depth + 1)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"a mapping with a key of type {type(key).__name__}, not str")
            check_value(item, depth + 1)
    else:
        raise TypeError(f"a value of type {type(value).__name__}, which JSON cannot hold")


def _guarded_function(plugin: str, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` whose result is checked, so a plugin's odd value fails its rule, naming the plugin."""

    @functools.wraps(function)
    def guarded(*args: Any) -> Any:
        try:
            value = function(*args)
        except SystemExit as error:  # not an Exception, but no plugin may end the run
            raise RuntimeError(f"plugin {plugin!r}: {name}() called sys.exit({error.code!r})") from None
        try:
            check_value(value)
        except TypeError as error:
            raise TypeError(f"plugin {plugin!r}: {name}() returned {error}") from None
        return value

    return guarded


@attrs.frozen
class Postprocessor:
    """A plugin's ``tallyrules_postprocess`` hook, contained: a failure or a wrong answer raises
    :class:`PluginError` naming the plugin, never anything else."""

    plugin: str
    function: Callable[..., Any] = attrs.field(eq=False)
    argnames: tuple[str, ...] = ("text", "extractions")

    def __call__(self, text: str, extractions: list[Extraction]) -> list[Extraction] | None:
        arguments = {"text": text, "extractions": list(extractions)}
        try:
            answer = self.function(**{name: arguments[name] for name in self.argnames if name in arguments})
        except (Exception, SystemExit) as error:  # third-party code: whatever it raises is its failure
            raise PluginError(f"plugin {self.plugin!r}: tallyrules_postprocess failed: "
                              f"{type(error).__name__}: {error}") from None
        if answer is None:
            return None
        try:
            return self._checked(text, answer)
        except TypeError as error:
            raise PluginError(f"plugin {self.plugin!r}: tallyrules_postprocess returned {error}") from None

    @staticmethod
    def _checked(text: str, answer: Any) -> list[Extraction]:
        if not isinstance(answer, (list, tuple)):
            raise TypeError(f"a {type(answer).__name__}, not a list of Extraction")
        for index, extraction in enumerate(answer):
            if not isinstance(extraction, Extraction):
                raise TypeError(f"a {type(extraction).__name__} at position {index}, not an Extraction")
            start, end = extraction.start, extraction.end
            if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= len(text)):
                raise TypeError(f"an extraction with offsets {start!r}..{end!r} outside the text "
                                f"(0..{len(text)}) or with start > end")
            if extraction.text != text[start:end]:
                raise TypeError(f"an extraction whose text is not the text at {start}..{end}")
            if not isinstance(extraction.kind, str) or not isinstance(extraction.rule, str):
                raise TypeError("an extraction whose kind or rule is not a string")
            check_value(extraction)
        return list(answer)


def _manager() -> pluggy.PluginManager:
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    return manager


def _register(manager: pluggy.PluginManager, plugin: Any, name: str) -> None:
    try:
        manager.register(plugin, name=name)
        manager.check_pending()
    except pluggy.PluginValidationError as error:
        manager.unregister(name=name)
        raise PluginError(f"plugin {name!r} has a wrong hook: {error}") from None


def _entry_points() -> list[importlib.metadata.EntryPoint]:
    return sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: (e.name != "core", e.name))


def load_plugins(extra: Iterable[Any] = (), skip_broken: bool = False, use_entry_points: bool = True) -> Plugins:
    """Discover plugins through entry points (plus ``extra`` objects) and ask their hooks.

    :raises PluginError: a plugin failed, unless ``skip_broken`` is true.
    """
    manager = _manager()
    skipped: list[str] = []

    def fail(name: str, message: str) -> None:
        if not skip_broken:
            raise PluginError(message)
        warnings.warn(f"skipping plugin {name!r}: {message}", stacklevel=3)
        skipped.append(name)

    loaded_names = []
    if use_entry_points:
        from . import core_plugin

        _register(manager, core_plugin, "core")
        loaded_names.append("core")
        for entry in _entry_points():
            if entry.name == "core":
                continue
            try:
                plugin = entry.load()
            except (Exception, SystemExit) as error:  # any import failure of a third-party plugin, even exit()
                fail(entry.name, f"plugin {entry.name!r} ({entry.value}) failed to import: "
                                 f"{type(error).__name__}: {error}")
                continue
            try:
                _register(manager, plugin, entry.name)
                loaded_names.append(entry.name)
            except PluginError as error:
                fail(entry.name, str(error))
    for index, plugin in enumerate(extra):
        name = getattr(plugin, "__name__", f"extra-{index}")
        try:
            _register(manager, plugin, name)
        except PluginError as error:
            fail(name, str(error))
    packs, functions = _collect(manager, fail)
    postprocessors = tuple(
        Postprocessor(impl.plugin_name, impl.function, tuple(impl.argnames))
        for impl in manager.hook.tallyrules_postprocess.get_hookimpls()
        if impl.plugin_name not in skipped
    )
    return Plugins(tuple(packs), functions, postprocessors, tuple(skipped))


def _collect(manager: pluggy.PluginManager, fail: Callable[[str, str], None]) -> tuple[list[Pack], dict[str, Any]]:
    packs: list[Pack] = []
    functions: dict[str, Any] = {}
    from .functions import BUILTIN_FUNCTIONS

    for impl in manager.hook.tallyrules_packs.get_hookimpls():
        name = impl.plugin_name
        try:
            answer = impl.function()
            if not isinstance(answer, (list, tuple)) or not all(isinstance(p, Pack) for p in answer):
                raise TypeError("tallyrules_packs must return a list of tallyrules.Pack")
            for pack in answer:
                if not pack.root.is_dir():
                    raise TypeError(f"pack {pack.name!r}: folder {pack.root} does not exist")
                if any(p.name == pack.name for p in packs):
                    raise TypeError(f"pack name {pack.name!r} is already taken")
            packs.extend(attrs.evolve(p, plugin=name) for p in answer)
        except Exception as error:
            fail(name, f"plugin {name!r}: {error}")
    for impl in manager.hook.tallyrules_functions.get_hookimpls():
        name = impl.plugin_name
        try:
            answer = impl.function()
            if not isinstance(answer, Mapping) or not all(
                    isinstance(key, str) and callable(function) for key, function in answer.items()):
                raise TypeError("tallyrules_functions must return a mapping of names to functions")
            clash = (set(answer) & set(functions)) | (set(answer) & set(BUILTIN_FUNCTIONS))
            if clash:
                raise TypeError(f"function name(s) already taken: {sorted(clash)}")
            functions.update((key, _guarded_function(name, key, f)) for key, f in answer.items())
        except Exception as error:
            fail(name, f"plugin {name!r}: {error}")
    return packs, functions
