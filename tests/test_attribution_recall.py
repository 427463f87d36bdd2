"""Attribution patterns added for recall on unseen news, with the installed packs.

Each case is a short made-up sentence: the source the default engine must find for it (and
its cue), or, for the negative cases, a source it must not report.
"""

from __future__ import annotations

from functools import cache

import pytest

from tallyrules import Engine


@cache
def default_engine() -> Engine:
    return Engine.default()


def attributions(text: str) -> list[tuple[str, str]]:
    """(source text, cue text) of each attribution of ``text``."""
    return [
        (result.fields["source"].text, result.fields["cue"].text)
        for result in default_engine().extract(text)
        if result.kind == "attribution"
    ]


@pytest.mark.parametrize(
    ("text", "source", "cue"),
    [
        # a cue coordinated with the verb after the subject: "X did Y and said Z"
        ("The port authority closed two terminals on Monday and said repairs would take 3 weeks.",
         "The port authority", "said"),
        ("Orbex Ltd. sold its paper unit, but warned that profit would fall 8 percent.", "Orbex Ltd.", "warned"),
        ("The regulator fined the bank $4 million, citing lax controls, and said more fines could follow.",
         "The regulator", "said"),
        ("Prices slid after the mining group cut its output target and said demand had weakened.",
         "the mining group", "said"),
        ("Vantor and Kell signed a supply deal and said it would create 200 jobs.", "Vantor and Kell", "said"),
        # "X did Y, saying Z" with an irregular past form
        ("The airline cut 12 routes on Friday, saying fuel costs had doubled.", "The airline", "saying"),
        # an aside between the source and its cue
        ("Grello Corp., the region's No. 3 grocer, on Tuesday said sales rose 6 percent.", "Grello Corp.", "said"),
        ("The union, which represents 9,000 nurses, said talks had collapsed.", "The union", "said"),
        ("The ministry, in a statement, said 14 people were hurt.", "The ministry", "said"),
        ("Merton Shipping, struggling with high fuel prices, said it would sell 3 vessels.", "Merton Shipping", "said"),
        ("The striker - nicknamed the Rocket by fans - said he would play on Sunday.", "The striker", "said"),
        # sources after the content: a parenthesised acronym, a role with "to", two determiners, "say X"
        ("The vaccine will reach 2 million children, the World Food Council (WFC) said Friday.",
         "the World Food Council", "said"),
        ("The ceasefire is holding, Norway's envoy to the talks said.", "Norway's envoy to the talks", "said"),
        ("The plant will employ 400 people, the two firms said.", "the two firms", "said"),
        ("Coral cover has fallen by a third, say marine biologists.", "marine biologists", "say"),
        # a Reuters ticker whose suffix is a stop word
        ("Ventra Systems Corp. VS.TO on Monday said it would cut 5 percent of its staff.",
         "Ventra Systems Corp. VS.TO", "said"),
    ],
)
def test_new_attribution_patterns(text: str, source: str, cue: str) -> None:
    # an appositive may stay in the source span ("Merton Shipping, struggling with ..."): the
    # source must start with the expected words
    found = attributions(text)
    assert any(got.startswith(source) and got_cue == cue for got, got_cue in found), found


@pytest.mark.parametrize(
    ("text", "not_source"),
    [
        # a coordinated verb phrase runs across no subordinate clause to an earlier subject
        ("Shares rose 4 percent after the retailer beat forecasts and said margins improved.", "Shares"),
        # "and" + a word that is only a cue elsewhere
        ("The brewer bought the plant for $30 million and estimated debt of $12 million.", "The brewer"),
        ("Jones scored 18 points and added seven rebounds.", "Jones"),
        # a list is no aside, a dateline is no source, a conjunction opens no aside
        ("The envoy visited Lima, Quito and Bogota, said an aide.", "Lima"),
        ("GENEVA - The first results of the trial, a large study, showed a 5 percent gain.", "GENEVA"),
        ("Investors chase yields -- and ignore the risks that matter, said analysts at the forum.", "yields"),
        # a simple past form never sits inside a source
        ("Oil fell as the cartel's president said output could rise by 2 million barrels.",
         "Oil fell as the cartel's president"),
    ],
)
def test_no_false_source(text: str, not_source: str) -> None:
    assert not_source not in [source for source, _cue in attributions(text)]


def test_no_attribution_without_a_cue() -> None:
    assert attributions("The committee met on Tuesday, reviewed 12 bids and approved two of them.") == []
