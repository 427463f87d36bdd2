"""Parse rule files into :mod:`tallyrules.ast` trees.

The language is defined by ``grammar.lark`` (LALR(1), so parsing is linear and
never ambiguous).  A syntax error becomes a :class:`RuleError` with the file,
line, column, the line itself, what was expected and, for common mistakes, a
hint.  After an error the parser skips to the next top-level declaration and
goes on, so one run reports every broken declaration of a file.

Parsed trees are cached on disk by :mod:`tallyrules.syntax_cache`, so that a warm
start reads them back without building or running the lark parser (see :func:`parse`).
"""

from __future__ import annotations

import ast as python_ast
import functools
import re
from importlib import resources
from typing import Any

import lark
from lark import v_args

from . import ast, syntax_cache
from .errors import RuleError, RuleErrors, did_you_mean
from .lexicons import NO_VALUE

TOP_LEVEL = re.compile(r"^[ \t]*(?:import|lexicon|kind|link|rule|fragment|veto)\b", re.MULTILINE)

# Malformed snippets and the hint each deserves (the lark ``match_examples`` idea):
# an error whose parser state equals one of these gets that hint.
COMMON_MISTAKES: dict[str, list[str]] = {
    "fields are written `name: expression`, separated by commas": [
        'rule r { match "a" yield { value = 1 } }',
        'rule r { match "a" yield { value: 1 unit: 2 } }',
    ],
    "an example's expected fields follow `=>`, e.g. example \"6,000\" => { value: 6000 }": [
        'rule r { match "a" example "a" -> { value: 1 } }',
        'rule r { match "a" example "a" { value: 1 } }',
    ],
    "a block opened with '{' is not closed with '}'": [
        'rule r { match "a"',
        'rule r { match "a" yield { value: 1 }',
    ],
    "a rule needs a name, an optional `: kind`, then a block in braces": [
        "rule { }",
        'rule r match "a"',
        "rule r: { }",
    ],
    "a capture is `name:element`; an element alone cannot be followed by ':'": [
        'rule r { match "a": "b" }',
    ],
}
# Each example above is also tried with a kind, so the hint holds for `rule r: kind { ... }` too.
COMMON_MISTAKES = {
    hint: examples + [e.replace("rule r {", "rule r: k {", 1) for e in examples if e.startswith("rule r {")]
    for hint, examples in COMMON_MISTAKES.items()
}


@functools.cache
def _parser() -> lark.Lark:
    grammar = resources.files("tallyrules").joinpath("grammar.lark").read_text(encoding="utf-8")
    return lark.Lark(grammar, parser="lalr", propagate_positions=True, maybe_placeholders=True)


def _unquote(token: str) -> tuple[str, bool]:
    """Return the text of a string literal and whether it carries the ``c`` flag."""
    cased = token.endswith("c") and not token.endswith('"')
    if cased:
        token = token[:-1]
    if token.startswith('"""'):
        return token[3:-3], cased
    return python_ast.literal_eval(token), cased


def _number(token: str) -> int | float:
    value = float(token)
    return int(value) if value.is_integer() and "e" not in token.lower() and "." not in token else value


class _ToAst(lark.Transformer):
    """Turn the Lark tree into :mod:`tallyrules.ast` nodes."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
        self.errors: list[RuleError] = []  # problems found while building the tree, each located

    def _at(self, meta: Any) -> ast.Location:
        return ast.Location(self.path, getattr(meta, "line", 0), getattr(meta, "column", 0))

    def _tok_at(self, token: lark.Token) -> ast.Location:
        return ast.Location(self.path, token.line or 0, token.column or 0)

    def _unquote(self, token: lark.Token) -> tuple[str, bool]:
        """A string literal's text; a bad escape is recorded with its place, and parsing goes on."""
        try:
            return _unquote(token)
        except (SyntaxError, ValueError) as error:
            reason = getattr(error, "msg", None) or str(error)
            reason = re.sub(r"^\(unicode error\) ", "", reason)
            self.errors.append(RuleError(f"bad string literal: {reason}", file=self.path, line=token.line or 0,
                                         column=token.column or 0, hint="escapes are those of Python strings: "
                                         "\\n, \\t, \\\\, \\\", \\uXXXX, \\N{NAME}"))
            return "", False

    def _path(self, token: lark.Token) -> str:
        """A file path of an import or a lexicon; a NUL character (no file system takes one) is an error."""
        path = self._unquote(token)[0]
        if "\x00" in path:
            self.errors.append(RuleError("a file path cannot contain a NUL character", file=self.path,
                                         line=token.line or 0, column=token.column or 0))
            return ""
        return path

    # ---- declarations ---------------------------------------------------
    @v_args(meta=True)
    def start(self, meta: Any, items: list[Any]) -> ast.RuleFile:
        return ast.RuleFile(
            path=self.path,
            imports=tuple(i for i in items if isinstance(i, ast.Import)),
            lexicons=tuple(i for i in items if isinstance(i, ast.LexiconDef)),
            kinds=tuple(i for i in items if isinstance(i, ast.KindDef)),
            links=tuple(i for i in items if isinstance(i, ast.LinkDef)),
            rules=tuple(i for i in items if isinstance(i, ast.RuleDef)),
            extensions=tuple(i for i in items if isinstance(i, ast.LexiconExtension)),
        )

    @v_args(meta=True)
    def import_stmt(self, meta: Any, children: list[Any]) -> ast.Import:
        target = children[0]
        if target.type == "NAME":
            return ast.Import(str(target), self._at(meta), pack=True)
        return ast.Import(self._path(target), self._at(meta))

    @v_args(meta=True)
    def extend_def(self, meta: Any, children: list[Any]) -> ast.LexiconExtension:
        first, second, body = children
        pack, name = (str(first), str(second)) if second is not None else (None, str(first))
        kind, value = body
        if kind == "file":
            return ast.LexiconExtension(pack, name, None, value, self._at(meta))
        return ast.LexiconExtension(pack, name, tuple(value), None, self._at(meta))

    @v_args(meta=True)
    def lexicon_def(self, meta: Any, children: list[Any]) -> ast.LexiconDef:
        name, cased, body = children
        kind, value = body
        if kind == "file":
            return ast.LexiconDef(str(name), cased is not None, None, value, self._at(meta))
        return ast.LexiconDef(str(name), cased is not None, tuple(value), None, self._at(meta))

    def lexicon_set(self, children: list[Any]) -> tuple[str, list[tuple[str, object]]]:
        return ("set", [c for c in children if c is not None])

    def lexicon_entry(self, children: list[Any]) -> tuple[str, object]:
        value = children[1]
        return (self._unquote(children[0])[0], value.value if value is not None else NO_VALUE)

    def lexicon_file(self, children: list[Any]) -> tuple[str, str]:
        return ("file", self._path(children[0]))

    @v_args(meta=True)
    def kind_def(self, meta: Any, children: list[Any]) -> ast.KindDef:
        name, layer, *fields = children
        return ast.KindDef(
            str(name), str(layer) if layer is not None else None,
            tuple(str(c) for c in fields if c is not None), self._at(meta),
        )

    @v_args(meta=True)
    def link_def(self, meta: Any, children: list[Any]) -> ast.LinkDef:
        *names, copied = children
        *kinds, target, field = (str(c) for c in names)
        return ast.LinkDef(tuple(kinds), target, field, copied or (), self._at(meta))

    def copy_clause(self, children: list[Any]) -> tuple[str, ...]:
        return tuple(str(c) for c in children)

    @v_args(meta=True)
    def rule_def(self, meta: Any, children: list[Any]) -> ast.RuleDef:
        role, name, kind, doc, *clauses = children
        found: dict[str, Any] = {"match": None, "yield": (), "where": None, "priority": 0, "layer": None}
        examples: list[ast.Example] = []
        rejects: list[ast.Example] = []
        for clause_kind, value, _at in clauses:
            if clause_kind == "example":
                examples.append(value)
            elif clause_kind == "reject":
                rejects.append(value)
            else:
                found[clause_kind] = value
        return ast.RuleDef(
            role=str(role),
            name=str(name),
            kind=str(kind) if kind is not None else None,
            doc=doc or "",
            pattern=found["match"],
            fields=found["yield"],
            where=found["where"],
            priority=found["priority"],
            layer=found["layer"],
            examples=tuple(examples),
            rejects=tuple(rejects),
            at=self._at(meta),
        )

    def doc(self, children: list[Any]) -> str:
        return " ".join(self._unquote(children[0])[0].split())

    @v_args(meta=True)
    def match_clause(self, meta: Any, children: list[Any]) -> tuple[str, Any, ast.Location]:
        return ("match", children[0], self._at(meta))

    @v_args(meta=True)
    def yield_clause(self, meta: Any, children: list[Any]) -> tuple[str, Any, ast.Location]:
        return ("yield", tuple(c for c in children if c is not None), self._at(meta))

    def field(self, children: list[Any]) -> tuple[str, ast.Expr]:
        return (str(children[0]), children[1])

    @v_args(meta=True)
    def where_clause(self, meta: Any, children: list[Any]) -> tuple[str, Any, ast.Location]:
        return ("where", children[0], self._at(meta))

    @v_args(meta=True)
    def priority_clause(self, meta: Any, children: list[Any]) -> tuple[str, Any, ast.Location]:
        return ("priority", int(children[0]), self._at(meta))

    @v_args(meta=True)
    def layer_clause(self, meta: Any, children: list[Any]) -> tuple[str, Any, ast.Location]:
        return ("layer", str(children[0]), self._at(meta))

    @v_args(meta=True)
    def example_clause(self, meta: Any, children: list[Any]) -> tuple[str, Any, ast.Location]:
        text = self._unquote(children[0])[0]
        expected = tuple(c for c in children[1:] if c is not None)
        return ("example", ast.Example(text, expected, self._at(meta)), self._at(meta))

    @v_args(meta=True)
    def reject_clause(self, meta: Any, children: list[Any]) -> tuple[str, Any, ast.Location]:
        return ("reject", ast.Example(self._unquote(children[0])[0], (), self._at(meta)), self._at(meta))

    def expected(self, children: list[Any]) -> tuple[str, object]:
        return (children[0], children[1].value)

    def dotted_name(self, children: list[Any]) -> str:
        return ".".join(str(c) for c in children)

    # ---- patterns -------------------------------------------------------
    @v_args(meta=True)
    def alternation(self, meta: Any, children: list[Any]) -> ast.Alternation:
        return ast.Alternation(tuple(children), self._at(meta))

    @v_args(meta=True)
    def sequence(self, meta: Any, children: list[Any]) -> ast.Sequence:
        return ast.Sequence(tuple(children), self._at(meta))

    @v_args(meta=True)
    def glued(self, meta: Any, children: list[Any]) -> ast.Glued:
        return ast.Glued(tuple(children), self._at(meta))

    @v_args(meta=True)
    def capture(self, meta: Any, children: list[Any]) -> ast.Capture:
        return ast.Capture(str(children[0]), children[1], self._at(meta))

    @v_args(meta=True)
    def repeat(self, meta: Any, children: list[Any]) -> ast.Repeat:
        item, (low, high) = children
        return ast.Repeat(item, low, high, self._at(meta))

    def quantifier(self, children: list[Any]) -> tuple[int, int | None]:
        first = children[0]
        if isinstance(first, lark.Token) and first.type == "OPTIONAL":
            return (0, 1)
        if isinstance(first, lark.Token) and first.type == "STAR":
            return (0, None)
        if isinstance(first, lark.Token) and first.type == "PLUS":
            return (1, None)
        raise ValueError(f"unknown quantifier {first!r}")

    def count_exact(self, children: list[Any]) -> tuple[int, int | None]:
        return (int(children[0]), int(children[0]))

    def count_at_least(self, children: list[Any]) -> tuple[int, int | None]:
        return (int(children[0]), None)

    def count_between(self, children: list[Any]) -> tuple[int, int | None]:
        return (int(children[0]), int(children[1]))

    def literal_atom(self, children: list[Any]) -> ast.Literal:
        text, cased = self._unquote(children[0])
        return ast.Literal(text, cased, self._tok_at(children[0]))

    def regex_atom(self, children: list[Any]) -> ast.Regex:
        token = str(children[0])
        ignore_case = token.endswith("i")
        body = token[1:-2] if ignore_case else token[1:-1]
        return ast.Regex(body.replace("\\/", "/"), ignore_case, self._tok_at(children[0]))

    def class_atom(self, children: list[Any]) -> ast.TokenClass:
        return ast.TokenClass(str(children[0]), self._tok_at(children[0]))

    def lexicon_atom(self, children: list[Any]) -> ast.LexiconRef:
        return ast.LexiconRef(str(children[0]), False, self._tok_at(children[0]))

    def not_lexicon_atom(self, children: list[Any]) -> ast.LexiconRef:
        return ast.LexiconRef(str(children[0]), True, self._tok_at(children[0]))

    @v_args(meta=True)
    def reference_atom(self, meta: Any, children: list[Any]) -> ast.RuleRef:
        return ast.RuleRef(str(children[0]), self._at(meta))  # located at its "@"

    # ---- expressions ----------------------------------------------------
    def number(self, children: list[Any]) -> ast.Const:
        return ast.Const(_number(children[0]), self._tok_at(children[0]))

    def string(self, children: list[Any]) -> ast.Const:
        return ast.Const(self._unquote(children[0])[0], self._tok_at(children[0]))

    @v_args(meta=True)
    def true(self, meta: Any, children: list[Any]) -> ast.Const:
        return ast.Const(True, self._at(meta))

    @v_args(meta=True)
    def false(self, meta: Any, children: list[Any]) -> ast.Const:
        return ast.Const(False, self._at(meta))

    @v_args(meta=True)
    def null(self, meta: Any, children: list[Any]) -> ast.Const:
        return ast.Const(None, self._at(meta))

    def name(self, children: list[Any]) -> ast.Name:
        return ast.Name(str(children[0]), self._tok_at(children[0]))

    def lexicon_value(self, children: list[Any]) -> ast.LexiconValue:
        return ast.LexiconValue(str(children[0]), self._tok_at(children[0]))

    @v_args(meta=True)
    def attribute(self, meta: Any, children: list[Any]) -> ast.Attribute:
        return ast.Attribute(children[0], str(children[1]), self._at(meta))

    def call(self, children: list[Any]) -> ast.Call:
        function = children[0]
        args = tuple(c for c in children[1:] if c is not None)
        return ast.Call(str(function), args, self._tok_at(function))

    @v_args(meta=True)
    def negate(self, meta: Any, children: list[Any]) -> ast.Unary:
        return ast.Unary("-", children[0], self._at(meta))

    @v_args(meta=True)
    def not_op(self, meta: Any, children: list[Any]) -> ast.Unary:
        return ast.Unary("not", children[0], self._at(meta))

    @v_args(meta=True)
    def binary(self, meta: Any, children: list[Any]) -> ast.Binary:
        return ast.Binary(str(children[1]), children[0], children[2], self._at(meta))

    @v_args(meta=True)
    def compare(self, meta: Any, children: list[Any]) -> ast.Binary:
        return ast.Binary(str(children[1]), children[0], children[2], self._at(meta))

    @v_args(meta=True)
    def and_op(self, meta: Any, children: list[Any]) -> ast.Binary:
        return ast.Binary("and", children[0], children[1], self._at(meta))

    @v_args(meta=True)
    def or_op(self, meta: Any, children: list[Any]) -> ast.Binary:
        return ast.Binary("or", children[0], children[1], self._at(meta))

    @v_args(meta=True)
    def if_else(self, meta: Any, children: list[Any]) -> ast.IfElse:
        return ast.IfElse(children[1], children[0], children[2], self._at(meta))


def _readable(parser: lark.Lark, terminal_names: set[str]) -> list[str]:
    names = []
    for name in sorted(terminal_names):
        try:
            pattern = parser.get_terminal(name).pattern
        except KeyError:
            names.append(name)
            continue
        if isinstance(pattern, lark.lexer.PatternStr):
            names.append(repr(pattern.value))
        else:
            names.append({"NAME": "a name", "STRING": "a string", "REGEX": "a /regex/",
                          "SIGNED_NUMBER": "a number", "INT": "a whole number",
                          "SIGNED_INT": "a whole number", "LONG_STRING": "a string",
                          "ADD_OP": "'+' or '-'", "MUL_OP": "'*' or '/'", "COMPARE": "a comparison",
                          "RULE_KEYWORD": "'rule', 'fragment' or 'veto'", "CASED": "'cased'"}.get(name, name))
    return names


def _hint(error: lark.exceptions.UnexpectedInput, declaration: str) -> str:
    """A hint for a common mistake, found by re-parsing the failing declaration on its own.

    (The parser state of an error depends on what came before it in the file; alone,
    the declaration's state can be compared with the labelled examples.)
    """
    if isinstance(error, lark.exceptions.UnexpectedCharacters) and declaration[error.pos_in_stream:][:1] in "[\\":
        return "regular expressions are written between slashes: /[0-9]+/"
    parser = _parser()
    try:
        parser.parse(declaration)
    except lark.exceptions.UnexpectedInput as alone:
        try:
            label = alone.match_examples(parser.parse, COMMON_MISTAKES, use_accepts=True)
        except Exception:  # a hint is a courtesy; never let it hide the error itself
            return ""
        return label or ""
    return ""


def _to_rule_error(error: lark.exceptions.UnexpectedInput, text: str, path: str, declaration: str) -> RuleError:
    lines = text.splitlines()
    line = max(getattr(error, "line", 1) or 1, 1)
    column = max(getattr(error, "column", 1) or 1, 1)
    source_line = lines[line - 1] if 0 < line <= len(lines) else ""
    if isinstance(error, lark.exceptions.UnexpectedToken):
        token = error.token
        found = "the end of the file" if token.type == "$END" else repr(str(token))
        expected = _readable(_parser(), set(error.accepts or error.expected))
        message = f"unexpected {found}; expected one of: {', '.join(expected[:12])}"
        if token.type == "$END" and lines:
            line, source_line = len(lines), lines[-1]
            column = len(source_line) + 1
    elif isinstance(error, lark.exceptions.UnexpectedCharacters):
        position = error.pos_in_stream or 0
        message = f"unexpected character {text[position:position + 1]!r}"
        if error.allowed:
            message += f"; expected one of: {', '.join(_readable(_parser(), set(error.allowed))[:12])}"
    else:
        message = "unexpected end of the file"
    hint = _hint(error, declaration)
    if isinstance(error, lark.exceptions.UnexpectedToken) and not hint:
        keywords = [word.strip("'") for word in _readable(_parser(), set(error.accepts or error.expected))
                    if re.fullmatch(r"'[a-z_]+'", word)]
        hint = did_you_mean(str(error.token), keywords)
    return RuleError(message, file=path, line=line, column=column, source_line=source_line, hint=hint)


def _blank(text: str, start: int, end: int) -> str:
    """Replace ``text[start:end]`` with spaces, keeping newlines so positions stay put."""
    return text[:start] + re.sub(r"[^\n]", " ", text[start:end]) + text[end:]


def _error_offset(error: lark.exceptions.UnexpectedInput, text: str) -> int:
    if isinstance(error, lark.exceptions.UnexpectedToken) and error.token.type == "$END":
        return len(text)
    pos = getattr(error, "pos_in_stream", None)
    return pos if pos is not None else len(text)


def parse(text: str, path: str = "<rules>") -> ast.RuleFile:
    """Parse the text of a rule file; raise :class:`RuleErrors` listing every syntax error.

    A text parsed before (same text, path and parser) is read from the on-disk parse
    cache (:mod:`tallyrules.syntax_cache`) without running lark.  Only trees are cached:
    a file with errors is parsed again every time, so its errors are always the parser's.
    """
    text = text.removeprefix("\ufeff")  # a byte order mark some editors write: invisible, so accepted
    cached = syntax_cache.load(text, path)
    if cached is not None:
        return cached
    tree = _parse_with_lark(text, path)
    syntax_cache.store(text, path, tree)
    return tree


def _parse_with_lark(text: str, path: str) -> ast.RuleFile:
    """:func:`parse` without the cache: lark's parse, error recovery and the tree transform."""
    errors: list[RuleError] = []
    attempt = text
    for _ in range(1000):  # each round blanks at least one declaration
        try:
            tree = _parser().parse(attempt)
        except lark.exceptions.UnexpectedInput as error:
            offset = _error_offset(error, attempt)
            starts = [m.start() for m in TOP_LEVEL.finditer(attempt)]
            begin = max([s for s in starts if s <= offset], default=0)
            later = [s for s in starts if s > offset]
            end = later[0] if later else len(attempt)
            errors.append(_to_rule_error(error, text, path, attempt[begin:end].strip()))
            if end <= begin:
                break
            attempt = _blank(attempt, begin, end)
            continue
        if errors:
            raise RuleErrors(errors)
        transformer = _ToAst(path)
        try:
            result: ast.RuleFile = transformer.transform(tree)
        except lark.exceptions.VisitError as error:
            line, column = _meta_position(getattr(error, "obj", None))
            raise RuleErrors([RuleError(f"cannot read this rule file: {error.orig_exc}", file=path, line=line,
                                        column=column)]) from None
        except RecursionError:
            line, column = _deepest(tree)
            raise RuleErrors([RuleError("patterns or expressions are nested too deeply", file=path, line=line,
                                        column=column, hint="move parts into fragments")]) from None
        if transformer.errors:
            raise RuleErrors(transformer.errors)
        return result
    raise RuleErrors(errors)


def _meta_position(node: Any) -> tuple[int, int]:
    meta = getattr(node, "meta", None)
    return (getattr(meta, "line", 0) or 0, getattr(meta, "column", 0) or 0) if meta is not None else (0, 0)


def _deepest(tree: lark.Tree) -> tuple[int, int]:
    """Line and column of the most deeply nested node of ``tree`` (walked without recursion)."""
    best, best_depth = (0, 0), -1
    stack: list[tuple[Any, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if not isinstance(node, lark.Tree):
            continue
        position = _meta_position(node)
        if depth > best_depth and position[0]:
            best, best_depth = position, depth
        stack.extend((child, depth + 1) for child in node.children)
    return best
