"""The plugin contract: the hooks a tallyrules plugin may implement.

A plugin is any module or object registered under the ``tallyrules`` entry-point
group, implementing some of these hooks with ``@tallyrules.hookimpl``.  The core
rule packs are themselves a plugin (``tallyrules.core_plugin``) registered the
same way, so a third-party pack has exactly the powers of the core.

A minimal pack::

    # my_pack/__init__.py
    from pathlib import Path
    import tallyrules

    @tallyrules.hookimpl
    def tallyrules_packs():
        return [tallyrules.Pack("mypack", "1.0", Path(__file__).parent / "rules")]

    # pyproject.toml
    [project.entry-points.tallyrules]
    mypack = "my_pack"
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from .packs import Pack
    from .results import Extraction

PROJECT = "tallyrules"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def tallyrules_packs() -> Sequence[Pack]:
    """Contribute rule packs.

    :return: a list of :class:`tallyrules.Pack`, each a name, a version and a
        folder of ``.rules`` files (with their lexicons).  Every ``.rules`` file
        under the folder is compiled; imports and lexicon files may not leave it.
        Pack names must be unique among installed plugins.
    """
    raise NotImplementedError


@hookspec
def tallyrules_functions() -> Mapping[str, Callable[..., Any]]:
    """Contribute functions that rule expressions may call.

    :return: a mapping from name to a plain Python function.  Functions must be
        pure and null-tolerant (return ``None`` for ``None`` input); they are
        called with the values of captures (:class:`tallyrules.Span`,
        :class:`tallyrules.Extraction`), numbers, strings or ``None``.  A name
        already taken by a built-in or another plugin is an error.
    """
    raise NotImplementedError


@hookspec
def tallyrules_postprocess(text: str, extractions: list[Extraction]) -> list[Extraction] | None:
    """Adjust one document's results after all rules ran and links were made.

    Called in plugin registration order; each implementation receives the list
    the previous one returned.

    :param text: the document.
    :param extractions: its extractions, in document order.
    :return: the new list (keep offsets valid and the order by position), or
        ``None`` to leave it unchanged.
    """
