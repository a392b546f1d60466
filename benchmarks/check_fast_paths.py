"""Check that the fast paths give what the slow ones give: same blocks, same fragments, same bytes.

Usage: python benchmarks/check_fast_paths.py [--examples 200000] [--size 200]

- markup: random texts (code spans, emphasis, lists, fences, odd white space) read by the
  fast paths must give the blocks markdown-it gives;
- pdf: every paragraph of a generated bank must get the fragments reportlab's XML parser
  makes, and the booklet and deck must be the same bytes with the fast paths switched off.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import generate  # noqa: E402
from reportlab.pdfbase.ttfonts import TTFont  # noqa: E402
from reportlab.platypus.paragraph import Paragraph, textTransformFrags  # noqa: E402
from reportlab.platypus.paraparser import ParaParser  # noqa: E402

from deckbook import bank  # noqa: E402
from deckbook import markup  # noqa: E402
from deckbook.exporters import apkg, pdf  # noqa: E402

PIECES = ("`", "``", "```", " ", "  ", "a", "b c", "x `y` z", "`code`", "*", "_", "\\", "-", "1.", "2)", "\t",
          "\xa0", "\u2028", "\x0c", "~~~", "é", "<", "&")
LINE_STARTS = ("", "", "", " ", "    ", "\t", "```", "````", "```py", "``` py x", "```a`b", "- ", "1. ", "~~~")
PROSE = ("A `b` c.", "plain text", "`x` and `y`", "", " ", "- item", "x *y*", "  indented `z`", "\t`t`")
CODE = ("def f():", "    return 1", "", "  ", "\t\tx", "```", "````", "  ```", "```  ", "``` x", "~~~", "    ```")
OPENERS = ("```", "```python", "````", "``` py  extra", "```\t", "````js", "```a`b")
CLOSERS = ("```", "````", "  ```", "```   ", "`````", "```x", "")


def _markdown_it(text: str) -> tuple[markup.Block, ...]:
    blocks, _ = markup._blocks(markup._MD.parse(text), 0, None)
    return tuple(blocks)


def _random_text(rng: random.Random) -> str:
    if rng.random() < 0.4:  # paragraphs, then a fenced block
        lines = [rng.choice(PROSE) for _ in range(rng.randint(0, 3))]
        lines += [rng.choice(OPENERS), *(rng.choice(CODE) for _ in range(rng.randint(0, 4))), rng.choice(CLOSERS)]
        lines += [rng.choice(("", " ", "after")) for _ in range(rng.randint(0, 2))]
        return "\n".join(lines) + rng.choice(("", "\n"))
    lines = []
    for _ in range(rng.randint(1, 6)):
        if rng.random() < 0.3:
            lines.append(rng.choice(("", " ", "\t")))
        else:
            lines.append(rng.choice(LINE_STARTS) + "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 6))))
    return "\n".join(lines) + rng.choice(("", "", "\n", "\n\n", " ", "\r"))


def check_markup(examples: int) -> None:
    rng = random.Random(1)
    fast = 0
    for _ in range(examples):
        text = _random_text(rng)
        if not markup._PLAIN.search(text):
            continue
        found = markup._code_spans(text)
        blocks = (markup.Paragraph(found),) if found is not None else markup._simple_blocks(text)
        if blocks is None:
            continue
        fast += 1
        expected = _markdown_it(text)
        assert blocks == expected, f"{text!r}: fast path {blocks}, markdown-it {expected}"
    print(f"markup: {fast:,} of {examples:,} random texts took a fast path, all as markdown-it reads them")


def check_pdf(size: int, folder: Path) -> None:
    path = generate.write(size, folder / "bank.yaml")
    loaded = bank.load_bank(path)
    checked = []
    setup = pdf._Para._setup

    def compare(self, text, style, bulletText, frags, cleaner):
        if frags is None and text is not None:
            cleaned = cleaner(text)
            mine = pdf._read_xml(cleaned, style, self.caseSensitive)
            parser = ParaParser()
            parser.caseSensitive = self.caseSensitive
            _, theirs, _ = parser.parse(cleaned, style)
            textTransformFrags(theirs, style)
            assert mine is not None, f"not read: {text!r}"
            assert [(type(f), list(f.__dict__.items())) for f in mine] == \
                [(type(f), list(f.__dict__.items())) for f in theirs], text
            checked.append(text)
        setup(self, text, style, bulletText, frags, cleaner)

    pdf._Para._setup = compare
    try:
        fast = _artifacts(loaded)
    finally:
        pdf._Para._setup = setup
    print(f"pdf: {len(checked):,} paragraphs, every one with the fragments of reportlab's parser")
    switched = {(markup, "_code_spans"): lambda text: None, (markup, "_simple_blocks"): lambda text: None,
                (pdf, "_read_xml"): lambda *args: None, (pdf._Para, "breakLines"): Paragraph.breakLines,
                (pdf._Font, "stringWidth"): TTFont.stringWidth, (pdf._Font, "splitString"): TTFont.splitString}
    saved = {key: getattr(*key) for key in switched}
    markup._parse.cache_clear()
    for (owner, name), value in switched.items():
        setattr(owner, name, value)
    try:
        slow = _artifacts(loaded)
    finally:
        for (owner, name), value in saved.items():
            setattr(owner, name, value)
        markup._parse.cache_clear()
    assert fast == slow, "the artifacts differ with the fast paths switched off"
    print(f"pdf, apkg: {size} questions, the same bytes with the fast paths switched off")


def _artifacts(loaded: bank.Bank) -> tuple[bytes, bytes]:
    booklet, deck = io.BytesIO(), io.BytesIO()
    pdf.write(loaded, booklet)
    apkg.write(loaded, deck)
    return booklet.getvalue(), deck.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=200_000)
    parser.add_argument("--size", type=int, default=200)
    args = parser.parse_args()
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1700000000")
    check_markup(args.examples)
    with tempfile.TemporaryDirectory() as temp:
        check_pdf(args.size, Path(temp))


if __name__ == "__main__":
    main()
