"""Every rule snippet of the README and of docs/*.md compiles, and its examples pass.

A rule snippet is a fenced block marked ```tallyrules (the name of the Pygments lexer); it is
compiled on top of the installed packs, as a user's own file would be.  An unmarked block that holds declarations would
escape this test, so that is an error too.  (docs/write-a-pack.md's files are tested as
a whole pack by test_write_a_pack.py.)
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tallyrules import Engine
from tallyrules.examples import ExampleRunner

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(?P<info>[^\n]*)\n(?P<body>.*?)^```", re.MULTILINE | re.DOTALL)
DECLARATION = re.compile(r"^(rule|fragment|veto|kind|lexicon|extend|link)\s+\w", re.MULTILINE)


def blocks(page: Path) -> list[tuple[str, int, str]]:
    """(info string, line number, body) of each fenced block of a page."""
    text = page.read_text(encoding="utf-8")
    return [(m["info"].strip(), text.count("\n", 0, m.start()) + 1, m["body"]) for m in FENCE.finditer(text)]


SNIPPETS = [pytest.param(body, id=f"{page.name}:{line}") for page in PAGES
            for info, line, body in blocks(page) if info == "tallyrules"]


def test_the_readme_and_the_language_page_have_rule_snippets():
    ids = {param.id.split(":")[0] for param in SNIPPETS}
    assert {"README.md", "rule-language.md"} <= ids


@pytest.mark.parametrize("snippet", SNIPPETS)
def test_a_rule_snippet_compiles_and_its_examples_pass(snippet: str):
    engine = Engine(texts={"snippet.rules": snippet}, compile_regexes=True)
    runner = ExampleRunner(engine)
    outcomes = [o for rule in engine.rules if rule.file == "snippet.rules" for o in runner.outcomes(rule)]
    failed = [f"{o.title}: {o.message}" for o in outcomes if not o.passed]
    assert not failed, "\n".join(failed)


def test_every_block_of_declarations_is_marked_as_rules():
    unmarked = [f"{page.name}:{line}" for page in PAGES for info, line, body in blocks(page)
                if info in ("", "text") and DECLARATION.search(body) and not body.startswith("# file:")]
    assert not unmarked, f"mark these blocks ```tallyrules so that they are tested: {unmarked}"


def test_the_reference_of_the_packs_is_current():
    from tallyrules.reference import REGENERATE, reference_markdown

    engine = Engine.default()
    if sorted(p.name for p in engine.packs) != ["core", "military", "territory"]:
        pytest.skip("docs/reference.md describes this repository's packs, and other packs are installed")
    current = (ROOT / "docs" / "reference.md").read_text(encoding="utf-8")
    assert current == reference_markdown(engine), f"docs/reference.md is out of date: run `{REGENERATE}`"


def test_packs_kinds_lists_kinds_fields_and_fragments(capsys):
    from tallyrules.cli import main

    assert main(["packs", "--kinds"]) == 0
    out = capsys.readouterr().out
    assert "### kind `quantity` (layer `numeric`)" in out
    assert "Fields: `value`, `low`, `high`, `qualifier`, `unit`, `entity`." in out
    assert "- `content` (fragment): What follows a cue" in out
