"""Inputs for the benchmarks that do not depend on shared data.

* :func:`load_corpus` reads the news corpus from ``../shared/corpus`` (beside the
  repository) when it is there, and otherwise falls back to
  :func:`synthetic_corpus`: generated news-like sentences (our own templates,
  no third-party text) with numbers, qualifiers, ranges, years and attributions.
* :data:`SAMPLE_RULES` is a small rule file in the shape of the real packs
  (numbers, counted quantities, percentages, ranges, a year veto, attributions
  with a link). The throughput benchmark uses it only when no installed pack has
  any rule, so that it always measures something; it says so in its report.
* :data:`PATHOLOGICAL` builds the adversarial inputs by name and size.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus" / "ag_news_test.jsonl"

Doc = tuple[str, str]  # (id, text)


def load_corpus(path: Path | None = None, limit: int | None = None) -> tuple[list[Doc], str]:
    """The documents and a label saying where they came from."""
    path = path or CORPUS
    if path.exists():
        docs: list[Doc] = []
        with path.open(encoding="utf-8") as stream:
            for number, line in enumerate(stream, start=1):
                if not line.strip():
                    continue
                record = json.loads(line)
                docs.append((str(record.get("id", number)), record["text"]))
                if limit and len(docs) >= limit:
                    break
        return docs, str(path)
    docs = synthetic_corpus(limit or 7600)
    return docs, f"synthetic ({len(docs)} generated documents; {path} not found)"


_SOURCES = ["Officials", "The ministry", "John Carter", "Maria Lopez", "A spokesman", "Police", "The company",
            "Analysts", "The U.N. agency", "Gen. Robert Hale", "Researchers", "The central bank"]
_CUES = ["said", "said on Tuesday", "told reporters", "reported", "announced", "estimated"]
_QUALIFIERS = ["", "", "more than ", "nearly ", "about ", "at least ", "up to ", "less than ", "around "]
_NOUNS = ["fighters", "people", "jobs", "homes", "soldiers", "workers", "shares", "cars", "villages", "patients"]
_VERBS = ["were killed", "were hired", "were sold", "were evacuated", "lost power", "were built", "joined"]
_MONTHS = ["January", "March", "June", "September", "November"]
_WORDS = [
    "the", "of", "and", "to", "in", "a", "for", "on", "with", "as", "by", "at", "from", "its", "after", "over",
    "new", "that", "was", "is", "will", "has", "have", "but", "market", "government", "company", "talks", "plan",
    "week", "deal", "report", "season", "team", "league", "economy", "price", "oil", "election", "minister",
    "city", "region", "court", "vote", "energy", "record", "growth", "quarter", "results", "network",
]


def _number(rng: random.Random) -> str:
    choice = rng.random()
    if choice < 0.3:
        return str(rng.randint(2, 99))
    if choice < 0.6:
        return f"{rng.randint(1, 999)},{rng.randint(0, 999):03d}"
    if choice < 0.8:
        return f"{rng.randint(1, 99)}.{rng.randint(1, 9)} {rng.choice(['million', 'billion'])}"
    return rng.choice(["two", "five", "ten", "dozens of", "hundreds of", "thousands of"])


def _sentence(rng: random.Random) -> str:
    kind = rng.randrange(8)
    noun = rng.choice(_NOUNS)
    if kind == 0:
        return f"{rng.choice(_SOURCES)} {rng.choice(_CUES)} {rng.choice(_QUALIFIERS)}{_number(rng)} {noun} " \
               f"{rng.choice(_VERBS)}."
    if kind == 1:
        return f"\u201cWe expect {rng.choice(_QUALIFIERS)}{rng.randint(2, 60)} percent growth,\u201d " \
               f"{rng.choice(_SOURCES)} said."
    if kind == 2:
        low = rng.randint(1, 50)
        return f"Between {low} and {low + rng.randint(1, 90)} {noun} {rng.choice(_VERBS)} in " \
               f"{rng.choice(_MONTHS)} {rng.randint(1990, 2024)}."
    if kind == 3:
        return f"Shares rose {rng.randint(1, 30)}.{rng.randint(0, 9)}% to ${rng.randint(2, 900)} " \
               f"after the company reported ${_number(rng)} in revenue."
    if kind == 4:
        return f"According to {rng.choice(_SOURCES)}, {rng.choice(_QUALIFIERS)}{_number(rng)} {noun} " \
               f"{rng.choice(_VERBS)} since {rng.randint(1995, 2024)}."
    words = [rng.choice(_WORDS) for _ in range(rng.randint(6, 18))]
    return " ".join(words).capitalize() + "."


def synthetic_corpus(count: int = 7600, seed: int = 0) -> list[Doc]:
    """``count`` generated news items of one to four sentences (about 230 characters each)."""
    rng = random.Random(seed)
    docs = []
    for index in range(count):
        title = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(3, 8))).title()
        body = " ".join(_sentence(rng) for _ in range(rng.randint(1, 3)))
        docs.append((f"synthetic-{index + 1:04d}", f"{title}. {body}"))
    return docs


SAMPLE_RULES = r'''
lexicon scale = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "bn": 1e9, "trillion": 1e12}
lexicon number_word = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                       "eight": 8, "nine": 9, "ten": 10, "dozens of": 24, "hundreds of": 200, "thousands of": 2000}
lexicon qualifier = {"more than": "more_than", "over": "more_than", "at least": "at_least",
                     "nearly": "approximately", "about": "approximately", "around": "approximately",
                     "less than": "less_than", "up to": "at_most"}
lexicon cue = {"said", "says", "told", "reported", "announced", "estimated"}
lexicon unit = {"percent": "percent", "per cent": "percent", "%": "percent"}
lexicon month = {"January", "February", "March", "April", "May", "June", "July", "August", "September",
                 "October", "November", "December"}

kind bench_number { value }
kind bench_quantity layer bench_numeric { value, qualifier, unit, entity }
kind bench_range layer bench_numeric { low, high, unit }
kind bench_attribution { source, cue, content }

rule digits: bench_number {
    match n:NUM (s:<scale>)?
    yield { value: number(n) * lookup(<scale>, s, 1) }
}
rule words: bench_number {
    match w:<number_word>
    yield { value: lookup(<number_word>, w) }
}
rule dollars: bench_quantity {
    match q:<qualifier>? "$" ~ n:@bench_number
    yield { value: n.value, qualifier: lookup(<qualifier>, q, "exact"), unit: "usd" }
}
rule counted: bench_quantity {
    match q:<qualifier>? n:@bench_number e:LOWER
    where n.value > 0
    yield { value: n.value, qualifier: lookup(<qualifier>, q, "exact"), entity: text(e) }
}
rule percent: bench_quantity {
    match q:<qualifier>? n:@bench_number u:<unit>
    yield { value: n.value, qualifier: lookup(<qualifier>, q, "exact"), unit: lookup(<unit>, u) }
}
rule between: bench_range {
    match "between" a:@bench_number "and" b:@bench_number u:<unit>?
    yield { low: min(a.value, b.value), high: max(a.value, b.value), unit: lookup(<unit>, u) }
}
veto year: bench_quantity {
    match ("in" | "since" | <month>)? /(19|20)\d\d/
}
rule said_after: bench_attribution {
    match OPEN_QUOTE c:(ANY{2,12}) ","? CLOSE_QUOTE s:(CAP CAP?) k:<cue>
    yield { source: text(s), cue: text(k), content: c }
}
rule according: bench_attribution {
    match "according to" s:(ABBR? CAP CAP?) "," c:(ANY{2,12})
    yield { source: text(s), cue: "according to", content: c }
}
link bench_quantity, bench_range to bench_attribution.content
'''


def _no_spaces(size: int) -> str:
    # letters, digits and punctuation glued together: "abc1,234.5-x..." with no whitespace at all
    unit = "Officials4said6,000fighters-died;more1.5bn$(US)" * 4
    return (unit * (size // len(unit) + 1))[:size]


def _digits(size: int) -> str:
    return ("1234567890" * (size // 10 + 1))[:size]


def _more_than(count: int) -> str:
    return "more than " * count


def _single_line(size: int, docs: list[Doc] | None = None) -> str:
    texts = [text for _, text in (docs or synthetic_corpus(2000))]
    joined = " ".join(text.replace("\n", " ") for text in texts)
    return (joined + " ") * (size // (len(joined) + 1)) + joined[: size % (len(joined) + 1)]


# name -> (builder(scale, docs) -> text, what it is); ``scale`` 1.0 gives the benchmark's sizes
PATHOLOGICAL: dict[str, tuple[Callable[[float, list[Doc] | None], str], str]] = {
    "no_spaces_1MB": (lambda s, d: _no_spaces(int(1_000_000 * s)), "1 MB of letters, digits, punctuation, no spaces"),
    "digits_100k": (lambda s, d: _digits(int(100_000 * s)), "100,000 digits in one token"),
    "more_than_x10k": (lambda s, d: _more_than(int(10_000 * s)), '10,000 repetitions of "more than "'),
    "single_line_5MB": (lambda s, d: _single_line(int(5_000_000 * s), d), "5 MB of news text on one line"),
}
