"""Helpers for the booklet tests: generated banks, and a built booklet read back with pypdf."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import yaml
from pypdf import PdfReader

FOOTER = re.compile(r"PAGE (\d+) OF (\d+) · (\d+) QUESTIONS? TOTAL")

_WORDS = ("request cache worker pool connection retry budget queue latency shard replica index "
          "transaction lock timeout deadline schema model feature gradient token prompt context "
          "fixture mock assertion coverage deploy rollback canary metric alert incident").split()

PYTHON = '''def retry(fn, attempts=3):
    """Call fn until it succeeds."""
    for attempt in range(attempts):  # bounded
        try:
            return fn()
        except TimeoutError as exc:
            last = exc
    raise RuntimeError(f"gave up after {attempts} attempts: {last!r} and a very long tail that wraps")'''


def words(seed: int, count: int) -> str:
    """A deterministic sentence of *count* filler words, capitalised, with a full stop."""
    text = " ".join(_WORDS[(seed * 7 + i * 13) % len(_WORDS)] for i in range(count))
    return text[0].upper() + text[1:] + "."


def question(number: int, topic: str, *, sentences: int = 6, code: bool = False,
             mistakes: int = 3) -> dict:
    """One generated question; *sentences* sets the length of each study section."""
    body = " ".join(words(number * 31 + i, 14) for i in range(sentences))
    item = {
        "id": f"q-{number}",
        "topic": topic,
        "question": f"Question {number}: what does the {words(number, 6)[:-1].lower()} do?",
        "answer": f"Answer {number}. " + words(number + 1, 20),
        "explanation": body + (f"\n\n```python\n{PYTHON}\n```\n\nAfter the code, {words(number, 9)}"
                               if code else ""),
        "example": words(number + 2, 30),
        "story": words(number + 3, 40),
        "difficulty": ("easy", "medium", "hard")[number % 3],
        "tags": [_WORDS[number % len(_WORDS)]],
    }
    if mistakes == 1:
        item["mistakes"] = words(number + 4, 12)
    elif mistakes:
        item["mistakes"] = [words(number + 4 + i, 10) for i in range(mistakes)]
    return item


def write_bank(path: Path, questions: list[dict], topics: dict[str, str] | None = None,
               title: str = "Generated bank") -> Path:
    """Write a bank with *questions* (topics default to those the questions name) to *path*."""
    topics = topics or {q["topic"]: q["topic"].title() for q in questions}
    data = {"format": 1, "title": title, "subtitle": "Made by the booklet tests.",
            "topics": topics, "questions": questions}
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def squash(text: str) -> str:
    """*text* without white space: extraction breaks lines where the layout did."""
    return re.sub(r"\s+", "", text)


@dataclass
class Booklet:
    """A built PDF read back the way a reader's tools see it."""

    path: Path

    @cached_property
    def reader(self) -> PdfReader:
        return PdfReader(self.path)

    @cached_property
    def pages(self) -> list[str]:
        """The text of every page, footers (drawn from form XObjects) included."""
        return [page.extract_text() for page in self.reader.pages]

    def footers(self) -> list[tuple[int, int, int]]:
        """(page, pages, questions) from each page's footer, in page order."""
        found = []
        for text in self.pages:
            matches = FOOTER.findall(text)
            assert len(matches) == 1, text[-200:]
            found.append(tuple(int(x) for x in matches[0]))
        return found

    def outline(self) -> list[tuple[int, str, int]]:
        """(level, title, 1-based page) of every outline entry, in order."""
        entries: list[tuple[int, str, int]] = []

        def walk(items, level):
            for item in items:
                if isinstance(item, list):
                    walk(item, level + 1)
                else:
                    entries.append((level, item.title, self.reader.get_destination_page_number(item) + 1))
        walk(self.reader.outline, 0)
        return entries

    def links(self, page: int) -> list[int]:
        """The 1-based target page of each link annotation on *page* (1-based)."""
        targets = []
        numbers = {p.indirect_reference.idnum: i + 1 for i, p in enumerate(self.reader.pages)}
        for annotation in self.reader.pages[page - 1].get("/Annots", []):
            dest = annotation.get_object()["/Dest"]
            targets.append(numbers[dest[0].idnum])
        return targets

    def left_edges(self) -> list[float]:
        """The leftmost x at which each page sets text: the left edge of its text block."""
        edges = []
        for page in self.reader.pages:
            xs: list[float] = []

            def visit(text, cm, tm, font, size, xs=xs):
                if text.strip():
                    xs.append(cm[0] * tm[4] + cm[2] * tm[5] + cm[4])
            page.extract_text(visitor_text=visit)
            edges.append(round(min(xs), 1))
        return edges

    def lines(self, page: int) -> list[tuple[float, float, str]]:
        """(baseline, left edge, text) of each line set on *page* (1-based), top to bottom: runs
        on one baseline are one line."""
        found: dict[float, list] = {}

        def visit(text, cm, tm, font, size):
            if text.strip():
                y = round(cm[1] * tm[4] + cm[3] * tm[5] + cm[5], 1)
                x = cm[0] * tm[4] + cm[2] * tm[5] + cm[4]
                line = found.setdefault(y, [x, ""])
                line[0], line[1] = min(line[0], x), line[1] + text.replace("\n", "")
        self.reader.pages[page - 1].extract_text(visitor_text=visit)
        return [(y, x, text) for y, (x, text) in sorted(found.items(), reverse=True)]

    def page_of(self, needle: str, start: int = 1) -> int:
        """The first 1-based page from *start* whose text holds *needle* (white space ignored)."""
        squashed = squash(needle)
        for number, text in enumerate(self.pages[start - 1:], start):
            if squashed in squash(text):
                return number
        raise AssertionError(f"{needle!r} is on no page")
