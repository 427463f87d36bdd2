"""Every error type tallyrules raises, in one place.

Rule authors see :class:`RuleError` (one located problem in a rule file) and
:class:`RuleErrors` (all the problems found in one compile run).  Plugins that
fail to load raise :class:`PluginError`; a rule whose expression fails on a
document raises :class:`RuleFailed`; documents that cannot be read become
:class:`InputError` records in the output instead of stopping a run
(:func:`error_record` words any of them for a result's ``error`` field).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import ClassVar, Protocol

import attrs


@attrs.define(auto_exc=True, eq=False)
class TallyrulesError(Exception):
    """Base class of every error raised by tallyrules."""

    message: str

    def __str__(self) -> str:
        return self.message


@attrs.define(auto_exc=True, eq=False)
class RuleError(TallyrulesError):
    """A located problem in a rule file: syntax, an unknown name, a cycle...

    ``file``, ``line`` and ``column`` (1-based) say where; ``source_line`` is the
    text of that line so the error can be shown with a caret under the column.
    """

    file: str = "<rules>"
    line: int = 0
    column: int = 0
    source_line: str = ""
    hint: str = ""
    severity: ClassVar[str] = "error"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}" if self.line else self.file
        text = f"{where}: {self.severity}: {self.message}"
        if self.source_line:
            caret = " " * (max(self.column, 1) - 1) + "^"
            text += f"\n    {self.source_line}\n    {caret}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


@attrs.define(auto_exc=True, eq=False)
class RuleWarning(RuleError):
    """A located problem that does not stop compilation (an unused lexicon...); ``tallyrules check`` shows it."""

    severity: ClassVar[str] = "warning"


def did_you_mean(name: str, known: Iterable[str], prefix: str = "") -> str:
    """``"did you mean 'match'?"`` for the known name closest to a misspelt ``name``, else ``""``."""
    close = difflib.get_close_matches(name, sorted(set(known)), n=1, cutoff=0.7)
    return f"did you mean '{prefix}{close[0]}'?" if close else ""


class Location(Protocol):
    """Where something is in a rule file (``tallyrules.ast.Location`` is one)."""

    @property
    def file(self) -> str: ...
    @property
    def line(self) -> int: ...
    @property
    def column(self) -> int: ...


def error_at(message: str, at: Location, hint: str = "") -> RuleError:
    """A :class:`RuleError` pointing at ``at``."""
    return RuleError(message, file=at.file, line=at.line, column=at.column, hint=hint)


class RuleErrors(TallyrulesError):
    """All the rule errors found in one compile run, reported together."""

    def __init__(self, errors: Iterable[RuleError]) -> None:
        self.errors: list[RuleError] = list(errors)
        count = len(self.errors)
        summary = f"{count} error{'s' if count != 1 else ''} in rule files"
        super().__init__(summary)

    def __str__(self) -> str:
        return "\n".join(str(error) for error in self.errors) + f"\n{self.message}"


class PluginError(TallyrulesError):
    """A plugin failed to load or answered a hook wrongly; the message names it."""


class RuleFailed(TallyrulesError):
    """A rule's expression failed on a document (a bug in a rule or a plugin function)."""


class InputError(TallyrulesError):
    """A document could not be read (bad JSON, missing text field, not UTF-8...)."""


def error_record(error: BaseException) -> str:
    """How a failed document's error reads in its result: ``"InputError: no string field 'text'"``."""
    return f"{type(error).__name__}: {error}"
