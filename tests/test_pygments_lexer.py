"""The Pygments lexer for rule files: found through its entry point, no error tokens on shipped rules."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pygments_lexers = pytest.importorskip("pygments.lexers", reason="needs pygments (the test extra)")
from pygments.token import Error, Keyword, Name, String  # noqa: E402

from tallyrules.pygments_lexer import RulesLexer  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RULE_FILES = sorted([*ROOT.glob("rules/*.rules"), *ROOT.glob("plugins/*/src/*/rules/*.rules")])
DOCS = [ROOT / "README.md", *sorted(ROOT.glob("docs/*.md")), *sorted(ROOT.glob("plugins/*/README.md"))]


def test_the_entry_point_finds_the_lexer() -> None:
    assert isinstance(pygments_lexers.get_lexer_by_name("tallyrules"), RulesLexer)
    assert isinstance(pygments_lexers.get_lexer_for_filename("mine.rules"), RulesLexer)


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_shipped_rule_files_have_no_error_tokens(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    tokens = list(RulesLexer(stripnl=False, ensurenl=False).get_tokens(text))
    assert [value for kind, value in tokens if kind in Error] == []
    assert "".join(value for _kind, value in tokens) == text  # every character is in a token


def test_rule_snippets_in_the_docs_are_tagged_and_lex_cleanly() -> None:
    snippets = [block for doc in DOCS
                for block in re.findall(r"^```tallyrules\n(.*?)^```", doc.read_text(encoding="utf-8"), re.M | re.S)]
    assert len(snippets) >= 3
    for snippet in snippets:
        assert [v for kind, v in RulesLexer().get_tokens(snippet) if kind in Error] == []


def test_token_classes() -> None:
    text = 'rule counted: quantity {\n  match q:<qualifier>? n:@number /[0-9]+/i\n  yield { v: n.value / 2 }\n}\n'
    tokens = [(kind, value) for kind, value in RulesLexer().get_tokens(text) if value.strip()]
    assert (Keyword.Declaration, "rule") in tokens and (Name.Function, "counted") in tokens
    assert (Name.Tag, "<qualifier>") in tokens and (Name.Decorator, "@number") in tokens
    assert (String.Regex, "/[0-9]+/i") in tokens and (Name.Attribute, "q") in tokens
    assert (Keyword, "yield") in tokens
