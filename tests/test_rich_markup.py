"""Tables, formulas and figures: one bank text, the same on the card and on paper.

Cards are read back from a real Anki collection (tests/anki_support.py), booklets with pypdf and
pdftotext; the corpus bank is tests/banks/valid/rich.yaml, with its figures under
tests/banks/valid/figures/.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from anki_support import read_card_side, rendered_cards
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
    return rendered_cards(col, out)


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


# -- figures -----------------------------------------------------------------------------------
def _media_names(bank_file, tmp_path, runner) -> dict[str, str]:
    out = tmp_path / "deck.apkg"
    assert runner.invoke(cli, ["anki", str(bank_file), "-o", str(out)]).exit_code == 0
    with zipfile.ZipFile(out) as archive:
        return json.loads(archive.read("media"))


def test_figures_reach_the_collections_media_folder_each_picture_once(runner, col, tmp_path):
    cards = _cards(runner, col, RICH, tmp_path)
    png = hashlib.sha256((RICH.parent / "figures" / "cache-aside.png").read_bytes()).hexdigest() + ".png"
    svg = hashlib.sha256((RICH.parent / "figures" / "attention.svg").read_bytes()).hexdigest() + ".svg"
    jpg = hashlib.sha256((RICH.parent / "figures" / "gradient.jpg").read_bytes()).hexdigest() + ".jpg"
    assert sorted(os.listdir(col.media.dir())) == sorted([png, svg, jpg])  # the PNG of two notes, once
    sources = []
    for front, back in cards.values():
        sources += re.findall(r'<img src="([^"]+)"', front + back)
    assert sorted(sources) == sorted([png, png, svg, jpg])
    for source in sources:  # every picture on a card resolves in the media folder
        assert (Path(col.media.dir()) / source).is_file()
    back = cards["cache-aside"][1]
    assert (f'<img src="{png}" alt="Cache-aside: the app reads the cache, then the database on a miss" '
            'width="640" height="240">') in back
    assert "figures/" not in back and "cache-aside.png" not in back


def test_a_moved_or_renamed_picture_keeps_its_media_name_and_a_changed_one_gets_a_new_one(runner, tmp_path):
    folder = tmp_path / "bank"
    shutil.copytree(RICH.parent / "figures", folder / "figures")
    bank_file = folder / "bank.yaml"
    bank_file.write_text(RICH.read_text(encoding="utf-8"), encoding="utf-8")
    first = _media_names(bank_file, tmp_path, runner)
    (folder / "pictures").mkdir()
    shutil.move(folder / "figures" / "cache-aside.png", folder / "pictures" / "renamed.png")
    bank_file.write_text(RICH.read_text(encoding="utf-8").replace("figures/cache-aside.png", "pictures/renamed.png"),
                         encoding="utf-8")
    assert _media_names(bank_file, tmp_path, runner) == first
    with Image.open(folder / "pictures" / "renamed.png") as image:
        image.rotate(180).save(folder / "pictures" / "renamed.png")
    changed = _media_names(bank_file, tmp_path, runner)
    assert len(changed) == len(first) and set(changed.values()) - set(first.values())
    ledger = (folder / "bank.dates.toml").read_text()
    assert "cache-aside = " in ledger  # the notes that show it were re-dated: their HTML changed


def test_a_deck_with_figures_is_the_same_bytes_every_build(runner, tmp_path):
    one, two = tmp_path / "one.apkg", tmp_path / "two.apkg"
    for out in (one, two):
        assert runner.invoke(cli, ["anki", str(RICH), "-o", str(out)]).exit_code == 0
    assert one.read_bytes() == two.read_bytes()


@needs_pdftotext
def test_the_booklet_draws_the_figures_and_names_no_file(runner, tmp_path):
    out = tmp_path / "booklet.pdf"
    assert runner.invoke(cli, ["pdf", str(RICH), "-o", str(out)]).exit_code == 0
    booklet = Booklet(out)
    page = booklet.reader.pages[booklet.page_of("fills it from the database") - 1]
    images = [obj for obj in page["/Resources"]["/XObject"].values() if obj.get_object()["/Subtype"] == "/Image"]
    assert len(images) == 2  # the PNG (twice on the page: one image) and the JPEG
    sizes = sorted((image.get_object()["/Width"], image.get_object()["/Height"]) for image in images)
    assert sizes == [(240, 160), (640, 240)]  # embedded at their own pixels
    text = _pdftotext(out)
    assert "![" not in text and ".png" not in text and ".svg" not in text and "figures/" not in text
    content = b"".join(page.get_contents().get_data() for page in booklet.reader.pages)
    alt = "Cache-aside: the app reads the cache, then the database on a miss"
    assert ("<FEFF" + alt.encode("utf-16-be").hex().upper() + ">").encode() in content  # its /Alt, /ActualText


def test_a_raster_figure_is_never_set_larger_than_it_stays_sharp(tmp_path):
    from deckbook.bank import Figure
    from deckbook.pdfkit.drawings import SHARP_DPI, FigureBlock

    small = FigureBlock(Figure(tmp_path / "x.png", "0" * 64, "png", 300, 100), "", 1000, 0)
    assert small.wrap(450, 1000) == (450, 300 * 0 + 100 * 72 / SHARP_DPI)
    wide = FigureBlock(Figure(tmp_path / "x.png", "0" * 64, "png", 3000, 1000), "", 1000, 0)
    assert wide.wrap(450, 1000)[1] == pytest.approx(450 / 3)  # scaled to the text width


def test_cards_and_worksheet_show_the_figures_too(runner, tmp_path):
    for layout in ("cards", "worksheet"):
        out = tmp_path / f"{layout}.pdf"
        result = runner.invoke(cli, ["pdf", str(RICH), "-o", str(out), "--layout", layout])
        assert result.exit_code == 0, result.output
        assert result.stderr == ""
        reader = Booklet(out).reader
        drawn = {obj.get_object()["/Width"] for page in reader.pages
                 for obj in page.get("/Resources", {}).get("/XObject", {}).values()
                 if obj.get_object().get("/Subtype") == "/Image"}
        assert 640 in drawn, layout  # the cache-aside PNG: in the answer on a card, in the key


def test_a_figure_that_links_out_of_the_banks_folder_is_refused(runner, tmp_path):
    folder = tmp_path / "bank"
    (folder / "figures").mkdir(parents=True)
    outside = tmp_path / "secret.png"
    shutil.copy(RICH.parent / "figures" / "cache-aside.png", outside)
    (folder / "figures" / "link.png").symlink_to(outside)
    (folder / "figures" / "inside.png").symlink_to(folder / "figures" / "link.png")
    big = folder / "figures" / "big.png"
    big.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * (8 * 1024 * 1024))
    bank_file = folder / "bank.yaml"
    bank_file.write_text("title: T\ntopics:\n  a: A\nquestions:\n  - id: q\n    topic: a\n    question: Q?\n"
                         "    answer: '![a link](figures/link.png) ![to a link](figures/inside.png) ![big](figures/big.png)'\n")
    result = runner.invoke(cli, ["build", str(bank_file), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    message = "error: 'answer' of question 'q': the figure"
    assert result.stderr.splitlines() == [
        f"{bank_file}:8:14: {message} 'figures/link.png' is a symbolic link to a file outside the bank's "
        "folder; keep figures in the bank's folder or under it",
        f"{bank_file}:8:42: {message} 'figures/inside.png' is a symbolic link to a file outside the bank's "
        "folder; keep figures in the bank's folder or under it",
        f"{bank_file}:8:75: {message} 'figures/big.png' is 8.0 MiB; a figure may be at most 8 MiB: save it "
        "smaller",
    ]
    assert not (tmp_path / "out").exists()


def test_a_bank_from_standard_input_has_no_folder_for_figures(runner):
    text = "title: T\ntopics:\n  a: A\nquestions:\n  - id: q\n    topic: a\n    question: Q?\n    answer: 'A ![x](x.png)'\n"
    result = runner.invoke(cli, ["validate", "-"], input=text)
    assert result.exit_code == 1
    assert result.stderr == ("<stdin>:8:16: error: 'answer' of question 'q': the figure 'x.png' cannot be found: a "
                             "bank from standard input has no folder for its figures; give the bank as a file\n")


def test_real_mathjax_finds_exactly_the_formulas_on_the_cards(runner, col, tmp_path):
    """With mathjax-full 3 where node finds it (NODE_PATH), configured as Anki's reviewer."""
    from test_markup_safety import _FIND_MATH, mathjax_math, mathjax_node

    node = mathjax_node()
    pages = [side for sides in _cards(runner, col, RICH, tmp_path).values() for side in sides]
    done = subprocess.run([node, "-e", _FIND_MATH], input=json.dumps(pages), text=True, capture_output=True,
                          check=True, timeout=120)
    assert json.loads(done.stdout) == [mathjax_math(page) for page in pages]
    assert sum(len(math) for math in json.loads(done.stdout)) == 9  # the question's twice: front and back
