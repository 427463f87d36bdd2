"""tallyrules: sourced numeric claims from news text, with a declarative rule language.

>>> import tallyrules
>>> engine = tallyrules.Engine.default()
>>> for e in engine.extract("Officials said more than 6,000 fighters were killed."):
...     print(e.kind, e.text)                                        # doctest: +SKIP
"""

from __future__ import annotations

from ._version import __version__
from .engine import Engine, Explanation
from .errors import InputError, PluginError, RuleError, RuleErrors, RuleFailed, TallyrulesError
from .frames import claims_dataframe, to_dataframe
from .hookspecs import hookimpl
from .html import render_html
from .packs import Pack
from .results import DocumentResult, Extraction, Span
from .tokens import Token, tokenize

__all__ = [
    "DocumentResult",
    "Engine",
    "Explanation",
    "Extraction",
    "InputError",
    "Pack",
    "PluginError",
    "RuleError",
    "RuleErrors",
    "RuleFailed",
    "Span",
    "TallyrulesError",
    "Token",
    "__version__",
    "claims_dataframe",
    "hookimpl",
    "render_html",
    "to_dataframe",
    "tokenize",
]
