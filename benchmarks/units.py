"""Speed of the unit layer, and token classes searched over units against over characters.

    python benchmarks/units.py [--corpus PATH] [--repeat N] [--json out.json]

Reads the news corpus (``../shared/corpus/ag_news_test.jsonl`` beside the repository) and
reports, from one run (the machine may be shared: read the ratios):

* one Python ``re`` number pass over the same texts (the baseline of
  ``benchmarks/throughput.py``), in MB/s of UTF-8;
* units + features + unit string (:meth:`tallyrules.units.UnitClassifier.document`), with an
  empty feature cache and warm;
* for each token class: the size of its RE2 program over characters (the regex the pattern
  compiler writes) and over unit strings (:func:`tallyrules.units.class_pattern`), and the
  time of finding all its matches in every item both ways, through the same search loop
  (:meth:`tallyrules.regex.RuleRegex.search_all`) and the same number of matches.

* the rules of the installed packs that are unit-level and read no mask
  (:func:`tallyrules.compiler.unit_rules`): whether each finds, on every item, exactly the
  matches of its character regex (spans and groups, before ``where``), and the time of both
  searches, for the costliest rules;
* the whole engine by route (``Engine(unit_matching=...)``: "none", "large", "all"): CPU time
  of extracting every item (runs alternated, after a pass that warms each), and whether the
  output is the same.

Every timing is the best of ``--repeat`` runs.  Without the corpus it says so and exits 0.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from baseline import best_of, corpus_run, re_number_pass  # noqa: E402

import tallyrules  # noqa: E402
from tallyrules.compiler import unit_rules  # noqa: E402
from tallyrules.matcher import matches_in_characters  # noqa: E402
from tallyrules.regex import EncodedText, RuleRegex  # noqa: E402
from tallyrules.tokenizer import SHAPE_CLASSES, class_regex  # noqa: E402
from tallyrules.unit_patterns import UnitShadow  # noqa: E402
from tallyrules.units import UnitClassifier, class_pattern  # noqa: E402

CLASSES = [*SHAPE_CLASSES, "ANY"]


def search_every(regex: RuleRegex, subjects: list[EncodedText]) -> int:
    return sum(len(regex.search_all(subject)) for subject in subjects)


def main() -> int:
    run = corpus_run(__doc__ or "", repeat=3)
    if run is None:
        return 0
    args, texts, megabytes = run
    load_before = os.getloadavg()
    baseline = best_of(args.repeat, lambda: re_number_pass(texts))

    cold = float("inf")
    for _ in range(args.repeat):
        classifier = UnitClassifier()
        started = time.perf_counter()
        documents = [classifier.document(text) for text in texts]
        cold = min(cold, time.perf_counter() - started)
    warm = best_of(args.repeat, lambda: [classifier.document(text) for text in texts])
    units = sum(len(document.units) for document in documents)

    by_characters = [EncodedText(text) for text in texts]
    by_units = [EncodedText(document.string) for document in documents]
    classes = {}
    for name in CLASSES:
        character_regex, unit_regex = RuleRegex(class_regex(name)), RuleRegex(class_pattern(name, classifier))
        matches = search_every(character_regex, by_characters), search_every(unit_regex, by_units)
        classes[name] = {
            "program_size": [character_regex.program_size, unit_regex.program_size],
            "seconds": [best_of(args.repeat, lambda r=character_regex: search_every(r, by_characters)),
                        best_of(args.repeat, lambda r=unit_regex: search_every(r, by_units))],
            "matches": list(matches),
        }
    rules = rules_over_units(texts, args.repeat)
    by_route = engine_routes(texts, args.repeat)
    load_after = os.getloadavg()

    report = {
        "corpus": str(args.corpus), "documents": len(texts), "megabytes": round(megabytes, 3), "units": units,
        "unit_types": classifier.cached_types, "unit_codes": classifier.generation,
        "load_average": [round(x, 2) for x in (*load_before, *load_after)],
        "re_number_pass": {"seconds": baseline, "mb_per_s": megabytes / baseline},
        "unit_string": {"cold": {"seconds": cold, "times_re_pass": cold / baseline},
                        "warm": {"seconds": warm, "times_re_pass": warm / baseline}},
        "classes": classes,
        "rules": rules,
        "routes": by_route,
    }
    print(f"corpus: {len(texts)} documents, {megabytes:.2f} MB, {units} units, {classifier.cached_types} unit types, "
          f"{report['unit_codes']} codes")
    print(f"load average (1, 5, 15 min) before {load_before[0]:.1f} {load_before[1]:.1f} {load_before[2]:.1f}, "
          f"after {load_after[0]:.1f} {load_after[1]:.1f} {load_after[2]:.1f}")
    print(f"{'re number pass':40} {megabytes / baseline:7.1f} MB/s   1.0x")
    for name, seconds in (("unit string, cold cache", cold), ("unit string, warm cache", warm)):
        print(f"{name:40} {megabytes / seconds:7.1f} MB/s {seconds / baseline:5.1f}x the re pass")
    print(f"\n{'class':12} {'program size':>20} {'search, s':>20} {'ratio':>6} {'matches':>9}")
    print(f"{'':12} {'chars':>10}{'units':>10} {'chars':>10}{'units':>10}")
    for name, figures in classes.items():
        chars, over_units = figures["seconds"]
        print(f"{name:12} {figures['program_size'][0]:>10}{figures['program_size'][1]:>10} "
              f"{chars:>10.3f}{over_units:>10.3f} {chars / over_units:>5.1f}x {figures['matches'][0]:>9}")
        if figures["matches"][0] != figures["matches"][1]:
            print(f"    (over units: {figures['matches'][1]} matches)")
    print(f"\nrules of the installed packs: {rules['unit_level']} of {rules['rules']} unit-level, "
          f"{rules['without_masks']} of them reading no mask; "
          f"{rules['identical']} of {rules['compared']} (rule, item) pairs identical to the character regex")
    print(f"{'rule':46} {'program size':>16} {'search, s':>16} {'ratio':>6}")
    for name, figures in rules["costliest"].items():
        (chars, over_units), (size, unit_size) = figures["seconds"], figures["program_size"]
        print(f"{name:46} {size:>8}{unit_size:>8} {chars:>8.3f}{over_units:>8.3f} {chars / over_units:>5.1f}x")
    print(f"\nthe engine by route (output the same as \"none\": {by_route['same_output']})")
    reference = by_route["seconds"]["none"]
    for route, seconds in by_route["seconds"].items():
        print(f"{route:8} {seconds:8.2f} s {megabytes / seconds:8.3f} MB/s {reference / seconds:5.2f}x")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


def engine_routes(texts: list[str], repeat: int) -> dict[str, object]:
    """CPU time of ``extract`` over every text for each route of the unit path, and whether the
    outputs agree.  The runs alternate, so a busy moment of the machine spreads over all."""
    engines = {route: tallyrules.Engine.default(unit_matching=route) for route in ("none", "large", "all")}
    outputs = {route: [[result.to_dict() for result in engine.extract(text)] for text in texts]
               for route, engine in engines.items()}  # this pass also warms each engine
    seconds = dict.fromkeys(engines, float("inf"))
    for _ in range(repeat):
        for route, engine in engines.items():
            started = time.process_time()
            for text in texts:
                engine.extract(text)
            seconds[route] = min(seconds[route], time.process_time() - started)
    same = all(output == outputs["none"] for output in outputs.values())
    return {"seconds": seconds, "same_output": same}


def rules_over_units(texts: list[str], repeat: int, shown: int = 8) -> dict[str, object]:
    """Each unit-level rule of the installed packs that reads no mask, over every text, both ways:
    identity and time (a rule that reads masks searches a shadow: the routes compare those)."""
    engine = tallyrules.Engine.default()
    rules = unit_rules(engine.sources, engine.functions)
    classifier = UnitClassifier(rules.vocabulary)
    over_units = [UnitShadow(classifier.document(text)) for text in texts]  # the alphabet, then the patterns
    over_characters = [EncodedText(text) for text in texts]
    identical = compared = 0
    timed: dict[str, dict[str, list[float]]] = {}
    for name, (pattern, _groups) in rules.patterns.items():
        rule = engine.compiled.by_name(name)
        assert rule is not None
        if rule.masks:
            continue
        unit_regex = RuleRegex(pattern.render(classifier))
        for text, by_characters, by_units in zip(texts, over_characters, over_units, strict=True):
            compared += 1
            identical += (matches_in_characters(rule.search, by_characters, text)
                          == matches_in_characters(unit_regex, by_units, text))
        timed[name] = {
            "seconds": [best_of(repeat, lambda r=rule.search: search_every(r, over_characters)),
                        best_of(repeat, lambda r=unit_regex: search_every(r, over_units))],
            "program_size": [rule.search.program_size, unit_regex.program_size],
        }
    costliest = dict(sorted(timed.items(), key=lambda item: -item[1]["seconds"][0])[:shown])
    return {"rules": len(engine.rules), "unit_level": len(rules.patterns), "without_masks": len(timed),
            "compared": compared,
            "identical": identical, "unit_codes": classifier.generation, "costliest": costliest,
            "all_seconds": [sum(t["seconds"][0] for t in timed.values()), sum(t["seconds"][1] for t in timed.values())]}


if __name__ == "__main__":
    sys.exit(main())
