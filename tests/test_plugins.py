"""Plugins: packs, functions and postprocessing through pluggy hooks, and how broken plugins fail."""

from __future__ import annotations

import types
import warnings
from pathlib import Path
from typing import Any

import pytest

from tallyrules import Engine, Extraction, Pack, PluginError, hookimpl
from tallyrules.examples import ExampleRunner, engine_for, rules_in


def plugin(name: str, **hooks: Any) -> types.ModuleType:
    """A plugin object, as a module named ``name`` with the given hook functions."""
    module = types.ModuleType(name)
    for hook, function in hooks.items():
        setattr(module, hook, hookimpl(function))
    return module


@pytest.fixture
def pack_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "mypack"
    folder.mkdir()
    (folder / "main.rules").write_text(
        "rule doubled { match n:NUM \"x\" yield { v: twice(number(n)) } }\n", encoding="utf-8")
    return folder


def good_plugin(pack_dir: Path) -> types.ModuleType:
    return plugin(
        "good",
        tallyrules_packs=lambda: [Pack("mypack", "1.0", pack_dir, "test pack")],
        tallyrules_functions=lambda: {"twice": lambda v: None if v is None else v * 2},
    )


def test_plugin_contributes_a_pack_and_a_function(pack_dir):
    engine = Engine(plugins=[good_plugin(pack_dir)], use_installed=False)
    assert [(p.name, p.version, p.plugin) for p in engine.packs] == [("mypack", "1.0", "good")]
    (result,) = engine.extract("21 x")
    assert result.rule == "mypack.main.doubled" and result["v"] == 42


def test_selecting_and_excluding_packs(pack_dir):
    assert Engine(plugins=[good_plugin(pack_dir)], use_installed=False, packs=[]).rules == ()
    assert Engine(plugins=[good_plugin(pack_dir)], use_installed=False, exclude=["mypack"]).rules == ()
    with pytest.raises(PluginError, match="no installed pack named 'nope'"):
        Engine(plugins=[good_plugin(pack_dir)], use_installed=False, packs=["nope"])


def test_plugin_function_usable_from_text_rules():
    p = plugin("fn", tallyrules_functions=lambda: {"shout": lambda s: None if s is None else s.text.upper()})
    engine = Engine.from_text('rule r { match w:WORD yield { v: shout(w) } }', plugins=[p], use_installed=False)
    assert [e["v"] for e in engine.extract("hi there")] == ["HI", "THERE"]


def test_unknown_function_without_the_plugin(compile_errors):
    errors = compile_errors('rule r { match w:WORD yield { v: shout(w) } }')
    assert "unknown function 'shout'" in errors[0].message


def test_wrong_hook_signature_names_the_plugin():
    bad = plugin("badsig", tallyrules_postprocess=lambda text, extractions, extra: None)
    with pytest.raises(PluginError) as info:
        Engine(plugins=[bad], use_installed=False)
    assert "badsig" in str(info.value)


def test_unknown_hook_names_the_plugin():
    bad = plugin("unknownhook", tallyrules_frobnicate=lambda: None)
    with pytest.raises(PluginError) as info:
        Engine(plugins=[bad], use_installed=False)
    assert "unknownhook" in str(info.value)


@pytest.mark.parametrize(
    ("hook", "answer"),
    [
        ("tallyrules_packs", "not a list"),
        ("tallyrules_packs", ["not a pack"]),
        ("tallyrules_functions", ["not", "a", "mapping"]),
        ("tallyrules_functions", {"f": "not callable"}),
    ],
)
def test_hook_returning_the_wrong_type(hook, answer):
    bad = plugin("wrongtype", **{hook: lambda: answer})
    with pytest.raises(PluginError) as info:
        Engine(plugins=[bad], use_installed=False)
    assert "wrongtype" in str(info.value)
    assert hook in str(info.value)


def test_pack_with_a_missing_folder(tmp_path):
    bad = plugin("nofolder", tallyrules_packs=lambda: [Pack("ghost", "1", tmp_path / "missing")])
    with pytest.raises(PluginError, match="nofolder.*does not exist"):
        Engine(plugins=[bad], use_installed=False)


def test_duplicate_pack_names(pack_dir):
    one = plugin("one", tallyrules_packs=lambda: [Pack("same", "1", pack_dir)])
    two = plugin("two", tallyrules_packs=lambda: [Pack("same", "1", pack_dir)])
    with pytest.raises(PluginError, match="already taken"):
        Engine(plugins=[one, two], use_installed=False, packs=[])


def test_skip_broken_leaves_the_plugin_out_with_a_warning(pack_dir):
    bad = plugin("broken", tallyrules_packs=lambda: "nope")
    sig = plugin("badsig", tallyrules_postprocess=lambda text, extractions, extra: None)
    with pytest.warns(UserWarning) as caught:
        engine = Engine(plugins=[bad, sig, good_plugin(pack_dir)], use_installed=False, skip_broken=True)
    messages = [str(w.message) for w in caught]
    assert any("broken" in m for m in messages) and any("badsig" in m for m in messages)
    assert set(engine.skipped_plugins) == {"broken", "badsig"}
    assert [p.name for p in engine.packs] == ["mypack"]
    assert engine.extract("2 x")[0]["v"] == 4


def test_function_names_clashing_with_builtins_are_rejected():
    clash = plugin("clash", tallyrules_functions=lambda: {"number": lambda v: 0})
    with pytest.raises(PluginError) as info:
        Engine(plugins=[clash], use_installed=False)
    assert "clash" in str(info.value) and "number" in str(info.value)


def test_function_names_clashing_between_plugins_are_rejected():
    one = plugin("one", tallyrules_functions=lambda: {"f": lambda v: 1})
    two = plugin("two", tallyrules_functions=lambda: {"f": lambda v: 2})
    with pytest.raises(PluginError) as info:
        Engine(plugins=[one, two], use_installed=False)
    message = str(info.value)
    assert "'f'" in message and ("plugin 'one'" in message or "plugin 'two'" in message)


def test_skip_broken_with_a_function_clash_keeps_the_first():
    one = plugin("one", tallyrules_functions=lambda: {"f": lambda v: 1})
    two = plugin("two", tallyrules_functions=lambda: {"f": lambda v: 2})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        engine = Engine.from_text('rule r { match n:NUM yield { v: f(n) } }', plugins=[one, two],
                                  use_installed=False, skip_broken=True)
    assert engine.skipped_plugins in (("one",), ("two",))
    kept = 2 if engine.skipped_plugins == ("one",) else 1
    assert engine.extract("5")[0]["v"] == kept


def test_postprocess_hook_is_applied():
    p = plugin("dropper", tallyrules_postprocess=lambda text, extractions: [e for e in extractions if e.text != "5"])
    engine = Engine.from_text("rule r { match NUM }", plugins=[p], use_installed=False)
    assert [e.text for e in engine.extract("5 and 50")] == ["50"]


def test_postprocess_hooks_run_in_registration_order():
    seen: list[str] = []

    def drop_small(text: str, extractions: list[Extraction]) -> list[Extraction]:
        seen.append("drop")
        return [e for e in extractions if int(e.text) >= 10]

    def tag(text: str, extractions: list[Extraction]) -> list[Extraction] | None:
        seen.append("tag")
        assert all(int(e.text) >= 10 for e in extractions)  # receives the previous answer
        return [Extraction(e.kind, e.rule, e.start, e.end, e.text, {**e.fields, "len": len(text)}) for e in extractions]

    def keep(text: str, extractions: list[Extraction]) -> None:
        seen.append("keep")
        return None

    plugins = [plugin("p1", tallyrules_postprocess=drop_small), plugin("p2", tallyrules_postprocess=tag),
               plugin("p3", tallyrules_postprocess=keep)]
    engine = Engine.from_text("rule r { match NUM }", plugins=plugins, use_installed=False)
    results = engine.extract("5 and 50")
    assert [(e.text, e["len"]) for e in results] == [("50", 8)]
    assert seen == ["drop", "tag", "keep"]


def test_postprocess_of_a_skipped_plugin_is_not_applied():
    broken = plugin("broken", tallyrules_packs=lambda: 5,
                    tallyrules_postprocess=lambda text, extractions: [])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        engine = Engine.from_text("rule r { match NUM }", plugins=[broken], use_installed=False, skip_broken=True)
    assert [e.text for e in engine.extract("5")] == ["5"]


def test_class_instance_plugin():
    class Instance:
        @hookimpl
        def tallyrules_functions(self):
            return {"seven": lambda: 7}

    engine = Engine.from_text('rule r { match "a" yield { v: seven() } }', plugins=[Instance()], use_installed=False)
    assert engine.extract("a")[0]["v"] == 7


def test_pack_name_must_be_an_identifier(tmp_path):
    with pytest.raises(ValueError):
        Pack("bad name", "1", tmp_path)


PACK_RULES = '''
kind vote { share }
rule won: vote {
    match "won" n:NUM "percent"
    yield { share: number(n) }
    example "Kerry won 55 percent" => { share: 55 }
}
'''


def test_a_pack_source_tree_replaces_its_installed_copy_in_its_own_tests(tmp_path):
    # a pack installed without -e lives elsewhere; its source tree must not be compiled next to it
    installed = tmp_path / "site-packages" / "tallyrules_votes" / "rules"
    source = tmp_path / "tallyrules-votes" / "src" / "tallyrules_votes" / "rules"
    for folder in (installed, source):
        folder.mkdir(parents=True)
        (folder / "votes.rules").write_text(PACK_RULES, encoding="utf-8")

    class Installed:
        __name__ = "votes_plugin"

        @staticmethod
        @hookimpl
        def tallyrules_packs():
            return [Pack("votes", "0.1", installed)]

    for path in (tmp_path / "tallyrules-votes", source / "votes.rules"):
        engine = engine_for([path], plugins=[Installed()], use_installed=False)
        rules = rules_in(engine, [path])
        assert [rule.name for rule in rules] == ["votes.votes.won"]
        assert [rule.name for rule in engine.rules] == ["votes.votes.won"]  # once, not twice
        outcomes = [o for rule in rules for o in ExampleRunner(engine).outcomes(rule)]
        assert outcomes and all(o.passed for o in outcomes), outcomes
