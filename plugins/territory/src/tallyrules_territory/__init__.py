"""tallyrules-territory: territorial changes (places taken, retaken, liberated, lost).

A tallyrules plugin: the entry point ``territory`` (group ``tallyrules``) names this
module, and :func:`tallyrules_packs` contributes one rule pack, the folder ``rules/``
inside the package.  Its rules build on the core packs (``@quantity``, ``@range``)
and on the military pack (``@actor``), by kind.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import tallyrules

__version__ = "0.1.0"


def rules_folder() -> Path:
    """The folder of the pack's ``.rules`` files, inside the installed package."""
    return Path(str(resources.files(__name__).joinpath("rules")))


@tallyrules.hookimpl
def tallyrules_packs() -> list[tallyrules.Pack]:
    return [tallyrules.Pack("territory", __version__, rules_folder(),
                            "territorial changes: place, gainer, loser, magnitude")]
