"""Hostile input, one defect at a time: every document gets its line, nothing crashes the run."""

from __future__ import annotations

import importlib.metadata
import io
import json
import os
import stat
import subprocess
import sys
import types
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import re2
from hypothesis import given, settings
from hypothesis import strategies as st

from tallyrules import DocumentResult, Engine, Extraction, Pack, RuleErrors, hookimpl, safe_files, syntax, syntax_cache
from tallyrules import compiler as compiler_module
from tallyrules import loader as loader_module
from tallyrules import packs as packs_module
from tallyrules.cli import main
from tallyrules.inputs import InputDocument, read_inputs
from tallyrules.output import write_results
from tallyrules.patterns import without_private_use
from tallyrules.safe_files import UnreadableFile

RULES = r'''
kind quantity layer numeric { value, entity }
rule counted: quantity {
    "digits and the noun they count"
    match n:NUM e:("tanks" | "fighters")?
    yield { value: number(n), entity: text(e) }
}
rule marked: quantity {
    "a number after a mark keeps the mark in its span"
    match m:/[^0-9 ]+/ n:NUM "units"
    yield { value: number(n) }
}
'''


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    path = tmp_path / "mini.rules"
    path.write_text(RULES, encoding="utf-8")
    return path


def cli(*argv: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    """The real command, so that the real standard output (UTF-8, not a test's StringIO) is written."""
    return subprocess.run([sys.executable, "-m", "tallyrules", *argv], input=stdin, capture_output=True,
                          timeout=120, check=False)


def json_lines(data: bytes) -> list[dict]:
    return [json.loads(line) for line in data.decode("utf-8").splitlines()]


SURROGATES = (b'{"id":"a","text":"5 tanks"}\n'
              b'{"id":"\\ud800","text":"x\\udc00 6 units"}\n'
              b'{"id":"b","text":"7 tanks"}\n')


@pytest.mark.parametrize("extra", [(), ("--jobs", "2")])
def test_lone_surrogates_in_ids_and_spans_are_written_as_escapes(rules: Path, extra: tuple[str, ...]) -> None:
    done = cli("extract", "--no-packs", "--rules", str(rules), *extra, stdin=SURROGATES)
    assert done.returncode == 0, done.stderr
    lines = json_lines(done.stdout)
    assert [line["id"] for line in lines] == ["a", "\ud800", "b"]
    assert "x\udc00 6 units" in [x["text"] for x in lines[1]["extractions"]]
    assert b"\\ud800" in done.stdout and b"\\udc00" in done.stdout


def test_lone_surrogate_in_a_span_through_output_file(tmp_path: Path, rules: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(b'{"id":1,"text":"x\\ud800 5 units"}\n{"id":2,"text":"7 tanks"}\n')
    out = tmp_path / "out.jsonl"
    status = main(["extract", str(source), "--no-packs", "--rules", str(rules), "-o", str(out)])
    lines = json_lines(out.read_bytes())
    assert status == 0 and [line["id"] for line in lines] == [1, 2]
    assert {x["text"] for x in lines[0]["extractions"]} >= {"x\ud800 5 units"}
    assert lines[1]["extractions"][0]["text"] == "7 tanks"


def test_deeply_nested_json_is_one_error_record_and_later_lines_go_on(tmp_path: Path, rules: Path) -> None:
    source = tmp_path / "deep.jsonl"
    source.write_text('{"x":' + "[" * 100_000 + "]" * 100_000 + "}\n" + '{"id":2,"text":"5 tanks"}\n')
    out = tmp_path / "out.jsonl"
    status = main(["extract", str(source), "--no-packs", "--rules", str(rules), "-o", str(out)])
    lines = json_lines(out.read_bytes())
    assert status == 1 and len(lines) == 2
    assert "nested too deeply" in lines[0]["error"] and lines[1]["extractions"][0]["value"] == 5


def test_non_finite_ids_are_written_as_valid_json(tmp_path: Path, rules: Path) -> None:
    source = tmp_path / "nan.jsonl"
    source.write_text('{"id":NaN,"text":"5 tanks"}\n{"id":[Infinity,-Infinity],"text":"6 tanks"}\n')
    out = tmp_path / "out.jsonl"
    assert main(["extract", str(source), "--no-packs", "--rules", str(rules), "-o", str(out)]) == 0
    strict = [json.loads(line, parse_constant=lambda name: pytest.fail(f"{name} is not JSON"))
              for line in out.read_text().splitlines()]
    assert [line["id"] for line in strict] == ["NaN", ["Infinity", "-Infinity"]]


def test_table_escapes_terminal_control_codes_and_keeps_rows_whole_when_piped(rules: Path) -> None:
    long_tail = " and then a long sentence" * 8
    stdin = json.dumps({"id": "e\x1b[31m", "text": "\x1b[2J5 tanks" + long_tail + " 6 fighters"}).encode()
    done = cli("extract", "--no-packs", "--rules", str(rules), "--format", "table", stdin=stdin)
    assert b"\x1b" not in done.stdout and b"\\x1b" in done.stdout
    rows = done.stdout.decode().splitlines()
    assert rows[0] == "== e\\x1b[31m"
    assert rows[-1].endswith("value=6 entity=fighters")  # not cut at a width when not on a terminal


# ---- plugins are contained ----------------------------------------------------------------------

def _plugin(name: str, **hooks: Any) -> types.ModuleType:
    module = types.ModuleType(name)
    for hook, function in hooks.items():
        setattr(module, hook, hookimpl(function))
    return module


def _raise(text: str, extractions: list[Extraction]) -> list[Extraction]:
    if "boom" in text:
        raise RuntimeError("hook blew up")
    return extractions


def _backwards(text: str, extractions: list[Extraction]) -> list[Extraction]:
    return [Extraction(e.kind, e.rule, e.end, e.start, "", e.fields) for e in extractions]


@pytest.mark.parametrize(("hook", "expected"), [
    (_raise, "tallyrules_postprocess failed: RuntimeError: hook blew up"),
    (lambda text, extractions: 42 if "boom" in text else None, "returned a int, not a list"),
    (lambda text, extractions: [object()] if "boom" in text else None, "a object at position 0"),
    (lambda text, extractions: _backwards(text, extractions) if "boom" in text else None, "start > end"),
])
def test_a_failing_postprocess_hook_fails_its_document_only_and_names_the_plugin(hook: Any, expected: str) -> None:
    engine = Engine.from_text("rule r { match NUM }", plugins=[_plugin("shaky", tallyrules_postprocess=hook)],
                              use_installed=False)
    results = list(engine.extract_many(["5 fine", "6 boom", "7 fine"]))
    assert [r.error for r in results[::2]] == [None, None]
    assert [e.text for e in results[2].extractions] == ["7"]
    error = results[1].error or ""
    assert "'shaky'" in error and expected in error and results[1].extractions == ()


def test_skip_broken_plugins_leaves_a_failing_hook_out_of_the_document() -> None:
    engine = Engine.from_text("rule r { match NUM }", plugins=[_plugin("shaky", tallyrules_postprocess=_raise)],
                              use_installed=False, skip_broken=True)
    with pytest.warns(UserWarning, match="skipping plugin 'shaky'"):
        results = list(engine.extract_many(["6 boom", "7 boom"]))
    assert [[e.text for e in r.extractions] for r in results] == [["6"], ["7"]]
    assert all(r.error is None for r in results)


@pytest.mark.parametrize(("value", "expected"), [
    ({1, 2}, "type set"), (object(), "type object"), (10**5000, "too large"), ({1: "x"}, "key of type int"),
], ids=["set", "object", "huge-int", "int-key"])
def test_plugin_function_values_json_cannot_hold_fail_the_document_naming_the_plugin(
        tmp_path: Path, value: Any, expected: str) -> None:
    odd = _plugin("oddvalues", tallyrules_functions=lambda: {"odd": lambda n: value if n.text == "6" else 1})
    engine = Engine.from_text("rule r { match n:NUM yield { v: odd(n) } }", plugins=[odd], use_installed=False)
    results = list(engine.extract_many(["5", "6", "7"]))
    assert [r.error is None for r in results] == [True, False, True]
    assert "'oddvalues'" in (results[1].error or "") and expected in (results[1].error or "")
    out = tmp_path / "out.jsonl"
    with out.open("w", encoding="utf-8") as stream:
        assert write_results(results, stream, "jsonl") == (3, 1)


def test_writer_turns_a_value_json_cannot_hold_into_an_error_record(tmp_path: Path) -> None:
    results = [DocumentResult(1, (Extraction("k", "r", 0, 1, "5", {"v": {1, 2}}),)),
               DocumentResult(2, (Extraction("k", "r", 0, 1, "5", {"v": 10**5000}),)),
               DocumentResult(3, (Extraction("k", "r", 0, 1, "5", {"v": 5}),))]
    out = tmp_path / "out.jsonl"
    with out.open("w", encoding="utf-8") as stream:
        assert write_results(results, stream, "jsonl") == (3, 2)
    lines = json_lines(out.read_bytes())
    assert [line["id"] for line in lines] == [1, 2, 3]
    assert all("OutputError" in line["error"] for line in lines[:2]) and lines[2]["extractions"][0]["v"] == 5


# ---- a plugin whose rule files do not compile ---------------------------------------------------

def _pack_plugin(name: str, folder: Path, rules: str, **hooks: Any) -> types.ModuleType:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "main.rules").write_text(rules, encoding="utf-8")
    return _plugin(name, tallyrules_packs=lambda: [Pack(f"{name}_pack", "1.0", folder)], **hooks)


def test_a_pack_that_does_not_compile_names_its_plugin_or_is_skipped(tmp_path: Path) -> None:
    good = _pack_plugin("goodplugin", tmp_path / "good", "rule n { match NUM }\n")
    broken = _pack_plugin("brokenplugin", tmp_path / "broken", "rule oops { match @nowhere }\n",
                          tallyrules_postprocess=lambda text, extractions: [])
    with pytest.raises(RuleErrors) as raised:
        Engine(plugins=[good, broken], use_installed=False)
    assert "plugin 'brokenplugin'" in str(raised.value) and "main.rules:1:" in str(raised.value)
    with pytest.warns(UserWarning, match="skipping plugin 'brokenplugin'"):
        engine = Engine(plugins=[good, broken], use_installed=False, skip_broken=True)
    assert [p.name for p in engine.packs] == ["goodplugin_pack"] and engine.skipped_plugins == ("brokenplugin",)
    assert [e.text for e in engine.extract("5 and 6")] == ["5", "6"]  # its postprocess hook is left out too


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str, str], None]:
    """Install a plugin module under the ``tallyrules`` entry-point group, for the command line."""
    entries: list[importlib.metadata.EntryPoint] = []
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(packs_module, "_entry_points", lambda: list(entries))

    def install(name: str, source: str) -> None:
        (tmp_path / f"{name}.py").write_text(source, encoding="utf-8")
        entries.append(importlib.metadata.EntryPoint(name, name, packs_module.ENTRY_POINT_GROUP))

    return install


PACK_MODULE = '''
from pathlib import Path
import tallyrules

FOLDER = Path(__file__).parent / {folder!r}
FOLDER.mkdir(exist_ok=True)
(FOLDER / "main.rules").write_text({rules!r})

@tallyrules.hookimpl
def tallyrules_packs():
    return [tallyrules.Pack({folder!r}, "1.0", FOLDER)]
'''


def test_cli_skips_a_plugin_whose_rules_do_not_compile_and_packs_reports_it(installed: Any, capsys: Any) -> None:
    installed("rotten", PACK_MODULE.format(folder="rotten_rules", rules="rule r { match @missing }\n"))
    installed("exits", "import sys\nsys.exit(3)\n")
    assert main(["packs"]) == 1
    out, err = capsys.readouterr()
    assert "core" in out and "rotten" in out and "exits" in out and "broken" in out
    assert "plugin 'rotten'" in err and "main.rules:1:" in err and "plugin 'exits'" in err and "SystemExit: 3" in err
    assert main(["packs", "--skip-broken-plugins"]) == 0
    capsys.readouterr()
    assert main(["explain", "--no-pack", "core", "5 fighters"]) == 2
    assert "plugin 'exits'" in capsys.readouterr().err  # the first broken plugin stops the run
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(["explain", "--skip-broken-plugins", "--no-pack", "core", "5 fighters"]) == 0
    assert {"exits", "rotten"} <= {w.message.args[0].split("'")[1] for w in caught}


# ---- files of a pack folder ----------------------------------------------------------------------

def test_a_symlink_leaving_the_pack_is_refused_without_echoing_its_content(tmp_path: Path, capsys: Any) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:SECRET-MARKER:/root:/bin/bash\n")
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "x.rules").symlink_to(secret)
    (pack / "inside.rules").symlink_to(pack / "real.txt")
    (pack / "real.txt").write_text("rule n { match NUM }\n")
    assert main(["check", str(pack)]) == 2
    err = capsys.readouterr().err
    assert "x.rules" in err and "leads outside the pack folder" in err and "SECRET-MARKER" not in err
    assert "inside.rules" not in err  # a symlink that stays inside the pack is read


def test_devices_and_fifos_are_refused_before_reading(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile, match="not a regular file"):
        safe_files.read_bytes(Path("/dev/zero"), 1000)
    pack = tmp_path / "pack"
    pack.mkdir()
    os.mkfifo(pack / "waiting.rules")
    os.mkfifo(pack / "words.txt")
    (pack / "lex.rules").write_text('lexicon l = file "words.txt"\nrule r { match <l> }\n')
    done = cli("check", str(pack))  # a FIFO opened for reading would wait for a writer forever
    err = done.stderr.decode()
    assert done.returncode == 2 and "waiting.rules is not a regular file" in err
    assert "cannot read lexicon file 'words.txt'" in err and "words.txt is not a regular file" in err


def test_rule_and_lexicon_files_are_bounded_in_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big = tmp_path / "big.rules"
    big.write_text("# padding\n" * 100)
    with pytest.raises(UnreadableFile, match="larger than 500 bytes"):
        safe_files.read_bytes(big, 500)
    assert safe_files.read_bytes(big, 1000) == big.read_bytes()
    monkeypatch.setattr(loader_module, "MAX_RULE_FILE_BYTES", 500)
    with pytest.raises(RuleErrors, match="larger than 500 bytes"):
        Engine.from_paths(big, use_installed=False)


# ---- input format detection -----------------------------------------------------------------------

def _stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(io.BytesIO(data))))


TWO_LINES = '{"id": 1, "text": "5 tanks"}\n{"id": 2, "text": "6 tanks"}\n'


@pytest.mark.parametrize("data", [
    b"\xef\xbb\xbf" + TWO_LINES.encode(),
    b"\n\n  \r\n" + TWO_LINES.encode(),
    TWO_LINES.replace("\n", "\r").encode(),
    TWO_LINES.replace("\n", "\r\n").encode(),
    TWO_LINES.encode("utf-16"),
    TWO_LINES.encode("utf-16-be").join([b"\xfe\xff", b""]),
], ids=["bom", "blank-first-lines", "cr-only", "crlf", "utf-16-le", "utf-16-be"])
def test_auto_detects_json_lines_on_standard_input(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    _stdin(monkeypatch, data)
    assert list(read_inputs(["-"])) == [InputDocument(1, "5 tanks"), InputDocument(2, "6 tanks")]


def test_utf16_files_and_plain_text_are_decoded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.jsonl").write_bytes(TWO_LINES.encode("utf-16"))
    (tmp_path / "b.txt").write_bytes("He saw 7 tanks.".encode("utf-16"))
    items = list(read_inputs([str(tmp_path / "a.jsonl"), str(tmp_path / "b.txt")]))
    assert [getattr(item, "text", item) for item in items] == ["5 tanks", "6 tanks", "He saw 7 tanks."]
    _stdin(monkeypatch, "Plain words, 8 tanks.".encode("utf-16"))
    assert list(read_inputs(["-"])) == [InputDocument("<stdin>", "Plain words, 8 tanks.")]


def test_input_format_option_overrides_detection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _stdin(monkeypatch, TWO_LINES.encode())
    assert list(read_inputs(["-"], input_format="text")) == [InputDocument("<stdin>", TWO_LINES)]
    (tmp_path / "lines.txt").write_text(TWO_LINES)
    assert len(list(read_inputs([str(tmp_path / "lines.txt")], input_format="jsonl"))) == 2
    (tmp_path / "doc.jsonl").write_text("{not json, just a text}")
    assert list(read_inputs([str(tmp_path / "doc.jsonl")], input_format="text"))[0].text == "{not json, just a text}"


# ---- a size limit per document, as the user chooses -------------------------------------------


def _line(doc_id: str, text: str) -> bytes:
    return json.dumps({"id": doc_id, "text": text}).encode() + b"\n"


@pytest.mark.parametrize("ending", [b"\n", b"\r\n"])
def test_a_line_over_max_bytes_is_an_error_record_in_its_place(tmp_path: Path, ending: bytes) -> None:
    exact = _line("exact", "7 tanks" + " " * 60)
    limit = len(exact) - 1  # the line without its end
    lines = [_line("a", "5 tanks"), _line("long", "x" * 5000), exact, _line("b", "6 tanks")]
    (tmp_path / "in.jsonl").write_bytes(b"".join(line.replace(b"\n", ending) for line in lines))
    items = list(read_inputs([str(tmp_path / "in.jsonl")], max_bytes=limit))
    assert [item.id for item in items] == ["a", f"{tmp_path / 'in.jsonl'}:2", "exact", "b"]
    assert isinstance(items[2], InputDocument) and items[2].text.startswith("7 tanks")
    problem = items[1]
    assert "over the limit of" in problem.error and "--max-bytes" in problem.error
    assert f"is {len(lines[1]) - 1:,} bytes" in problem.error  # the line without its end


def test_a_line_over_max_bytes_is_never_held_in_memory() -> None:
    import tracemalloc

    huge = io.BufferedReader(io.BytesIO(_line("huge", "y" * (20 << 20)) + _line("after", "3 tanks")))
    tracemalloc.start()
    try:
        items = list(read_jsonl_from(huge, max_bytes=1 << 16))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [type(item).__name__ for item in items] == ["InputProblem", "InputDocument"]
    assert peak < 4 << 20  # read past in pieces: a few MB at most, not the 20 MB line


def read_jsonl_from(stream: io.BufferedReader, max_bytes: int) -> list[Any]:
    from tallyrules.inputs import read_jsonl

    return list(read_jsonl(stream, "mem.jsonl", "id", "text", max_bytes))


def test_a_text_file_over_max_bytes_is_an_error_record(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_text("8 tanks. " * 200)
    (tmp_path / "small.txt").write_text("9 tanks.")
    big, small = read_inputs([str(tmp_path / "big.txt"), str(tmp_path / "small.txt")], max_bytes=100)
    assert "1,800 bytes, over the limit of 100" in big.error
    assert small == InputDocument(str(tmp_path / "small.txt"), "9 tanks.")


def test_max_bytes_on_the_command_line(tmp_path: Path, rules: Path) -> None:
    (tmp_path / "in.jsonl").write_bytes(_line("a", "5 tanks") + _line("long", "z" * 500) + _line("b", "6 tanks"))
    done = cli("extract", "--no-packs", "--rules", str(rules), "--max-bytes", "200", str(tmp_path / "in.jsonl"))
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [bool(r.get("error")) for r in records] == [False, True, False]
    assert records[0]["extractions"][0]["value"] == 5 and done.returncode == 1
    refused = cli("extract", "--no-packs", "--rules", str(rules), "--max-bytes", "0", str(tmp_path / "in.jsonl"))
    assert refused.returncode == 2 and b"--max-bytes: must be at least 1" in refused.stderr


# ---- masks and fillers are never visible to a user's pattern ------------------------------------

def test_a_token_after_a_reference_cannot_take_part_of_its_span() -> None:
    engine = Engine.from_text("rule after { match a:@num p:PUNCT yield { a: text(a), p: text(p) } }\n"
                              "rule num { match /[0-9]+/ }", use_installed=False)
    results = [(e.kind, e.text, e.get("a"), e.get("p")) for e in engine.extract("6000 fighters; 7000.")]
    assert ("after", "6000", "600", "0") not in results
    assert ("after", "7000.", "7000", ".") in results and ("num", "6000", None, None) in results


# elements that match "anything but ...": before the fix each could match a filler character
AFTER_ELEMENTS = ["PUNCT", "ANY", "/./", "/[^a]/", r"/\W/", r"/\S/", r"/\D/", r"/[\s\S]/", r"/\pC/",
                  r"/[\x{e000}-\x{f8ff}]/", r"/\C/", r"/[^ ]{1,3}/", r"/\P{L}+?/", r"/[[:^alpha:]]/", "/\ue000|\uf8ff/"]
MASKY_TEXT = st.text(alphabet=st.sampled_from(list("0123456789   .,;-!ab\n\ue000\ue001\uf8ff\ufffd")), max_size=40)


def _splits_a_number(text: str, offset: int) -> bool:
    return 0 < offset < len(text) and text[offset - 1].isdigit() and text[offset].isdigit()


@pytest.mark.parametrize("element", AFTER_ELEMENTS)
def test_no_pattern_element_sees_mask_or_filler_characters(element: str) -> None:
    engine = Engine.from_text(f"rule after {{ match a:@num p:{element} yield {{ a: a, p: p }} }}\n"
                              "rule num { match /[0-9]+/ }",
                              use_installed=False)

    @settings(max_examples=60, deadline=None)
    @given(MASKY_TEXT)
    def check(text: str) -> None:
        for extraction in engine.extract(text):
            if extraction.kind != "after":
                continue
            number, rest = extraction["a"], extraction["p"]
            assert number.text.isdigit() and not _splits_a_number(text, number.end), (text, number)
            assert not _splits_a_number(text, rest.start) and not _splits_a_number(text, rest.end), (text, rest)

    check()


@pytest.mark.parametrize(("regex", "inside", "outside"), [
    (r"[^\s.!?,;:-]", "a", "-"),  # a bare '-' next to the added range stays a literal
    (r"[]a]", "]", "b"), (r"[-a]", "-", "b"), (r"[\x{d000}-\x{ffff}]", "\ud7ff\uf900", "a"),
    (r"(?s).", "\n", ""), (".", "a", "\n"), (r"\W", "-", "a"),
])
def test_rewritten_regexes_keep_their_meaning_outside_the_private_use_area(regex: str, inside: str,
                                                                          outside: str) -> None:
    for mask_units in (False, True):
        rewritten = re2.compile(without_private_use(regex, mask_units=mask_units))
        assert all(rewritten.fullmatch(char) for char in inside)
        assert not any(rewritten.fullmatch(char) for char in outside)
        assert not rewritten.search("\uf8ff")  # a filler alone is never matched
        if mask_units:  # a whole masked span or nothing of it
            assert not rewritten.search("\ue005\uf8ff") or rewritten.fullmatch("\ue005\uf8ff\uf8ff")
        else:
            assert not rewritten.search("\ue005\uf8ff")


# ---- the parse cache is checked when it is read --------------------------------------------------

CACHED_RULES = "rule n { match NUM }\n"


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "parent" / "cache"
    monkeypatch.setenv("TALLYRULES_CACHE_DIR", str(directory))
    monkeypatch.delenv("TALLYRULES_CACHE", raising=False)
    syntax.parse(CACHED_RULES, "n.rules")
    assert syntax_cache.load(CACHED_RULES, "n.rules") is not None
    return directory


def _entry(cache_dir: Path) -> Path:
    (entry,) = cache_dir.glob("*.json")
    return entry


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
def test_a_cache_file_others_may_write_is_a_miss(cache_dir: Path) -> None:
    _entry(cache_dir).chmod(0o666)
    assert syntax_cache.load(CACHED_RULES, "n.rules") is None


def test_a_cache_file_that_is_a_symlink_is_a_miss(cache_dir: Path, tmp_path: Path) -> None:
    entry = _entry(cache_dir)
    planted = tmp_path / "planted.json"
    entry.rename(planted)
    entry.symlink_to(planted)
    assert syntax_cache.load(CACHED_RULES, "n.rules") is None


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="needs root to give a file away")
def test_a_cache_file_owned_by_someone_else_is_a_miss(cache_dir: Path) -> None:
    os.chown(_entry(cache_dir), 4321, 4321)
    assert syntax_cache.load(CACHED_RULES, "n.rules") is None


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
def test_a_cache_below_a_folder_others_may_write_is_not_used(cache_dir: Path) -> None:
    parent = cache_dir.parent
    try:
        parent.chmod(0o777)
        assert syntax_cache.cache_directory() is None
        assert syntax_cache.load(CACHED_RULES, "n.rules") is None
        parent.chmod(0o777 | stat.S_ISVTX)  # sticky, like /tmp: others cannot replace what is in it
        assert syntax_cache.cache_directory() == cache_dir
    finally:
        parent.chmod(0o700)


# ---- messages --------------------------------------------------------------------------------------

def _check(capsys: Any, *paths: Path) -> tuple[int, str]:
    status = main(["check", *map(str, paths)])
    return status, capsys.readouterr().err


def test_bad_string_escapes_are_all_reported_with_their_place(tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "escapes.rules"
    path.write_text('rule r { match "b\\N{nope}" }\nrule s { match "a" yield { v: "\\x4" } }\n')
    status, err = _check(capsys, path)
    assert status == 2 and "escapes.rules:1:16: error: bad string literal" in err
    assert "escapes.rules:2:31: error: bad string literal" in err and "2 errors" in err


def test_deep_nesting_in_a_rule_file_is_located(tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "deep.rules"
    path.write_text('rule r { match "a" yield { v: ' + "-" * 5000 + "1 } }\n")
    status, err = _check(capsys, path)
    assert status == 2 and "deep.rules:1:" in err and "nested too deeply" in err


def test_binary_and_invalid_utf8_rule_files_are_located_and_not_echoed(tmp_path: Path, capsys: Any) -> None:
    (tmp_path / "binary.rules").write_bytes(b"rule r { match NUM }\nSECRET\x00\x01")
    (tmp_path / "latin1.rules").write_bytes(b"rule r { match NUM }\n# caf\xe9 SECRET\n")
    status, err = _check(capsys, tmp_path)
    assert status == 2 and "SECRET" not in err
    assert "binary.rules looks binary: a NUL byte at line 2, column 7" in err
    assert "latin1.rules is not UTF-8: byte 0xe9 at line 2, column 6" in err


def test_a_reference_cycle_is_reported_once(tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "cycle.rules"
    path.write_text("fragment f { match @g }\nfragment g { match @f }\nrule c { match @f }\n")
    status, err = _check(capsys, path)
    assert status == 2 and err.count("error:") == 1 and "<rules>" not in err and "cycle.rules:2:" in err


def test_a_rule_file_may_start_with_a_byte_order_mark(tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "bom.rules"
    path.write_bytes(b"\xef\xbb\xbfrule n { match NUM }\n")
    assert main(["check", str(path)]) == 0
    assert [e.text for e in Engine.from_text("\ufeffrule n { match NUM }", use_installed=False).extract("5")] == ["5"]


def test_re2_does_not_log_to_standard_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.rules"
    path.write_text("rule r { match /a(/ }\n")
    done = cli("check", str(path))
    err = done.stderr.decode()
    assert done.returncode == 2 and "invalid regular expression /a(/" in err
    assert "re2.cc" not in err and "absl" not in err and err.count("missing )") == 1
    path.write_text("rule r { match /[[:alpha:]]+/ NUM }\n")  # RE2 syntax that Python's parser warns about
    done = cli("check", str(path))
    assert done.returncode == 0 and done.stderr == b""


def test_check_of_a_folder_without_rule_files_is_an_error(tmp_path: Path, capsys: Any) -> None:
    status, err = _check(capsys, tmp_path)
    assert status == 2 and "no rule files" in err


def test_a_huge_lexicon_gets_a_hint_about_the_lexicon(tmp_path: Path, capsys: Any,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compiler_module, "MAX_PATTERN_SIZE", 2000)
    words = "\n".join(f"word{index:04d}" for index in range(400))
    (tmp_path / "words.txt").write_text(words)
    (tmp_path / "big.rules").write_text('lexicon big = file "words.txt"\nrule r { match <big> NUM }\n')
    status, err = _check(capsys, tmp_path)
    assert status == 2 and "a large lexicon (<big>)" in err


@pytest.mark.parametrize(("content", "expected"), [
    (None, "cannot read"), (b"\x00\x01binary", "looks binary"), (b"caf\xe9", "not UTF-8"),
])
def test_explain_file_that_is_missing_or_binary_is_a_clean_error(tmp_path: Path, capsys: Any,
                                                                 content: bytes | None, expected: str) -> None:
    path = tmp_path / "input.txt"
    if content is not None:
        path.write_bytes(content)
    assert main(["explain", "--no-packs", "--file", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tallyrules: error:") and expected in err and "Traceback" not in err


def test_a_plugin_that_exits_while_running_fails_its_document_only() -> None:
    def leave(text: str, extractions: list[Extraction]) -> None:
        raise SystemExit(4)

    exiting = _plugin("leaver", tallyrules_postprocess=leave,
                      tallyrules_functions=lambda: {"bye": lambda n: sys.exit(5)})
    engine = Engine.from_text("rule r { match n:NUM yield { v: bye(n) } }", plugins=[exiting], use_installed=False)
    (result,) = engine.extract_many(["5"])
    assert "'leaver'" in (result.error or "") and "sys.exit(5)" in (result.error or "")
    engine = Engine.from_text("rule r { match NUM }", plugins=[exiting], use_installed=False)
    (result,) = engine.extract_many(["5"])
    assert "'leaver'" in (result.error or "") and "SystemExit" in (result.error or "")



def test_a_nul_in_an_import_or_lexicon_path_is_a_located_error(tmp_path: Path, capsys: Any) -> None:
    # found by fuzz/fuzz_rule_parser.py: the path reached the file system and raised ValueError
    path = tmp_path / "nul.rules"
    path.write_text('import "\\0"\nlexicon l = file "a\\x00b"\n')
    status, err = _check(capsys, path)
    assert status == 2 and "nul.rules:1:8: error: a file path cannot contain a NUL" in err and "nul.rules:2:" in err


def test_an_unexpected_failure_costs_one_document_not_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = Engine.from_text("rule n { match NUM }", use_installed=False)
    run = engine._matcher.run

    def flaky(text: str, include_vetoes: bool = False) -> list[Extraction]:
        if "bug" in text:
            raise IndexError("an engine bug")
        return run(text, include_vetoes)

    monkeypatch.setattr(engine._matcher, "run", flaky)
    results = list(engine.extract_many(["5", "6 bug", "7"]))
    assert [r.error for r in results][::2] == [None, None]
    assert "InternalError: IndexError: an engine bug" in (results[1].error or "")


def test_line_separators_inside_strings_are_written_as_escapes(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with out.open("w", encoding="utf-8") as stream:
        write_results([DocumentResult("a\x85b\u2028c\u2029d")], stream, "jsonl")
    text = out.read_text(encoding="utf-8")
    assert text.splitlines() == [text.rstrip("\n")] and json.loads(text)["id"] == "a\x85b\u2028c\u2029d"
