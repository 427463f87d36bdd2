"""The core rule packs (numbers, quantities, ranges, attributions), registered as a plugin."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from . import __version__
from .hookspecs import hookimpl
from .packs import Pack


def core_rules_folder() -> Path:
    """Where the core ``.rules`` files are: inside the installed package."""
    return Path(str(resources.files("tallyrules.rules")))


@hookimpl
def tallyrules_packs() -> list[Pack]:
    return [Pack("core", __version__, core_rules_folder(), "numbers, quantities, ranges, attributions")]
