"""Deterministic generator of realistic banks: N questions shaped like the bundled bank."""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PARTS = ("answer", "explanation", "example", "story")
TOPICS = {"python": "Python", "ml": "Machine Learning", "llm": "LLMs", "testing": "Testing",
          "data": "Data Engineering", "systems": "Systems Design", "security": "Security",
          "career": "Career & Interviews"}
WORLD = ("naïve café → Straße", "λ-calculus ≤ Θ(n log n)", "Привет, мир — «quotes»",
         "Ελληνικά: α ≥ β", "x < y && y > z", "“curly” ‘quotes’ – dashes …")
CODE = '''```python
def retry(fn, attempts=3):
    """Call fn until it succeeds, at most `attempts` times."""
    for attempt in range(attempts):
        try:
            return fn()
        except TimeoutError as exc:  # retry only what may pass
            last = exc
    raise last
```'''


def generate(count: int) -> dict:
    """A bank of *count* questions; the same count gives the same bank."""
    rng = random.Random(count)
    seed = yaml.safe_load((ROOT / "questions.yaml").read_text(encoding="utf-8"))
    templates = seed["questions"]
    topics = dict(list(TOPICS.items())[: 4 if count < 1000 else 8])
    questions = []
    for number in range(count):
        template = templates[number % len(templates)]
        words = template["question"].rstrip("?").split()
        middle = words[1:-1]
        rng.shuffle(middle)
        words = [words[0], *middle, words[-1]]
        question = {
            "id": f"{template['id']}-{number}",
            "topic": list(topics)[number % len(topics)],
            "difficulty": rng.choice(("easy", "medium", "hard")),
            "tags": sorted(rng.sample(["python", "ml", "llm", "testing", "memory", "speed", "api"], 2)),
            "question": f"{' '.join(words)} (case {number})?",
        }
        for part in PARTS:
            sentences = template[part].split(". ")
            rng.shuffle(sentences)
            question[part] = ". ".join(sentences)
        question["mistakes"] = list(template["mistakes"])
        if number % 5 == 0:
            question["explanation"] += "\n\n" + CODE
        if number % 7 == 0:
            question["example"] += " " + rng.choice(WORLD) + "."
        questions.append(question)
    return {"format": 1, "title": f"Generated bank of {count} questions",
            "subtitle": "Realistic texts for benchmarks", "deck": f"Benchmark {count}",
            "topics": topics, "questions": questions}


def write(count: int, path: Path) -> Path:
    """Write the generated bank of *count* questions to *path* and return it."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    path.write_text(yaml.dump(generate(count), Dumper=dumper, allow_unicode=True, sort_keys=False,
                              width=100), encoding="utf-8")
    return path


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("count", type=int)
    parser.add_argument("output", type=Path)
    args = parser.parse_args()
    write(args.count, args.output)
    sys.exit(0)
