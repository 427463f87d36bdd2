"""Claim links: several ``link`` declarations to one target, and events linked to their source."""

from __future__ import annotations

from tallyrules import Engine

RULES = '''
kind said { source, content }
kind amount { value }
kind toll { count }
rule said: said {
    match s:CAP "said" c:(ANY{1,12}) "."
    yield { source: text(s), content: c }
}
rule amount: amount {
    match n:NUM
    yield { value: number(n) }
}
rule toll: toll {
    match c:@amount "were" "killed"
    yield { count: c }
}
link amount to said.content copy source
'''
# a second file links its own kind to the same target, as a plugin pack does
MORE = "link toll to said.content copy source\n"


def test_links_from_two_files_give_one_consistent_claims_list() -> None:
    engine = Engine(packs=[], texts={"a.rules": RULES, "b.rules": MORE})
    found = [e.to_dict() for e in engine.extract("Officials said 21 were killed and 5 fled.")]
    owner = next(i for i, e in enumerate(found) if e["kind"] == "said")
    claims = [i for i, e in enumerate(found) if e.get("said") == owner]
    assert {found[i]["kind"] for i in claims} == {"amount", "toll"}
    assert found[owner]["claims"] == sorted(claims)
    assert all(found[i]["source"] == "Officials" for i in claims)


def test_events_of_the_packs_carry_their_source() -> None:
    engine = Engine.default()
    found = [e.to_dict() for e in engine.extract("The health ministry said 21 soldiers were killed.")]
    casualty = next(e for e in found if e["kind"] == "casualty")
    owner = found[casualty["attribution"]]
    assert owner["kind"] == "attribution"
    assert casualty["source"]["text"] == owner["source"]["text"] == "The health ministry"
    assert found.index(casualty) in owner["claims"]
