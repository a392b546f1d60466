"""Tables, formulas and figures: one bank text, the same on the card and on paper.

Cards are read back from a real Anki collection (tests/anki_support.py), booklets with pypdf and
pdftotext; the corpus bank is tests/banks/valid/rich.yaml, with its figures under
tests/banks/valid/figures/.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from anki_support import import_package, read_card_side
from conftest import BANKS
from deckbook import markup
from deckbook.cli import cli
from pdf_support import Booklet, question, write_bank

RICH = BANKS / "valid" / "rich.yaml"
needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                     reason="needs poppler-utils' pdftotext")


def _pdftotext(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def _cards(runner, col, bank_file, tmp_path) -> dict[str, tuple[str, str]]:
    out = tmp_path / "deck.apkg"
    result = runner.invoke(cli, ["anki", str(bank_file), "-o", str(out)])
    assert result.exit_code == 0, result.output
    import_package(col, out)
    cards = {}
    for nid in col.find_notes(""):
        note = col.get_note(nid)
        (card,) = note.cards()
        cards[note["Id"]] = (card.question(), card.answer())
    return cards


# -- tables ------------------------------------------------------------------------------------
def test_a_pipe_table_is_a_table_with_its_alignments():
    (table,) = markup.parse("| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 | 3 |\n| 4 |")
    assert isinstance(table, markup.Table)
    assert table.align == ("left", "center", "right")
    assert [markup.plain_spans(cell) for cell in table.header] == ["a", "b", "c"]
    assert [[markup.plain_spans(cell) for cell in row] for row in table.rows] == [["1", "2", "3"], ["4", "", ""]]
    assert markup.to_html("| x < y | `a\\|b` |\n|---|---|\n| *i* | \\| |") == (
        '<div class="db-table"><table><thead><tr><th>x &lt; y</th><th><code>a|b</code></th></tr></thead>'
        "<tbody><tr><td><em>i</em></td><td>|</td></tr></tbody></table></div>")


def test_a_table_on_the_card_is_html_that_scrolls_sideways(runner, col, tmp_path):
    front, back = _cards(runner, col, RICH, tmp_path)["list-vs-tuple"]
    assert '<div class="db-table"><table><thead><tr><th>' in back
    assert '<th class="db-center">list</th>' in back
    shown = read_card_side(back)[0]
    assert "mutable yes no" in shown and "hashable no only if its items are" in shown
    css = col.models.by_name("Rich markup (deckbook)")["css"]
    assert ".db-table {" in css and "overflow-x: auto" in css


@needs_pdftotext
def test_a_table_in_the_booklet_wraps_its_cells_and_repeats_its_header_after_a_page_break(runner, tmp_path):
    rows = "\n".join(f"| row {number} | {' '.join(['long cell text'] * 12)} | {number} |" for number in range(60))
    item = question(1, "alpha", sentences=2)
    item["answer"] = "The table:\n\n| name | description | n |\n|---|---|--:|\n" + rows
    bank_file = write_bank(tmp_path / "bank.yaml", [item])
    out = tmp_path / "booklet.pdf"
    assert runner.invoke(cli, ["pdf", str(bank_file), "-o", str(out)]).exit_code == 0
    booklet = Booklet(out)
    pages = [page for page in booklet.pages if "long cell text" in page]
    assert len(pages) >= 2
    for page in pages:  # the header row on every page the table runs on, above its rows
        assert re.search(r"name\s+description\s+n\b", page), page[:300]
        assert page.index("name") < page.index("row ")
    text = _pdftotext(out)
    for number in range(60):
        assert f"row {number} " in text
    assert "|---|" not in text and "| row" not in text


# -- formulas ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "math"), [
    ("a price of $5 and $10", []),
    ("$x$ costs 4", [markup.Math("x")]),
    ("\\$x$ is text", []),
    ("$x $ and $ y$", []),
    ("2$x$ and $x$2", []),
    ("in $a*b*c$ the asterisks are math", [markup.Math("a*b*c")]),
    ("`$x$` is code", []),
])
def test_dollars_follow_the_markdown_math_rules(text, math):
    (paragraph,) = markup.parse(text)
    assert [span for span in paragraph.spans if isinstance(span, markup.Math)] == math
    assert markup.plain(text).replace("\\", "") == text.replace("\\", "").replace("`", "")


def test_a_display_formula_stands_on_its_own_line():
    assert markup.parse("$$\nx^2\n$$") == (markup.MathBlock("x^2"),)
    assert markup.parse("before $$y$$ after") == (
        markup.Paragraph((markup.Span("before"),)), markup.MathBlock("y"), markup.Paragraph((markup.Span("after"),)))


def test_formulas_reach_mathjax_on_the_card_with_their_tex_intact(runner, col, tmp_path):
    from test_markup_safety import mathjax_math

    cards = _cards(runner, col, RICH, tmp_path)
    front, back = cards["softmax"]
    assert mathjax_math(front) == [r"\(\sigma(z)_i\)"]
    assert mathjax_math(back) == [r"\(\sigma(z)_i\)", r"\(\sigma(z)_i = \frac{e^{z_i}}{\sum_j e^{z_j}}\)",
                                  r"\(0 < p < 1\)", r"\[\mathrm{precision} = \frac{TP}{TP + FP}\]",
                                  r"\(T\)", r"\(\sigma(z / T)\)", r"\[p_i\]", r"\(\frac{TP}{TP + FN}\)"]
    assert r"\(0 &lt; p &lt; 1\)" in back  # < and & escaped as HTML, decoded before MathJax reads them
    assert "A price of $5 and $10 is no formula." in read_card_side(back)[0]
    assert mathjax_math(cards["list-vs-tuple"][1]) == []  # \$x\$ is a dollar sign, twice
    assert "and so does $x$." in read_card_side(cards["list-vs-tuple"][1])[0]


@needs_pdftotext
def test_formulas_in_print_are_drawn_not_written(runner, tmp_path):
    out = tmp_path / "booklet.pdf"
    assert runner.invoke(cli, ["pdf", str(RICH), "-o", str(out)]).exit_code == 0
    text = _pdftotext(out)
    assert "A price of $5 and $10 is no formula." in " ".join(text.split())
    for source in ("\\frac", "\\sigma", "\\sum", "e^{", "$$", "TP + FP"):
        assert source not in text, source
    page = Booklet(out).reader.pages[Booklet(out).page_of("Probabilities from scores") - 1]
    forms = [name for name in page["/Resources"]["/XObject"] if str(name).startswith("/FormXob.deckbook-math-")]
    assert len(forms) == 8  # each distinct formula on the page, once


def test_each_distinct_formula_is_typeset_once_per_build(runner, tmp_path):
    from deckbook import formulas

    formulas.typeset.cache_clear()
    result = runner.invoke(cli, ["build", str(RICH), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    info = formulas.typeset.cache_info()
    # apkg, booklet, cards and worksheet show 8 distinct formulas: each laid out once for all four
    assert (info.misses, info.hits > info.misses) == (8, True)
