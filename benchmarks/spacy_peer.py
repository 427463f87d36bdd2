"""The peer of the throughput benchmark: spaCy's blank English tokenizer plus a token Matcher.

Fifty token patterns of the kind tallyrules' packs hold (numbers and amounts, casualties,
attribution, force sizes), so that "tallyrules against spaCy" compares two ways of finding
the same sort of thing in the same texts.  The patterns are data: spaCy's Matcher syntax.
spaCy is optional (``pip install tallyrules[spacy]``); :func:`available` says whether it is there.
"""

from __future__ import annotations

import importlib.util
import time
from typing import Any

# the vocabulary the patterns share
APPROXIMATE = ["about", "around", "nearly", "almost", "approximately", "roughly", "some", "over", "up"]
VICTIMS = ["people", "civilians", "soldiers", "troops", "fighters", "militants", "children", "women",
           "police", "policemen", "officers", "workers", "passengers", "protesters", "rebels", "insurgents"]
HARMED = ["killed", "died", "dead", "wounded", "injured", "hurt", "missing", "captured", "arrested", "detained"]
SPEECH = ["said", "says", "told", "reported", "stated", "added", "announced", "confirmed", "claimed", "denied"]
SPEAKERS = ["officials", "official", "spokesman", "spokeswoman", "police", "ministry", "army", "military",
            "witnesses", "sources", "government", "agency"]
UNITS = ["percent", "%", "million", "billion", "thousand", "hundred", "dozen", "dozens", "hundreds", "thousands"]
MONEY = ["$", "US$", "EUR", "£", "€", "¥"]
TIME_UNITS = ["years", "months", "weeks", "days", "hours", "minutes", "year", "month", "week", "day"]
FORCES = ["troops", "soldiers", "tanks", "aircraft", "jets", "ships", "vehicles", "battalions", "brigades"]
NUMBER = {"LIKE_NUM": True}
TITLE = {"IS_TITLE": True}


def _word(*words: str) -> dict[str, Any]:
    return {"LOWER": {"IN": list(words)}} if len(words) > 1 else {"LOWER": words[0]}


PATTERNS: dict[str, list[list[dict[str, Any]]]] = {
    # numbers and amounts
    "number": [[NUMBER]],
    "number_unit": [[NUMBER, _word(*UNITS)]],
    "number_and_number": [[NUMBER, _word("and", "to", "or"), NUMBER]],
    "range": [[_word("between"), NUMBER, _word("and"), NUMBER]],
    "money": [[_word(*MONEY), NUMBER], [_word(*MONEY), NUMBER, _word(*UNITS)]],
    "money_words": [[NUMBER, _word("dollars", "euros", "pounds", "yen", "yuan")]],
    "percent": [[NUMBER, _word("percent", "per", "%")], [NUMBER, _word("per"), _word("cent")]],
    "at_least": [[_word("at"), _word("least", "most"), NUMBER]],
    "more_than": [[_word("more", "less", "fewer"), _word("than"), NUMBER]],
    "approximately": [[_word(*APPROXIMATE), NUMBER]],
    "up_to": [[_word("up"), _word("to"), NUMBER]],
    "duration": [[NUMBER, _word(*TIME_UNITS)]],
    "age": [[NUMBER, _word("year"), {"ORTH": "-"}, _word("old")], [_word("aged"), NUMBER]],
    "rank": [[{"LOWER": {"REGEX": r"^\d+(st|nd|rd|th)$"}}]],
    "fraction": [[_word("half", "third", "quarter", "two-thirds"), _word("of")]],
    "growth": [[_word("rose", "fell", "grew", "dropped", "climbed", "slipped"), NUMBER]],
    "growth_by": [[_word("rose", "fell", "grew", "dropped", "climbed"), _word("by"), NUMBER]],
    "score": [[NUMBER, {"ORTH": "-"}, NUMBER]],
    "dozens_of": [[_word("dozens", "hundreds", "thousands", "scores"), _word("of")]],
    "record": [[_word("a"), _word("record"), NUMBER]],
    # casualties
    "count_victims": [[NUMBER, _word(*VICTIMS)]],
    "victims_harmed": [[NUMBER, _word(*VICTIMS), _word("were", "have", "had"), {"OP": "?"}, _word(*HARMED)]],
    "victims_killed": [[NUMBER, _word(*VICTIMS), _word(*HARMED)]],
    "killing": [[_word("killing", "wounding", "injuring"), NUMBER]],
    "killed_count": [[_word(*HARMED), NUMBER]],
    "death_toll": [[_word("death"), _word("toll"), {"OP": "*", "IS_ALPHA": True}, NUMBER]],
    "toll_rose": [[_word("toll"), _word("rose", "climbed", "reached", "stood"), _word("to", "at"), NUMBER]],
    "bodies": [[NUMBER, _word("bodies", "corpses")]],
    "dead_and_wounded": [[NUMBER, _word("dead", "killed"), _word("and"), NUMBER, _word("wounded", "injured")]],
    "casualties": [[NUMBER, _word("casualties", "deaths", "fatalities", "victims")]],
    "at_least_killed": [[_word("at"), _word("least"), NUMBER, {"OP": "?"}, _word(*HARMED)]],
    "one_killed": [[_word("one", "two", "three", "four", "five"), _word("person", "man", "woman", "soldier"),
                    _word("was", "were"), _word(*HARMED)]],
    "no_casualties": [[_word("no"), _word("casualties", "injuries", "deaths")]],
    "toll_of": [[_word("toll", "total"), _word("of"), NUMBER]],
    "suicide_bombing": [[_word("suicide", "car", "roadside"), _word("bomb", "bomber", "bombing", "attack")]],
    # attribution
    "speaker_said": [[_word(*SPEAKERS), _word(*SPEECH)]],
    "said_speaker": [[_word(*SPEECH), _word(*SPEAKERS)]],
    "name_said": [[TITLE, TITLE, _word(*SPEECH)]],
    "said_name": [[_word(*SPEECH), TITLE, TITLE]],
    "according_to": [[_word("according"), _word("to"), {"OP": "?", "LOWER": "the"}, {"IS_ALPHA": True, "OP": "+"}]],
    "told_agency": [[_word("told"), TITLE, {"OP": "?", "IS_TITLE": True}]],
    "quoted": [[_word("quoted"), _word("by", "as")]],
    "statement": [[_word("in"), _word("a"), _word("statement")]],
    "spokesman_for": [[_word("spokesman", "spokeswoman", "spokesperson"), _word("for")]],
    "reports_say": [[_word("reports", "media"), _word("said", "say", "reported")]],
    "declined": [[_word("declined", "refused"), _word("to"), _word("comment", "confirm", "say")]],
    "anonymity": [[_word("speaking"), _word("on"), _word("condition"), _word("of"), _word("anonymity")]],
    # force sizes
    "force_size": [[NUMBER, _word(*FORCES)]],
    "deployed": [[_word("deployed", "sent", "dispatched"), NUMBER, _word(*FORCES)]],
    "strong_force": [[NUMBER, {"ORTH": "-"}, _word("strong")], [NUMBER, _word("strong")]],
}
assert len(PATTERNS) == 50, len(PATTERNS)


def available() -> bool:
    return importlib.util.find_spec("spacy") is not None


def build() -> tuple[Any, Any]:
    """spaCy's blank English pipeline (its tokenizer alone) and a Matcher with the patterns."""
    import spacy
    from spacy.matcher import Matcher

    nlp = spacy.blank("en")
    matcher = Matcher(nlp.vocab)
    for name, patterns in PATTERNS.items():
        matcher.add(name, patterns)
    return nlp, matcher


def run(nlp: Any, matcher: Any, texts: list[str]) -> tuple[float, int]:
    """Tokenize each text and match every pattern: (seconds, matches)."""
    count = 0
    started = time.perf_counter()
    for text in texts:
        count += len(matcher(nlp.make_doc(text)))
    return time.perf_counter() - started, count
