"""The command line, end to end, on small rule files of the test's own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tallyrules.cli import main

RULES = r'''
kind quantity layer numeric { value, entity }
rule counted: quantity {
    "digits and the noun they count"
    match n:NUM e:("fighters" | "villages")?
    yield { value: number(n), entity: text(e) }
    example "6,000 fighters" => { value: 6000, entity: "fighters" }
    reject "fighters"
}
'''


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    path = tmp_path / "mini.rules"
    path.write_text(RULES, encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_extract_jsonl_keeps_order_and_reports_bad_lines(tmp_path: Path, rules: Path, capsys) -> None:
    docs = tmp_path / "docs.jsonl"
    docs.write_bytes(
        b'{"id": "a", "text": "They had 6,000 fighters."}\n'
        b"not json\n"
        b'{"id": "c"}\n'
        b'{"id": "d", "text": "\xff\xfe"}\n'
        b"\n"
        b'{"id": "e", "text": "7 villages and 8"}\n'
    )
    status, out, err = run(capsys, "extract", str(docs), "--no-packs", "--rules", str(rules))
    lines = [json.loads(line) for line in out.splitlines()]
    assert status == 1 and "3 of 5 documents failed" in err
    assert [line["id"] for line in lines] == ["a", f"{docs}:2", "c", f"{docs}:4", "e"]
    assert "not JSON" in lines[1]["error"] and "no string field 'text'" in lines[2]["error"]
    assert "not UTF-8" in lines[3]["error"]
    first = lines[0]["extractions"][0]
    assert first["text"] == "6,000 fighters" and first["value"] == 6000 and first["rule"] == "mini.counted"
    text = "7 villages and 8"
    assert [(x["start"], x["end"]) for x in lines[4]["extractions"]] == [(0, 10), (15, 16)]
    assert all(text[x["start"]:x["end"]] == x["text"] for x in lines[4]["extractions"])


def test_extract_plain_and_binary_files(tmp_path: Path, rules: Path, capsys) -> None:
    plain = tmp_path / "article.txt"
    plain.write_text("Rebels lost 12 villages.", encoding="utf-8")
    binary = tmp_path / "image.bin"
    binary.write_bytes(b"\x89PNG\x00\x00\x01")
    output = tmp_path / "out.jsonl"
    status, _out, _err = run(capsys, "extract", str(plain), str(binary), "--no-packs", "--rules", str(rules),
                             "--output", str(output))
    lines = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert status == 1
    assert lines[0]["id"] == str(plain) and lines[0]["extractions"][0]["value"] == 12
    assert lines[1]["id"] == str(binary) and "binary" in lines[1]["error"]


def test_extract_table_and_json_formats(tmp_path: Path, rules: Path, capsys) -> None:
    plain = tmp_path / "a.txt"
    plain.write_text("3 villages", encoding="utf-8")
    status, out, _ = run(capsys, "extract", str(plain), "--no-packs", "--rules", str(rules), "--format", "json")
    assert status == 0 and json.loads(out)[0]["extractions"][0]["entity"] == "villages"
    status, out, _ = run(capsys, "extract", str(plain), "--no-packs", "--rules", str(rules), "--format", "table")
    assert status == 0 and "quantity" in out and "entity=villages" in out


def test_check_reports_located_syntax_errors(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.rules"
    bad.write_text('rule a {\n    match "x"\n    yield { value = 1 }\n}\nrule b { match @nowhere }\n', encoding="utf-8")
    status, _out, err = run(capsys, "check", str(bad))
    assert status == 2
    assert f"{bad}:3:19: error: unexpected '='" in err
    assert "    yield { value = 1 }\n" in err and "\n                      ^" in err
    assert "hint: fields are written `name: expression`" in err


def test_check_reports_semantic_errors_of_every_rule(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.rules"
    bad.write_text('rule a { match @nowhere }\nrule b { match <missing> }\nrule c { match "x" yield { v: f(1) } }\n',
                   encoding="utf-8")
    status, _out, err = run(capsys, "check", str(bad))
    assert status == 2
    assert f"{bad}:1:16: error: undefined rule or kind @nowhere" in err
    assert f"{bad}:2:17: error: undefined lexicon <missing>" in err
    assert f"{bad}:3:31: error: unknown function 'f'" in err
    assert "3 errors in rule files" in err


def test_check_accepts_good_files(rules: Path, capsys) -> None:
    status, out, _ = run(capsys, "check", "--no-packs", str(rules))
    assert status == 0 and out.startswith("ok: 1 rules")


def test_test_command_runs_inline_examples(tmp_path: Path, rules: Path, capsys) -> None:
    status, out, _ = run(capsys, "test", str(rules), "--no-packs")
    assert status == 0 and "2 passed, 0 failed" in out
    wrong = tmp_path / "wrong.rules"
    wrong.write_text(RULES.replace("value: 6000", "value: 6001"), encoding="utf-8")
    status, out, _ = run(capsys, "test", str(wrong), "--no-packs")
    assert status == 1 and "1 passed, 1 failed" in out
    assert "value: got 6000, expected 6001" in out and f"{wrong}:7" in out


def test_explain_shows_the_rule_and_its_doc(rules: Path, capsys) -> None:
    status, out, _ = run(capsys, "explain", "--no-packs", "--rules", str(rules), "They lost 40 villages")
    assert status == 0
    assert "quantity '40 villages' [10:21] by mini.counted" in out
    assert "digits and the noun they count" in out


def test_packs_lists_the_core_pack(capsys) -> None:
    status, out, _ = run(capsys, "packs")
    assert status == 0 and out.splitlines()[0].startswith("core")


def test_unknown_pack_is_a_clear_error(capsys) -> None:
    status, _out, err = run(capsys, "extract", "--packs", "nosuchpack", "-")
    assert status == 2 and "no installed pack named 'nosuchpack'" in err


def test_check_compiles_every_regex_and_locates_one_too_large_for_re2(tmp_path: Path, capsys) -> None:
    big = tmp_path / "big.rules"
    big.write_text('rule fine { match "x" }\nrule huge { match (/[a-z]{1000}/ | /[0-9]{1000}/){1000} }\n',
                   encoding="utf-8")
    status, _out, err = run(capsys, "check", str(big))
    assert status == 2
    assert f"{big}:2:1: error: rule 'huge' does not compile" in err


def test_check_warns_about_very_large_patterns(tmp_path: Path, capsys) -> None:
    big = tmp_path / "big.rules"
    big.write_text('rule r { match ANY{300} ANY{300} }\n', encoding="utf-8")
    status, out, err = run(capsys, "check", str(big))
    assert status == 0 and out.startswith("ok:")
    assert f"{big}:1: warning: rule 'r' compiles to" in err and "RE2 instructions" in err


def test_check_and_test_load_the_installed_packs_alike(tmp_path: Path, capsys) -> None:
    mine = tmp_path / "mine.rules"
    mine.write_text('kind claimed { amount }\nrule claimed_amount: claimed {\n'
                    '    match "claimed" q:@quantity\n    yield { amount: q.value }\n'
                    '    example "they claimed 6,000 fighters" => { amount: 6000 }\n}\n', encoding="utf-8")
    status, out, _ = run(capsys, "check", str(mine))
    assert status == 0 and out.startswith("ok: 1 rules in 1 files")
    status, out, _ = run(capsys, "test", str(mine))
    assert status == 0 and "1 passed, 0 failed" in out
    status, _out, err = run(capsys, "check", "--no-packs", str(mine))
    assert status == 2 and "undefined rule or kind @quantity" in err


def test_explain_why_not_lists_near_misses_of_one_rule(tmp_path: Path, capsys) -> None:
    mine = tmp_path / "few.rules"
    mine.write_text('kind few { v }\nrule few_things: few {\n  match x:NUM "things"\n  where number(x) < 10\n'
                    '  yield { v: number(x) }\n}\n', encoding="utf-8")
    status, out, _ = run(capsys, "explain", "--no-packs", "--rules", str(mine), "--rule", "few_things",
                         "They saw 40 things")
    assert status == 0 and "no result of few_things" in out
    assert "few '40 things' [9:18] by few.few_things: dropped by its where clause" in out
    status, out, _ = run(capsys, "explain", "--no-packs", "--rules", str(mine), "--why-not", "They saw 4 things")
    assert status == 0 and "near misses: none" in out


def test_extract_with_a_smaller_regex_memory_budget(tmp_path: Path, rules: Path, capsys) -> None:
    docs = tmp_path / "docs.jsonl"
    docs.write_text('{"id": 1, "text": "They had 6,000 fighters and 7 villages."}\n', encoding="utf-8")
    base = ["extract", str(docs), "--no-packs", "--rules", str(rules), "--quiet"]
    status, default, _ = run(capsys, *base)
    assert status == 0 and json.loads(default)["extractions"]
    status, small, _ = run(capsys, *base, "--regex-memory", "1", "--jobs", "2")
    assert status == 0 and small == default
    for route in ("large", "all"):
        status, over_units, _ = run(capsys, *base, "--unit-matching", route, "--jobs", "2")
        assert status == 0 and over_units == default
    with pytest.raises(SystemExit) as refused:
        main([*base, "--regex-memory", "0"])
    assert refused.value.code == 2 and "must be at least 1" in capsys.readouterr().err
