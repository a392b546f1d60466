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
