"""A pytest plugin: every inline example of a collected ``.rules`` file is a test item.

Installed with tallyrules (entry point ``pytest11``).  ``pytest rules/`` runs
the examples of the core packs; a failure shows the rule, the example and what
the engine produced instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .compiler import CompiledRule
from .errors import RuleErrors


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("tallyrules_examples", "collect inline examples from *.rules files", type="bool", default=True)


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    if file_path.suffix == ".rules" and parent.config.getini("tallyrules_examples"):
        return RulesFile.from_parent(parent, path=file_path)
    return None


_ENGINES: dict[tuple[str, ...], Any] = {}


def _engine_for(path: Path) -> Any:
    from .examples import engine_for

    key = (str(path.resolve()),)
    if key not in _ENGINES:
        _ENGINES[key] = engine_for([path])
    return _ENGINES[key]


class RulesFile(pytest.File):
    """A rule file; its items are the examples of its rules."""

    def collect(self) -> Iterator[pytest.Item]:
        from .examples import ExampleRunner, rules_in

        try:
            engine = _engine_for(self.path)
        except RuleErrors as errors:
            yield RuleCompileItem.from_parent(self, name="compile", errors=str(errors))
            return
        runner = ExampleRunner(engine)
        for rule in rules_in(engine, [self.path]):
            for index, example in enumerate((*rule.examples, *rule.rejects)):
                negative = index >= len(rule.examples)
                word = "reject" if negative else "example"
                name = f"{rule.short_name}[{word}:{example.text[:40]}]"
                yield RuleExampleItem.from_parent(self, name=name, runner=runner, rule=rule,
                                                  example=example, negative=negative)


class RuleCompileItem(pytest.Item):
    """Fails with the compile errors of a rule file that does not compile."""

    def __init__(self, *, errors: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.errors = errors

    def runtest(self) -> None:
        raise RuleExampleFailure(self.errors)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        return str(excinfo.value)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"compile {self.path.name}"


class RuleExampleFailure(Exception):
    """An inline example did not hold."""


class RuleExampleItem(pytest.Item):
    """One ``example`` or ``reject`` of one rule."""

    def __init__(self, *, runner: Any, rule: CompiledRule, example: Any, negative: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.runner = runner
        self.rule = rule
        self.example = example
        self.negative = negative

    def runtest(self) -> None:
        outcome = self.runner.run(self.rule, self.example, self.negative)
        if not outcome.passed:
            raise RuleExampleFailure(f"{outcome.file}:{outcome.line}: {outcome.title}\n{outcome.message}")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, RuleExampleFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.example.at.line - 1, self.name
