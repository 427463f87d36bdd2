"""Throughput, memory, start-up, linearity and pathological-input benchmark.

    python benchmarks/throughput.py [--json out.json] [--quick] [--profile] [--corpus PATH]

Runs every installed pack (``Engine.default()``) over the news corpus in
``../shared/corpus`` (a generated sample when it is absent) and reports, from
one run so that the ratios compare like with like:

* MB/s (UTF-8 bytes), documents/s, extractions, peak memory (max RSS);
* the cost relative to one Python ``re`` pass of a number regex over the same texts;
* cold start in a fresh interpreter: ``import tallyrules`` and ``Engine.default()``;
* time on 1x, 4x and 16x the corpus (more documents), and on one document of
  1x, 4x, 16x a base size (longer documents), as ratios to linear;
* pathological inputs (no spaces, 100k digits, "more than " x 10k, a 5 MB
  line), each in its own process with a time limit, as cost per MB relative to news;
* ``--jobs 2`` against ``--jobs 1`` through :func:`tallyrules.parallel.extract_parallel`;
* the peer: spaCy's blank English tokenizer plus a Matcher with 50 token patterns
  (``spacy_peer.py``) over the same texts, as MB/s and as a ratio of times (CPU and wall),
  skipped with a note when spaCy is not installed;
* the slowest rules (time of their RE2 search alone, and program size), each timed
  again with a 64 MB DFA budget: a rule many times faster with it is one whose DFA gives
  up within the usual budget, so RE2 runs its NFA (still linear, but a rule to simplify).

``--profile`` adds a cProfile of the corpus pass (top functions by own time).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import multiprocessing
import os
import platform
import pstats
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import spacy_peer  # noqa: E402
from baseline import NUMBER_RE  # noqa: E402
from sample_data import PATHOLOGICAL, SAMPLE_RULES, Doc, load_corpus  # noqa: E402

import tallyrules  # noqa: E402
from tallyrules.inputs import InputDocument  # noqa: E402
from tallyrules.parallel import extract_parallel  # noqa: E402
from tallyrules.regex import LONG_TEXT, EncodedText, RuleRegex  # noqa: E402

# the targets of the matching core (issue 11): a ratio to one `re` pass of at most 10 (lower is
# better) and at least 3 times spaCy's speed
TARGETS = {"mb_per_s": 10.0, "re_ratio": 10.0, "vs_spacy": 3.0, "peak_rss_mb": 200.0, "startup_s": 0.5,
           "jobs2_speedup": 1.7, "one_mb_document_rss_mb": 300.0}
HIGHER_IS_BETTER = ("mb_per_s", "vs_spacy", "jobs2_speedup")
HERE = Path(__file__).resolve()


# ---- helpers ---------------------------------------------------------------------------
def megabytes(texts: list[str]) -> float:
    return sum(len(t.encode("utf-8")) for t in texts) / 1e6


def max_rss_mb() -> float:
    # ru_maxrss is KiB on Linux, bytes on macOS
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1 << 20) if sys.platform == "darwin" else rss / 1024


class StderrCounter:
    """Redirect file descriptor 2 (where C++ libraries log) and keep what it says.

    RE2 itself is told not to log (``log_errors`` is off), so a DFA that gives up is not
    reported there: the slowest-rules table measures it instead.
    """

    def __init__(self) -> None:
        self.other_lines: list[str] = []

    @contextlib.contextmanager
    def capture(self) -> Iterator[None]:
        sys.stderr.flush()
        saved = os.dup(2)
        with tempfile.TemporaryFile() as sink:
            os.dup2(sink.fileno(), 2)
            try:
                yield
            finally:
                sys.stderr.flush()
                os.dup2(saved, 2)
                os.close(saved)
                sink.seek(0)
                self.count(sink.read().decode("utf-8", "replace"))

    def count(self, text: str) -> None:
        for line in text.splitlines():
            if line.strip() and "absl::InitializeLog" not in line and len(self.other_lines) < 20:
                self.other_lines.append(line)


def make_engine(sample: bool) -> tallyrules.Engine:
    if sample:
        return tallyrules.Engine.from_text(SAMPLE_RULES, name="bench_sample.rules")
    return tallyrules.Engine.default()


def run_engine(engine: tallyrules.Engine, texts: list[str]) -> tuple[float, int]:
    count = 0
    started = time.perf_counter()
    for text in texts:
        count += len(engine.extract(text))
    return time.perf_counter() - started, count


def run_re(texts: list[str]) -> float:
    pattern = re.compile(NUMBER_RE)
    started = time.perf_counter()
    for text in texts:
        for match in pattern.finditer(text):
            match.span()
    return time.perf_counter() - started


# ---- sections ----------------------------------------------------------------------------
COLD_START = r"""
import json, resource, sys, time
started = time.perf_counter()
import tallyrules
imported = time.perf_counter()
if {sample!r}:
    sys.path.insert(0, {bench!r})
    from sample_data import SAMPLE_RULES
    engine = tallyrules.Engine.from_text(SAMPLE_RULES, name="bench_sample.rules")
else:
    engine = tallyrules.Engine.default()
built = time.perf_counter()
engine.extract("Officials said 6,000 fighters died.")
first = time.perf_counter()
# VmHWM is this process's own peak; ru_maxrss may carry the peak of the parent it was forked from
try:
    peak_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
except (OSError, StopIteration):
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"import_s": imported - started, "engine_s": built - imported, "first_extract_s": first - built,
                  "rules": len(engine.rules), "rss_mb": peak_kb / 1024}}))
"""


def cold_start(sample: bool, repeats: int, parse_cache: bool = True) -> dict[str, Any]:
    """Start-up in fresh interpreters, best of ``repeats``.  With ``parse_cache`` the user's parse cache
    is used as it stands (warm after the first start); without, each start gets an empty one."""
    runs: list[dict[str, Any]] = []
    for _ in range(repeats):
        if runs and runs[-1]["engine_s"] > 5:
            break  # slow enough that repeating adds nothing
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as empty_cache:
            environment = dict(os.environ) if parse_cache else {**os.environ, "TALLYRULES_CACHE_DIR": empty_cache}
            done = subprocess.run([sys.executable, "-c", COLD_START.format(sample=sample, bench=str(HERE.parent))],
                                  capture_output=True, text=True, check=True, timeout=300, env=environment)
        wall = time.perf_counter() - started
        record = json.loads(done.stdout.strip().splitlines()[-1])
        record["process_s"] = wall
        runs.append(record)
    best = min(runs, key=lambda r: r["import_s"] + r["engine_s"])
    best["startup_s"] = best["import_s"] + best["engine_s"]
    best["repeats"] = len(runs)
    return best


def scaling(engine: tallyrules.Engine, texts: list[str], seconds_1x: float, budget: float) -> dict[str, Any]:
    """More documents: the corpus (or a prefix that keeps 16x within the budget) repeated 4 and 16 times."""
    base = texts
    if seconds_1x * 21 > budget:  # 1 + 4 + 16 passes
        keep = max(50, int(len(texts) * budget / (seconds_1x * 21)))
        base = texts[:keep]
    rows = {}
    for factor in (1, 4, 16):
        seconds, _ = run_engine(engine, base * factor)
        rows[factor] = seconds
    return {
        "base_documents": len(base), "base_mb": megabytes(base),
        "seconds": {f"{k}x": v for k, v in rows.items()},
        "ratio_4x": rows[4] / rows[1], "ratio_16x": rows[16] / rows[1],
        "per_mb_16x_vs_1x": rows[16] / 16 / rows[1],
    }


def long_documents(engine: tallyrules.Engine, texts: list[str], base_chars: int, timeout: float) -> dict[str, Any]:
    """Longer documents: one text of 1x, 4x, 16x ``base_chars`` of corpus sentences (each in a child)."""
    joined = " ".join(texts)
    while len(joined) < base_chars * 16:
        joined = joined + " " + joined
    # Texts past LONG_TEXT characters use copies of the regexes with a larger DFA budget, compiled
    # on first need; build them here, once, so that the children (forked) time matching, not compiling.
    engine.extract(joined[: LONG_TEXT + 1])
    rows: dict[int, float] = {}
    for factor in (1, 4, 16):
        record = extract_in_child(engine, joined[: base_chars * factor], timeout)
        if record is None:
            return {"base_chars": base_chars, "seconds": {f"{k}x": v for k, v in rows.items()},
                    "timeout_s": timeout, "timed_out_at": f"{factor}x"}
        rows[factor] = record["seconds"]
    return {
        "base_chars": base_chars, "seconds": {f"{k}x": v for k, v in rows.items()},
        "ratio_4x": rows[4] / rows[1], "ratio_16x": rows[16] / rows[1],
    }


def _timed_extract(engine: tallyrules.Engine, text: str, connection: Any) -> None:
    started = time.perf_counter()
    results = engine.extract(text)
    seconds = time.perf_counter() - started
    bad = [r for r in results if not (0 <= r.start < r.end <= len(text) and text[r.start:r.end] == r.text)]
    connection.send({"seconds": seconds, "mb": len(text.encode()) / 1e6, "extractions": len(results),
                     "bad_offsets": len(bad), "peak_rss_mb": max_rss_mb()})
    connection.close()


def extract_in_child(engine: tallyrules.Engine, text: str, timeout: float) -> dict[str, Any] | None:
    """``engine.extract(text)`` in a forked child (it inherits the compiled engine); None after ``timeout`` s."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_timed_extract, args=(engine, text, sender), daemon=True)
    child.start()
    sender.close()
    record = receiver.recv() if receiver.poll(timeout) else None
    if record is None:
        child.terminate()
    child.join(5)
    receiver.close()
    return record


# A user's rule whose every match could go on to the end of the text: RE2 must read on to know
# that a match is the longest, so an unbounded search reads O(n) bytes per match (quadratic).
REPETITION_RULE = 'rule either { match "a" | "a" WORD* "b" }'


def repetition_linearity(timeout: float, tokens: int = 20_000) -> dict[str, Any]:
    """``REPETITION_RULE`` over "a a a ..." of ``tokens`` and twice as many tokens, each in a child."""
    engine = tallyrules.Engine.from_text(REPETITION_RULE)
    seconds = {}
    for n in (tokens, 2 * tokens):
        record = extract_in_child(engine, "a " * n, timeout)
        if record is None:
            return {"tokens": tokens, "timeout_s": timeout, "seconds": seconds}
        seconds[n] = record["seconds"]
    return {"tokens": tokens, "seconds": seconds, "ratio_2x": seconds[2 * tokens] / seconds[tokens]}


def one_megabyte_document(engine: tallyrules.Engine, texts: list[str], timeout: float) -> dict[str, Any] | None:
    """One document of 1 MB of news paragraphs, in a child: its time and the child's peak memory."""
    pieces, size = [], 0
    while size < 1_000_000:
        for text in texts:
            pieces.append(text)
            size += len(text) + 2
            if size >= 1_000_000:
                break
    return extract_in_child(engine, "\n\n".join(pieces), timeout)


def pathological(engine: tallyrules.Engine, docs: list[Doc], scale: float, timeout: float,
                 normal_s_per_mb: float) -> dict[str, Any]:
    """Each input in a forked child, given up after ``timeout`` seconds."""
    out: dict[str, Any] = {}
    for name, (build, what) in PATHOLOGICAL.items():
        text = build(scale, docs)
        record = extract_in_child(engine, text, timeout)
        if record is None:
            out[name] = {"what": what, "mb": len(text.encode()) / 1e6, "timeout_s": timeout}
            continue
        record["what"] = what
        record["mb_per_s"] = record["mb"] / max(record["seconds"], 1e-9)
        record["cost_per_mb_vs_news"] = (record["seconds"] / record["mb"]) / normal_s_per_mb
        out[name] = record
    return out


def jobs_speedup(engine: tallyrules.Engine, docs: list[Doc], jobs: int) -> dict[str, Any]:
    items = [InputDocument(doc_id, text) for doc_id, text in docs]
    times = {}
    load = os.getloadavg()[0]
    main_cpu = 0.0
    for n in (1, jobs):
        started, cpu = time.perf_counter(), time.process_time()
        for _ in extract_parallel(engine, items, n):
            pass
        times[n] = time.perf_counter() - started
        main_cpu = time.process_time() - cpu
    # the parent's own CPU time (reading, pickling, unpickling) is the serial part: Amdahl's bound on N idle cores
    serial = min(1.0, main_cpu / times[1])
    return {"documents": len(items), "seconds_jobs1": times[1], f"seconds_jobs{jobs}": times[jobs],
            "speedup": times[1] / times[jobs], "cpus": os.cpu_count(), "load_average_before": load,
            "parent_cpu_s": main_cpu, "amdahl_bound": 1 / (serial + (1 - serial) / jobs)}


def spacy_peer_section(texts: list[str], corpus: dict[str, Any]) -> dict[str, Any]:
    """spaCy's blank tokenizer plus a Matcher of 50 token patterns over the corpus pass's texts,
    after the same warm-up; ``speedup`` is spaCy's time over tallyrules' (above 1: tallyrules is faster)."""
    if not spacy_peer.available():
        return {"skipped": "spaCy is not installed (pip install 'tallyrules[spacy]')"}
    nlp, matcher = spacy_peer.build()
    spacy_peer.run(nlp, matcher, texts[:200])
    cpu = time.process_time()
    seconds, matches = spacy_peer.run(nlp, matcher, texts)
    cpu = time.process_time() - cpu
    mb = corpus["mb"]
    return {"patterns": len(spacy_peer.PATTERNS), "seconds": seconds, "cpu_seconds": cpu, "matches": matches,
            "mb_per_s": mb / seconds, "cpu_mb_per_s": mb / cpu, "speedup": seconds / corpus["seconds"],
            "cpu_speedup": cpu / corpus["cpu_seconds"]}


def slowest_rules(engine: tallyrules.Engine, texts: list[str], top: int) -> list[dict[str, Any]]:
    """Each searched rule's RE2 ``finditer`` alone over the texts (no conflict resolution, no fields).

    Cascaded rules really run over a shadow of the text; the plain text is close enough to rank them.
    The slowest are timed again with a 64 MB DFA budget (after one pass to build its states).
    """
    rows = []
    masked = {order for orders in getattr(engine.compiled, "mask_sets", ()) for order in orders}
    encoded = [EncodedText(text) for text in texts]
    for rule in engine.compiled.rules:
        if rule.role not in ("rule", "veto") and rule.order not in masked:
            continue  # a fragment only ever inlined into other patterns is never searched on its own
        started = time.perf_counter()
        matches = 0
        for text in encoded:
            matches += len(rule.search.search_all(text))
        rows.append({"rule": rule.name, "seconds": time.perf_counter() - started, "matches": matches,
                     "program_size": rule.search.program_size, "pattern_chars": len(rule.pattern_source)})
    rows.sort(key=lambda r: -r["seconds"])
    by_name = {rule.name: rule for rule in engine.compiled.rules}
    for row in rows[:top]:
        roomy = RuleRegex(by_name[row["rule"]].pattern_source, memory=64 << 20)
        for text in encoded:  # warm, as the rule's own DFA is after the corpus pass
            roomy.search_all(text)
        started = time.perf_counter()
        for text in encoded:
            roomy.search_all(text)
        row["seconds_with_64mb"] = time.perf_counter() - started
    return rows[:top]


def profile(engine: tallyrules.Engine, texts: list[str], top: int) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    for text in texts:
        engine.extract(text)
    profiler.disable()
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return stream.getvalue()


# ---- report ------------------------------------------------------------------------------
def verdicts(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    values = {
        "mb_per_s": report["corpus"]["mb_per_s"],
        "re_ratio": report["re_baseline"]["ratio"],
        "vs_spacy": report.get("spacy", {}).get("cpu_speedup"),
        "peak_rss_mb": report["memory"]["peak_rss_mb"],
        "startup_s": report["cold_start"]["startup_s"],
        "jobs2_speedup": report.get("jobs", {}).get("speedup"),
        "one_mb_document_rss_mb": (report.get("one_mb_document") or {}).get("peak_rss_mb"),
    }
    out = {}
    for name, target in TARGETS.items():
        value = values[name]
        if value is None:
            continue
        holds = value >= target if name in HIGHER_IS_BETTER else value < target
        out[name] = {"value": value, "target": target, "holds": holds}
    return out


def spacy_row(peer: dict[str, Any] | None) -> str:
    if peer is None:
        return "not measured"
    if "skipped" in peer:
        return f"skipped: {peer['skipped']}"
    return (f"tallyrules {peer['cpu_speedup']:.2f}x spaCy's speed in CPU time ({peer['speedup']:.2f}x in wall time); "
            f"spaCy blank 'en' + Matcher of {peer['patterns']} token patterns: {peer['cpu_mb_per_s']:.2f} MB/s "
            f"CPU, {peer['matches']} matches")


def print_table(report: dict[str, Any]) -> None:
    c = report["corpus"]
    print(f"tallyrules {report['version']} | {report['rules']} rules from {', '.join(report['packs']) or 'no pack'}"
          f"{' (bundled SAMPLE RULES, not the packs)' if report['sample_rules'] else ''}")
    print(f"corpus: {report['corpus_source']}  ({c['documents']} docs, {c['mb']:.2f} MB)")
    print(f"python {report['python']} on {report['cpus']} CPUs, load average {report['load_average']:.1f} at start\n")
    rows = [
        ("throughput", f"{c['mb_per_s']:.2f} MB/s   {c['docs_per_s']:.0f} docs/s   {c['extractions']} extractions"
                       f"   (CPU time: {c['mb'] / c['cpu_seconds']:.2f} MB/s)"),
        ("same corpus again", f"{report['corpus_again']['mb_per_s']:.2f} MB/s (RE2's lazily built DFAs warm)"),
        ("vs one re pass", f"{report['re_baseline']['ratio']:.1f}x the time of re '{NUMBER_RE}' "
                           f"({report['re_baseline']['mb_per_s']:.0f} MB/s)"),
        ("vs spaCy", spacy_row(report.get("spacy"))),
        ("peak memory", f"{report['memory']['peak_rss_mb']:.0f} MB max RSS after the corpus pass "
                        f"(cold engine alone: {report['cold_start']['rss_mb']:.0f} MB)"),
        ("cold start", f"import {report['cold_start']['import_s'] * 1000:.0f} ms + Engine.default() "
                       f"{report['cold_start']['engine_s'] * 1000:.0f} ms = {report['cold_start']['startup_s']:.2f} s"
                       f"  (whole process {report['cold_start']['process_s']:.2f} s)"),
        ("", f"with an empty parse cache: {report['cold_start_empty_cache']['startup_s']:.2f} s (first start only)"),
    ]
    s = report.get("scaling")
    if s:
        rows.append(("1x/4x/16x docs", f"ratios 4x: {s['ratio_4x']:.2f} (ideal 4), 16x: {s['ratio_16x']:.2f} "
                                       f"(ideal 16) on a {s['base_mb']:.2f} MB base"))
    lg = report.get("long_document")
    if lg and "timeout_s" in lg:
        rows.append(("1x/4x/16x length", f"TIMEOUT after {lg['timeout_s']:.0f} s at {lg['timed_out_at']} "
                                         f"({lg['seconds']})"))
    elif lg:
        rows.append(("1x/4x/16x length", f"one doc of {lg['base_chars'] // 1000}k/{lg['base_chars'] * 4 // 1000}k/"
                                         f"{lg['base_chars'] * 16 // 1000}k chars: ratios {lg['ratio_4x']:.2f}, "
                                         f"{lg['ratio_16x']:.2f}"))
    j = report.get("jobs")
    if j:
        busy = j["load_average_before"] > 0.5
        rows.append(("--jobs 2", f"{j['speedup']:.2f}x vs --jobs 1 ({j['seconds_jobs1']:.2f} s -> "
                                 f"{j['seconds_jobs2']:.2f} s, {j['cpus']} CPUs, load average "
                                 f"{j['load_average_before']:.1f}{': machine busy, not meaningful' if busy else ''})"))
        rows.append(("", f"parent CPU {j['parent_cpu_s']:.2f} s: bound on idle cores {j['amdahl_bound']:.2f}x"))
    r = report.get("repetition")
    if r and "ratio_2x" in r:
        rows.append(("user rule 1x/2x", f"'{REPETITION_RULE}' over 'a a a ...': {r['tokens']} tokens "
                                        f"{r['seconds'][r['tokens']]:.2f} s, twice as many {r['ratio_2x']:.2f}x "
                                        "(ideal 2)"))
    elif r:
        rows.append(("user rule 1x/2x", f"TIMEOUT after {r['timeout_s']:.0f} s ({r['seconds']})"))
    m = report.get("one_mb_document")
    if m:
        rows.append(("1 MB document", f"{m['seconds']:.2f} s, peak memory {m['peak_rss_mb']:.0f} MB "
                                      f"({m['extractions']} extractions, {m['bad_offsets']} bad offsets)"))
    for name, p in report.get("pathological", {}).items():
        if "seconds" in p:
            rows.append((name, f"{p['seconds']:.3f} s  {p['mb_per_s']:.2f} MB/s  cost/MB "
                               f"{p['cost_per_mb_vs_news']:.2f}x news  ({p['extractions']} extractions, "
                               f"{p['bad_offsets']} bad offsets)"))
        elif "timeout_s" in p:
            rows.append((name, f"TIMEOUT after {p['timeout_s']:.0f} s on {p['mb']:.2f} MB "
                               f"({p.get('error') or 'killed'})"))
        else:
            rows.append((name, f"ERROR {p.get('error')}"))
    width = max(len(r[0]) for r in rows)
    for label, value in rows:
        print(f"  {label:<{width}}  {value}")
    if report.get("slowest_rules"):
        print("\n  slowest rules (RE2 search alone over the corpus):")
        for r in report["slowest_rules"]:
            roomy = r["seconds"] / max(r["seconds_with_64mb"], 1e-9)
            print(f"    {r['seconds']:7.3f} s  {r['matches']:>7} matches  program {r['program_size']:>7}  "
                  f"{r['seconds_with_64mb']:6.3f} s with a 64 MB DFA{' (NFA at 8 MB)' if roomy >= 10 else ''}"
                  f"  {r['rule']}")
    print("\n  targets:")
    for name, v in report["targets"].items():
        print(f"    {name:<22} {v['value']:.2f} (target {'>=' if name in HIGHER_IS_BETTER else '<'} "
              f"{v['target']}) {'OK' if v['holds'] else 'MISSED'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", metavar="PATH", help="write the full report as JSON")
    parser.add_argument("--corpus", type=Path, help="JSONL corpus (default ../shared/corpus/ag_news_test.jsonl)")
    parser.add_argument("--limit", type=int, help="use only the first N documents")
    parser.add_argument("--quick", action="store_true",
                        help="small run: 1000 documents, pathological inputs at 1/10 size, no per-rule table")
    parser.add_argument("--budget", type=float, default=90.0,
                        help="seconds allowed for the corpus pass, and for the 1x+4x+16x passes (the inputs are cut "
                             "to fit)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds allowed per pathological input")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--sample-rules", action="store_true",
                        help="measure the bundled sample rule file instead of the installed packs")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the corpus pass")
    parser.add_argument("--top", type=int, default=8, help="rows of the slowest-rules table")
    parser.add_argument("--skip", action="append", default=[],
                        choices=["spacy", "scaling", "long", "pathological", "jobs", "rules"],
                        help="leave out a section")
    args = parser.parse_args(argv)
    if args.quick:
        args.limit = args.limit or 1000
        args.skip.append("rules")
    scale = 0.1 if args.quick else 1.0

    docs, source = load_corpus(args.corpus, args.limit)
    texts = [text for _, text in docs]
    stderr = StderrCounter()

    engine = make_engine(args.sample_rules)
    sample = args.sample_rules or not engine.rules
    if sample:
        engine = make_engine(True)
    report: dict[str, Any] = {
        "version": tallyrules.__version__, "python": platform.python_version(), "cpus": os.cpu_count(),
        "packs": [p.name for p in engine.packs], "rules": len(engine.rules), "sample_rules": sample,
        "corpus_source": source, "load_average": os.getloadavg()[0],
    }
    with stderr.capture():
        warm, _ = run_engine(engine, texts[:200])  # warm up: RE2 builds its DFAs lazily
        per_document = warm / min(200, len(texts))
        if per_document * len(texts) > args.budget:
            keep = max(200, int(args.budget / per_document))
            if keep < len(texts):
                texts, docs = texts[:keep], docs[:keep]
                report["corpus_source"] += f" (cut to the first {keep} documents to fit --budget {args.budget:.0f} s)"
        mb = megabytes(texts)
        cpu = time.process_time()
        seconds, extractions = run_engine(engine, texts)
        cpu = time.process_time() - cpu
    report["corpus"] = {"documents": len(texts), "mb": mb, "chars": sum(map(len, texts)), "seconds": seconds,
                        "cpu_seconds": cpu, "mb_per_s": mb / seconds, "docs_per_s": len(texts) / seconds,
                        "extractions": extractions}
    report["memory"] = {"peak_rss_mb": max_rss_mb()}
    with stderr.capture():
        again, _ = run_engine(engine, texts)  # RE2's DFAs now hold the states this kind of text needs
    report["corpus_again"] = {"seconds": again, "mb_per_s": mb / again, "docs_per_s": len(texts) / again}
    re_seconds = min(run_re(texts) for _ in range(3))
    report["re_baseline"] = {"pattern": NUMBER_RE, "seconds": re_seconds, "mb_per_s": mb / re_seconds,
                             "ratio": seconds / re_seconds}
    if "spacy" not in args.skip:
        report["spacy"] = spacy_peer_section(texts, report["corpus"])
    report["cold_start"] = cold_start(sample, repeats=3)
    report["cold_start_empty_cache"] = cold_start(sample, repeats=1, parse_cache=False)
    print(f"corpus pass done: {mb / seconds:.2f} MB/s", file=sys.stderr)

    with stderr.capture():
        if "scaling" not in args.skip:
            report["scaling"] = scaling(engine, texts, seconds, args.budget * (0.2 if args.quick else 1))
        if "long" not in args.skip:
            report["long_document"] = long_documents(engine, texts, 4_000 if args.quick else 64_000, args.timeout)
    if "pathological" not in args.skip:
        with stderr.capture():
            report["pathological"] = pathological(engine, docs, scale, args.timeout, seconds / mb)
            report["repetition"] = repetition_linearity(args.timeout, 2_000 if args.quick else 20_000)
            if not args.quick:
                report["one_mb_document"] = one_megabyte_document(engine, texts, args.timeout)
    if "jobs" not in args.skip and args.jobs > 1:
        report["jobs"] = jobs_speedup(engine, docs, args.jobs)
    if "rules" not in args.skip:
        with stderr.capture():
            report["slowest_rules"] = slowest_rules(engine, texts, args.top)
    report["stderr_other"] = stderr.other_lines
    report["targets"] = verdicts(report)
    report["max_rss_mb_end"] = max_rss_mb()

    print_table(report)
    if args.profile:
        with stderr.capture():
            text = profile(engine, texts, 25)
        report["profile"] = text
        print("\n" + text)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
        print(f"\nreport written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
