"""A Pygments lexer for ``.rules`` files, registered through the ``pygments.lexers`` entry point.

With tallyrules installed, any Pygments-based tool highlights rule files and fenced
```` ```tallyrules ```` blocks: ``pygmentize mine.rules``, Sphinx, MkDocs, Jupyter.
The token classes follow the grammar (``grammar.lark``): statement and clause keywords, strings,
regexes, ``<lexicon>`` and ``!<lexicon>`` atoms, ``@references``, captures, numbers, operators.
"""

from __future__ import annotations

from typing import ClassVar

from pygments.lexer import RegexLexer, bygroups, words
from pygments.token import (
    Comment,
    Keyword,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Text,
    Whitespace,
)

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"


class RulesLexer(RegexLexer):
    """The tallyrules rule-file language."""

    name = "tallyrules"
    aliases: ClassVar[list[str]] = ["tallyrules", "rules"]
    filenames: ClassVar[list[str]] = ["*.rules"]
    mimetypes: ClassVar[list[str]] = ["text/x-tallyrules"]
    url = "https://pypi.org/project/tallyrules/"

    tokens: ClassVar[dict[str, list]] = {  # type: ignore[type-arg]
        "root": [
            (r"\s+", Whitespace),
            (r"#[^\n]*", Comment.Single),
            (r'"""(?:[^"\\]|\\.|"(?!""))*"""', String.Doc),
            (r'"(?:[^"\\\n]|\\.)*"c?', String.Double),
            # a regex atom; a slash followed by a space is division in an expression
            (r"/(?![\s/])(?:[^/\\\n]|\\.)+/i?", String.Regex),
            (rf"(rule|fragment|veto)(\s+)({_NAME})", bygroups(Keyword.Declaration, Whitespace, Name.Function)),
            (rf"(kind|lexicon)(\s+)({_NAME})", bygroups(Keyword.Declaration, Whitespace, Name.Class)),
            (words(("import", "link", "to", "copy", "layer", "cased", "file"), suffix=r"\b"), Keyword.Namespace),
            (words(("match", "yield", "where", "priority", "example", "reject"), suffix=r"\b"), Keyword),
            (words(("if", "else", "and", "or", "not"), suffix=r"\b"), Operator.Word),
            (words(("true", "false", "null"), suffix=r"\b"), Keyword.Constant),
            (rf"!?<{_NAME}>", Name.Tag),            # lexicon atoms and lexicon values
            (rf"@{_NAME}", Name.Decorator),         # references to other rules
            (rf"({_NAME})(\s*)(:)(?!:)", bygroups(Name.Attribute, Whitespace, Punctuation)),  # captures, fields
            (rf"{_NAME}(?=\()", Name.Builtin),       # function calls
            (r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", Number),
            (_NAME, Name),
            (r"=>|==|!=|<=|>=|[<>=+\-*/~|?!.]", Operator),
            (r"[{}(),\[\]]", Punctuation),
            (r".", Text),
        ],
    }
