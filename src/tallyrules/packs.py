"""Rule packs and the plugin manager that discovers them.

Plugins are found through the ``tallyrules`` entry-point group.  A plugin that
fails to import, has a hook with a wrong signature, or answers a hook with the
wrong type raises :class:`PluginError` naming the plugin and the problem; with
``skip_broken=True`` it is left out with a warning instead.
"""

from __future__ import annotations

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
    postprocessors: tuple[Callable[..., Any], ...]
    skipped: tuple[str, ...] = ()


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
            except Exception as error:  # any import failure of a third-party plugin
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
        impl.function for impl in manager.hook.tallyrules_postprocess.get_hookimpls()
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
            if not isinstance(answer, Mapping) or not all(callable(f) for f in answer.values()):
                raise TypeError("tallyrules_functions must return a mapping of names to functions")
            clash = (set(answer) & set(functions)) | (set(answer) & set(BUILTIN_FUNCTIONS))
            if clash:
                raise TypeError(f"function name(s) already taken: {sorted(clash)}")
            functions.update(answer)
        except Exception as error:
            fail(name, f"plugin {name!r}: {error}")
    return packs, functions
