"""Lexicons: normalization, values, word-list files and their use in rules."""

from __future__ import annotations

from pathlib import Path

from tallyrules import Engine
from tallyrules.lexicons import NO_VALUE, build_lexicon, normalize_key, read_word_list


def test_normalize_key_folds_case_quotes_hyphens_and_space():
    assert normalize_key("  More\u00a0 THAN ") == "more than"
    assert normalize_key("don’t") == "don't"
    assert normalize_key("one‐third") == "one-third"
    assert normalize_key("“x”") == '"x"'
    assert normalize_key("ISIL", cased=True) == "ISIL"
    assert normalize_key("cafe\u0301") == "café"  # NFC


def test_build_lexicon_entries_values_and_duplicates():
    lexicon = build_lexicon("l", False, [("Million", 1e6), ("bn", 1e9), ("BN", 2e9), ("plain", NO_VALUE), ("  ", 5)])
    assert lexicon.entries == ("Million", "bn", "plain")  # file order, first spelling, blanks dropped
    assert lexicon.lookup("MILLION") == 1e6
    assert lexicon.lookup("bn") == 2e9  # a later duplicate overrides the value
    assert lexicon.lookup("plain") == "plain"
    assert lexicon.lookup("absent", "d") == "d"
    assert "million" in lexicon and "absent" not in lexicon and 5 not in lexicon


def test_cased_lexicon_lookup():
    lexicon = build_lexicon("l", True, [("IS", NO_VALUE)])
    assert "IS" in lexicon and "is" not in lexicon
    assert lexicon.lookup("is") is None


def test_read_word_list(tmp_path: Path):
    path = tmp_path / "words.tsv"
    path.write_text(
        "# a comment line\n"
        "million\t1e6\n"
        "more than\tmore_than\n"
        "\n"
        "flag\ttrue\n"
        "nothing\tnull\n"
        "quoted\t\"text\"\n"
        "plain   # trailing comment\n"
        "c#sharp\n"
        "   \n",
        encoding="utf-8",
    )
    assert read_word_list(path) == [
        ("million", 1e6),
        ("more than", "more_than"),
        ("flag", True),
        ("nothing", None),
        ("quoted", "text"),
        ("plain", NO_VALUE),
        ("c#sharp", NO_VALUE),
    ]


def test_lexicon_file_in_a_rule(tmp_path: Path):
    (tmp_path / "lex").mkdir()
    (tmp_path / "lex" / "scale.tsv").write_text("million\t1000000\nthousand\t1000\n", encoding="utf-8")
    (tmp_path / "r.rules").write_text(
        'lexicon scale = file "lex/scale.tsv"\n'
        "rule r { match n:NUM s:<scale> yield { v: number(n) * lookup(<scale>, s) } }\n",
        encoding="utf-8",
    )
    engine = Engine.from_paths(tmp_path, use_installed=False)
    assert [e["v"] for e in engine.extract("2 Million and 3 thousand")] == [2e6, 3000]


def test_lexicon_from_an_imported_file(tmp_path: Path):
    (tmp_path / "lib.rules").write_text('lexicon unit = {"km": "kilometre"}', encoding="utf-8")
    (tmp_path / "main.rules").write_text(
        'import "lib.rules"\nrule r { match NUM u:<unit> yield { unit: lookup(<unit>, u) } }', encoding="utf-8")
    engine = Engine.from_paths(tmp_path / "main.rules", use_installed=False)
    assert engine.extract("5 KM")[0]["unit"] == "kilometre"


def test_empty_lexicon_matches_nothing(engine_of):
    engine = engine_of('lexicon none = {}\nrule r { match NUM <none>? }\nrule s: other { match <none> }')
    assert [e.text for e in engine.extract("5 x")] == ["5"]


def test_lexicon_entries_with_punctuation(engine_of):
    engine = engine_of('lexicon cur = {"$", "U.S. dollars", "%"}\nrule r { match NUM <cur> }')
    assert [e.text for e in engine.extract("5 U.S. dollars, 6 %, 7 $")] == ["5 U.S. dollars", "6 %", "7 $"]
