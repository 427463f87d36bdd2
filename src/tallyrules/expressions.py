"""The sandboxed expression language of ``yield`` and ``where`` clauses.

Expressions are compiled once into nested Python closures; evaluating one
touches only the captures of a match, lexicon values and registered functions.
There is no ``eval``, no attribute access on Python objects (``x.name`` reads a
span's ``start``/``end``/``text`` or a referenced match's field), and no way to
reach the interpreter.  Arithmetic is null-propagating: a null or non-number
operand gives null instead of an error.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from . import ast
from .errors import RuleError, did_you_mean
from .functions import Function
from .lexicons import Lexicon
from .results import ENGINE_FIELDS, SPAN_FIELDS, Extraction, Span

Env = Mapping[str, Any]
Evaluator = Callable[[Env], Any]


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _arith(op: str, left: Any, right: Any) -> Any:
    if op == "+" and isinstance(left, str) and isinstance(right, str):
        return left + right
    if not (_is_number(left) and _is_number(right)):
        return None
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    if right == 0:
        return None
    return left / right


def _compare(op: str, left: Any, right: Any) -> bool:
    if op == "==":
        return bool(left == right)
    if op == "!=":
        return bool(left != right)
    if not ((_is_number(left) and _is_number(right)) or (isinstance(left, str) and isinstance(right, str))):
        return False
    if op == "<":
        return bool(left < right)
    if op == "<=":
        return bool(left <= right)
    if op == ">":
        return bool(left > right)
    return bool(left >= right)


def get_attribute(value: Any, name: str) -> Any:
    """``value.name``: a span's start/end/text, or a field of a referenced match."""
    if isinstance(value, Extraction):
        if name in ENGINE_FIELDS:
            return getattr(value, name)
        return value.fields.get(name)
    if isinstance(value, Span):
        return getattr(value, name) if name in SPAN_FIELDS else None
    if isinstance(value, Mapping):
        return value.get(name)
    return None


def _truth(value: Any) -> bool:
    return value is not None and value is not False and value != "" and value != 0


class ExpressionCompiler:
    """Compile expressions of one rule, checking names, lexicons, functions and fields.

    ``capture_fields`` gives, for a capture whose fields are known (a reference to a kind
    with declared fields, or a plain span), the names ``capture.name`` may use; a capture
    not in it (or mapped to None) may use any name.
    """

    def __init__(
        self,
        captures: set[str],
        lexicon: Callable[[str, ast.Location], Lexicon],
        functions: Mapping[str, Function],
        capture_fields: Mapping[str, frozenset[str] | None] | None = None,
    ) -> None:
        self.captures = captures
        self.lexicon = lexicon
        self.functions = functions
        self.capture_fields = capture_fields or {}

    def compile(self, node: ast.Expr) -> Evaluator:
        try:
            return self._compile(node)
        except RecursionError:
            raise RuleError("expression is nested too deeply", file=node.at.file, line=node.at.line,
                            column=node.at.column) from None

    def _compile(self, node: ast.Expr) -> Evaluator:
        if isinstance(node, ast.Const):
            constant = node.value
            return lambda env: constant
        if isinstance(node, ast.Name):
            if node.name not in self.captures:
                known = ", ".join(sorted(self.captures)) or "none"
                raise RuleError(f"unknown name {node.name!r} (this rule's captures: {known})",
                                file=node.at.file, line=node.at.line, column=node.at.column,
                                hint=did_you_mean(node.name, self.captures) or 'strings are quoted: "text"')
            key = node.name
            return lambda env: env.get(key)
        if isinstance(node, ast.LexiconValue):
            lexicon = self.lexicon(node.name, node.at)
            return lambda env: lexicon
        if isinstance(node, ast.Attribute):
            base = self._compile(node.base)
            self._check_field(node)
            attribute = node.name
            return lambda env: get_attribute(base(env), attribute)
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, ast.Unary):
            operand = self._compile(node.operand)
            if node.op == "not":
                return lambda env: not _truth(operand(env))
            return lambda env: _arith("-", 0, operand(env))
        if isinstance(node, ast.Binary):
            return self._binary(node)
        if isinstance(node, ast.IfElse):
            condition, then, otherwise = (self._compile(n) for n in (node.condition, node.then, node.otherwise))
            return lambda env: then(env) if _truth(condition(env)) else otherwise(env)
        raise RuleError(f"unsupported expression {type(node).__name__}", file=node.at.file,
                        line=node.at.line, column=node.at.column)

    def _check_field(self, node: ast.Attribute) -> None:
        """``capture.name`` on a capture whose fields are known must name one of them (else it is always null)."""
        if not isinstance(node.base, ast.Name):
            return
        fields = self.capture_fields.get(node.base.name)
        if fields is None or node.name in fields:
            return
        capture = node.base.name
        suggestion = did_you_mean(node.name, fields)
        raise RuleError(f"{capture!r} has no field {node.name!r}", file=node.at.file, line=node.at.line,
                        column=node.at.column,
                        hint=f"{suggestion + ' ' if suggestion else ''}its fields are: {', '.join(sorted(fields))}")

    def _binary(self, node: ast.Binary) -> Evaluator:
        left, right = self._compile(node.left), self._compile(node.right)
        op = node.op
        if op == "and":
            return lambda env: _truth(left(env)) and _truth(right(env))
        if op == "or":
            def either(env: Env) -> Any:
                value = left(env)
                return value if _truth(value) else right(env)
            return either
        if op in ("==", "!=", "<", "<=", ">", ">="):
            return lambda env: _compare(op, left(env), right(env))
        return lambda env: _arith(op, left(env), right(env))

    def _call(self, node: ast.Call) -> Evaluator:
        function = self.functions.get(node.function)
        if function is None:
            known = ", ".join(sorted(self.functions))
            suggestion = did_you_mean(node.function, self.functions)
            hint = f"{suggestion + ' ' if suggestion else ''}functions are: {known}"
            raise RuleError(f"unknown function {node.function!r}", file=node.at.file, line=node.at.line,
                            column=node.at.column, hint=hint)
        try:
            signature = _signature_of(function)
            if signature is not None:
                signature.bind(*node.args)
        except TypeError as error:
            raise RuleError(f"wrong arguments for {node.function}(): {error}", file=node.at.file,
                            line=node.at.line, column=node.at.column) from None
        args = [self._compile(a) for a in node.args]
        name = node.function

        def call(env: Env) -> Any:
            try:
                return function(*(a(env) for a in args))
            except Exception as error:  # a plugin function failed: say which, keep going
                raise FunctionFailed(name, error) from error

        return call


class FunctionFailed(Exception):
    """A function called from a rule raised; the matcher reports it with the rule's name."""

    def __init__(self, function: str, error: Exception) -> None:
        super().__init__(f"function {function}() failed: {type(error).__name__}: {error}")


# function -> its signature (None: a builtin without one, checked when called).  Reading a
# signature is slow and the same few functions are called from hundreds of rules.  The function
# is kept with its signature so that its id cannot be reused by another.
_SIGNATURES: dict[int, tuple[Callable[..., Any], inspect.Signature | None]] = {}


def _signature_of(function: Callable[..., Any]) -> inspect.Signature | None:
    known = _SIGNATURES.get(id(function))
    if known is not None and known[0] is function:
        return known[1]
    try:
        signature: inspect.Signature | None = inspect.signature(function)
    except ValueError:
        signature = None
    _SIGNATURES[id(function)] = (function, signature)
    return signature
