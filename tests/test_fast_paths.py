"""The fast paths give what the slow ones give: markup's readers the blocks markdown-it gives,
the kit's XML reader the fragments reportlab's parser makes, and every PDF the same bytes with
pdfkit.internals.fast_paths off (reportlab's own line breaking, parsing and font calls)."""

from __future__ import annotations

import contextlib
import io
import random
from collections.abc import Iterator

import pytest
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph
from reportlab.platypus.paragraph import textTransformFrags

from conftest import BANKS, BUNDLED, EPOCH, TESTS
from deckbook import dates, markup
from deckbook.bank import load_bank
from deckbook.exporters import apkg, booklet, cards, worksheet
from deckbook.pdfkit import internals
from deckbook.pdfkit.internals import FastParagraph, Font, fast_paths
from pdf_support import question, write_bank

HOSTILE = BANKS / "valid" / "hostile.yaml"
RICH = BANKS / "valid" / "rich.yaml"
BANKS = ("bundled", "hostile", "generated", "rich")
EXPORTERS = (booklet, cards, worksheet, apkg)

PIECES = ("`", "``", "```", " ", "  ", "a", "b c", "x `y` z", "`code`", "*", "_", "\\", "-", "1.", "2)", "\t",
          "\xa0", "\u2028", "\x0c", "~~~", "é", "<", "&", "$", "$x$", "5", "|", "![a](b.png)", "!", "[")
LINE_STARTS = ("", "", "", " ", "    ", "\t", "```", "````", "```py", "``` py x", "```a`b", "- ", "1. ", "~~~")
PROSE = ("A `b` c.", "plain text", "`x` and `y`", "", " ", "- item", "x *y*", "  indented `z`", "\t`t`")
CODE = ("def f():", "    return 1", "", "  ", "\t\tx", "```", "````", "  ```", "```  ", "``` x", "~~~", "    ```")
OPENERS = ("```", "```python", "````", "``` py  extra", "```\t", "````js", "```a`b")
CLOSERS = ("```", "````", "  ```", "```   ", "`````", "```x", "")


def _random_text(rng: random.Random) -> str:
    """Paragraphs, code spans, emphasis, lists, fences and odd white space, in random mixes."""
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


def test_markups_fast_paths_give_the_blocks_markdown_it_gives():
    rng = random.Random(1)
    fast = 0
    for _ in range(20_000):
        text = _random_text(rng)
        if not markup._PLAIN.search(text):
            continue
        found = markup._code_spans(text)
        blocks = (markup.Paragraph(found),) if found is not None else markup._simple_blocks(text)
        if blocks is None:
            continue
        fast += 1
        expected, _ = markup._blocks(markup._MD.parse(text), 0, None)
        assert blocks == tuple(expected), f"{text!r}: fast path {blocks}, markdown-it {expected}"
    assert fast > 1_000  # the random texts do reach the fast paths


@contextlib.contextmanager
def markup_fast_paths_off() -> Iterator[None]:
    """markup without its fast paths, every text read by markdown-it (markup has no public
    switch: this one replaces its private readers)."""
    markup._parse.cache_clear()
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(markup, "_code_spans", lambda text: None)
            patch.setattr(markup, "_simple_blocks", lambda text: None)
            yield
    finally:
        markup._parse.cache_clear()


@pytest.fixture(scope="module")
def banks(tmp_path_factory) -> dict[str, object]:
    """The bundled and hostile banks, and one with questions longer than a page, code and lists."""
    items = [question(number, ("alpha", "beta")[number % 2], sentences=40 if number % 4 == 0 else 3,
                      code=number % 3 == 0, mistakes=(3, 1, 0)[number % 3]) for number in range(1, 13)]
    generated = write_bank(tmp_path_factory.mktemp("fast") / "bank.yaml", items)
    return {name: dates.one_date(load_bank(path), EPOCH)
            for name, path in (("bundled", BUNDLED), ("hostile", HOSTILE), ("generated", generated),
                               ("rich", RICH))}


def _write_all(bank) -> dict[str, bytes]:
    found = {}
    for exporter in EXPORTERS:
        out = io.BytesIO()
        exporter.write(bank, out)
        found[exporter.NAME] = out.getvalue()
    return found


@pytest.mark.parametrize("name", BANKS)
def test_the_kits_xml_reader_gives_the_fragments_of_reportlabs_parser(monkeypatch, banks, name):
    read, compared, declined = internals.read_xml, [], []

    def both(text, style, case_sensitive):
        mine = read(text, style, case_sensitive)
        if mine is None:
            declined.append(text)
            return None
        theirs = internals.parse_xml(text, style, case_sensitive)
        mine_transformed = read(text, style, case_sensitive)
        textTransformFrags(mine_transformed, style)
        assert ([(type(frag), list(vars(frag).items())) for frag in mine_transformed]
                == [(type(frag), list(vars(frag).items())) for frag in theirs]), text
        compared.append(text)
        return mine

    monkeypatch.setattr(internals, "read_xml", both)
    _write_all(banks[name])
    declined = [text for text in declined if "<onDraw" not in text]  # formulas: reportlab's parser, always
    assert len(compared) > 20 * max(1, len(declined)), declined[:5]  # nearly all read by the kit


@pytest.mark.parametrize("name", BANKS)
def test_every_artifact_is_the_same_bytes_with_the_fast_paths_off(banks, name):
    bank = banks[name]
    fast = _write_all(bank)
    with markup_fast_paths_off(), fast_paths(False):
        assert FastParagraph.breakLines is Paragraph.breakLines
        assert Font.stringWidth is TTFont.stringWidth
        slow = _write_all(bank)
    assert FastParagraph.breakLines is not Paragraph.breakLines  # switched back on
    assert slow.keys() == fast.keys()
    for exporter, data in fast.items():
        assert slow[exporter] == data, exporter
