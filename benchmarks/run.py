"""Benchmark deckbook against the simplest genanki and reportlab programs.

Usage: python benchmarks/run.py [--sizes 54 1000 10000] [--repeat 3] [--rich]

For each generated bank size it runs every stage in a fresh process (so peak memory is the
stage's own) and prints the median seconds of work (imports excluded), the peak resident
memory, pages and artifact sizes, and deckbook's ratio to the bare programs.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
STAGES = ("validate", "anki", "bare-genanki", "pdf", "bare-reportlab")
#: Further stages, on request (--stages): the other PDF exporters, a whole project build
#: (deckbook.toml with all four artifacts, SHA256SUMS and manifest, through the command line),
#: dating the bank from a current dates ledger (read it, digest every note, compare), which
#: build, anki and pdf do before they export, and the booklet of the every-script stress bank
#: of as many questions (benchmarks/scripts.py: CJK and emoji set in the machine's fonts).
EXTRA_STAGES = ("cards", "worksheet", "project", "dates", "scripts")
_EXPORTER = {"anki": "apkg", "pdf": "booklet", "cards": "cards", "worksheet": "worksheet", "scripts": "booklet"}


def _stage(name: str, bank_path: Path, out: Path) -> dict:
    """Run one stage in this process; return its measurements."""
    if name in ("validate", "dates", *_EXPORTER):
        from deckbook import bank as bank_module
        from deckbook import dates, exporters
        from deckbook.exporters.base import Job
    if name.startswith("bare-"):
        import yaml
    if name == "bare-genanki":
        import genanki
    if name == "bare-reportlab":
        from reportlab.lib.styles import getSampleStyleSheet
        from reportlab.platypus import Paragraph, SimpleDocTemplate
    start, cpu_start = time.perf_counter(), time.process_time()
    if name == "validate":
        bank_module.load_bank(bank_path)
    elif name in _EXPORTER:
        bank = dates.one_date(bank_module.load_bank(bank_path), 1_700_000_000)
        exporters.build(bank, [Job(_EXPORTER[name], bank, out)])
    elif name == "dates":
        bank = bank_module.load_bank(bank_path)
        ledger_file = dates.ledger_path(bank_path)
        if not ledger_file.exists():  # the first run writes it, untimed; the others time a current one
            dating = dates.date_bank(bank, bank_path, None)
            ledger_file.write_bytes(dating.content)
        start, cpu_start = time.perf_counter(), time.process_time()
        dating = dates.date_bank(bank, bank_path, dates.read_ledger(ledger_file))
        assert dating.content is None
        out.write_bytes(ledger_file.read_bytes())
    elif name == "project":
        from click.testing import CliRunner

        from deckbook.cli import cli
        (bank_path.parent / "deckbook.toml").write_text(
            "".join(f'[[artifact]]\nformat = "{form}"\n' for form in ("apkg", "booklet", "cards", "worksheet")))
        result = CliRunner().invoke(cli, ["build", str(bank_path), "--out", str(out)])
        (bank_path.parent / "deckbook.toml").unlink()
        assert result.exit_code == 0, result.output
    elif name == "bare-genanki":
        data = yaml.load(bank_path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        fields = ["question", "answer", "explanation", "example", "mistakes", "story"]
        model = genanki.Model(1607392319, "Bare", fields=[{"name": f} for f in fields],
                              templates=[{"name": "Card", "qfmt": "{{question}}",
                                          "afmt": "{{FrontSide}}<hr id=answer>{{answer}}"}])
        decks = {topic: genanki.Deck(2059400110 + i, f"Bare::{name}")
                 for i, (topic, name) in enumerate(data["topics"].items())}
        for q in data["questions"]:
            values = [html.escape(" ".join(q[f]) if isinstance(q.get(f), list) else q.get(f, ""))
                      for f in fields]
            decks[q["topic"]].add_note(genanki.Note(model=model, fields=values,
                                                    guid=genanki.guid_for(q["id"])))
        genanki.Package(list(decks.values())).write_to_file(out)
    else:
        data = yaml.load(bank_path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        styles = getSampleStyleSheet()
        story = []
        for q in data["questions"]:
            story.append(Paragraph(html.escape(q["question"]), styles["Heading2"]))
            for f in ("answer", "explanation", "example", "mistakes", "story"):
                text = " ".join(q[f]) if isinstance(q.get(f), list) else q.get(f, "")
                story.append(Paragraph(html.escape(text), styles["BodyText"]))
        SimpleDocTemplate(str(out)).build(story)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    result = {"seconds": seconds, "cpu": cpu,
              "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
              "bytes": (sum(path.stat().st_size for path in out.iterdir()) if out.is_dir()
                        else out.stat().st_size if out.exists() else 0)}
    if out.suffix == ".pdf":
        from pypdf import PdfReader
        result["pages"] = len(PdfReader(out).pages)
    return result


def _measure(bank_path: Path, size: int, repeat: int, work: Path, stages: tuple[str, ...]) -> dict[str, dict]:
    """Every stage *repeat* times, taking turns: a machine that slows down slows all stages alike."""
    runs: dict[str, list[dict]] = {name: [] for name in stages}
    banks = {name: bank_path for name in stages}
    if "scripts" in stages:
        import scripts
        import yaml

        banks["scripts"] = work / f"scripts-{size}.yaml"
        banks["scripts"].write_text(yaml.safe_dump(scripts.generate(size), allow_unicode=True), encoding="utf-8")
    for run in range(repeat):
        for name in stages:
            suffix = {"anki": ".apkg", "bare-genanki": ".apkg", "validate": ".apkg", "project": "",
                      "dates": ".toml"}.get(name, ".pdf")
            out = work / f"{bank_path.parent.name}-{name}-{run}{suffix}"
            child = subprocess.run([sys.executable, __file__, "--stage", name, str(banks[name]), str(out)],
                                   capture_output=True, text=True, check=True,
                                   env={**os.environ, "SOURCE_DATE_EPOCH": "1700000000"})
            runs[name].append(json.loads(child.stdout))
    return {name: _summary(found) for name, found in runs.items()}


def _summary(runs: list[dict]) -> dict:
    return {"seconds": statistics.median(r["seconds"] for r in runs),
            "cpu": statistics.median(r["cpu"] for r in runs),
            "peak_mb": max(r["peak_mb"] for r in runs),
            "bytes": runs[0]["bytes"], "pages": runs[0].get("pages")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[54, 1000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--stages", nargs="+", choices=STAGES + EXTRA_STAGES, default=list(STAGES))
    parser.add_argument("--rich", action="store_true",
                        help="banks with figures and formulas: per 1,000 questions 200 figure uses, "
                             "500 formulas, 100 tables (generate.write_rich)")
    parser.add_argument("--stage", nargs=3, metavar=("NAME", "BANK", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        name, bank_path, out = args.stage
        print(json.dumps(_stage(name, Path(bank_path), Path(out))))
        return
    import generate

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.platform()}")
    print(f"median of {args.repeat} runs, seconds of work (imports excluded), peak RSS of the process;")
    print("cpu: the same work in CPU seconds, steadier than the clock on a busy machine\n")
    print("| questions | stage | seconds | cpu | peak MB | pages | size | vs bare |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as temp:
        work = Path(temp)
        for size in args.sizes:
            folder = work / f"bank-{size}"
            folder.mkdir()
            bank_path = (generate.write_rich(size, folder / "bank.yaml", size // 5, size // 2) if args.rich
                         else generate.write(size, folder / "bank.yaml"))
            results = _measure(bank_path, size, args.repeat, work, tuple(args.stages))
            for name in args.stages:
                r = results[name]
                bare = {"anki": "bare-genanki", "pdf": "bare-reportlab"}.get(name)
                ratio = (f"{r['seconds'] / results[bare]['seconds']:.2f}x time, "
                         f"{r['peak_mb'] / results[bare]['peak_mb']:.2f}x memory") if bare in results else ""
                print(f"| {size:,} | {name} | {r['seconds']:.3f} | {r['cpu']:.3f} | {r['peak_mb']:.0f} | "
                      f"{r['pages'] or ''} | "
                      f"{r['bytes'] / 1024:,.0f} KiB | {ratio} |", flush=True)


if __name__ == "__main__":
    main()
