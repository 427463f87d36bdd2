"""The ``tallyrules`` command: extract, check, test, explain, packs.

Exit status: 0 success; 1 some documents failed or some examples failed (``packs``: a
plugin is broken); 2 bad usage, rule errors or plugin errors (the message says what and
where).  With ``--skip-broken-plugins`` a broken plugin (one that fails to import, answers
a hook wrongly or ships rule files that do not compile) is left out with a warning on
standard error and the status is that of the rest of the run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import sys
import time
import warnings
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from . import __version__
from .engine import Engine
from .errors import PluginError, RuleErrors, TallyrulesError
from .inputs import INPUT_FORMATS, InputProblem, Item, read_inputs
from .output import FORMATS, write_results
from .parallel import extract_parallel
from .results import DocumentResult


def _engine_options(args: argparse.Namespace) -> dict[str, Any]:
    packs = [p for chunk in args.packs for p in chunk.split(",") if p] if args.packs else None
    if args.no_packs:
        packs = []
    return dict(packs=packs, exclude=args.no_pack or (), paths=args.rules or (), skip_broken=args.skip_broken_plugins)


def _add_engine_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rules", action="append", metavar="PATH", help="extra rule file or folder (repeatable)")
    parser.add_argument("--packs", action="append", metavar="NAMES", help="use only these packs (comma-separated)")
    parser.add_argument("--no-pack", action="append", metavar="NAME", help="leave out an installed pack")
    parser.add_argument("--no-packs", action="store_true", help="use no installed pack, only --rules")
    parser.add_argument("--skip-broken-plugins", action="store_true", help="warn about a broken plugin and go on")


class Progress:
    """Documents and MB/s on standard error, only when it is a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.enabled = stream.isatty()
        self.started = time.perf_counter()
        self.last = 0.0
        self.documents = 0
        self.characters = 0

    def track(self, items: Iterable[Item]) -> Iterator[Item]:
        for item in items:
            self.documents += 1
            self.characters += len(getattr(item, "text", ""))
            now = time.perf_counter()
            if self.enabled and now - self.last > 0.25:
                self.last = now
                rate = self.characters / max(now - self.started, 1e-9) / 1e6
                self.stream.write(f"\r{self.documents} documents, {self.characters / 1e6:.1f} MB, {rate:.2f} MB/s ")
                self.stream.flush()
            yield item

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")


def cmd_extract(args: argparse.Namespace) -> int:
    engine = Engine(**_engine_options(args))
    progress = Progress(sys.stderr)
    items = progress.track(read_inputs(args.files, args.id_field, args.text_field, args.input_format))
    results: Iterator[DocumentResult]
    if args.dask:
        from .dask import extract_with_dask

        results = extract_with_dask(engine, items, args.dask)
    else:
        results = extract_parallel(engine, items, args.jobs)
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(open(args.output, "w", encoding="utf-8")) if args.output else sys.stdout
        width = shutil.get_terminal_size((120, 20)).columns if out.isatty() else None
        count, failed = write_results(results, out, args.format, width)
    progress.close()
    if failed:
        print(f"tallyrules: {failed} of {count} documents failed (see their \"error\" field)", file=sys.stderr)
        return 1
    return 0


# A compiled pattern above this many RE2 instructions compiles slowly and may not fit its DFA.
LARGE_PROGRAM = 50_000


def cmd_check(args: argparse.Namespace) -> int:
    engine = Engine(packs=None if args.with_packs else [], paths=args.paths, compile_regexes=True)
    for rule in engine.rules:
        size = rule.search.program_size
        if size > LARGE_PROGRAM:
            print(f"{rule.file}:{rule.line}: warning: rule {rule.short_name!r} compiles to {size:,} RE2 instructions; "
                  "match a large lexicon in a rule of its own, and refer to kinds (@kind) rather than large "
                  "fragments, to keep it small", file=sys.stderr)
    if not engine.compiled.files:
        raise TallyrulesError(f"no rule files (*.rules) in {', '.join(args.paths)}")
    print(f"ok: {len(engine.rules)} rules in {len(engine.compiled.files)} files")
    return 0


def cmd_test(args: argparse.Namespace) -> int:
    from .examples import ExampleRunner, engine_for, rules_in

    options = _engine_options(args)
    options.pop("paths")
    engine = engine_for(args.paths, **options)
    runner = ExampleRunner(engine)
    passed = failed = 0
    for rule in rules_in(engine, args.paths):
        for outcome in runner.outcomes(rule):
            if outcome.passed:
                passed += 1
                if args.verbose:
                    print(f"PASS {outcome.title}")
            else:
                failed += 1
                print(f"FAIL {outcome.file}:{outcome.line}: {outcome.title}\n  {outcome.message}\n")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


def _read_explained_file(path: str) -> str:
    """The text of ``explain --file``, read as ``extract`` reads a plain file; a clean error otherwise."""
    (item,) = read_inputs([path], input_format="text")
    if isinstance(item, InputProblem):
        raise TallyrulesError(item.error.removeprefix("InputError: "))
    return item.text


def cmd_explain(args: argparse.Namespace) -> int:
    engine = Engine(**_engine_options(args))
    text = _read_explained_file(args.file) if args.file else " ".join(args.text)
    explanations = engine.explain(text)
    if args.format == "json":
        def tree(explanation: Any) -> dict[str, Any]:
            return {**explanation.extraction.to_dict(), "doc": explanation.rule.doc if explanation.rule else "",
                    "parts": [tree(p) for p in explanation.parts]}
        print(json.dumps([tree(e) for e in explanations], ensure_ascii=False, indent=1))
    else:
        for explanation in explanations:
            print(explanation.format())
        if not explanations:
            print("no rule matched")
    return 0


def cmd_packs(args: argparse.Namespace) -> int:
    # list what works and say what is broken; without --skip-broken-plugins a broken plugin is status 1
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        engine = Engine(skip_broken=True)
    for warning in caught:
        print(f"tallyrules: warning: {warning.message}", file=sys.stderr)
    for pack in engine.packs:
        root = str(pack.root.resolve())
        count = sum(1 for r in engine.rules if str(Path(r.file).resolve()).startswith(root))
        print(f"{pack.name:<12} {pack.version:<10} {count:>4} rules  {pack.description}  [{pack.plugin}: {pack.root}]")
    for name in engine.skipped_plugins:
        print(f"{name:<12} (broken, skipped)")
    return 1 if engine.skipped_plugins and not args.skip_broken_plugins else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tallyrules", description="Sourced numeric claims from news text.")
    parser.add_argument("--version", action="version", version=f"tallyrules {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    extract = commands.add_parser("extract", help="extract from files (.jsonl: one document a line) or stdin")
    extract.add_argument("files", nargs="*", metavar="FILE", help="input files; '-' or nothing: standard input")
    extract.add_argument("--format", choices=FORMATS, default="jsonl")
    extract.add_argument("--input-format", choices=INPUT_FORMATS, default="auto",
                         help="jsonl: one JSON document a line; text: one document a file; "
                              "auto (default): .jsonl files, and standard input starting with '{'")
    extract.add_argument("--id-field", default="id")
    extract.add_argument("--text-field", default="text")
    extract.add_argument("--output", "-o", metavar="FILE")
    extract.add_argument("--jobs", "-j", type=int, default=1, help="worker processes (order is kept)")
    extract.add_argument("--dask", metavar="ADDRESS", help="run on a Dask cluster ('local' starts one)")
    _add_engine_arguments(extract)
    extract.set_defaults(run=cmd_extract)

    check = commands.add_parser("check", help="compile rule files and report every error")
    check.add_argument("paths", nargs="+", metavar="PATH")
    check.add_argument("--with-packs", action="store_true", help="compile on top of the installed packs")
    check.set_defaults(run=cmd_check)

    test = commands.add_parser("test", help="run the examples written in rule files")
    test.add_argument("paths", nargs="+", metavar="PATH")
    test.add_argument("--verbose", "-v", action="store_true")
    _add_engine_arguments(test)
    test.set_defaults(run=cmd_test)

    explain = commands.add_parser("explain", help="show which rules produced each result")
    explain.add_argument("text", nargs="*")
    explain.add_argument("--file", metavar="FILE", help="explain a file's text instead")
    explain.add_argument("--format", choices=("text", "json"), default="text")
    _add_engine_arguments(explain)
    explain.set_defaults(run=cmd_explain)

    packs = commands.add_parser("packs", help="list installed rule packs")
    packs.add_argument("--skip-broken-plugins", action="store_true")
    packs.set_defaults(run=cmd_packs)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``tallyrules`` command."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except RuleErrors as errors:
        print(str(errors), file=sys.stderr)
        return 2
    except (PluginError, TallyrulesError) as error:
        print(f"tallyrules: error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
