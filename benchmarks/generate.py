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


#: Formulas for the rich bank: each {n} makes it a distinct formula, as a real bank's are.
FORMULAS = (r"\sigma(z)_{{{n}}} = \frac{{e^{{z_{{{n}}}}}}}{{\sum_j e^{{z_j}}}}",
            r"\mathrm{{precision}}_{{{n}}} = \frac{{TP}}{{TP + FP}}",
            r"\sqrt{{x^2 + {n}}} \le |x| + \sqrt{{{n}}}",
            r"\hat{{y}}_{{{n}}} = \arg\max_k p(k \mid x)")
TABLE = "| structure | mutable | hashable |\n|---|:-:|:-:|\n| list | yes | no |\n| tuple | no | if its items are |"


def write_rich(count: int, path: Path, figure_uses: int = 200, formulas: int = 500) -> Path:
    """The generated bank of *count* questions with *figure_uses* figures (10 pictures: PNG and SVG,
    in a figures/ folder beside *path*), *formulas* distinct formulas and a table in every tenth
    question: what a machine learning and system design bank looks like."""
    from PIL import Image, ImageDraw

    bank = generate(count)
    folder = path.parent / "figures"
    folder.mkdir(exist_ok=True)
    names = []
    for number in range(10):
        if number % 2:
            name = f"diagram-{number}.svg"
            (folder / name).write_text(
                f'<svg xmlns="http://www.w3.org/2000/svg" width="{300 + number * 20}" height="140">'
                + "".join(f'<rect x="{10 + box * 90}" y="{20 + (box % 2) * 60}" width="70" height="40" rx="6" '
                          f'fill="#dbe9ff" stroke="#1f3b6e" stroke-width="2"/>' for box in range(3))
                + '<path d="M80 40 L100 100 L170 40" stroke="#333" fill="none" stroke-width="2"/></svg>')
        else:
            name = f"diagram-{number}.png"
            image = Image.new("RGBA", (600 + number * 40, 260), (0, 0, 0, 0))
            draw = ImageDraw.Draw(image)
            for box in range(4):
                draw.rounded_rectangle((20 + box * 150, 40 + (box % 2) * 100, 140 + box * 150, 110 + (box % 2) * 100),
                                       10, outline=(20, 30, 50, 255), width=4)
            image.save(folder / name)
        names.append(name)
    questions = bank["questions"]
    for use in range(figure_uses):
        question = questions[use * len(questions) // figure_uses]
        question["explanation"] += f"\n\nThe diagram:\n\n![Diagram {use}](figures/{names[use % len(names)]})"
    for number in range(formulas):
        question = questions[number * len(questions) // formulas]
        tex = FORMULAS[number % len(FORMULAS)].format(n=number)
        if number % 5 == 0:
            question["answer"] += f"\n\n$$\n{tex}\n$$"
        else:
            question["answer"] += f" As a formula: ${tex}$."
    for question in questions[::10]:
        question["example"] += "\n\n" + TABLE
    bank["title"] = f"Generated bank of {count} questions with figures and formulas"
    return write_bank(bank, path)


def write(count: int, path: Path) -> Path:
    """Write the generated bank of *count* questions to *path* and return it."""
    return write_bank(generate(count), path)


def write_bank(bank: dict, path: Path) -> Path:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    path.write_text(yaml.dump(bank, Dumper=dumper, allow_unicode=True, sort_keys=False, width=100),
                    encoding="utf-8")
    return path


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("count", type=int)
    parser.add_argument("output", type=Path)
    args = parser.parse_args()
    write(args.count, args.output)
    sys.exit(0)
