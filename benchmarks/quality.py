"""Score extraction quality on the development gold (needs ../shared/eval; skips without it).

    python benchmarks/quality.py [--errors] [--gold dev|seed|all]

Runs the default engine (every installed pack) over the gold texts, writes the
JSONL output contract to a temporary file and runs the gold's own scorer on it.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import tallyrules

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "eval"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gold", choices=["dev", "seed", "all"], default="all")
    parser.add_argument("--errors", action="store_true", help="list each miss and false alarm")
    args = parser.parse_args()
    if not (SHARED / "score.py").exists():
        print(f"no gold data at {SHARED}; nothing to score")
        return 0
    engine = tallyrules.Engine.default()
    names = ["dev", "seed"] if args.gold == "all" else [args.gold]
    for name in names:
        gold = SHARED / f"{name}.gold.jsonl"
        docs = [json.loads(line) for line in gold.read_text(encoding="utf-8").splitlines() if line.strip()]
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as out:
            for result in engine.extract_many({"id": d["id"], "text": d["text"]} for d in docs):
                out.write(json.dumps(result.to_dict()) + "\n")
        command = [sys.executable, str(SHARED / "score.py"), str(gold), out.name]
        if args.errors:
            command.append("--errors")
        print(f"== {name}")
        print(subprocess.run(command, capture_output=True, text=True, check=False).stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
