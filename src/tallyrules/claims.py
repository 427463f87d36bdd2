"""Claims about the same thing, side by side across documents (``tallyrules claims OUT.jsonl``).

A *claim* is a number that the text puts on something: a casualty count, the size of a force, a
territorial change with a magnitude, or a quantity or range that says what it counts (an entity)
or in what unit. Claims are grouped by a key:

* the event kind (``casualty`` with its type such as ``killed``, ``force_size``,
  ``territorial_change`` with its verb, or ``quantity`` for a bare number);
* the actor where the rule found one (the force's actor, the casualties' victim, the side that
  gained or lost ground), by its normalized name, so ``ISIS`` and ``ISIL`` meet;
* the counted entity, lower-cased with its last word reduced to its lemma (``Fighters`` ->
  ``fighter``; irregular plurals come from ``claims_lemmas.tsv``);
* the unit (``km2``, ``percent``, ``USD``...).

Each claim keeps its value (low/high bounds and qualifier), its source (the attribution it is
linked to, or the attribution whose content holds it) and its document. A group *disagrees* when
two of its values cannot both be true: their ranges do not overlap, an approximate value being
taken as +/-10 %. What grouping cannot know is written in docs/claims.md.
"""

from __future__ import annotations

import contextlib
import csv
import json
import math
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cache
from html import escape
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

import attrs

from .errors import InputError

APPROXIMATE_SLACK = 0.10  # "about 5,000" is taken to mean 4,500 to 5,500 when comparing values

# Where each event kind keeps its number, its actor and its qualifying word.
_EVENT_VALUE = {"casualty": "count", "force_size": "size", "territorial_change": "magnitude"}
_EVENT_ACTOR = {"casualty": ("victim",), "force_size": ("actor",), "territorial_change": ("gainer", "loser")}
_EVENT_TYPE = {"casualty": "type", "territorial_change": "verb"}
_NUMERIC_KINDS = ("quantity", "range", "vague_quantity")


@cache
def _lemmas() -> tuple[dict[str, str], tuple[tuple[str, str], ...]]:
    words: dict[str, str] = {}
    suffixes: list[tuple[str, str]] = []
    text = resources.files("tallyrules").joinpath("claims_lemmas.tsv").read_text(encoding="utf-8")
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        what, form, lemma = (line.split("\t") + ["", ""])[:3]
        if what == "word":
            words[form] = lemma
        elif what == "suffix":
            suffixes.append((form, lemma))
    return words, tuple(sorted(suffixes, key=lambda pair: -len(pair[0])))


def lemma(word: str) -> str:
    """The dictionary form of an English noun: lower case, singular (``Militias`` -> ``militia``)."""
    word = word.lower()
    words, suffixes = _lemmas()
    if word in words:
        return words[word]
    for suffix, replacement in suffixes:
        if word.endswith(suffix) and len(word) > len(suffix) + 1:
            return word[: len(word) - len(suffix)] + replacement
    return word


def normalize_entity(entity: str | None) -> str | None:
    """The grouping form of a counted entity: lower case, the last word (its head) lemmatized."""
    if not entity:
        return None
    words = entity.replace("\u2019", "'").split()
    if not words:
        return None
    return " ".join([w.lower() for w in words[:-1]] + [lemma(words[-1])])


@attrs.frozen
class Claim:
    """One number about something, in one document."""

    document: Any
    kind: str
    text: str
    low: float | None
    high: float | None
    qualifier: str | None
    source: str | None
    cue: str | None
    start: int
    end: int
    detail: str | None = None

    def bounds(self) -> tuple[float, float]:
        """The values this claim allows, for comparison: open ends are infinite, approximations widened."""
        low = -math.inf if self.low is None else float(self.low)
        high = math.inf if self.high is None else float(self.high)
        if self.qualifier == "approximately":
            low, high = low * (1 - APPROXIMATE_SLACK), high * (1 + APPROXIMATE_SLACK)
        return low, high

    def value_text(self) -> str:
        """The value in figures: ``9,000-18,000``, ``more than 6,000``, ``about 31,000``."""
        def fig(x: float | None) -> str:
            if x is None:
                return "?"
            return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}".rstrip("0").rstrip(".")
        words = {"more_than": "more than", "at_least": "at least", "less_than": "less than", "at_most": "at most",
                 "approximately": "about"}
        if self.low is not None and self.high is not None and self.low != self.high:
            return f"{fig(self.low)}-{fig(self.high)}"
        if self.low is None and self.high is None:
            return self.text
        number = self.low if self.low is not None else self.high
        prefix = words.get(self.qualifier or "", "")
        if not prefix:
            prefix = "at least" if self.high is None else "at most" if self.low is None else ""
        return f"{prefix} {fig(number)}".strip()


@attrs.frozen
class ClaimGroup:
    """Claims with the same key; ``label`` reads the key as words."""

    key: tuple[str | None, ...]
    claims: tuple[Claim, ...]

    @property
    def label(self) -> str:
        kind, kind_type, actor, entity, unit = self.key
        head = kind if not kind_type else f"{kind} ({kind_type})"
        return " \u00b7 ".join(part for part in (head, actor, entity, unit) if part)

    @property
    def documents(self) -> int:
        return len({json.dumps(c.document, default=str) for c in self.claims})

    def conflicts(self) -> list[tuple[int, int]]:
        """Pairs of claim positions whose values cannot both hold."""
        pairs = []
        for i, a in enumerate(self.claims):
            a_low, a_high = a.bounds()
            for j in range(i + 1, len(self.claims)):
                b_low, b_high = self.claims[j].bounds()
                if a_high < b_low or b_high < a_low:
                    pairs.append((i, j))
        return pairs

    @property
    def disagrees(self) -> bool:
        return bool(self.conflicts())


def _text_of(value: Any) -> str | None:
    if isinstance(value, Mapping):
        return value.get("text")
    return value if isinstance(value, str) else None


def _actor_of(value: Any) -> str | None:
    if isinstance(value, Mapping):
        name = value.get("name")
        return _text_of(name) if isinstance(name, Mapping) else name or value.get("text")
    return value if isinstance(value, str) else None


def _source_for(index: int, start: int, end: int, extractions: Sequence[Mapping[str, Any]]) -> tuple[Any, Any]:
    """The source and cue of a claim: its linked attribution, else the narrowest one holding it."""
    candidates = []
    for position, other in enumerate(extractions):
        if other.get("kind") != "attribution":
            continue
        content = other.get("content")
        if isinstance(content, Mapping) and content["start"] <= start and end <= content["end"]:
            candidates.append((content["end"] - content["start"], position))
    link = extractions[index].get("attribution")
    chosen = link if isinstance(link, int) and 0 <= link < len(extractions) else None
    if chosen is None and candidates:
        chosen = min(candidates)[1]
    if chosen is None:
        return None, None
    attribution = extractions[chosen]
    return _text_of(attribution.get("source")), _text_of(attribution.get("cue"))


def claims_of(record: Mapping[str, Any]) -> Iterator[tuple[tuple[str | None, ...], Claim]]:
    """The keyed claims of one JSONL record (one document)."""
    extractions: list[Mapping[str, Any]] = record.get("extractions") or []
    document = record.get("id")
    numbers_in_events: set[tuple[int, int]] = set()
    for index, extraction in enumerate(extractions):
        kind = extraction.get("kind")
        if kind not in _EVENT_VALUE:
            continue
        value = extraction.get(_EVENT_VALUE[kind])
        if not isinstance(value, Mapping) or (value.get("low") is None and value.get("high") is None):
            continue
        numbers_in_events.add((value["start"], value["end"]))
        actor = next((_actor_of(extraction.get(f)) for f in _EVENT_ACTOR[kind] if extraction.get(f)), None)
        kind_type = extraction.get(_EVENT_TYPE.get(kind, ""))
        key = (kind, _text_of(kind_type), actor, normalize_entity(value.get("entity")), value.get("unit"))
        source, cue = _source_for(index, value["start"], value["end"], extractions)
        # A claim linked through its number: the number's own link names the source.
        for position, other in enumerate(extractions):
            if other.get("kind") in _NUMERIC_KINDS and (other["start"], other["end"]) == (value["start"], value["end"]):
                linked_source, linked_cue = _source_for(position, other["start"], other["end"], extractions)
                source, cue = source or linked_source, cue or linked_cue
        details = [f"{f}: {_actor_of(extraction.get(f))}" for f in ("perpetrator", "loser", "place")
                   if extraction.get(f) and f not in _EVENT_ACTOR[kind][:1]]
        yield key, Claim(document, kind, extraction.get("text", ""), value.get("low"), value.get("high"),
                         value.get("qualifier"), source, cue, extraction["start"], extraction["end"],
                         "; ".join(details) or None)
    for index, extraction in enumerate(extractions):
        kind = extraction.get("kind")
        if kind not in _NUMERIC_KINDS or (extraction["start"], extraction["end"]) in numbers_in_events:
            continue
        entity, unit = normalize_entity(extraction.get("entity")), extraction.get("unit")
        if entity is None and unit is None:
            continue  # a bare number: nothing says what it counts
        if extraction.get("low") is None and extraction.get("high") is None:
            continue
        source, cue = _source_for(index, extraction["start"], extraction["end"], extractions)
        yield ("quantity", None, None, entity, unit), Claim(
            document, kind, extraction.get("text", ""), extraction.get("low"), extraction.get("high"),
            extraction.get("qualifier"), source, cue, extraction["start"], extraction["end"])


def group_claims(records: Iterable[Mapping[str, Any]], min_claims: int = 1) -> list[ClaimGroup]:
    """Claims of all records grouped by key; groups with the most documents first."""
    groups: dict[tuple[str | None, ...], list[Claim]] = {}
    for record in records:
        for key, claim in claims_of(record):
            groups.setdefault(key, []).append(claim)
    found = [ClaimGroup(key, tuple(claims)) for key, claims in groups.items() if len(claims) >= min_claims]
    found.sort(key=lambda g: (-g.documents, -len(g.claims), g.label))
    return found


def read_results(paths: Sequence[str]) -> Iterator[dict[str, Any]]:
    """The records of ``tallyrules extract --format jsonl`` files (``-`` is standard input)."""
    for path in paths:
        with contextlib.ExitStack() as stack:
            stream = sys.stdin if path == "-" else stack.enter_context(Path(path).open(encoding="utf-8"))
            for number, line in enumerate(stream, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except ValueError as error:
                    raise InputError(f"line {number} of {path} is not JSON: {error}") from error
                if not isinstance(record, dict) or not isinstance(record.get("extractions", []), list):
                    raise InputError(f"line {number} of {path} is not a line of 'tallyrules extract' output")
                yield record


# ---- writing ------------------------------------------------------------------------------------
def _rows(groups: Iterable[ClaimGroup]) -> Iterator[dict[str, Any]]:
    for number, group in enumerate(groups, start=1):
        conflicting = {i for pair in group.conflicts() for i in pair}
        for position, claim in enumerate(group.claims):
            yield {"group": number, "about": group.label, "disagrees": group.disagrees,
                   "conflicting": position in conflicting, "value": claim.value_text(), "low": claim.low,
                   "high": claim.high, "qualifier": claim.qualifier, "source": claim.source, "cue": claim.cue,
                   "document": claim.document, "kind": claim.kind, "text": claim.text, "start": claim.start,
                   "end": claim.end, "detail": claim.detail}


def _table(groups: Sequence[ClaimGroup], out: TextIO) -> None:
    for number, group in enumerate(groups, start=1):
        flag = "  DISAGREE" if group.disagrees else ""
        out.write(f"[{number}] {group.label}: {len(group.claims)} claims in {group.documents} documents{flag}\n")
        conflicting = {i for pair in group.conflicts() for i in pair}
        for position, claim in enumerate(group.claims):
            mark = "!" if position in conflicting else " "
            extra = f"  [{claim.detail}]" if claim.detail else ""
            out.write(f"  {mark} {claim.value_text():<22} ({claim.source or 'no source'}, doc {claim.document})"
                      f"  {claim.text!r}{extra}\n")
        out.write("\n")
    if not groups:
        out.write("no claims to compare\n")


def _html(groups: Sequence[ClaimGroup], out: TextIO) -> None:
    disagreeing = sum(g.disagrees for g in groups)
    out.write("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>tallyrules claims</title>"
              "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
              "<style>body{font:14px/1.45 system-ui,sans-serif;margin:16px 24px}"
              "section{border-top:2px solid #ddd;margin-top:14px}h2{font-size:15px;margin:6px 0}"
              "section.disagree h2::after{content:' \u2260 values disagree';color:#b00;font-size:13px}"
              "table{border-collapse:collapse}td,th{padding:2px 10px;border-bottom:1px solid #eee;text-align:left}"
              "tr.conflict td:first-child{color:#b00;font-weight:600}.muted{color:#777}</style></head><body>")
    out.write(f"<h1>Claims compared across documents</h1><p>{len(groups)} groups, {disagreeing} with values that "
              "disagree.</p>")
    for number, group in enumerate(groups, start=1):
        conflicting = {i for pair in group.conflicts() for i in pair}
        out.write(f"<section id=\"g{number}\" class=\"{'disagree' if group.disagrees else 'agree'}\">"
                  f"<h2>{escape(group.label)} <span class=\"muted\">{len(group.claims)} claims, {group.documents} "
                  "documents</span></h2><table><thead><tr><th>value</th><th>qualifier</th><th>source</th>"
                  "<th>document</th><th>as written</th></tr></thead><tbody>")
        for position, claim in enumerate(group.claims):
            css = " class=\"conflict\"" if position in conflicting else ""
            out.write(f"<tr{css}><td>{escape(claim.value_text())}</td><td>{escape(claim.qualifier or '')}</td>"
                      f"<td>{escape(claim.source or '')}</td><td>{escape(str(claim.document))}</td>"
                      f"<td>{escape(claim.text)}</td></tr>")
        out.write("</tbody></table></section>")
    out.write("</body></html>\n")


def write_claims(groups: Sequence[ClaimGroup], out: TextIO, fmt: str = "table", disagreeing_only: bool = False,
                 minimum: int = 1) -> None:
    """Write groups as a readable ``table``, ``csv`` (a row per claim), ``html`` or ``jsonl`` (a line per group)."""
    chosen = [g for g in groups if g.documents >= minimum and (g.disagrees or not disagreeing_only)]
    if fmt == "table":
        _table(chosen, out)
    elif fmt == "html":
        _html(chosen, out)
    elif fmt == "csv":
        rows = list(_rows(chosen))
        writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else ["group"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    else:
        for group in chosen:
            out.write(json.dumps({"about": group.label, "key": group.key, "disagrees": group.disagrees,
                                  "claims": [attrs.asdict(c) for c in group.claims]}, ensure_ascii=False,
                                 default=str) + "\n")
