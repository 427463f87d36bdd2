"""The syntax tree of a rule file, as frozen attrs classes.

:mod:`tallyrules.syntax` builds these from the Lark parse tree; the compiler
turns them into regular expressions and evaluators.  Every node keeps the
``line``/``column`` where it starts so compile errors can point at it.

:mod:`tallyrules.syntax_cache` stores these trees as JSON, generically from the
classes below and their field annotations, so keep nodes plain data: fields typed
with str, int, float, bool, None, other node classes, tuples and unions of these, or
``object`` for a literal value.  A new class or field needs no change to the cache
(its key includes this file's source, so old entries are simply not used); a type it
cannot represent makes the cache refuse to store, and the tests say so.
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs


@attrs.frozen
class Location:
    """Where a node starts in its rule file (1-based line and column)."""

    file: str
    line: int
    column: int


# ---- patterns ---------------------------------------------------------------


@attrs.frozen
class Literal:
    """One or more words to match literally; case-insensitive unless ``cased``."""

    text: str
    cased: bool
    at: Location


@attrs.frozen
class Regex:
    """A regular expression matched at a token boundary (RE2 syntax)."""

    source: str
    ignore_case: bool
    at: Location


@attrs.frozen
class TokenClass:
    """A built-in token class such as ``NUM`` or ``CAP``."""

    name: str
    at: Location


@attrs.frozen
class LexiconRef:
    """Membership in a lexicon (``<name>``), or its complement (``!<name>``)."""

    name: str
    negated: bool
    at: Location


@attrs.frozen
class RuleRef:
    """A span produced by another rule, or by any rule of a kind (``@name``)."""

    name: str
    at: Location


@attrs.frozen
class Sequence:
    """Elements in order, separated by optional whitespace."""

    items: tuple[Pattern, ...]
    at: Location


@attrs.frozen
class Glued:
    """Elements in order with nothing between them (``a ~ b``)."""

    items: tuple[Pattern, ...]
    at: Location


@attrs.frozen
class Alternation:
    """The first alternative that matches (``a | b``)."""

    options: tuple[Pattern, ...]
    at: Location


@attrs.frozen
class Repeat:
    """``item{low,high}``; ``high`` is None for an unbounded repetition."""

    item: Pattern
    low: int
    high: int | None
    at: Location


@attrs.frozen
class Capture:
    """A named capture (``name:item``) whose span the rule's fields can use."""

    name: str
    item: Pattern
    at: Location


Pattern = Literal | Regex | TokenClass | LexiconRef | RuleRef | Sequence | Glued | Alternation | Repeat | Capture


def pattern_nodes(pattern: Pattern | None) -> Iterator[Pattern]:
    """Every node of a pattern, the pattern itself included (depth first, iteratively: patterns
    may nest deeper than Python's recursion limit allows)."""
    stack: list[Pattern] = [pattern] if pattern is not None else []
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (Sequence, Glued)):
            stack.extend(node.items)
        elif isinstance(node, Alternation):
            stack.extend(node.options)
        elif isinstance(node, (Repeat, Capture)):
            stack.append(node.item)


# ---- expressions ------------------------------------------------------------


@attrs.frozen
class Const:
    value: object
    at: Location


@attrs.frozen
class Name:
    name: str
    at: Location


@attrs.frozen
class LexiconValue:
    name: str
    at: Location


@attrs.frozen
class Attribute:
    base: Expr
    name: str
    at: Location


@attrs.frozen
class Call:
    function: str
    args: tuple[Expr, ...]
    at: Location


@attrs.frozen
class Unary:
    op: str  # "-" or "not"
    operand: Expr
    at: Location


@attrs.frozen
class Binary:
    op: str  # + - * / == != < <= > >= and or
    left: Expr
    right: Expr
    at: Location


@attrs.frozen
class IfElse:
    condition: Expr
    then: Expr
    otherwise: Expr
    at: Location


Expr = Const | Name | LexiconValue | Attribute | Call | Unary | Binary | IfElse


# ---- declarations -----------------------------------------------------------


@attrs.frozen
class Example:
    """Text the rule must match, with the fields it must yield (dotted keys)."""

    text: str
    expected: tuple[tuple[str, object], ...]
    at: Location


@attrs.frozen
class RuleDef:
    """One ``rule``, ``fragment`` or ``veto`` block."""

    role: str  # "rule" | "fragment" | "veto"
    name: str
    kind: str | None
    doc: str
    pattern: Pattern | None
    fields: tuple[tuple[str, Expr], ...]
    where: Expr | None
    priority: int
    layer: str | None
    examples: tuple[Example, ...]
    rejects: tuple[Example, ...]
    at: Location


@attrs.frozen
class LexiconDef:
    """A word set, inline or from a file; entries may carry values."""

    name: str
    cased: bool
    entries: tuple[tuple[str, object], ...] | None  # None: read from ``path``
    path: str | None
    at: Location


@attrs.frozen
class KindDef:
    """The fields every result of a kind carries (missing ones are null)."""

    name: str
    layer: str | None
    fields: tuple[str, ...]
    at: Location


@attrs.frozen
class LinkDef:
    """Results of ``kinds`` inside ``target``'s ``field`` span become its claims."""

    kinds: tuple[str, ...]
    target: str
    field: str
    copied: tuple[str, ...]  # fields of the target each claim receives a copy of
    at: Location


@attrs.frozen
class Import:
    """``import "file.rules"`` (a file of the same pack) or ``import name`` (a loaded pack)."""

    path: str  # the file, or the pack's name
    at: Location
    pack: bool = False


@attrs.frozen
class LexiconExtension:
    """``extend lexicon [pack.]name {...}``: entries added to a lexicon defined elsewhere."""

    pack: str | None
    name: str
    entries: tuple[tuple[str, object], ...] | None  # None: read from ``path``
    path: str | None
    at: Location


@attrs.frozen
class RuleFile:
    """A parsed rule file."""

    path: str
    imports: tuple[Import, ...]
    lexicons: tuple[LexiconDef, ...]
    kinds: tuple[KindDef, ...]
    links: tuple[LinkDef, ...]
    rules: tuple[RuleDef, ...]
    extensions: tuple[LexiconExtension, ...] = ()
