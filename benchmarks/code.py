"""The worst code deckbook highlights: seconds per MB of code for the deck and the booklet.

Usage: python benchmarks/code.py [--kb 200]

Pygments' lexers are regular-expression machines, and some slow down badly on long inputs
(issue 14 of this project: a 20 KB make block took 24 s). deckbook lexes code in bounded
pieces (markup.lex), so time stays linear in the code's size; this prints, for the worst
inputs found in a survey of all Pygments lexers and for ordinary code, the seconds per MB of
code of each exporter, each in a fresh process.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

#: (label, fence language, the unit repeated to the size)
CASES = (
    ("devicetree ';' runs (the worst highlighted)", "devicetree", ";"),
    ("C# 'x' lines", "csharp", "x\n"),
    ("make '1e' pairs", "make", "1e"),
    ("Python, one dense line", "python", "x=1;"),
    ("Python, real code", "python", Path(__file__).read_text(encoding="utf-8") + "\n"),
)


def bank(language: str, unit: str, size: int, folder: Path) -> Path:
    """A bank whose answers hold *size* characters of *unit* in fenced blocks of 20 KB."""
    block = (unit * (20_000 // len(unit) + 1))[:20_000].rstrip("\n")
    count = max(1, size // 20_000)
    questions = [{"id": f"q{n}", "topic": "code", "question": f"Block {n}?",
                  "answer": f"```{language}\n{block}\n```"} for n in range(count)]
    path = folder / f"{language}.yaml"
    path.write_text(yaml.safe_dump({"title": "Code", "topics": {"code": "Code"}, "questions": questions},
                                   allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _stage(name: str, bank_path: Path, out: Path) -> None:
    from deckbook import bank as bank_module
    from deckbook import exporters
    from deckbook.exporters.base import Job

    loaded = bank_module.load_bank(bank_path)
    start = time.perf_counter()
    exporters.build(loaded, [Job(name, loaded, out)])
    print(json.dumps({"seconds": time.perf_counter() - start}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kb", type=int, default=200, help="KB of code per case (default 200)")
    parser.add_argument("--stage", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        _stage(args.stage[0], Path(args.stage[1]), Path(args.stage[2]))
        return
    print("| code | deck s/MB | booklet s/MB |\n|---|---:|---:|")
    with tempfile.TemporaryDirectory() as temp:
        for label, language, unit in CASES:
            path = bank(language, unit, args.kb * 1000, Path(temp))
            megabytes = sum(len(q["answer"]) for q in yaml.safe_load(path.read_text())["questions"]) / 1e6
            rates = []
            for name, suffix in (("apkg", ".apkg"), ("booklet", ".pdf")):
                out = Path(temp, f"{language}-{name}{suffix}")
                child = subprocess.run([sys.executable, __file__, "--stage", name, str(path), str(out)],
                                       capture_output=True, text=True, check=True,
                                       env={**os.environ, "SOURCE_DATE_EPOCH": "1700000000"})
                rates.append(json.loads(child.stdout)["seconds"] / megabytes)
            print(f"| {label} | {rates[0]:.1f} | {rates[1]:.1f} |", flush=True)


if __name__ == "__main__":
    main()
