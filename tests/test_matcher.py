"""The matcher: conflict policy, layers, vetoes, where, references, links, order and explain()."""

from __future__ import annotations

import pytest

from tallyrules import Engine, Extraction, Span


def found(engine: Engine, text: str) -> list[tuple[str, str]]:
    return [(e.rule.rsplit(".", 1)[-1], e.text) for e in engine.extract(text)]


# ---- conflict policy ---------------------------------------------------------


def test_longest_candidate_wins(engine_of):
    engine = engine_of('rule short: k { match "x" "y" priority 9 }\nrule long: k { match "x" "y" "z" }')
    assert found(engine, "x y z") == [("long", "x y z")]
    assert found(engine, "x y") == [("short", "x y")]


def test_equal_length_higher_priority_wins(engine_of):
    engine = engine_of('rule a: k { match "x" "y" }\nrule b: k { match "y" "z" priority 2 }')
    assert found(engine, "x y z") == [("b", "y z")]


def test_negative_priority_loses(engine_of):
    engine = engine_of('rule a: k { match "x" priority -1 }\nrule b: k { match "x" }')
    assert found(engine, "x") == [("b", "x")]


@pytest.mark.parametrize("order", ["ab", "ba"])
def test_equal_length_and_priority_first_defined_wins(engine_of, order):
    rules = {"a": 'rule a: k { match "x" "y" }', "b": 'rule b: k { match "y" "z" }'}
    engine = engine_of("\n".join(rules[c] for c in order))
    first = order[0]
    expected = ("a", "x y") if first == "a" else ("b", "y z")
    assert found(engine, "x y z") == [expected]


def test_identical_spans_first_defined_wins(engine_of):
    engine = engine_of('rule a: k { match "x" yield { n: 1 } }\nrule b: k { match "x" yield { n: 2 } }')
    (result,) = engine.extract("x")
    assert result["n"] == 1


def test_same_rule_overlaps_resolved_by_earlier_start(engine_of):
    engine = engine_of('rule pair: k { match WORD WORD }')
    assert found(engine, "a b c d e") == [("pair", "a b"), ("pair", "c d")]


def test_losers_do_not_block_non_overlapping_candidates(engine_of):
    engine = engine_of('rule long: k { match "b" "c" "d" }\nrule short: k { match WORD }')
    assert found(engine, "a b c d e") == [("short", "a"), ("long", "b c d"), ("short", "e")]


def test_different_layers_do_not_conflict(engine_of):
    engine = engine_of('rule a: k { match "x" "y" }\nrule b: k { match "y" "z" layer other }')
    assert found(engine, "x y z") == [("a", "x y"), ("b", "y z")]


def test_kinds_without_layer_are_their_own_layer(engine_of):
    engine = engine_of('rule a: k { match "x" "y" }\nrule b: j { match "y" "z" }')
    assert found(engine, "x y z") == [("a", "x y"), ("b", "y z")]


def test_kinds_sharing_a_layer_conflict(engine_of):
    engine = engine_of('kind k layer L { }\nkind j layer L { }\nrule a: k { match "x" "y" }\n'
                       'rule b: j { match "x" "y" "z" }')
    assert found(engine, "x y z") == [("b", "x y z")]


# ---- vetoes --------------------------------------------------------------------


def test_veto_suppresses_its_layer(engine_of):
    engine = engine_of('rule count: q { match NUM "people" }\nveto year: q { match "in" NUM "people" }')
    assert found(engine, "in 2004 people, 5 people") == [("count", "5 people")]
    vetoes = [e for e in engine.run_with_vetoes("in 2004 people") if e.rule.endswith(".year")]
    assert [v.text for v in vetoes] == ["in 2004 people"]


def test_veto_loses_to_a_longer_candidate(engine_of):
    engine = engine_of('rule count: q { match "in" NUM "people" "fled" }\nveto year: q { match "in" NUM "people" }')
    assert found(engine, "in 2004 people fled") == [("count", "in 2004 people fled")]


def test_veto_does_not_touch_other_layers(engine_of):
    engine = engine_of('rule count: q { match NUM }\nveto year: other { match "in" NUM }')
    assert found(engine, "in 2004") == [("count", "2004")]


def test_fixture_veto(news_engine):
    assert [e.kind for e in news_engine.extract("In 2004 people fled.")] == []
    assert [e.text for e in news_engine.extract("In 5 people")] == ["5 people"]


# ---- where ---------------------------------------------------------------------


def test_where_filters_before_conflicts(engine_of):
    engine = engine_of('rule big: k { match n:NUM "x" where number(n) > 3 }\nrule any: k { match NUM }')
    assert found(engine, "2 x 5 x") == [("any", "2"), ("big", "5 x")]


def test_where_with_null_is_false(engine_of):
    engine = engine_of('rule r { match n:NUM e:"x"? where e.text == "x" }')
    assert found(engine, "1 x 2") == [("r", "1 x")]


def test_where_reads_a_capture_named_twice_as_the_first_group_that_took_part(engine_of):
    engine = engine_of('rule r { match (x:"a" | x:"b") n:NUM where x.text == "b" yield { x: text(x) } }')
    assert [e["x"] for e in engine.extract("a 1 b 2")] == ["b"]


def test_where_builds_only_the_captures_it_reads():
    """A candidate the clause drops never builds the nested results it did not look at
    (here one whose field would fail): the clause is evaluated on the captures it names."""
    from tallyrules import hookimpl

    class Plugin:
        __name__ = "counting"
        built: list[str] = []

        @staticmethod
        @hookimpl
        def tallyrules_functions():
            return {"note": lambda value: Plugin.built.append(value.text) or value.text}

    engine = Engine.from_text(
        'fragment tagged { match t:CAP yield { tag: note(t) } }\n'
        'rule r { match who:@tagged n:NUM where number(n) > 5 yield { who: who.tag } }',
        plugins=[Plugin()], use_installed=False)
    assert [e["who"] for e in engine.extract("Ann 3 Bob 9")] == ["Bob"]
    assert Plugin.built == ["Bob"]  # Ann's candidate was dropped without building its reference


# ---- references ------------------------------------------------------------------


def test_captured_reference_is_a_nested_extraction_with_fields(engine_of):
    engine = engine_of(
        'lexicon scale = {"million": 1e6}\n'
        "fragment amount { match n:NUM s:<scale>? yield { value: number(n) * lookup(<scale>, s, 1) } }\n"
        'rule count { match a:@amount e:"people" yield { value: a.value, what: text(e), first: a.start } }'
    )
    (result,) = engine.extract("so 2 million people")
    assert result.text == "2 million people" and result.start == 3
    assert result["value"] == 2e6 and result["what"] == "people" and result["first"] == 3
    (part,) = result.parts
    assert isinstance(part, Extraction)
    assert (part.kind, part.rule, part.start, part.end, part.text) == ("amount", "inline.amount", 3, 12, "2 million")
    assert dict(part.fields) == {"value": 2e6}


def test_captured_reference_as_field_value(engine_of):
    engine = engine_of('fragment who { match CAP+ yield { role: "speaker" } }\n'
                       'rule said { match s:@who "said" yield { source: s, plain: span(s) } }')
    (result,) = engine.extract("Yes, John Kerry said")
    source = result["source"]
    assert isinstance(source, Extraction) and source.text == "John Kerry" and source["role"] == "speaker"
    assert result["plain"] == Span(5, 15, "John Kerry")


def test_uncaptured_capture_is_null_and_plain_capture_is_a_span(engine_of):
    engine = engine_of('rule r { match q:"about"? n:NUM yield { q: q, n: n, has_q: has(q) } }')
    first, second = engine.extract("about 5 and 6")
    assert first["q"] == Span(0, 5, "about") and first["n"] == Span(6, 7, "5") and first["has_q"] is True
    assert second["q"] is None and second["has_q"] is False


def test_reference_rematched_by_highest_priority_target(engine_of):
    engine = engine_of(
        "fragment low: amount { match n:NUM yield { v: 1 } }\n"
        "fragment high: amount { match n:NUM yield { v: 2 } priority 5 }\n"
        'rule r { match a:@amount "x" yield { v: a.v, by: a.rule } }'
    )
    (result,) = engine.extract("7 x")
    assert result["v"] == 2 and result["by"] == "inline.high"


def test_reference_respects_the_target_where(engine_of):
    engine = engine_of(
        "fragment small: amount { match n:NUM where number(n) < 10 yield { size: \"small\" } }\n"
        "fragment any: amount { match n:NUM yield { size: \"any\" } }\n"
        'rule r { match a:@amount "x" yield { size: a.size } }'
    )
    assert [e["size"] for e in engine.extract("5 x 50 x")] == ["small", "any"]


def test_kind_references_across_files():
    engine = Engine(packs=[], use_installed=False, texts={
        "a.rules": "kind number { value }\nfragment n1: number { match n:NUM yield { value: number(n) } }",
        "b.rules": 'rule twice { match x:@number "times" yield { v: x.value * 2 } }',
    })
    (result,) = engine.extract("3 times")
    assert result.rule == "b.twice" and result["v"] == 6
    assert result.parts[0].rule == "a.n1"


def test_fixture_kind_reference_picks_the_glued_scale(news_engine):
    (result,) = news_engine.extract("5bn dollars")
    assert result.kind == "quantity" and result["value"] == 5e9 and result["unit"] == "dollars"
    assert result.parts[0].rule == "numbers.glued_scaled"


def test_fragments_are_never_emitted(engine_of):
    engine = engine_of('fragment f { match NUM }\nrule r { match @f "x" }')
    assert found(engine, "1 x 2") == [("r", "1 x")]


# ---- links ---------------------------------------------------------------------


def test_links_attach_claims_to_attributions(news_engine):
    text = "Officials said more than 6,000 fighters and 40 percent of troops died."
    results = news_engine.extract(text)
    kinds = [e.kind for e in results]
    assert kinds == ["attribution", "quantity", "quantity"]
    attribution, fighters, percent = results
    assert attribution["claims"] == [1, 2]
    assert fighters["attribution"] == 0 and percent["attribution"] == 0
    assert fighters["source"] == attribution["source"]
    assert fighters["source"].text == "Officials"
    assert attribution["content"].start <= fighters.start and fighters.end <= attribution["content"].end


def test_links_only_inside_the_linked_field(news_engine):
    text = "5 people left. Officials said 7 troops died."
    results = news_engine.extract(text)
    outside = [e for e in results if e.text == "5 people"][0]
    inside = [e for e in results if e.text == "7 troops"][0]
    attribution = [e for e in results if e.kind == "attribution"][0]
    assert "attribution" not in outside.fields and "source" not in outside.fields
    assert results[inside["attribution"]] is attribution
    assert attribution["claims"] == [results.index(inside)]


def test_link_per_paragraph(news_engine):
    text = "Officials said 5 people left.\n\nJohn Kerry told reporters 40 percent of civilians left."
    results = news_engine.extract(text)
    attributions = [i for i, e in enumerate(results) if e.kind == "attribution"]
    assert len(attributions) == 2
    for index in attributions:
        for claim in results[index]["claims"]:
            assert results[claim]["attribution"] == index
            assert results[claim]["source"] == results[index]["source"]


def test_attribution_without_claims_has_no_claims_field(news_engine):
    (attribution,) = news_engine.extract("Officials said nothing.")
    assert "claims" not in attribution.fields


# ---- order and determinism -----------------------------------------------------------


def test_results_in_document_order_outer_first(engine_of):
    engine = engine_of('rule inner: a { match NUM }\nrule outer: b { match NUM "x" }\nrule w: c { match "y" }')
    results = engine.extract("y 1 x y 2")
    keys = [(e.start, -e.end) for e in results]
    assert keys == sorted(keys)
    assert found(engine, "y 1 x y 2") == [("w", "y"), ("outer", "1 x"), ("inner", "1"), ("w", "y"), ("inner", "2")]


def test_same_span_ordered_by_rule_order(engine_of):
    engine = engine_of('rule b: k1 { match "x" }\nrule a: k2 { match "x" }')
    assert found(engine, "x") == [("b", "x"), ("a", "x")]


def test_extraction_is_deterministic(news_engine):
    text = "Officials said between 9,000 and 18,000 fighters, about 5bn dollars and 2.3 million people."
    first = news_engine.extract(text)
    assert [e.to_dict() for e in first] == [e.to_dict() for e in news_engine.extract(text)]


def test_empty_and_blank_text(news_engine):
    assert news_engine.extract("") == []
    assert news_engine.extract(" \n\n\t") == []


def test_extract_rejects_non_strings(news_engine):
    with pytest.raises(TypeError):
        news_engine.extract(b"bytes")  # type: ignore[arg-type]


# ---- explain -------------------------------------------------------------------


def test_explain_tree(news_engine):
    (explanation,) = news_engine.explain("about 2.3 million people")
    assert explanation.extraction.kind == "quantity"
    assert explanation.rule is not None and explanation.rule.short_name == "counted"
    (part,) = explanation.parts
    assert part.rule is not None and part.rule.short_name == "spaced_scaled"
    assert part.extraction.text == "2.3 million"
    text = explanation.format()
    lines = text.splitlines()
    assert lines[0].startswith("quantity 'about 2.3 million people' [0:24] by quantities.counted (")
    assert "quantities.rules:" in lines[0]
    assert lines[1].strip().startswith("\u2014 a (qualified) number of things")
    assert "'qualifier': 'approximately'" in text
    nested = [line for line in lines if "numbers.spaced_scaled" in line]
    assert nested and nested[0].startswith("  amount '2.3 million'")


def test_explain_shows_span_fields(news_engine):
    (attribution, _quantity) = news_engine.explain("Officials said 5 people left.")
    text = attribution.format()
    assert "'cue': {'start': 10, 'end': 14, 'text': 'said'}" in text
    assert attribution.parts[0].extraction.text == "Officials"


def test_extract_many_and_documents(news_engine):
    docs = ["5 people", ("x", "7 troops"), {"id": 9, "text": "8 troops"}, {"id": 10}, {"text": "1 people"}]
    results = list(news_engine.extract_many(docs))
    assert [r.id for r in results] == [0, "x", 9, 10, 4]
    assert [len(r.extractions) for r in results] == [1, 1, 1, 0, 1]
    assert results[3].error is not None and "text" in results[3].error
    assert all(r.error is None for i, r in enumerate(results) if i != 3)


def test_function_failure_becomes_a_document_error():
    from tallyrules import hookimpl

    class Plugin:
        __name__ = "failing"

        @staticmethod
        @hookimpl
        def tallyrules_functions():
            return {"explode": lambda value: 1 / 0}

    engine = Engine.from_text('rule r { match n:NUM yield { v: explode(n) } }', plugins=[Plugin()], use_installed=False)
    result = engine.extract_document("5", id="doc")
    assert result.extractions == () and result.id == "doc"
    assert "explode" in result.error and "ZeroDivisionError" in result.error and "inline.r" in result.error


LINKED = r'''
kind said_it { source, content }
kind count { value }
rule said: said_it {
    match s:CAP "said" c:(ANY{1,8})
    yield { source: s, content: c }
}
rule n: count {
    match v:NUM
    yield { value: number(v) }
}
'''


def test_link_copies_only_the_declared_fields(engine_of):
    text = "Kerry said 700 died"
    plain = engine_of(LINKED + "link count to said_it.content\n").extract(text)
    (claim,) = [r for r in plain if r.kind == "count"]
    assert claim["said_it"] == 0 and "source" not in claim.fields
    copied = engine_of(LINKED + "link count to said_it.content copy source\n").extract(text)
    (claim,) = [r for r in copied if r.kind == "count"]
    assert claim["said_it"] == 0 and claim["source"].text == "Kerry"


def test_links_to_one_target_from_several_files_give_one_consistent_contract():
    # two files each link their own kind to the same attribution field (as plugin packs do)
    events = 'kind event { actor }\nrule took: event { match a:CAP "took" yield { actor: a } }\n'
    engine = Engine(packs=[], use_installed=False, texts={
        "core.rules": LINKED + "link count to said_it.content\n",
        "events.rules": events + "link event to said_it.content\n",
    })
    results = engine.extract("Kerry said 700 died and Assad took Aleppo")
    (owner_index,) = [i for i, r in enumerate(results) if r.kind == "said_it"]
    members = [i for i, r in enumerate(results) if r.kind in ("count", "event")]
    assert len(members) == 2
    assert results[owner_index]["claims"] == members
    assert all(results[i]["said_it"] == owner_index for i in members)


NEAR = r'''
kind n layer numbers { v }
rule small: n { match x:NUM where number(x) < 100 yield { v: number(x) } }
rule pair: n { match NUM "to" NUM }
rule single: n { match NUM }
veto year: n { match /(?:19|20)\d\d/ priority 1 }
'''


def test_near_misses_say_why_a_candidate_gave_no_result(engine_of):
    engine = engine_of(NEAR)
    text = "500 or 2 to 3 in 1999"
    assert [r.rule for r in engine.extract(text)] == ["inline.single", "inline.pair"]
    misses = {(m.text, m.rule): (m.reason, m.winner) for m in engine.near_misses(text)}
    assert misses[("500", "inline.small")] == ("where", None)
    assert misses[("2", "inline.small")] == ("conflict", "inline.pair")
    assert misses[("1999", "inline.single")] == ("veto", "inline.year")
    only = engine.near_misses(text, rule="single")
    assert {m.rule for m in only} == {"inline.single"} and only
    assert "suppressed by the veto inline.year" in [m for m in only if m.text == "1999"][0].format()
