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
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs

from ._version import __version__
from .engine import Engine, sources_from_paths
from .errors import PluginError, RuleErrors, TallyrulesError
from .inputs import INPUT_FORMATS, InputProblem, read_inputs
from .matcher import UNIT_ROUTES
from .output import FORMATS, write_results
from .parallel import extract_parallel
from .progress import RunProgress, first
from .regex import REGEX_MEMORY
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


def cmd_extract(args: argparse.Namespace) -> int:
    engine = Engine(**_engine_options(args), regex_memory=args.regex_memory << 20, unit_matching=args.unit_matching)
    progress = RunProgress(sys.stderr, quiet=args.quiet, total=args.limit)
    items = progress.track(first(read_inputs(args.files, args.id_field, args.text_field, args.input_format,
                                             args.max_bytes), args.limit))
    results: Iterator[DocumentResult]
    if args.dask:
        from .dask import extract_with_dask

        results = extract_with_dask(engine, items, args.dask)
    else:
        results = extract_parallel(engine, items, args.jobs)
    results = progress.watch(results)
    if args.format in ANALYST_FORMATS:
        count, failed = write_analyst_format(results, args)
    else:
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
    from .examples import engine_for, rules_in

    if not sources_from_paths(args.paths):
        raise TallyrulesError(f"no rule files (*.rules) in {', '.join(args.paths)}")
    # the same packs as `tallyrules test`: the installed ones, unless --packs/--no-packs say otherwise
    options = _engine_options(args)
    options.pop("paths")
    engine = engine_for(args.paths, compile_regexes=True, **options)
    checked = rules_in(engine, args.paths)
    for rule in checked:
        size = rule.search.program_size
        if size > LARGE_PROGRAM:
            print(f"{rule.file}:{rule.line}: warning: rule {rule.short_name!r} compiles to {size:,} RE2 instructions; "
                  "match a large lexicon in a rule of its own, and refer to kinds (@kind) rather than large "
                  "fragments, to keep it small", file=sys.stderr)
    files = {rule.file for rule in checked}
    targets = [Path(p).resolve() for p in args.paths]
    for warning in engine.compiled.warnings:
        file = Path(warning.file).resolve()
        if any(file == t or t in file.parents for t in targets):
            print(str(warning), file=sys.stderr)
    print(f"ok: {len(checked)} rules in {len(files)} files")
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
    misses = engine.near_misses(text, args.rule) if args.why_not or args.rule else None
    if args.rule:
        wanted = engine.compiled.by_name(args.rule)
        explanations = [e for e in explanations if wanted is not None and e.extraction.rule == wanted.name]
    if args.format == "json":
        def tree(explanation: Any) -> dict[str, Any]:
            return {**explanation.extraction.to_dict(), "doc": explanation.rule.doc if explanation.rule else "",
                    "parts": [tree(p) for p in explanation.parts]}
        found = [tree(e) for e in explanations]
        shown: Any = found if misses is None else {"results": found, "near_misses": [attrs.asdict(m) for m in misses]}
        print(json.dumps(shown, ensure_ascii=False, indent=1))
    else:
        for explanation in explanations:
            print(explanation.format())
        if not explanations:
            print("no rule matched" if not args.rule else f"no result of {args.rule}")
        if misses is not None:
            print(f"near misses ({len(misses)}):" if misses else "near misses: none")
            for miss in misses:
                print(f"  {miss.format()}")
    return 0


def cmd_packs(args: argparse.Namespace) -> int:
    # list what works and say what is broken; without --skip-broken-plugins a broken plugin is status 1
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        engine = Engine(skip_broken=True)
    for warning in caught:
        print(f"tallyrules: warning: {warning.message}", file=sys.stderr)
    if args.kinds:
        from .reference import reference_markdown

        sys.stdout.write(reference_markdown(engine))
        return 0
    for pack in engine.packs:
        root = str(pack.root.resolve())
        count = sum(1 for r in engine.rules if str(Path(r.file).resolve()).startswith(root))
        print(f"{pack.name:<12} {pack.version:<10} {count:>4} rules  {pack.description}  [{pack.plugin}: {pack.root}]")
    for name in engine.skipped_plugins:
        print(f"{name:<12} (broken, skipped)")
    return 1 if engine.skipped_plugins and not args.skip_broken_plugins else 0


# ---- formats and commands for analysts: html, csv, parquet, claims ---------------------------
ANALYST_FORMATS = ("html", "csv", "parquet")


def _add_analyst_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--limit", type=int, metavar="N", help="process only the first N documents")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar and no summary on stderr")
    parser.add_argument("--title", help="title of the --format html page")


def write_analyst_format(results: Iterator[DocumentResult], args: argparse.Namespace) -> tuple[int, int]:
    """Write ``--format html|csv|parquet``; return (documents, documents with errors)."""
    if args.format == "parquet":
        from .frames import write_parquet

        if not args.output:
            raise TallyrulesError("--format parquet writes a binary file: give it with --output FILE")
        return write_parquet(results, args.output)
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(open(args.output, "w", encoding="utf-8", newline="")) if args.output else sys.stdout
        if args.format == "csv":
            from .frames import write_csv

            return write_csv(results, out)
        from .html import render_html

        kept = list(results)
        out.write(render_html(kept, title=args.title or "tallyrules"))
        return len(kept), sum(r.error is not None for r in kept)


def cmd_claims(args: argparse.Namespace) -> int:
    from .claims import group_claims, read_results, write_claims

    groups = group_claims(read_results(args.files), min_claims=args.min_claims)
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(open(args.output, "w", encoding="utf-8", newline="")) if args.output else sys.stdout
        write_claims(groups, out, args.format, disagreeing_only=args.disagreeing, minimum=args.min_documents)
    return 0


def _add_claims_command(commands: Any) -> None:
    claims = commands.add_parser("claims", help="put claims about the same thing side by side across documents")
    claims.add_argument("files", nargs="+", metavar="OUT.jsonl", help="output of 'tallyrules extract' ('-' = stdin)")
    claims.add_argument("--format", choices=("table", "csv", "html", "jsonl"), default="table")
    claims.add_argument("--output", "-o", metavar="FILE")
    claims.add_argument("--disagreeing", action="store_true", help="only groups whose values disagree")
    claims.add_argument("--min-claims", type=int, default=2, metavar="N",
                        help="only groups of at least N claims (default 2: one claim compares with nothing)")
    claims.add_argument("--min-documents", type=int, default=1, metavar="N",
                        help="only groups with claims from at least N documents")
    claims.set_defaults(run=cmd_claims)


def _positive(value: str) -> int:
    try:
        number = int(value.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tallyrules", description="Sourced numeric claims from news text.")
    parser.add_argument("--version", action="version", version=f"tallyrules {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    extract = commands.add_parser("extract", help="extract from files (.jsonl: one document a line) or stdin")
    extract.add_argument("files", nargs="*", metavar="FILE", help="input files; '-' or nothing: standard input")
    extract.add_argument("--format", choices=(*FORMATS, *ANALYST_FORMATS), default="jsonl",
                         help="jsonl (the contract), json, table, html (a page), csv or parquet (a row per extraction)")
    extract.add_argument("--input-format", choices=INPUT_FORMATS, default="auto",
                         help="jsonl: one JSON document a line; text: one document a file; "
                              "auto (default): .jsonl files, and standard input starting with '{'")
    extract.add_argument("--id-field", default="id")
    extract.add_argument("--text-field", default="text")
    extract.add_argument("--output", "-o", metavar="FILE")
    extract.add_argument("--max-bytes", type=_positive, metavar="N",
                         help="report a document (a JSON line, a file) over N bytes as an error record instead of "
                              "reading it; without it, long documents are read whole and matched in pieces")
    extract.add_argument("--regex-memory", type=_positive, metavar="MB", default=REGEX_MEMORY >> 20,
                         help=f"each rule regex's memory budget (default {REGEX_MEMORY >> 20}): less memory "
                              "for less speed (see docs/performance.md)")
    extract.add_argument("--unit-matching", choices=UNIT_ROUTES, default="none",
                         help="which rules to search over units instead of characters (the same results; "
                              "see docs/matching-core.md, Step 2c): none (default), large, all")
    extract.add_argument("--jobs", "-j", type=int, default=1, help="worker processes (order is kept)")
    extract.add_argument("--dask", metavar="ADDRESS", help="run on a Dask cluster ('local' starts one)")
    _add_engine_arguments(extract)
    _add_analyst_arguments(extract)
    extract.set_defaults(run=cmd_extract)

    check = commands.add_parser("check", help="compile rule files and report every error")
    check.add_argument("paths", nargs="+", metavar="PATH")
    check.add_argument("--with-packs", action="store_true", help=argparse.SUPPRESS)  # the default now
    _add_engine_arguments(check)
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
    explain.add_argument("--why-not", action="store_true",
                         help="also list near misses: candidates dropped by a where, lost in a conflict, or vetoed")
    explain.add_argument("--rule", metavar="NAME", help="only this rule's results and near misses")
    _add_engine_arguments(explain)
    explain.set_defaults(run=cmd_explain)

    packs = commands.add_parser("packs", help="list installed rule packs")
    packs.add_argument("--skip-broken-plugins", action="store_true")
    packs.add_argument("--kinds", action="store_true",
                       help="a Markdown reference of each pack's kinds, fields, rules and fragments")
    packs.set_defaults(run=cmd_packs)
    _add_claims_command(commands)
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
