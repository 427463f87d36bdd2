"""Compiling rule files: names, layers and the located errors of everything that can be wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from tallyrules import Engine, RuleError, RuleErrors


def one_error(errors: list[RuleError]) -> RuleError:
    assert len(errors) == 1, [str(e) for e in errors]
    return errors[0]


def located(error: RuleError, line: int, column: int | None = None, file: str = "inline.rules") -> None:
    assert error.file == file
    assert error.line == line
    if column is not None:
        assert error.column == column
    assert str(error).startswith(f"{file}:{line}:")


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


# ---- what a successful compile gives ------------------------------------------


def test_compiled_rules_names_kinds_layers_and_order(engine_of):
    engine = engine_of(
        "kind quantity layer numeric { value }\n"
        'fragment f { match "a" }\n'
        'rule q: quantity { "doc" match n:NUM yield { value: number(n) } priority 3 }\n'
        'rule own { match "b" layer special }\n'
        'veto v: quantity { match "c" }\n',
        name="mine.rules",
    )
    rules = {r.short_name: r for r in engine.rules}
    assert [r.short_name for r in engine.rules] == ["f", "q", "own", "v"]
    assert rules["q"].name == "mine.q"
    assert (rules["q"].kind, rules["q"].layer, rules["q"].priority, rules["q"].doc) == ("quantity", "numeric", 3, "doc")
    assert (rules["own"].kind, rules["own"].layer) == ("own", "special")
    assert (rules["f"].role, rules["v"].role) == ("fragment", "veto")
    assert rules["v"].layer == "numeric"
    assert rules["q"].line == 3
    assert engine.compiled.kinds["quantity"] == ("value",)
    assert engine.compiled.by_name("q") is rules["q"]
    assert engine.compiled.by_name("mine.q") is rules["q"]
    assert engine.compiled.by_name("nope") is None


def test_qualified_names_follow_the_folder_layout(tmp_path):
    write(tmp_path, "sub/deep.rules", 'rule r { match "a" }')
    write(tmp_path, "top.rules", 'rule r { match "b" }')
    engine = Engine.from_paths(tmp_path, use_installed=False)
    assert sorted(r.name for r in engine.rules) == ["sub.deep.r", "top.r"]
    assert engine.compiled.by_name("r") is None  # ambiguous short name


def test_kind_fields_default_to_null(engine_of):
    engine = engine_of("kind quantity { value, unit }\nrule q: quantity { match n:NUM yield { value: number(n) } }")
    (result,) = engine.extract("5")
    assert dict(result.fields) == {"value": 5, "unit": None}


def test_imports_inside_the_pack_root_work(tmp_path):
    write(tmp_path, "lib/numbers.rules",
          'lexicon scale = {"bn": 1e9}\nfragment number { match n:NUM yield { v: number(n) } }')
    write(tmp_path, "main.rules", 'import "lib/numbers.rules"\n'
                                  'rule big { match n:@number ~ <scale> yield { v: n.v * lookup(<scale>, "bn") } }')
    engine = Engine.from_paths(tmp_path / "main.rules", use_installed=False)
    (result,) = engine.extract("5bn")
    assert result["v"] == 5e9


# ---- errors, each with its location -------------------------------------------


def test_undefined_rule(compile_errors):
    errors = compile_errors('rule r {\n  match "a" @nowhere\n}')
    error = errors[0]
    located(error, 2, 13)  # at its "@"
    assert "undefined rule or kind @nowhere" in error.message
    assert error.hint


def test_undefined_rule_is_reported_once_with_its_source_line(compile_errors):
    error = one_error(compile_errors('rule r { match "a" | @nowhere }'))
    assert error.source_line == 'rule r { match "a" | @nowhere }'
    assert str(error).splitlines()[2].index("^") - 4 == error.column - 1


def test_undefined_lexicon(compile_errors):
    error = one_error(compile_errors('rule r {\n  match "a" <nowhere>\n}'))
    located(error, 2, 14)
    assert "undefined lexicon <nowhere>" in error.message
    error = one_error(compile_errors('rule r { match x:"a" yield { v: lookup(<gone>, x) } }'))
    assert "undefined lexicon <gone>" in error.message and error.line == 1


def test_duplicate_rule_name(compile_errors):
    error = one_error(compile_errors('rule r { match "a" }\n\nfragment r { match "b" }'))
    located(error, 3, 1)
    assert "duplicate rule name 'r'" in error.message
    assert "line 1" in error.hint


def test_duplicate_lexicon_and_conflicting_kinds(compile_errors):
    errors = compile_errors('lexicon l = {"a"}\nlexicon l = {"b"}\nkind k { a }\nkind k { b }\nrule r { match <l> }')
    messages = {e.line: e.message for e in errors}
    assert "duplicate lexicon name 'l'" in messages[2]
    assert "kind 'k' is declared twice" in messages[4]


def test_direct_reference_cycle(compile_errors):
    error = one_error(compile_errors('rule r {\n  match "a" @r\n}'))
    located(error, 2, 13)
    assert "reference cycle: r -> r" in error.message


def test_indirect_reference_cycle(compile_errors):
    errors = compile_errors('rule a { match @b }\nrule b { match "x" @c }\n'
                            'rule c { match @a | "y" }\nrule ok { match "z" }')
    error = one_error(errors)
    assert "reference cycle: a -> b -> c -> a" in error.message
    assert error.line == 3 and error.column == 16
    assert "refer to itself" in error.hint


def test_cycle_through_a_kind_reference(compile_errors):
    errors = compile_errors('rule a: thing { match "x" @thing }')
    assert "reference cycle" in one_error(errors).message


def test_unknown_function(compile_errors):
    error = one_error(compile_errors('rule r {\n  match n:NUM\n  yield { v: frobnicate(n) }\n}'))
    located(error, 3, 14)
    assert "unknown function 'frobnicate'" in error.message
    assert "number" in error.hint and "lookup" in error.hint


@pytest.mark.parametrize("call", ["number(n, n)", "number()", "has()", "lookup(<l>)", "round(n, 1, 2)"])
def test_wrong_arity(compile_errors, call):
    error = one_error(compile_errors(f'lexicon l = {{"a"}}\nrule r {{ match n:NUM\n yield {{ v: {call} }} }}'))
    located(error, 3, 13)  # the function name
    assert "wrong arguments for" in error.message


def test_unknown_capture_name_in_yield_and_where(compile_errors):
    errors = compile_errors('rule r {\n  match n:NUM\n  yield { v: number(m) }\n  where fighters > 1\n}')
    by_line = {e.line: e for e in errors}
    assert "unknown name 'm'" in by_line[3].message and "captures: n" in by_line[3].message
    assert by_line[3].column == 21
    assert "unknown name 'fighters'" in by_line[4].message
    assert "quoted" in by_line[4].hint


def test_undeclared_field_for_a_declared_kind(compile_errors):
    error = one_error(compile_errors('kind quantity { value, unit }\nrule r: quantity {\n  match n:NUM\n'
                                     '  yield { value: 1, colour: "red" }\n}'))
    located(error, 4)
    assert "kind 'quantity' has no field 'colour'" in error.message
    assert error.hint == "its fields are: value, unit"


def test_fields_of_an_undeclared_kind_are_free(engine_of):
    engine = engine_of('rule r: anything { match "a" yield { colour: "red" } }')
    assert engine.extract("a")[0]["colour"] == "red"


@pytest.mark.parametrize("field", ["kind", "rule", "start", "end", "text"])
def test_reserved_fields_cannot_be_yielded_or_declared(compile_errors, field):
    error = one_error(compile_errors(f'rule r {{ match "a" yield {{ {field}: 1 }} }}'))
    assert "set by the engine" in error.message and error.line == 1
    error = one_error(compile_errors(f'kind k {{ {field} }}\nrule r: k {{ match "a" }}'))
    assert "reserved" in error.message and error.line == 1


def test_rule_without_match(compile_errors):
    error = one_error(compile_errors('\nrule r { yield { v: 1 } }'))
    located(error, 2, 1)
    assert "no match clause" in error.message


def test_import_outside_the_pack_root(tmp_path):
    pack = tmp_path / "pack"
    write(tmp_path, "secret.rules", 'rule s { match "s" }')
    rules = write(pack, "main.rules", '\nimport "../secret.rules"\nrule r { match @s }')
    with pytest.raises(RuleErrors) as info:
        Engine.from_paths(pack, use_installed=False)
    errors = info.value.errors
    outside = [e for e in errors if "outside the pack root" in e.message]
    assert len(outside) == 1
    assert (outside[0].file, outside[0].line, outside[0].column) == (str(rules), 2, 1)
    assert "inside the pack" in outside[0].hint


def test_import_of_a_missing_file(tmp_path):
    rules = write(tmp_path, "main.rules", 'import "missing.rules"\nrule r { match "a" }')
    with pytest.raises(RuleErrors) as info:
        Engine.from_paths(rules, use_installed=False)
    error = info.value.errors[0]
    assert "missing.rules" in error.message and error.line == 1 and error.file == str(rules)


def test_lexicon_file_outside_the_pack_root(tmp_path):
    pack = tmp_path / "pack"
    write(tmp_path, "words.txt", "a\n")
    write(pack, "main.rules", 'rule r { match "a" }\nlexicon w = file "../words.txt"')
    with pytest.raises(RuleErrors) as info:
        Engine.from_paths(pack, use_installed=False)
    (error,) = info.value.errors
    assert "outside the pack root" in error.message and error.line == 2


@pytest.mark.parametrize("problem", ["missing", "not utf-8", "a folder"])
def test_unreadable_lexicon_file(tmp_path, problem):
    if problem == "not utf-8":
        write(tmp_path, "words.txt", b"caf\xe9\n\xff\xfe\n")
    elif problem == "a folder":
        (tmp_path / "words.txt").mkdir()
    rules = write(tmp_path, "main.rules", 'rule r { match "a" }\n\nlexicon w = file "words.txt"')
    with pytest.raises(RuleErrors) as info:
        Engine.from_paths(rules, use_installed=False)
    (error,) = info.value.errors
    assert (error.file, error.line, error.column) == (str(rules), 3, 1)
    assert "cannot read lexicon file 'words.txt'" in error.message


def test_unreadable_rule_file(tmp_path):
    rules = write(tmp_path, "bad.rules", b'rule r { match "\xff" }')
    with pytest.raises(RuleErrors) as info:
        Engine.from_paths(rules, use_installed=False)
    (error,) = info.value.errors
    assert error.file == str(rules) and "cannot read rule file" in error.message


@pytest.mark.parametrize("regex", ["/a(b/", "/a\\1/", "/(?=a)b/", "/[z-a]/", "/a**/"])
def test_invalid_regex(compile_errors, regex):
    error = one_error(compile_errors(f'rule r {{\n  match "x" {regex}\n}}'))
    located(error, 2, 13)
    assert "invalid regular expression" in error.message
    assert "RE2" in error.hint


def test_invalid_regex_message_is_plain_text(compile_errors):
    error = one_error(compile_errors('rule r { match /a(b/ }'))
    assert "b'" not in error.message


@pytest.mark.parametrize("regex", ["/(?P<x>a)/", "/(?<year>\\d+)/"])
def test_named_group_in_regex(compile_errors, regex):
    error = one_error(compile_errors(f'rule r {{ match {regex} }}'))
    located(error, 1, 16)
    assert "named groups" in error.message


@pytest.mark.parametrize("quantifier", ["{1001}", "{0,1001}", "{1001,}", "{5,2}"])
def test_repetition_out_of_range(compile_errors, quantifier):
    error = one_error(compile_errors(f'rule r {{\n  match "a" "b"{quantifier}\n}}'))
    located(error, 2, 13)
    assert "repetition" in error.message and "1000" in error.message


def test_repetition_of_1000_is_allowed(engine_of):
    engine_of('rule r { match "a"{0,1000} "b" }')


def test_unknown_token_class_with_hint_for_lowercase_words(compile_errors):
    error = one_error(compile_errors('rule r {\n  match NUM fighters\n}'))
    located(error, 2, 13)
    assert "unknown token class 'fighters'" in error.message
    assert error.hint == 'words are quoted: "fighters"'
    error = one_error(compile_errors('rule r { match NUMBER }'))
    assert "unknown token class 'NUMBER'" in error.message
    assert "NUM" in error.hint and "WORD" in error.hint and "quoted" not in error.hint


def test_complement_needs_single_words(compile_errors):
    error = one_error(compile_errors('lexicon l = {"the end", "a"}\nrule r { match !<l> }'))
    located(error, 2, 18)
    assert "single words" in error.message


def test_veto_needs_a_kind_or_layer(compile_errors):
    error = one_error(compile_errors('\nveto v { match "a" }'))
    assert error.line == 2 and "veto" in error.message


def test_ambiguous_reference_through_two_imports(tmp_path):
    write(tmp_path, "a.rules", 'fragment n { match "a" }')
    write(tmp_path, "b.rules", 'fragment n { match "b" }')
    main = write(tmp_path, "main.rules", 'import "a.rules"\nimport "b.rules"\nrule r { match "x" @n }')
    with pytest.raises(RuleErrors) as info:
        Engine.from_paths(main, use_installed=False)
    messages = [e for e in info.value.errors if "ambiguous" in e.message]
    assert messages and messages[0].line == 3 and messages[0].column == 20


def test_errors_of_every_file_are_collected_in_one_run():
    texts = {
        "one.rules": "rule a { match }",
        "two.rules": 'rule b { match @nowhere }\nrule c { match n:NUM yield { v: frob(n) } }',
    }
    with pytest.raises(RuleErrors) as info:
        Engine(packs=[], use_installed=False, texts=texts)
    found = {(e.file, e.line) for e in info.value.errors}
    assert ("one.rules", 1) in found
    assert ("two.rules", 1) in found
    assert ("two.rules", 2) in found
    text = str(info.value)
    assert "one.rules:1:" in text and "two.rules:2:" in text
    assert text.endswith("errors in rule files")


def test_rule_errors_is_a_tallyrules_error():
    from tallyrules import TallyrulesError

    errors = RuleErrors([RuleError("boom", file="f.rules", line=2, column=3, source_line="abc", hint="try")])
    assert isinstance(errors, TallyrulesError)
    assert str(errors) == "f.rules:2:3: error: boom\n    abc\n      ^\n  hint: try\n1 error in rule files"


# ---- misspellings are errors, with a suggestion ----------------------------------
TYPED = 'kind amount { value, qualifier }\nrule n: amount { match v:NUM yield { value: number(v) } }\n'


def test_a_misspelt_field_of_a_captured_kind_is_an_error_with_a_suggestion(compile_errors):
    errors = compile_errors(TYPED + 'kind big { size }\nrule b: big {\n  match a:@amount\n  where a.valu > 10\n'
                            '  yield { size: a.qualifer }\n}\n')
    by_line = {e.line: e for e in errors}
    assert set(by_line) == {6, 7}
    assert by_line[6].message == "'a' has no field 'valu'" and "did you mean 'value'?" in by_line[6].hint
    assert by_line[7].message == "'a' has no field 'qualifer'" and "did you mean 'qualifier'?" in by_line[7].hint


def test_fields_of_kinds_spans_and_links_are_accepted(engine_of):
    said = 'kind said { content }\nrule s: said { match "said" c:(ANY{1,3}) yield { content: c } }\n'
    engine = engine_of(TYPED + said +
                       'link amount to said.content\nkind big { size, at, claimed }\n'
                       'rule b: big { match a:@amount w:WORD yield { size: a.value, at: w.start, claimed: a.said } }\n')
    assert engine.rules


def test_a_field_of_a_plain_span_is_checked(compile_errors):
    error = one_error(compile_errors('rule r { match w:WORD yield { v: w.value } }'))
    assert error.message == "'w' has no field 'value'" and "end, start, text" in error.hint


def test_a_misspelt_field_in_an_example_is_an_error(compile_errors):
    rule = 'rule m: amount {\n  match v:NUM\n  yield { value: number(v) }\n  example "5" => { valeu: 5 }\n}\n'
    error = one_error(compile_errors('kind amount { value, qualifier }\n' + rule))
    assert "example names field 'valeu'" in error.message and "did you mean 'value'?" in error.hint
    assert error.line == 5


def test_misspelt_keyword_reference_lexicon_and_function_get_suggestions(compile_errors):
    keyword = one_error(compile_errors('rule r {\n  mtch NUM\n}'))
    assert keyword.hint == "did you mean 'match'?"
    reference = one_error(compile_errors(TYPED + 'rule r { match @amont }'))
    assert reference.hint == "did you mean '@amount'?" and reference.column == 16  # the caret is on "@"
    lexicon = one_error(compile_errors('lexicon scale = {"million"}\nrule r { match NUM <scael> }'))
    assert lexicon.hint == "did you mean 'scale'?"
    function = one_error(compile_errors('rule r { match x:NUM yield { v: nuber(x) } }'))
    assert function.hint.startswith("did you mean 'number'?")


def test_a_kind_declared_twice_is_one_error_without_follow_on_errors():
    first = 'kind event { actor, place }\nrule e: event { match a:CAP "took" p:CAP yield { actor: a, place: p } }\n'
    second = 'kind event { actor }\nrule f: event { match a:CAP "left" yield { actor: a } }\n'
    with pytest.raises(RuleErrors) as info:
        Engine(packs=[], use_installed=False, texts={"one.rules": first, "two.rules": second})
    (error,) = info.value.errors
    assert error.file == "two.rules" and error.line == 1 and "declared twice" in error.message
    assert "one.rules:1" in error.hint


def test_an_unused_lexicon_is_a_warning(engine_of):
    engine = engine_of('lexicon spare = {"a"}\nlexicon used = {"b"}\nlexicon looked = {"c": 1}\n'
                       'rule r { match x:<used> yield { v: lookup(<looked>, x) } }')
    assert [(w.line, w.message) for w in engine.compiled.warnings] == [(1, "lexicon <spare> is never used")]
    assert str(engine.compiled.warnings[0]).startswith("inline.rules:1:1: warning:")
