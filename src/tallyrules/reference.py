"""A reference of what the loaded packs offer, generated from their rule files.

For each pack: its kinds (layer, fields, the rules that produce them) and its
fragments, each with the first sentence of its doc string and its first example.
``tallyrules packs --kinds`` prints it; docs/reference.md is its output for the
packs of this repository, and a test keeps the two equal.
"""

from __future__ import annotations

import re
from pathlib import Path

from .compiler import CompiledRule
from .engine import Engine

REGENERATE = "tallyrules packs --kinds > docs/reference.md"


def _first_sentence(doc: str) -> str:
    text = " ".join(doc.split())
    match = re.match(r"(.+?[.:!?])(\s|$)", text)
    return (match.group(1) if match else text).rstrip(":")


def _entry(rule: CompiledRule) -> str:
    line = f"- `{rule.short_name}`"
    if rule.role != "rule":
        line += f" ({rule.role})"
    if rule.doc:
        line += f": {_first_sentence(rule.doc)}"
    if rule.examples:
        line += f" e.g. `{rule.examples[0].text}`"
    return line


def reference_markdown(engine: Engine) -> str:
    """The reference of ``engine``'s packs, as Markdown."""
    lines = ["# What the packs offer", "",
             f"Generated from the rule files by `{REGENERATE}`; a test checks that it is current.",
             "A kind is used as `@kind` from any file; its fields are read as `x.field` on a capture",
             "`x:@kind`. A fragment is used as `@name` after `import PACK` (see docs/rule-language.md).", ""]
    for pack in engine.packs:
        root = pack.root.resolve()
        rules = [r for r in engine.rules if root in Path(r.file).resolve().parents]
        lines += [f"## Pack `{pack.name}`", "", pack.description or "", ""]
        # a kind: what emitted rules produce, or fragments that name a kind of their own (@number)
        kinds = sorted({r.kind for r in rules if r.role == "rule" or (r.role == "fragment" and r.kind != r.short_name)})
        for kind in kinds:
            fields = engine.compiled.kinds.get(kind)
            producing = [r for r in rules if r.kind == kind and r.role != "veto"]
            layer = producing[0].layer
            shown = ", ".join(f"`{f}`" for f in fields) if fields else "(no declared fields)"
            lines += [f"### kind `{kind}` (layer `{layer}`)", "", f"Fields: {shown}.", ""]
            lines += [_entry(r) for r in producing] + [""]
        fragments = [r for r in rules if r.role == "fragment" and r.kind == r.short_name]
        if fragments:
            lines += [f"### fragments of `{pack.name}`", ""] + [_entry(r) for r in fragments] + [""]
        vetoes = [r for r in rules if r.role == "veto"]
        if vetoes:
            lines += [f"### vetoes of `{pack.name}`", ""] + [_entry(r) for r in vetoes] + [""]
    return "\n".join(line for line in lines).rstrip() + "\n"
