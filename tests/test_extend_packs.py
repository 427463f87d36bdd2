"""A user's rule file or pack builds on an installed pack: imports it by name, uses its
fragments and kinds, and adds entries to its lexicons."""

from __future__ import annotations

from pathlib import Path

import pytest

from tallyrules import Engine, Pack, RuleErrors, hookimpl

BLOG = "The minister blogged that 300 people died in the floods."

# the three-line example of docs/rule-language.md ("Extending an installed pack")
ADD_A_CUE = """\
import core
extend lexicon core.attr_cues { "blogged" }
extend lexicon core.attr_stop { "blogged" }
"""


def attributions(engine: Engine, text: str) -> list[str]:
    return [r["cue"].text for r in engine.extract(text) if r.kind == "attribution"]


def test_adding_a_cue_to_the_installed_core_pack():
    assert attributions(Engine.default(), BLOG) == []
    engine = Engine(texts={"my_cues.rules": ADD_A_CUE})
    assert attributions(engine, BLOG) == ["blogged"]
    (quantity,) = [r for r in engine.extract(BLOG) if r.kind == "quantity"]
    assert quantity["source"].text == "The minister"  # the core link gives the claim its source


def test_a_plugin_pack_extends_core_and_uses_its_fragments(tmp_path: Path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "posts.rules").write_text(ADD_A_CUE.replace("blogged", "posted") + """
kind post { content }
rule posted_that: post {
    match "posted" c:@content
    yield { content: c }
    example "Smith posted that 40 homes burned" => { content: "that 40 homes burned" }
}
""", encoding="utf-8")

    class Posts:
        __name__ = "posts_plugin"

        @staticmethod
        @hookimpl
        def tallyrules_packs():
            return [Pack("posts", "0.1", rules)]

    engine = Engine(plugins=[Posts()])
    assert attributions(engine, "Smith posted that 40 homes burned.") == ["posted"]
    (post,) = [r for r in engine.extract("Smith posted that 40 homes burned.") if r.kind == "post"]
    assert post["content"].text == "that 40 homes burned"


@pytest.mark.parametrize(("text", "message"), [
    ("import nosuchpack\n", "no loaded pack named 'nosuchpack'"),
    ('extend lexicon core.no_such_words { "x" }\n', "cannot extend lexicon core.no_such_words"),
    ('extend lexicon attr_cues { "x" }\n', "cannot extend lexicon attr_cues"),
])
def test_extending_what_is_not_there_is_a_located_error(text, message):
    with pytest.raises(RuleErrors) as info:
        Engine(texts={"mine.rules": text})
    (error,) = info.value.errors
    assert message in error.message and error.file == "mine.rules" and error.line == 1


def test_without_the_pack_loaded_an_import_says_which_packs_are():
    with pytest.raises(RuleErrors) as info:
        Engine(packs=[], texts={"mine.rules": ADD_A_CUE})
    assert "no loaded pack named 'core'" in info.value.errors[0].message
