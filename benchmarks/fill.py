"""How full the booklet's pages are: pages, and how much of each page's text block is used,
measured on the built PDF (where its text, boxes and rules land), not by eye.

Usage: python benchmarks/fill.py [BANK ...] [--generate 200 ...] [--page-size a4]

For each bank it builds the booklet and prints the page count, the average fill of the pages
that do not end a topic (the measure the booklet is held to: a topic's last page may be short,
as the next topic opens a new page), the lowest such page, and every page's fill.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))


@dataclass(frozen=True)
class Page:
    """One page: its number, the share of the text block down to its lowest mark, and whether
    it is the last page of a topic (or of the front matter, or of the book)."""

    number: int
    fill: float
    ends_topic: bool


def lowest_marks(reader: PdfReader, top: float, bottom: float) -> list[float | None]:
    """The lowest point of any text, box or rule inside the text block (between *bottom* and
    *top*, in points from the foot of the page) on each page; None for a page with none."""
    found: list[float | None] = []
    for page in reader.pages:
        marks: list[float] = []

        def text(value, cm, tm, font, size, marks=marks):
            if not value.strip():
                return
            y = cm[1] * tm[4] + cm[3] * tm[5] + cm[5]
            scale = (tm[3] ** 2 + tm[2] ** 2) ** 0.5 * (cm[3] ** 2 + cm[2] ** 2) ** 0.5
            marks.append(y - 0.25 * size * scale)  # the baseline less a descender

        def operand(operator, operands, cm, tm, marks=marks):
            if operator == b"re":
                x, y, width, height = (float(value) for value in operands)
                for corner in (y, y + height):
                    marks.append(cm[1] * x + cm[3] * corner + cm[5])
            elif operator in (b"m", b"l"):
                x, y = (float(value) for value in operands)
                marks.append(cm[1] * x + cm[3] * y + cm[5])

        page.extract_text(visitor_text=text, visitor_operand_before=operand)
        inside = [y for y in marks if bottom - 1 <= y <= top + 1]
        found.append(min(inside) if inside else None)
    return found


def measure(pdf: Path | bytes, page_size: str = "a4") -> list[Page]:
    """Every page of the booklet *pdf* with its fill, by the default style's margins."""
    from deckbook.pdfkit.look import Look, parse_page_size, style_or_default

    look = Look(style_or_default(), parse_page_size(page_size))
    reader = PdfReader(io.BytesIO(pdf) if isinstance(pdf, bytes) else pdf)
    top, bottom = look.bottom + look.height, look.bottom
    opens = set()  # the pages a topic opens on: the outline's first level
    for item in reader.outline:
        if not isinstance(item, list):
            opens.add(reader.get_destination_page_number(item) + 1)
    count = len(reader.pages)
    pages = []
    for number, lowest in enumerate(lowest_marks(reader, top, bottom), 1):
        fill = 0.0 if lowest is None else (top - lowest) / look.height
        pages.append(Page(number, round(fill, 4), number == count or number + 1 in opens))
    return pages


def summary(pages: list[Page]) -> dict:
    """Page count, average and lowest fill of the pages that do not end a topic."""
    counted = [page.fill for page in pages if not page.ends_topic]
    return {"pages": len(pages), "counted": len(counted),
            "average": statistics.fmean(counted) if counted else 1.0,
            "lowest": min(counted, default=1.0)}


def build(bank_path: Path, page_size: str) -> bytes:
    """The booklet of the bank at *bank_path*, as deckbook builds it."""
    from deckbook import bank as bank_module
    from deckbook.exporters import booklet

    out = io.BytesIO()
    booklet.write(bank_module.load_bank(bank_path), out, page_size=page_size)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("banks", nargs="*", type=Path, help="bank files (default: the bundled questions.yaml)")
    parser.add_argument("--generate", type=int, nargs="*", default=[], metavar="N",
                        help="also generated banks of N questions (benchmarks/generate.py)")
    parser.add_argument("--page-size", default="a4")
    args = parser.parse_args()
    banks = list(args.banks) or ([] if args.generate else [ROOT / "questions.yaml"])
    with tempfile.TemporaryDirectory() as temp:
        if args.generate:
            import generate

            banks += [generate.write(size, Path(temp) / f"generated-{size}.yaml") for size in args.generate]
        for bank_path in banks:
            pages = measure(build(bank_path, args.page_size), args.page_size)
            found = summary(pages)
            print(f"{bank_path.name}: {found['pages']} pages; pages not ending a topic: {found['counted']}, "
                  f"average fill {found['average']:.1%}, lowest {found['lowest']:.1%}")
            print("  " + " ".join(f"{page.number}:{page.fill:.0%}{'*' if page.ends_topic else ''}"
                                  for page in pages))
    print("(* ends a topic, the front matter or the book: not counted)")


if __name__ == "__main__":
    main()
