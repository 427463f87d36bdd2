"""The on-disk cache of compiled patterns: a warm start emits no regex and compiles the same rules;
any change of a rule file, a lexicon, an extension from another pack or the engine is a miss; a
corrupt entry is a miss; a directory others could write to is never used."""

from __future__ import annotations

import gc
import json
import os
import shutil
import stat
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tallyrules import Engine, Pack, RuleErrors, compiled_cache, hookimpl, lexicons, syntax_cache
from tallyrules.compiler import CompiledRules, _Compilation
from tallyrules.lexicons import normalize_key

PACK = Path(__file__).parent / "fixtures" / "pack"

BASE = """\
lexicon cues = file "cues.txt"
kind said { count }
rule said_count: said {
    match <cues> n:NUM "people"
    yield { count: number(n) }
}
"""
ADDON = """\
import base
extend lexicon base.cues { "blogged" }
"""


@pytest.fixture
def emitted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the rules whose patterns were compiled (not read from the cache)."""
    names: list[str] = []
    original = _Compilation._pattern

    def counting(self: _Compilation, index: int, unit: Any, rule: Any) -> Any:
        names.append(rule.name)
        return original(self, index, unit, rule)

    monkeypatch.setattr(_Compilation, "_pattern", counting)
    return names


def entries(cache_dir: Path) -> list[Path]:
    directory = cache_dir / compiled_cache.KIND
    return sorted(directory.glob("*.json")) if directory.is_dir() else []


def snapshot(compiled: CompiledRules) -> list[object]:
    """Everything the cache gives back, in comparable form."""
    rules = [(r.name, r.pattern_source, r.search.groups, [(i, g) for i, g in r.groups], sorted(r.references.items()),
              r.masks, r.required_masks, r.anchors, [name for name, _ in r.fields], r.where is None, r.unit_template)
             for r in compiled.rules]
    return [rules, compiled.mask_sets, [str(w) for w in compiled.warnings], compiled.unit_sets, compiled.unit_words]


def build(root: Path) -> Engine:
    """An engine of the packs below ``root``: ``base`` (a lexicon read from a word-list file) and,
    when present, ``addon`` (which extends that lexicon); both are written on the first call."""
    if not (root / "base").exists():
        (root / "base").mkdir(parents=True)
        (root / "base" / "base.rules").write_text(BASE, encoding="utf-8")
        (root / "base" / "cues.txt").write_text("said\nreported\n", encoding="utf-8")
        (root / "addon").mkdir()
        (root / "addon" / "addon.rules").write_text(ADDON, encoding="utf-8")
    packs = [Pack(name, "1", root / name) for name in ("base", "addon") if (root / name).exists()]

    class Plugin:
        __name__ = "test_packs"

        @staticmethod
        @hookimpl
        def tallyrules_packs() -> list[Pack]:
            return packs

    return Engine(plugins=[Plugin()], use_installed=False)


def counts(engine: Engine, text: str) -> list[int]:
    return [r["count"] for r in engine.extract(text) if r.kind == "said"]


# ---- hits -----------------------------------------------------------------------


def test_a_warm_start_emits_no_regex_and_compiles_the_same_rules(cache_dir: Path, emitted: list[str]) -> None:
    cold = Engine.from_paths(PACK, use_installed=False)
    assert emitted and len(entries(cache_dir)) == 1
    emitted.clear()
    warm = Engine.from_paths(PACK, use_installed=False)
    assert emitted == []
    assert snapshot(warm.compiled) == snapshot(cold.compiled)
    text = "Officials said more than 6,000 fighters were killed, and 300 more were wounded."
    assert [e.to_dict() for e in warm.extract(text)] == [e.to_dict() for e in cold.extract(text)]
    assert [str(w) for w in warm.compiled.warnings] == [str(w) for w in cold.compiled.warnings]


def test_the_installed_packs_compile_the_same_from_the_cache(cache_dir: Path, emitted: list[str]) -> None:
    """Every kind of anchor the prefilter makes (strings, and cascades as rule orders) comes back
    from a hit as it was compiled."""
    cold = Engine.default()
    assert any(isinstance(anchor, tuple) for rule in cold.compiled.rules for clause in rule.anchors
               for anchor in clause)
    emitted.clear()
    warm = Engine.default()
    assert emitted == []
    assert snapshot(warm.compiled) == snapshot(cold.compiled)


def test_a_hit_keeps_the_unused_lexicon_warnings(cache_dir: Path, emitted: list[str]) -> None:
    text = 'lexicon used = {"a"}\nlexicon spare = {"b"}\nlexicon looked = {"c": 1}\n' \
           'rule r { match <used> n:NUM yield { v: lookup(<looked>, n) } }\n'
    cold = Engine.from_text(text)
    warm = Engine.from_text(text)
    assert len(emitted) == 1
    assert [w.message for w in warm.compiled.warnings] == [w.message for w in cold.compiled.warnings] \
        == ["lexicon <spare> is never used"]


def test_compile_regexes_works_on_a_hit(cache_dir: Path, emitted: list[str]) -> None:
    Engine.from_paths(PACK, use_installed=False)
    warm = Engine.from_paths(PACK, use_installed=False, compile_regexes=True)
    assert len(set(emitted)) == len(emitted) and all(rule.search.compiled for rule in warm.rules)


# ---- what makes a miss ------------------------------------------------------------


def test_an_edit_of_a_rule_file_is_a_miss(tmp_path: Path, cache_dir: Path, emitted: list[str]) -> None:
    assert counts(build(tmp_path), "He said 40 people") == [40]
    rules = tmp_path / "base" / "base.rules"
    rules.write_text(rules.read_text(encoding="utf-8").replace('"people"', '"persons"'), encoding="utf-8")
    emitted.clear()
    engine = build(tmp_path)
    assert emitted == ["said_count"] and len(entries(cache_dir)) == 2
    assert counts(engine, "He said 40 people") == [] and counts(engine, "He said 40 persons") == [40]


def test_an_edit_of_a_word_list_file_is_a_miss(tmp_path: Path, cache_dir: Path, emitted: list[str]) -> None:
    assert counts(build(tmp_path), "He tweeted 40 people") == []
    (tmp_path / "base" / "cues.txt").write_text("said\nreported\ntweeted\n", encoding="utf-8")
    emitted.clear()
    engine = build(tmp_path)
    assert emitted == ["said_count"] and len(entries(cache_dir)) == 2
    assert counts(engine, "He tweeted 40 people") == [40]


def test_an_extension_from_another_pack_is_a_miss(tmp_path: Path, cache_dir: Path, emitted: list[str]) -> None:
    assert counts(build(tmp_path), "She blogged 40 people") == [40]  # the addon extends base's lexicon
    addon = tmp_path / "addon" / "addon.rules"
    addon.write_text(ADDON.replace("blogged", "posted"), encoding="utf-8")  # base's files are unchanged
    emitted.clear()
    engine = build(tmp_path)
    assert emitted == ["said_count"] and len(entries(cache_dir)) == 2
    assert counts(engine, "She blogged 40 people") == [] and counts(engine, "She posted 40 people") == [40]
    shutil.rmtree(tmp_path / "addon")  # and without the extending pack at all
    emitted.clear()
    assert counts(build(tmp_path), "She posted 40 people") == [] and emitted == ["said_count"]


def test_an_inline_lexicon_edit_is_a_miss(cache_dir: Path, emitted: list[str]) -> None:
    rule = 'lexicon w = {"alpha"}\nrule r { match <w> }\n'
    Engine.from_text(rule)
    engine = Engine.from_text(rule.replace("alpha", "beta"))
    assert len(emitted) == 2 and [e.text for e in engine.extract("alpha beta")] == ["beta"]


def test_the_engine_and_its_versions_are_part_of_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = syntax_cache.document_key("compiled", ["x"])
    assert key is not None and syntax_cache.document_key("compiled", ["y"]) != key
    assert syntax_cache.document_key("other", ["x"]) != key
    package = tmp_path / "tallyrules"
    shutil.copytree(Path(syntax_cache.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(syntax_cache.resources, "files", lambda name: package)
    syntax_cache._parser_fingerprint.cache_clear()
    syntax_cache._engine_fingerprint.cache_clear()
    try:
        copied = syntax_cache.document_key("compiled", ["x"])
        for name in ("patterns.py", "tokens.py", "prefilter.py", "compiler.py", "claims_lemmas.tsv"):
            file = package / name
            original = file.read_bytes()
            file.write_bytes(original + b"\n")
            syntax_cache._engine_fingerprint.cache_clear()
            assert syntax_cache.document_key("compiled", ["x"]) != copied, name
            file.write_bytes(original)
        (package / "regex.py").unlink()  # a source that cannot be read: nothing is cached
        syntax_cache._engine_fingerprint.cache_clear()
        assert syntax_cache.document_key("compiled", ["x"]) not in (None, copied)
        monkeypatch.setattr(syntax_cache, "_parser_fingerprint", lambda: None)
        assert syntax_cache.document_key("compiled", ["x"]) is None
    finally:
        monkeypatch.undo()
        syntax_cache._parser_fingerprint.cache_clear()
        syntax_cache._engine_fingerprint.cache_clear()
    assert syntax_cache.document_key("compiled", ["x"]) == key


def test_files_with_errors_are_not_stored(cache_dir: Path, emitted: list[str]) -> None:
    broken = 'kind k { a }\nrule r: k { match "x" yield { b: 1 } }\n'
    for _ in range(2):
        with pytest.raises(RuleErrors, match="has no field 'b'"):
            Engine.from_text(broken)
    assert entries(cache_dir) == [] and emitted == ["r", "r"]


# ---- corrupt and foreign entries --------------------------------------------------


def _corruptions(good: str) -> dict[str, str]:
    document = json.loads(good)
    payload = document[3]

    def changed(edit: Callable[[Any], None]) -> str:
        copy = json.loads(json.dumps(document))
        edit(copy)
        return json.dumps(copy)

    first_rule = 0
    return {
        "empty": "",
        "truncated": good[: len(good) // 2],
        "not json": "\x00\xff garbage",
        "another magic": changed(lambda d: d.__setitem__(0, "tallyrules parse cache")),
        "another key": changed(lambda d: d.__setitem__(2, "0" * 64)),
        "another format": changed(lambda d: d.__setitem__(1, syntax_cache.FORMAT_VERSION + 1)),
        "a rule missing": changed(lambda d: d[3][0].pop()),
        "a source that is a number": changed(lambda d: d[3][0][first_rule].__setitem__(0, 7)),
        "a group the regex lacks": changed(lambda d: d[3][0][first_rule][2].append(["g99", None, None])),
        "a mask out of range": changed(lambda d: d[3][0][first_rule][3].append(len(payload[1]) + 5)),
        "a target out of range": changed(lambda d: d[3][1].append([10 ** 6])),
        "a bool that is an int": changed(lambda d: d[3][0][first_rule].__setitem__(6, [["r1", 1, [0], None]])),
        "an anchor that is a number": changed(lambda d: d[3][0][first_rule].__setitem__(5, [[1]])),
        "an unknown lexicon": changed(lambda d: d[3][2].append([0, "no such lexicon"])),
        "a dict for a list": changed(lambda d: d[3].__setitem__(0, {})),
        "a unit set out of range": changed(lambda d: d[3][0][first_rule].__setitem__(7, "\x0099999\x00")),
        "a unit set of three fields": changed(lambda d: d[3][3].append([[1, 2, 3]])),
        "a negative unit feature": changed(lambda d: d[3][3].append([[-1, 0, 0, []]])),
        "a word whose case is an int": changed(lambda d: d[3][4].append(["x", 1])),
    }


def test_corrupt_entries_are_misses_and_replaced(cache_dir: Path, emitted: list[str]) -> None:
    cold = Engine.from_paths(PACK, use_installed=False)
    (stored,) = entries(cache_dir)
    good = stored.read_text(encoding="ascii")
    for name, content in _corruptions(good).items():
        stored.write_text(content, encoding="utf-8")
        emitted.clear()
        engine = Engine.from_paths(PACK, use_installed=False)
        assert emitted, f"{name}: used"
        assert snapshot(engine.compiled) == snapshot(cold.compiled), name
        assert stored.read_text(encoding="ascii") == good, f"{name}: not replaced"


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX ownership")
def test_a_directory_owned_by_someone_else_is_not_used(cache_dir: Path, emitted: list[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    Engine.from_paths(PACK, use_installed=False)
    (stored,) = entries(cache_dir)
    owner = cache_dir.stat().st_uid
    monkeypatch.setattr(syntax_cache.os, "getuid", lambda: owner + 1)
    emitted.clear()
    Engine.from_paths(PACK, use_installed=False)
    assert emitted
    assert syntax_cache.entry_directory(compiled_cache.KIND) is None


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
@pytest.mark.parametrize("mode", [0o777, 0o770, 0o702])
def test_a_subdirectory_others_can_write_to_is_not_used(mode: int, cache_dir: Path, emitted: list[str]) -> None:
    Engine.from_paths(PACK, use_installed=False)
    (stored,) = entries(cache_dir)
    stored.parent.chmod(mode)
    try:
        emitted.clear()
        Engine.from_paths(PACK, use_installed=False)
        assert emitted
    finally:
        stored.parent.chmod(0o700)


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
def test_an_entry_others_can_write_is_not_used(cache_dir: Path, emitted: list[str]) -> None:
    Engine.from_paths(PACK, use_installed=False)
    (stored,) = entries(cache_dir)
    stored.chmod(0o666)
    emitted.clear()
    Engine.from_paths(PACK, use_installed=False)
    assert emitted


def test_a_symlinked_subdirectory_is_not_used(tmp_path: Path, cache_dir: Path, emitted: list[str]) -> None:
    Engine.from_paths(PACK, use_installed=False)
    (stored,) = entries(cache_dir)
    elsewhere = tmp_path / "elsewhere"
    stored.parent.rename(elsewhere)
    (cache_dir / compiled_cache.KIND).symlink_to(elsewhere)
    emitted.clear()
    Engine.from_paths(PACK, use_installed=False)
    assert emitted


def test_the_cache_switched_off_is_not_used(cache_dir: Path, emitted: list[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TALLYRULES_CACHE", "off")
    Engine.from_paths(PACK, use_installed=False)
    emitted.clear()
    Engine.from_paths(PACK, use_installed=False)
    assert emitted and not cache_dir.exists()


def test_old_entries_are_dropped(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(syntax_cache, "MAX_DOCUMENTS_PER_KIND", 2)
    for word in ("one", "two", "three"):
        Engine.from_text(f'rule r {{ match "{word}" }}')
    assert len(entries(cache_dir)) == 2
    assert stat.S_IMODE((cache_dir / compiled_cache.KIND).stat().st_mode) == 0o700 or not hasattr(os, "getuid")


# ---- a warm start in a fresh interpreter --------------------------------------------


def test_a_warm_default_start_in_a_fresh_interpreter_emits_nothing_and_never_imports_lark(cache_dir: Path) -> None:
    script = ("import sys, tallyrules; from tallyrules.compiler import _Compilation\n"
              "emitted = []; original = _Compilation._pattern\n"
              "_Compilation._pattern = lambda self, *rule: emitted.append(1) or original(self, *rule)\n"
              "engine = tallyrules.Engine.default(unit_matching='all')\n"
              # matching too (the unit path is imported on first use)
              "engine.extract('Kurdish Peshmerga forces retook an area near the Mosul dam.')\n"
              "print(len(emitted) > 0, 'lark' in sys.modules, len(engine.rules))")
    env = {**os.environ, "TALLYRULES_CACHE_DIR": str(cache_dir)}
    runs = [subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True,
                           timeout=300).stdout.split() for _ in range(2)]
    assert runs[0][:2] == ["True", "True"] and runs[1][:2] == ["False", "False"]
    assert runs[0][2] == runs[1][2] and len(entries(cache_dir)) == 1


@pytest.mark.parametrize("enabled", [True, False])
def test_compiling_leaves_the_garbage_collector_as_it_was(enabled: bool, cache_dir: Path) -> None:
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        Engine.from_text('rule r { match "a" }')
        with pytest.raises(RuleErrors):
            Engine.from_text("rule r { match }")
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=30), st.booleans())
def test_an_ascii_lexicon_key_skips_only_what_changes_nothing(text: str, cased: bool) -> None:
    slow = " ".join(unicodedata.normalize("NFC", text).translate(lexicons._FOLD).split())
    assert normalize_key(text, cased) == (slow if cased else slow.lower())


@given(st.text(max_size=12))
def test_a_word_list_value_is_json_when_json_reads_it_else_its_text(raw: str) -> None:
    stripped = raw.strip()
    try:
        expected = json.loads(stripped) if stripped else lexicons.NO_VALUE
    except ValueError:
        expected = stripped
    value = lexicons._parse_value(raw)
    assert value == expected or (value != value and expected != expected)  # NaN
