"""Make the README's pictures of the booklet and the worksheet from the bundled bank.

Usage: python docs/images/make.py   (needs poppler's pdftoppm; writes booklet.png, worksheet.png)

Each picture is pages of the real artifact, rendered by pdftoppm and set side by side on a
grey ground, so the README shows what `deckbook build` makes today.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
DPI, GAP, GROUND = 72, 10, (208, 208, 208)


def pages(pdf: Path, numbers: list[int], folder: Path) -> list[Image.Image]:
    """Pages *numbers* (1-based, negative from the end) of *pdf* as images."""
    total = int(next(line.split()[-1] for line in subprocess.run(
        ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()
        if line.startswith("Pages:")))
    found = []
    for number in numbers:
        page = number if number > 0 else total + 1 + number
        stem = folder / f"{pdf.stem}-{page}"
        subprocess.run(["pdftoppm", "-r", str(DPI), "-png", "-singlefile", "-f", str(page), "-l", str(page),
                        str(pdf), str(stem)], check=True)
        found.append(Image.open(f"{stem}.png").convert("RGB"))
    return found


def side_by_side(images: list[Image.Image], out: Path) -> None:
    width = sum(image.width for image in images) + GAP * (len(images) + 1)
    height = max(image.height for image in images) + 2 * GAP
    sheet = Image.new("RGB", (width, height), GROUND)
    x = GAP
    for image in images:
        sheet.paste(image, (x, GAP))
        x += image.width + GAP
    sheet.save(out, optimize=True)


def main() -> None:
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        for layout in ("booklet", "worksheet"):
            subprocess.run([sys.executable, "-m", "deckbook", "pdf", str(ROOT / "questions.yaml"), "-o",
                            str(folder / f"{layout}.pdf"), "--layout", layout], check=True, cwd=folder,
                           stdout=subprocess.DEVNULL)
        side_by_side(pages(folder / "booklet.pdf", [1, 2, 3], folder), HERE / "booklet.png")
        key = _answer_key_page(folder / "worksheet.pdf")
        side_by_side(pages(folder / "worksheet.pdf", [1, key], folder), HERE / "worksheet.png")


def _answer_key_page(pdf: Path) -> int:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    return next(number for number, page in enumerate(text.split("\f"), 1) if "Answer key" in page)


if __name__ == "__main__":
    main()
