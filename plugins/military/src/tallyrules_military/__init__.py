"""tallyrules-military: armed actors, military units, force sizes and casualties.

A tallyrules plugin: the entry point ``military`` (group ``tallyrules``) names this
module, and :func:`tallyrules_packs` contributes one rule pack, the folder
``rules/`` shipped inside the package.  All the knowledge is in that folder
(``*.rules`` files and ``lexicons/*.tsv``); this module only says where it is.
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
    return [tallyrules.Pack("military", __version__, rules_folder(),
                            "armed actors, military units, force sizes, casualties")]
