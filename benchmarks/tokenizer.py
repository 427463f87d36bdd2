"""Speed of the token layer: tokenize, classify and build the class string of each news item.

    python benchmarks/tokenizer.py [--corpus PATH] [--repeat N] [--json out.json]

Reads the news corpus (``../shared/corpus/ag_news_test.jsonl`` beside the repository) and
reports, from one run so that the figures compare like with like (the machine is shared:
read the ratios, and the load average printed with them):

* one Python ``re`` number pass over the same texts (the baseline of
  ``benchmarks/throughput.py``), in MB/s of UTF-8;
* the splitting pass alone with Python ``re`` (:func:`tallyrules.tokenizer.split`) and
  with RE2 (the same token regex), to choose the engine;
* tokenize + classify + class string (:meth:`TokenClassifier.document`) with the
  lexicons of every installed pack, first with an empty type cache (every type
  classified during the pass) and then warm (every type cached);

each as MB/s and as its time over the ``re`` pass's.  Every timing is the best of
``--repeat`` runs.  Without the corpus it says so and exits 0.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import re2

sys.path.insert(0, str(Path(__file__).resolve().parent))

from baseline import best_of, corpus_run, re_number_pass  # noqa: E402

import tallyrules  # noqa: E402
from tallyrules.tokenizer import _SPLITTER, SPLIT_REGEX, TokenClassifier, engine_lexicons, split  # noqa: E402
from tallyrules.tokens import compact_classes  # noqa: E402


def python_regex_alone(texts: list[str]) -> None:
    """The regex part of split(): separators and tokens, no offsets."""
    for text in texts:
        _SPLITTER.split(text)


def python_split(texts: list[str]) -> None:
    for text in texts:
        split(text)


_RE2_SPLITTER = re2.compile(compact_classes(SPLIT_REGEX))


def re2_split(texts: list[str]) -> None:
    """The same pass through RE2: separators and tokens as findall pairs, offsets summed as in split()."""
    for text in texts:
        pairs = _RE2_SPLITTER.findall(text)
        if pairs:
            separators, tokens = zip(*pairs, strict=True)


def re2_finditer(texts: list[str]) -> None:
    """RE2 with a match object per token (what tokens.tokenize() does)."""
    for text in texts:
        for match in _RE2_SPLITTER.finditer(text):
            match.span(2)


def main() -> int:
    run = corpus_run(__doc__ or "", repeat=5)
    if run is None:
        return 0
    args, texts, megabytes = run
    assert all(_RE2_SPLITTER.findall(t) == split_pairs(t) for t in texts[:500]), "RE2 and re split differently"

    engine = tallyrules.Engine.default()
    lexicons = engine_lexicons(engine)
    load_before = os.getloadavg()

    baseline = best_of(args.repeat, lambda: re_number_pass(texts))
    timings = {
        "split, Python re, regex alone": best_of(args.repeat, lambda: python_regex_alone(texts)),
        "split, Python re": best_of(args.repeat, lambda: python_split(texts)),
        "split, RE2 findall": best_of(args.repeat, lambda: re2_split(texts)),
        "split, RE2 finditer": best_of(args.repeat, lambda: re2_finditer(texts)),
    }
    cold = float("inf")
    for _ in range(args.repeat):
        classifier = TokenClassifier(lexicons)
        started = time.perf_counter()
        for text in texts:
            classifier.document(text)
        cold = min(cold, time.perf_counter() - started)
    timings["tokenize+classify+class string, cold cache"] = cold
    timings["tokenize+classify+class string, warm cache"] = best_of(
        args.repeat, lambda: [classifier.document(text) for text in texts])
    baseline_again = best_of(args.repeat, lambda: re_number_pass(texts))
    baseline = min(baseline, baseline_again)
    load_after = os.getloadavg()

    tokens = sum(len(split(text)[0]) for text in texts)
    report = {
        "corpus": str(args.corpus), "documents": len(texts), "megabytes": round(megabytes, 3), "tokens": tokens,
        "lexicons": len(lexicons), "token_types": classifier.cached_types,
        "class_combinations": len(classifier.codes_with()),
        "load_average": [round(x, 2) for x in (*load_before, *load_after)],
        "re_number_pass": {"seconds": baseline, "mb_per_s": megabytes / baseline},
        "timings": {name: {"seconds": seconds, "mb_per_s": megabytes / seconds, "times_re_pass": seconds / baseline}
                    for name, seconds in timings.items()},
    }
    print(f"corpus: {len(texts)} documents, {megabytes:.2f} MB, {tokens} tokens, "
          f"{report['token_types']} token types, {report['class_combinations']} class combinations, "
          f"{len(lexicons)} lexicons")
    print(f"load average (1, 5, 15 min) before {load_before[0]:.1f} {load_before[1]:.1f} {load_before[2]:.1f}, "
          f"after {load_after[0]:.1f} {load_after[1]:.1f} {load_after[2]:.1f}; 2 cores")
    print(f"{'re number pass':48} {megabytes / baseline:7.1f} MB/s   1.0x")
    for name, seconds in timings.items():
        print(f"{name:48} {megabytes / seconds:7.1f} MB/s {seconds / baseline:5.1f}x the re pass")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


def split_pairs(text: str) -> list[tuple[str, str]]:
    tokens, _starts, _ends, separators = split(text)
    return list(zip(separators, tokens, strict=True))


if __name__ == "__main__":
    sys.exit(main())
