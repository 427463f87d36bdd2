"""Parsing rule files: the AST of valid constructs, and located, hinted syntax errors."""

from __future__ import annotations

import re

import pytest

from tallyrules import RuleError, RuleErrors
from tallyrules import ast as A
from tallyrules.lexicons import NO_VALUE
from tallyrules.syntax import COMMON_MISTAKES, parse


def only_rule(text: str) -> A.RuleDef:
    tree = parse(text, "t.rules")
    assert len(tree.rules) == 1
    return tree.rules[0]


def pattern_of(source: str) -> A.Pattern:
    rule = only_rule(f"rule r {{ match {source} }}")
    assert rule.pattern is not None
    return rule.pattern


def expr_of(source: str) -> A.Expr:
    rule = only_rule(f'rule r {{ match x:"a" yield {{ v: {source} }} }}')
    return rule.fields[0][1]


def syntax_errors(text: str, path: str = "t.rules") -> list[RuleError]:
    with pytest.raises(RuleErrors) as info:
        parse(text, path)
    return info.value.errors


# ---- declarations ------------------------------------------------------------


def test_top_level_declarations_parse_to_their_nodes():
    tree = parse(
        '# a comment\n'
        'import "numbers.rules"\n'
        'lexicon scale = {"million": 1e6, "bn": 1000000000, "dozen": 12, "x": "text", "y": true, "z": null,}\n'
        'lexicon acronym cased = {"IS", "ISIL"}\n'
        'lexicon words = file "lexicons/words.txt"\n'
        "kind quantity layer numeric { value, low, high, }\n"
        "kind plain { }\n"
        "link quantity, range to attribution.content\n"
        'rule r { match "a" }  # trailing comment\n',
        "f.rules",
    )
    assert tree.path == "f.rules"
    assert [i.path for i in tree.imports] == ["numbers.rules"]
    assert tree.imports[0].at == A.Location("f.rules", 2, 1)
    scale, acronym, words = tree.lexicons
    assert scale.name == "scale" and not scale.cased and scale.path is None
    assert scale.entries == (("million", 1e6), ("bn", 1000000000), ("dozen", 12), ("x", "text"),
                             ("y", True), ("z", None))
    assert isinstance(dict(scale.entries)["dozen"], int)
    assert isinstance(dict(scale.entries)["million"], float)
    assert acronym.cased and acronym.entries == (("IS", NO_VALUE), ("ISIL", NO_VALUE))
    assert words.entries is None and words.path == "lexicons/words.txt"
    quantity, plain = tree.kinds
    assert (quantity.name, quantity.layer, quantity.fields) == ("quantity", "numeric", ("value", "low", "high"))
    assert (plain.name, plain.layer, plain.fields) == ("plain", None, ())
    (link,) = tree.links
    assert (link.kinds, link.target, link.field, link.copied) == (("quantity", "range"), "attribution", "content", ())
    (copying,) = parse("link q to a.content copy source, cue\n").links
    assert copying.copied == ("source", "cue")
    assert [r.name for r in tree.rules] == ["r"]


def test_rule_clauses_parse_to_a_rule_def():
    rule = only_rule(
        "veto y: quantity {\n"
        '    """A year is not\n       a count."""\n'
        '    match "in" n:NUM\n'
        "    where number(n) > 1900\n"
        '    yield { value: number(n), unit: "year", }\n'
        "    priority -3\n"
        "    layer numeric\n"
        '    example "in 2004" => { value: 2004, source.text: "x", text: "in 2004" }\n'
        '    example "in 1999"\n'
        '    reject "in 5"\n'
        "}\n"
    )
    assert (rule.role, rule.name, rule.kind) == ("veto", "y", "quantity")
    assert rule.doc == "A year is not a count."  # whitespace of a long doc is normalized
    assert isinstance(rule.pattern, A.Sequence)
    assert [name for name, _ in rule.fields] == ["value", "unit"]
    assert isinstance(rule.where, A.Binary) and rule.where.op == ">"
    assert rule.priority == -3
    assert rule.layer == "numeric"
    assert [e.text for e in rule.examples] == ["in 2004", "in 1999"]
    assert rule.examples[0].expected == (("value", 2004), ("source.text", "x"), ("text", "in 2004"))
    assert rule.examples[1].expected == ()
    assert [e.text for e in rule.rejects] == ["in 5"]
    assert rule.at.line == 1 and rule.at.column == 1


def test_rule_without_kind_and_fragment_role():
    tree = parse('fragment f { "doc" match "a" }\nrule g { match @f }')
    f, g = tree.rules
    assert (f.role, f.kind, f.doc) == ("fragment", None, "doc")
    assert (g.role, g.kind, g.doc, g.priority, g.layer, g.where, g.fields) == ("rule", None, "", 0, None, None, ())


def test_string_escapes_in_literals_and_lexicons():
    tree = parse('lexicon q = {"say \\"no\\""}\nrule r { match "it\'s" "\\"" }')
    assert tree.lexicons[0].entries == (('say "no"', NO_VALUE),)
    pattern = tree.rules[0].pattern
    assert [item.text for item in pattern.items] == ["it's", '"']


# ---- patterns ----------------------------------------------------------------


def test_pattern_atoms():
    seq = pattern_of('"more than" "US"c /[0-9]+/ /a\\/b/i NUM <scale> !<stop> @number')
    assert isinstance(seq, A.Sequence)
    lit, cased, regex, slash, cls, lex, notlex, ref = seq.items
    assert lit == A.Literal("more than", False, lit.at)
    assert cased.text == "US" and cased.cased
    assert (regex.source, regex.ignore_case) == ("[0-9]+", False)
    assert (slash.source, slash.ignore_case) == ("a/b", True)
    assert isinstance(cls, A.TokenClass) and cls.name == "NUM"
    assert isinstance(lex, A.LexiconRef) and (lex.name, lex.negated) == ("scale", False)
    assert isinstance(notlex, A.LexiconRef) and (notlex.name, notlex.negated) == ("stop", True)
    assert isinstance(ref, A.RuleRef) and ref.name == "number"
    assert lit.at.column == 16 and cased.at.column == 28  # 'rule r { match ' is 15 columns


def test_glue_binds_tighter_than_sequence_and_alternation_loosest():
    alt = pattern_of('"a" NUM ~ <scale> | "b"')
    assert isinstance(alt, A.Alternation)
    first, second = alt.options
    assert isinstance(first, A.Sequence)
    assert isinstance(first.items[1], A.Glued)
    assert [type(i) for i in first.items[1].items] == [A.TokenClass, A.LexiconRef]
    assert isinstance(second, A.Literal)


def test_captures_groups_and_quantifiers():
    seq = pattern_of('q:<qual>? n:NUM src:(CAP CAP*) "x"+ "y"{1,3} "z"{2,}')
    q, n, src, plus, ranged, open_ended = seq.items
    assert isinstance(q, A.Capture) and q.name == "q"
    assert isinstance(q.item, A.Repeat) and (q.item.low, q.item.high) == (0, 1)
    assert isinstance(n, A.Capture) and isinstance(n.item, A.TokenClass)
    assert isinstance(src.item, A.Sequence)
    star = src.item.items[1]
    assert isinstance(star, A.Repeat) and (star.low, star.high) == (0, None)
    assert (plus.low, plus.high) == (1, None)
    assert (ranged.low, ranged.high) == (1, 3)
    assert (open_ended.low, open_ended.high) == (2, None)


def test_exact_count_quantifier():
    rep = pattern_of('"a"{2}')
    assert (rep.low, rep.high) == (2, 2)


def test_parentheses_only_group():
    inner = pattern_of('(("a"))')
    assert isinstance(inner, A.Literal) and inner.text == "a"


# ---- expressions -------------------------------------------------------------


def test_arithmetic_precedence():
    e = expr_of("1 + 2 * 3 - 4 / 2")
    # ((1 + (2 * 3)) - (4 / 2))
    assert isinstance(e, A.Binary) and e.op == "-"
    assert e.left.op == "+" and e.left.right.op == "*"
    assert e.right.op == "/"


def test_boolean_and_conditional_precedence():
    e = expr_of("1 if not x or x.value > 2 and true else null")
    assert isinstance(e, A.IfElse)
    assert e.then == A.Const(1, e.then.at)
    assert e.otherwise.value is None
    cond = e.condition
    assert cond.op == "or"
    assert isinstance(cond.left, A.Unary) and cond.left.op == "not"
    assert cond.right.op == "and"
    compare = cond.right.left
    assert compare.op == ">" and isinstance(compare.left, A.Attribute) and compare.left.name == "value"


def test_calls_names_lexicon_values_and_literals():
    e = expr_of('lookup(<scale>, x, -1.5)')
    assert isinstance(e, A.Call) and e.function == "lookup"
    lex, name, number = e.args
    assert isinstance(lex, A.LexiconValue) and lex.name == "scale"
    assert isinstance(name, A.Name) and name.name == "x"
    assert number.value == -1.5
    assert expr_of("f()").args == ()
    assert expr_of('"s"').value == "s"
    assert expr_of("6000").value == 6000 and isinstance(expr_of("6000").value, int)
    assert isinstance(expr_of("1e3").value, float)
    assert expr_of("false").value is False
    neg = expr_of("-x")
    assert isinstance(neg, A.Unary) and neg.op == "-"


# ---- syntax errors -----------------------------------------------------------


def test_error_has_location_source_line_caret_and_expected():
    text = 'rule ok { match "a" }\nrule r {\n  match "a" yield { value = 1 }\n}\n'
    (error,) = syntax_errors(text, "dir/f.rules")
    assert (error.file, error.line, error.column) == ("dir/f.rules", 3, 27)
    assert error.source_line == '  match "a" yield { value = 1 }'
    assert "unexpected '='" in error.message
    assert "expected one of: ':'" in error.message
    shown = str(error)
    lines = shown.splitlines()
    assert lines[0].startswith("dir/f.rules:3:27: error:")
    assert lines[1] == "    " + error.source_line
    caret_line = lines[2]
    assert caret_line.strip() == "^"
    assert caret_line.index("^") - 4 == error.column - 1
    assert error.source_line[error.column - 1] == "="


def test_unexpected_character_is_reported():
    (error,) = syntax_errors('rule r { match "a" $ }')
    assert error.line == 1 and error.column == 20
    assert "unexpected character '$'" in error.message
    assert "a name" in error.message and "a /regex/" in error.message  # terminal names are made readable


def test_unexpected_end_of_file_points_after_the_last_line():
    (error,) = syntax_errors('rule r {\n  match "a"')
    assert "end of the file" in error.message
    assert error.line == 2
    assert error.column == len('  match "a"') + 1
    assert error.hint == "a block opened with '{' is not closed with '}'"


def test_expected_list_has_no_raw_terminal_names():
    (error,) = syntax_errors('rule r { match "a" yield { value: 1 unit: 2 } }')
    expected = error.message.split("expected one of:", 1)[1]
    assert not re.findall(r"\b[A-Z][A-Z_]+\b", expected), expected


HINT_CASES = [(hint, example) for hint, examples in COMMON_MISTAKES.items() for example in examples]


@pytest.mark.parametrize(("hint", "snippet"), HINT_CASES, ids=[f"{i}" for i in range(len(HINT_CASES))])
def test_common_mistakes_get_their_hint(hint, snippet):
    errors = syntax_errors(snippet)
    assert errors[0].hint == hint
    assert f"hint: {hint}" in str(errors[0])


def test_common_mistake_hint_in_the_first_declaration_of_a_realistic_file():
    text = 'rule counted {\n    match n:NUM "fighters"\n' \
           '    example "6,000 fighters" { value: 6000 }\n}\n'
    (error,) = syntax_errors(text)
    assert error.line == 3
    assert "=>" in error.hint


@pytest.mark.parametrize(("hint", "snippet"), HINT_CASES, ids=[f"{i}" for i in range(len(HINT_CASES))])
def test_common_mistakes_get_their_hint_after_other_declarations(hint, snippet):
    # (the same happens inside a rule with a kind, `rule r: quantity { ... }`: see the test below)
    errors = syntax_errors('kind quantity { value }\nrule ok { match "a" }\n' + snippet)
    assert errors[0].line == 3
    assert errors[0].hint == hint


def test_common_mistake_hint_in_a_rule_with_a_kind():
    (error,) = syntax_errors('rule r: quantity { match "a" yield { value = 1 } }')
    assert error.hint == "fields are written `name: expression`, separated by commas"


def test_empty_match_gets_no_regex_hint():
    (error,) = syntax_errors("rule r { match }")
    assert "regular expressions" not in error.hint


def test_every_broken_declaration_is_reported_in_one_run():
    text = (
        'rule a { match "x" }\n'
        "rule b { match }\n"
        'rule c { match "y" }\n'
        "rule d { yield { v = 1 } }\n"
        "kind k { value value }\n"
        'lexicon l = {"a" "b"}\n'
        'rule e { match "z" }\n'
    )
    errors = syntax_errors(text)
    assert [e.line for e in errors] == [2, 4, 5, 6]
    assert all(e.file == "t.rules" and e.column > 0 and e.source_line for e in errors)
    summary = str(RuleErrors(errors))
    assert summary.endswith("4 errors in rule files")


def test_deeply_nested_expression_is_a_rule_error_not_a_crash():
    depth = 5000
    with pytest.raises(RuleErrors) as info:
        parse('rule r { match "a" yield { v: ' + "-" * depth + "1 } }")
    assert "nested too deeply" in str(info.value)


def test_deeply_nested_pattern_is_a_rule_error_not_a_crash(compile_errors):
    depth = 400
    errors = compile_errors("rule r { match " + '("a" ' * depth + '"b"' + ")" * depth + " }")
    assert "nested" in errors[0].message
    assert errors[0].line == 1


def test_deeply_nested_parentheses_in_expressions():
    depth = 3000
    text = 'rule r { match x:"a" yield { v: ' + "(" * depth + "1" + ")" * depth + " } }"
    rule = parse(text).rules[0]  # redundant parentheses collapse: no deep tree at all
    assert rule.fields[0][1].value == 1


def test_long_chains_are_errors_or_fine_but_never_crash(engine_of):
    for text in (
        'rule r { match "a" yield { v: ' + " + ".join(["1"] * 3000) + " } }",
        'rule r { match "a" yield { v: ' + "not " * 3000 + "true } }",
        "rule r { match " + " | ".join(['"a"'] * 3000) + " }",
    ):
        try:
            engine_of(text)
        except RuleErrors as errors:
            assert errors.errors and all(isinstance(e, RuleError) for e in errors.errors)


def test_parse_error_type_is_rule_errors_with_file_for_garbage():
    errors = syntax_errors("\x00\x01 rule", "garbage.rules")
    assert errors[0].file == "garbage.rules"
    assert errors[0].line == 1
