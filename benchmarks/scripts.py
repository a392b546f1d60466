"""Time and size of the booklet of a stress bank of every script: each question mixes Greek,
Cyrillic, Arabic and Hebrew in English lines, CJK (a new set of ideographs in each), emoji,
mathematics, and hidden characters (zero-width joiners, variation selectors, soft hyphens).

    .venv/bin/python benchmarks/scripts.py --questions 200

benchmarks/run.py times the same booklet as its "scripts" stage, in a fresh process per run:
    .venv/bin/python benchmarks/run.py --sizes 200 1000 --stages scripts
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))

from deckbook.bank import load_bank  # noqa: E402
from deckbook.exporters import booklet  # noqa: E402


def generate(count: int) -> dict:
    """A bank of *count* questions of every script."""
    questions = []
    for number in range(count):
        han = "".join(chr(0x4E00 + (number * 37 + step) % 20000) for step in range(12))
        questions.append({
            "id": f"q{number}", "topic": "scripts",
            "question": f"Q{number}: Ελληνικά и русский, the value ٣٤ is 34, مرحبا بالعالم {han}?",
            "answer": f"שלום means peace; 日本語のひらがな {han[::-1]} 한국어 🚀 😀 👍🏽 👨\u200d👩\u200d👧 ✅ "
                      "∑ ∞ ≤ ≥ ≠ ± √ ∈ ∀ ℝ → ✓ ✔ soft\u00adhyphen ❤\ufe0f",
            "explanation": "مرحبا بالعالم " * 6 + "Καλημέρα " * 6 + han * 3,
        })
    return {"format": 1, "title": "Every script, stressed", "topics": {"scripts": "Scripts"},
            "questions": questions}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=200)
    args = parser.parse_args()
    path = Path("/tmp") / f"deckbook-scripts-{args.questions}.yaml"
    path.write_text(yaml.safe_dump(generate(args.questions), allow_unicode=True), encoding="utf-8")
    bank = load_bank(path)
    out = io.BytesIO()
    start = time.perf_counter()
    written = booklet.write(bank, out)
    seconds = time.perf_counter() - start
    print(f"{args.questions} questions: {seconds:.2f} s, {len(out.getvalue()) / 2**20:.2f} MiB, "
          f"{written.facts['pages']} pages, {len(written.warnings)} warnings, "
          f"{len(written.facts['fonts'])} font files")


if __name__ == "__main__":
    main()
