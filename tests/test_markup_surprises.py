"""Markup without surprises: what an author types is what the learner reads, or a warning says
where it is not, and why.

Underscores are never emphasis (__init__ prints as typed, on the card and on paper). What
CommonMark changes silently and an author would not expect (2*3*4, a backslash line break, an
indented code block, a pipe table) is a warning at the text's own line and column; the banks in
tests/banks/warnings/ hold one family each, with the lines they must print.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from anki_support import import_package, read_card_side
from conftest import TESTS
from deckbook import markup
from deckbook.cli import cli

EDGES = TESTS / "banks" / "valid" / "markup-edge-cases.yaml"
DUNDERS = ("__enter__", "__exit__", "__mul__", "__init__", "__name__", "snake_case_name", "a_b", "c_d",
           "_private_", "__dunder__")


@pytest.mark.parametrize("text", ["__init__", "__enter__ and __exit__", "snake_case_name", "_a_ __b__",
                                  "x = a_b_c", "- __init__\n- _x_", "\\_escaped\\_"])
def test_underscores_are_never_emphasis(text):
    blocks = markup.parse(text)
    spans = [span for block in blocks for span in getattr(block, "spans", ())] or [
        span for block in blocks for item in block.items for inner in item for span in inner.spans]
    assert not any(span.strong or span.emphasis for span in spans), spans
    assert "<em>" not in markup.to_html(text) and "<strong>" not in markup.to_html(text)


def test_asterisks_are_still_bold_and_italic():
    assert markup.to_html("**bold** and *italic*") == "<p><strong>bold</strong> and <em>italic</em></p>"


def test_dunder_names_keep_their_underscores_on_the_card(runner, col, tmp_path):
    out = tmp_path / "deck.apkg"
    assert runner.invoke(cli, ["anki", str(EDGES), "-o", str(out)]).exit_code == 0
    import_package(col, out)
    (nid,) = col.find_notes("Id:dunders")
    (card,) = col.get_note(nid).cards()
    front, back = read_card_side(card.question())[0], read_card_side(card.answer())[0]
    assert "What do __enter__, __exit__ and __mul__ do for a_b * c_d?" in front
    for name in DUNDERS:
        assert name in front + back, name
    assert "<strong>bold</strong>" in card.answer() and "<em>italic</em>" in card.answer()
    assert "<strong>enter</strong>" not in card.question() + card.answer()


@pytest.mark.skipif(shutil.which("pdftotext") is None and not os.environ.get("CI"),
                    reason="needs poppler-utils' pdftotext (CI installs it, and there this never skips)")
def test_dunder_names_keep_their_underscores_in_the_booklet_text(runner, tmp_path):
    out = tmp_path / "booklet.pdf"
    assert runner.invoke(cli, ["pdf", str(EDGES), "-o", str(out)]).exit_code == 0
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "What do __enter__, __exit__ and __mul__ do for a_b * c_d?" in " ".join(text.split())
    for name in DUNDERS:
        assert name in text, name
