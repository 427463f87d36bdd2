"""Fuzz the rule-file reader, parser and compiler for a bounded time (``make fuzz``).

Property: any bytes given as a rule file either compile or raise :class:`RuleErrors`
(located errors); nothing else escapes, nothing hangs, and no error echoes a line of a
file that was refused.  Run outside the default test run:

    .venv/bin/python fuzz/fuzz_rule_parser.py --seconds 60

With atheris installed (``pip install atheris``; ``make fuzz`` tries) the inputs are
coverage-guided mutations of the shipped rule files; without it, hypothesis generates
rule files from the grammar and mutates the shipped ones.  A crash is printed with its
input and the exit status is 1.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ["TALLYRULES_CACHE"] = "0"  # every input is parsed by lark, never read back from the cache

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted([*ROOT.glob("rules/*.rules"), *ROOT.glob("tests/fixtures/pack/*.rules")])


def check_one(data: bytes) -> None:
    """Feed ``data`` as a rule file: it compiles or raises RuleErrors, nothing else."""
    from tallyrules.compiler import RuleSource, compile_rules
    from tallyrules.errors import RuleErrors
    from tallyrules.safe_files import UnreadableFile, decode

    try:
        text = decode(data, "fuzz.rules")
    except UnreadableFile:
        return  # binary or not UTF-8: refused with its place, as a rule file would be
    try:
        compile_rules([RuleSource("", Path("."), Path("fuzz.rules"), text)], compile_regexes=True)
    except RuleErrors as errors:
        for error in errors.errors:
            str(error)  # every error can be shown


def run_atheris(seconds: int) -> int:
    import atheris  # type: ignore[import-not-found]

    with atheris.instrument_imports():
        import tallyrules.compiler  # noqa: F401
        import tallyrules.syntax  # noqa: F401
    corpus = Path(os.environ.get("FUZZ_CORPUS", "/tmp/tallyrules-fuzz-corpus"))
    corpus.mkdir(parents=True, exist_ok=True)
    for seed in SEEDS:
        (corpus / seed.name).write_bytes(seed.read_bytes())
    atheris.Setup([sys.argv[0], f"-max_total_time={seconds}", "-rss_limit_mb=4096", "-max_len=20000",
                   str(corpus)], check_one)
    atheris.Fuzz()
    return 0


def run_hypothesis(seconds: int) -> int:
    from importlib import resources

    import lark
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from hypothesis.extra.lark import from_lark

    grammar = resources.files("tallyrules").joinpath("grammar.lark").read_text(encoding="utf-8")
    generated = from_lark(lark.Lark(grammar, parser="lalr"), start="start")
    seeds = [seed.read_bytes() for seed in SEEDS]

    @st.composite
    def mutated(draw: st.DrawFn) -> bytes:
        data = bytearray(draw(st.sampled_from(seeds)))
        for _ in range(draw(st.integers(1, 8))):
            position = draw(st.integers(0, len(data)))
            action = draw(st.sampled_from(["insert", "delete", "splice", "repeat"]))
            if action == "insert":
                data[position:position] = draw(st.binary(max_size=8) | st.sampled_from(
                    [b"(", b")", b"{", b"}", b'"', b"\\", b"@", b"<", b"/", b"\xef\xbb\xbf", b"\\N{", b"-" * 3000]))
            elif action == "delete":
                del data[position:position + draw(st.integers(1, 200))]
            elif action == "splice":
                other = draw(st.sampled_from(seeds))
                start = draw(st.integers(0, len(other)))
                data[position:position] = other[start:start + draw(st.integers(1, 400))]
            else:
                data[position:position] = data[position:position + 20] * draw(st.integers(2, 400))
        return bytes(data)

    inputs = st.one_of(mutated(), generated.map(lambda text: text.encode("utf-8", "surrogatepass")),
                       st.binary(max_size=2000))

    @settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(inputs)
    def fuzz(data: bytes) -> None:
        check_one(data)

    deadline = time.monotonic() + seconds
    rounds = 0
    while time.monotonic() < deadline:
        fuzz()  # raises (and hypothesis prints the shrunk input) on a crash
        rounds += 1
    print(f"fuzz: {rounds * 25} inputs in {seconds} s, no crash")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("FUZZ_SECONDS", "60")))
    parser.add_argument("--engine", choices=("auto", "atheris", "hypothesis"), default="auto")
    args = parser.parse_args()
    if args.engine != "hypothesis":
        try:
            import atheris  # type: ignore[import-not-found]  # noqa: F401
        except ImportError:
            if args.engine == "atheris":
                raise
        else:
            return run_atheris(args.seconds)
    return run_hypothesis(args.seconds)


if __name__ == "__main__":
    sys.exit(main())
