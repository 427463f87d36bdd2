"""The on-disk parse cache: exact round trips, no lark on a hit, and never unsafe or fatal."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import attrs
import lark
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tallyrules import Engine, RuleErrors, syntax, syntax_cache
from tallyrules import ast as A
from tallyrules.lexicons import NO_VALUE

ROOT = Path(__file__).resolve().parent.parent
RULE_FILES = sorted(ROOT.glob("rules/**/*.rules")) + sorted(ROOT.glob("plugins/*/src/*/rules/**/*.rules"))
PACK = Path(__file__).parent / "fixtures" / "pack"

SAMPLE = '''\
import "numbers.rules"
lexicon scale = {"million": 1e6, "bn": 1000000000, "x": "text", "y": true, "z": null, "w"}
lexicon words cased = file "lexicons/words.txt"
kind quantity layer numeric { value, unit }
link quantity to attribution.content copy source
rule scaled: quantity {
    "A number, then a scale word."
    match n:NUM s:<scale> ("x" | /y+/i){1,2} !<words>? @other*
    yield { value: number(n) * lookup(<scale>, s), unit: "x" if not false else null, low: -1.5 }
    where n.text != "0" and (1 + 2) * 3 >= 9
    priority -1
    layer numeric
    example "2 million" => { value: 2000000, unit.name: "x", ok: true, none: null, f: 2.5 }
    reject "2 percent"
}
fragment other { match "a"c ~ "b" }
'''


def parse_with_lark(text: str, path: str) -> A.RuleFile:
    return syntax._parse_with_lark(text, path)


def cached_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.json")) if directory.is_dir() else []


def assert_identical(expected: object, actual: object) -> None:
    """Equal, and of the same types all the way down (== alone takes 1 for 1.0 and True for 1)."""
    assert actual == expected
    _assert_same_types(expected, actual, "tree")


def _assert_same_types(expected: object, actual: object, where: str) -> None:
    assert type(actual) is type(expected), f"{where}: {type(actual).__name__} instead of {type(expected).__name__}"
    if attrs.has(type(expected)):
        for field in attrs.fields(type(expected)):
            _assert_same_types(getattr(expected, field.name), getattr(actual, field.name), f"{where}.{field.name}")
    elif isinstance(expected, (tuple, list)):
        for index, (left, right) in enumerate(zip(expected, actual, strict=True)):  # type: ignore[call-overload]
            _assert_same_types(left, right, f"{where}[{index}]")


# ---- exact round trips ------------------------------------------------------


@pytest.mark.parametrize("rule_file", RULE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_rule_file_round_trips_exactly(rule_file: Path) -> None:
    text = rule_file.read_text(encoding="utf-8")
    tree = parse_with_lark(text, str(rule_file))
    assert_identical(tree, syntax_cache.from_json(syntax_cache.to_json(tree, "k"), str(rule_file), "k"))


def test_there_are_rule_files_to_check() -> None:
    assert len(RULE_FILES) >= 10


def test_a_sample_of_every_construct_round_trips_exactly() -> None:
    tree = parse_with_lark(SAMPLE, "sample.rules")
    assert dict(tree.lexicons[0].entries)["w"] == NO_VALUE
    assert_identical(tree, syntax_cache.from_json(syntax_cache.to_json(tree), "sample.rules"))


def test_lists_tuples_nested_values_and_foreign_locations_round_trip() -> None:
    here, there = A.Location("f.rules", 3, 7), A.Location("other.rules", 1, 1)
    odd_values = (1, 1.0, -0.0, 1e300, float("inf"), True, False, None, "", "é\u0000\U0001f600\ud800",
                  (1, (2.5, "x")), [1, [2, (3, [])]], [], (), here, A.Name("n", there))
    tree = A.RuleFile(
        path="f.rules",
        imports=(A.Import("x.rules", here),),
        lexicons=(A.LexiconDef("l", False, tuple((f"e{i}", v) for i, v in enumerate(odd_values)), None, there),),
        kinds=(),
        links=(A.LinkDef(("a", "b"), "t", "f", (), here),),
        rules=(A.RuleDef("rule", "r", None, "", None, tuple(("v", A.Const(v, here)) for v in odd_values),
                         None, 0, None, (A.Example("t", (("k", [1, (2,)]),), there),), (), here),),
    )
    assert_identical(tree, syntax_cache.from_json(syntax_cache.to_json(tree), "f.rules"))


def test_a_str_subclass_is_stored_as_the_equal_str() -> None:
    token = lark.Token("NAME", "value")
    tree = A.RuleFile("f.rules", (A.Import(token, A.Location("f.rules", 1, 1)),), (), (), (), ())  # type: ignore[arg-type]
    restored = syntax_cache.from_json(syntax_cache.to_json(tree), "f.rules")
    assert restored == tree and type(restored.imports[0].path) is str


@pytest.mark.parametrize("value", [{"a": 1}, {1, 2}, b"bytes", object()], ids=["dict", "set", "bytes", "object"])
def test_values_the_format_cannot_give_back_exactly_are_refused(value: object, cache_dir: Path) -> None:
    tree = A.RuleFile("f.rules", (A.Import(value, A.Location("f.rules", 1, 1)),), (), (), (), ())  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        syntax_cache.to_json(tree)
    syntax_cache.store("text", "f.rules", tree)  # silently not stored
    assert cached_files(cache_dir) == []


# (control characters are left out: a NUL in a string literal is a RuleError of its own)
_words = st.text(alphabet=st.characters(blacklist_characters='"\\', blacklist_categories=("Cs", "Cc")), max_size=12)
_strings = _words.map(lambda w: f'"{w}"')
_numbers = st.one_of(st.integers(-10**6, 10**6).map(str), st.sampled_from(["1.5", "-0.25", "1e6", "2E-3", ".5"]))
_literals = st.one_of(_strings, _numbers, st.sampled_from(["true", "false", "null"]))
_atoms = st.one_of(_strings, st.sampled_from(["NUM", "WORD", "<scale>", "!<scale>", "/[0-9]+/", "/a\\/b/i", '"x"c']))
_elements = st.tuples(st.sampled_from(["", "c:"]), _atoms, st.sampled_from(["", "?", "*", "+", "{2}", "{1,}", "{1,3}"]))
_patterns = st.lists(_elements.map("".join), min_size=1, max_size=4).map(" ".join)
_expressions = st.one_of(_literals, st.sampled_from(["c", "number(c)", "lookup(<scale>, c)", "-c.text", "1 + 2 * 3"]))


@st.composite
def _rule_files(draw: st.DrawFn) -> str:
    entries = draw(st.lists(st.tuples(_strings, st.one_of(st.none(), _literals)), max_size=4))
    lexicon = ", ".join(entry if value is None else f"{entry}: {value}" for entry, value in entries)
    rules = []
    for index in range(draw(st.integers(1, 3))):
        fields = ", ".join(f"f{i}: {e}" for i, e in enumerate(draw(st.lists(_expressions, max_size=3))))
        expected = ", ".join(f"k{i}: {v}" for i, v in enumerate(draw(st.lists(_literals, max_size=2))))
        rules.append(f"rule r{index} {{ match {draw(_patterns)} yield {{ {fields} }} "
                     f"example {draw(_strings)} => {{ {expected} }} }}")
    return f"lexicon scale = {{{lexicon}}}\n" + "\n".join(rules)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_rule_files())
def test_generated_rule_files_round_trip_exactly(text: str) -> None:
    tree = parse_with_lark(text, "generated.rules")
    assert_identical(tree, syntax_cache.from_json(syntax_cache.to_json(tree, "k"), "generated.rules", "k"))


# ---- hits never touch lark ----------------------------------------------------


def test_a_second_parse_is_read_from_the_cache_without_lark(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = syntax.parse(SAMPLE, "sample.rules")
    (stored,) = cached_files(cache_dir)
    assert stored.name == f"{syntax_cache.cache_key(SAMPLE, 'sample.rules')}.json"
    assert json.loads(stored.read_text(encoding="ascii"))[0] == "tallyrules parse cache"
    monkeypatch.setattr(syntax, "_parse_with_lark", lambda text, path: pytest.fail("lark ran on a cache hit"))
    monkeypatch.setattr(syntax, "_parser", lambda: pytest.fail("the lark parser was built on a cache hit"))
    second = syntax.parse(SAMPLE, "sample.rules")
    assert second == first and second is not first
    assert_identical(first, second)


def test_the_path_is_part_of_the_key(cache_dir: Path) -> None:
    syntax.parse(SAMPLE, "a.rules")
    tree = syntax.parse(SAMPLE, "b.rules")
    assert len(cached_files(cache_dir)) == 2
    assert tree.path == "b.rules" and tree.rules[0].at.file == "b.rules"


def test_the_text_and_the_parser_version_are_part_of_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    key = syntax_cache.cache_key(SAMPLE, "a.rules")
    assert key is not None and len(key) == 64
    assert syntax_cache.cache_key(SAMPLE + " ", "a.rules") != key
    for name, value in [("FORMAT_VERSION", syntax_cache.FORMAT_VERSION + 1), ("__version__", "0.0.0-other"),
                        ("_PARSER_SOURCES", (*syntax_cache._PARSER_SOURCES, "__init__.py"))]:
        with monkeypatch.context() as patch:
            patch.setattr(syntax_cache, name, value)
            syntax_cache._parser_fingerprint.cache_clear()
            assert syntax_cache.cache_key(SAMPLE, "a.rules") != key, name
        syntax_cache._parser_fingerprint.cache_clear()
    assert syntax_cache.cache_key(SAMPLE, "a.rules") == key


def test_the_fingerprint_covers_grammar_ast_and_syntax() -> None:
    assert {"grammar.lark", "ast.py", "syntax.py"} <= set(syntax_cache._PARSER_SOURCES)


def test_without_readable_sources_nothing_is_cached(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(syntax_cache, "_PARSER_SOURCES", ("no-such-file.py",))
    syntax_cache._parser_fingerprint.cache_clear()
    try:
        assert syntax_cache.cache_key("x", "x") is None
        syntax.parse(SAMPLE, "sample.rules")
        assert cached_files(cache_dir) == []
    finally:
        monkeypatch.undo()
        syntax_cache._parser_fingerprint.cache_clear()


def test_an_engine_from_a_warm_cache_never_builds_the_lark_parser(cache_dir: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    cold = Engine.from_paths(PACK, use_installed=False)
    monkeypatch.setattr(syntax, "_parser", lambda: pytest.fail("the lark parser was built on a warm start"))
    warm = Engine.from_paths(PACK, use_installed=False)
    text = "Officials said more than 6,000 fighters were killed."
    assert [e.to_dict() for e in warm.extract(text)] == [e.to_dict() for e in cold.extract(text)]


def test_a_second_default_start_in_a_fresh_interpreter_never_builds_the_lark_parser(cache_dir: Path) -> None:
    script = ("import tallyrules; from tallyrules import syntax; tallyrules.Engine.default(); "
              "print(syntax._parser.cache_info().misses)")
    env = {**os.environ, "TALLYRULES_CACHE_DIR": str(cache_dir)}
    runs = [subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True,
                           timeout=300).stdout.split() for _ in range(2)]
    assert runs == [["1"], ["0"]]
    assert len(cached_files(cache_dir)) >= 7


# ---- errors are never cached -------------------------------------------------


def test_files_with_syntax_errors_are_not_cached_and_keep_their_errors(cache_dir: Path) -> None:
    broken = 'rule r { match "a" yield { value = 1 } }\nrule ok { match "b" }\nrule { }\n'
    reports = []
    for _ in range(2):
        with pytest.raises(RuleErrors) as info:
            syntax.parse(broken, "broken.rules")
        reports.append([(str(e), e.line, e.column, e.hint) for e in info.value.errors])
    assert reports[0] == reports[1] and len(reports[0]) == 2
    assert reports[0][0][3]  # the hint for `value = 1` is still there
    assert cached_files(cache_dir) == []


# ---- a bad cache file is a miss, then replaced --------------------------------


def _corruptions(good: str) -> dict[str, bytes]:
    document = json.loads(good)

    def changed(edit: object) -> bytes:
        copy = json.loads(good)
        edit(copy)  # type: ignore[operator]
        return json.dumps(copy).encode()

    tree = document[3]["RuleFile"]
    first_rule = tree[5][0]["RuleDef"]
    return {
        "empty": b"",
        "not json": b"not json at all",
        "truncated": good[: len(good) // 2].encode(),
        "bad utf-8": b"\xff\xfe\x00[",
        "a pickle": b"\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00N.",
        "an object": b'{"RuleFile": []}',
        "another key": changed(lambda d: d.__setitem__(2, "0" * 64)),
        "another format": changed(lambda d: d.__setitem__(1, 999)),
        "unknown node type": changed(lambda d: d[3].__setitem__("Exec", d[3].pop("RuleFile"))),
        "a field too few": changed(lambda d: d[3]["RuleFile"].pop()),
        "a wrong field type": changed(lambda d: d[3]["RuleFile"].__setitem__(0, 42)),
        "another path": changed(lambda d: d[3]["RuleFile"].__setitem__(0, "other.rules")),
        "a malformed location": changed(lambda d: d[3]["RuleFile"][5][0]["RuleDef"].__setitem__(11, ["x", 1])),
        "a list for a tuple": changed(lambda d: d[3]["RuleFile"].__setitem__(1, {"list": []})),
        "a node where a name belongs": changed(
            lambda d: d[3]["RuleFile"][5][0]["RuleDef"].__setitem__(1, first_rule[4])),
        "a dict of two keys": changed(lambda d: d[3].__setitem__("Import", [])),
        "deep nesting": b"[" * 100_000 + b"]" * 100_000,
    }


def test_corrupt_cache_files_are_ignored_and_replaced(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = syntax.parse(SAMPLE, "sample.rules")
    (stored,) = cached_files(cache_dir)
    good = stored.read_text(encoding="ascii")
    for name, content in _corruptions(good).items():
        stored.write_bytes(content)
        with pytest.raises(syntax_cache.CacheMiss):
            syntax_cache.from_json(content, "sample.rules", stored.stem)
        assert syntax_cache.load(SAMPLE, "sample.rules") is None, name
        assert syntax.parse(SAMPLE, "sample.rules") == tree, name
        assert stored.read_text(encoding="ascii") == good, f"{name}: not replaced"
    assert cached_files(cache_dir) == [stored]
    assert not [p for p in cache_dir.iterdir() if p.suffix == ".tmp"]


def test_an_unreadable_cache_entry_is_a_miss_and_an_unwritable_one_is_skipped(cache_dir: Path) -> None:
    cache_dir.mkdir(mode=0o700)
    entry = cache_dir / f"{syntax_cache.cache_key(SAMPLE, 'sample.rules')}.json"
    entry.mkdir()  # reading it fails, and so does replacing it
    assert syntax.parse(SAMPLE, "sample.rules") == parse_with_lark(SAMPLE, "sample.rules")
    assert entry.is_dir() and [p.name for p in cache_dir.iterdir()] == [entry.name]


def test_a_failing_write_is_ignored(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(syntax_cache.os, "replace", disk_full)
    assert syntax.parse(SAMPLE, "sample.rules") == parse_with_lark(SAMPLE, "sample.rules")
    assert list(cache_dir.iterdir()) == []  # the temporary file is gone too


# ---- where the cache lives, and when it is not used ------------------------------


def test_the_cache_directory_is_created_private(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nested = cache_dir / "deeper"
    monkeypatch.setenv("TALLYRULES_CACHE_DIR", str(nested))
    assert syntax_cache.cache_directory() == nested
    if hasattr(os, "getuid"):
        assert stat.S_IMODE(nested.stat().st_mode) == 0o700


def test_the_default_directory_follows_xdg_then_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TALLYRULES_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert syntax_cache.cache_directory() == tmp_path / "xdg" / "tallyrules"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("USERPROFILE", str(tmp_path / "home"))
    assert syntax_cache.cache_directory() == tmp_path / "home" / ".cache" / "tallyrules"


@pytest.mark.parametrize("switch", ["0", "off", "OFF", "false", "no"])
def test_tallyrules_cache_off_disables_it(switch: str, cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TALLYRULES_CACHE", switch)
    assert syntax_cache.cache_directory() is None
    assert syntax.parse(SAMPLE, "sample.rules") == parse_with_lark(SAMPLE, "sample.rules")
    assert not cache_dir.exists()


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
@pytest.mark.parametrize("mode", [0o777, 0o770, 0o702, 0o720])
def test_a_directory_others_can_write_to_is_not_used(mode: int, cache_dir: Path) -> None:
    syntax.parse(SAMPLE, "sample.rules")  # a valid entry, stored while the directory was private
    (stored,) = cached_files(cache_dir)
    cache_dir.chmod(mode)
    try:
        assert syntax_cache.cache_directory() is None
        assert syntax_cache.load(SAMPLE, "sample.rules") is None  # not even read
        syntax.parse(SAMPLE + "\n", "sample.rules")
        assert cached_files(cache_dir) == [stored]  # nor written
    finally:
        cache_dir.chmod(0o700)


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX ownership")
def test_a_directory_owned_by_someone_else_is_not_used(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    syntax.parse(SAMPLE, "sample.rules")
    owner = cache_dir.stat().st_uid
    monkeypatch.setattr(syntax_cache.os, "getuid", lambda: owner + 1)
    assert syntax_cache.cache_directory() is None
    assert syntax_cache.load(SAMPLE, "sample.rules") is None


def test_a_file_where_the_directory_should_be_is_not_used(cache_dir: Path) -> None:
    cache_dir.write_text("not a directory")
    assert syntax_cache.cache_directory() is None
    assert syntax.parse(SAMPLE, "sample.rules") == parse_with_lark(SAMPLE, "sample.rules")
    assert cache_dir.read_text() == "not a directory"
