"""Markup without surprises: what an author types is what the learner reads, or a warning says
where it is not, and why.

Underscores are never emphasis (__init__ prints as typed, on the card and on paper). What
CommonMark changes silently and an author would not expect (2*3*4, a backslash line break, an
indented code block, a table row with more cells than its header) is a warning at the text's own line and column; the banks in
tests/banks/warnings/ hold one family each, with the lines they must print.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from anki_support import import_package, read_card_side
from conftest import BANKS, TESTS, WARNINGS, expected_lines
from deckbook import markup
from deckbook.cli import cli

EDGES = BANKS / "valid" / "markup-edge-cases.yaml"
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


# -- what prints otherwise than typed: a warning at its line and column --------------------------
@pytest.mark.parametrize("bank_file", WARNINGS, ids=lambda path: path.stem)
def test_a_surprise_is_a_warning_at_its_line_and_column_and_the_bank_stays_valid(runner, bank_file):
    result = runner.invoke(cli, ["validate", str(bank_file)])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == expected_lines(bank_file)
    assert result.stdout.startswith(f"{bank_file}: valid: ")


def test_every_warning_bank_expects_a_warning():
    assert len(WARNINGS) >= 4
    for bank_file in WARNINGS:
        assert expected_lines(bank_file), bank_file


def test_build_prints_the_surprises_and_check_fails_on_them(runner, tmp_path):
    bank_file = BANKS / "warnings" / "intraword-asterisks.yaml"
    checked = runner.invoke(cli, ["build", str(bank_file), "--check", "--out", str(tmp_path / "gate")])
    assert checked.exit_code == 1
    assert checked.stderr.splitlines() == [*expected_lines(bank_file),
                                           "error: --check: 8 warnings; nothing was written"]
    assert not (tmp_path / "gate").exists()
    built = runner.invoke(cli, ["anki", str(bank_file), "-o", str(tmp_path / "deck.apkg")])
    assert built.exit_code == 0
    assert built.stderr.splitlines() == expected_lines(bank_file)


def _warnings(runner, tmp_path, text: bytes) -> list[str]:
    bank_file = tmp_path / "bank.yaml"
    bank_file.write_bytes(text)
    result = runner.invoke(cli, ["validate", str(bank_file)])
    assert result.exit_code == 0, result.output
    return [line.removeprefix(f"{bank_file}:") for line in result.stderr.splitlines()]


_HEAD = b"title: T\ntopics:\n  a: A\nquestions:\n  - id: q\n    topic: a\n    question: Q?\n"


@pytest.mark.parametrize(("answer", "where"), [
    (b"    answer: 2*3*4\n", "8:13"),
    (b"    answer: \"x\\t\\u00e9\\x41 2*3*4\"\n", "8:28"),
    (b"    answer: 'it''s ''a'' 2*3*4'\n", "8:26"),
    (b"    answer: \"a \\\n      b 2*3*4\"\n", "9:9"),
    (b"    answer: |-  # a comment: 1*2*3\n      line one\n\n        2*3*4 indented\n", "11:9"),
    (b"    answer: |2\n        two more 2*3*4\n", "9:18"),
    (b"    answer: >\n      folded\n      \xc3\xa9\xe2\x82\xac 2*3*4\n", "10:10"),
    (b"    answer: >\r\n      crlf\r\n      folded 2*3*4\r\n", "10:14"),
    (b"    answer: |\r\n      crlf\r\n      literal 2*3*4\r\n", "10:15"),
    (b"    answer:\n      plain\n\n      over 2*3*4\n", "11:12"),
])
def test_a_surprise_is_located_in_every_kind_of_yaml_text(runner, tmp_path, answer, where):
    found = _warnings(runner, tmp_path, _HEAD + answer)
    assert [line.split(": warning: ")[0] for line in found] == [where], found


def test_a_thousand_surprises_in_one_text_are_ten_warnings(runner, tmp_path):
    found = _warnings(runner, tmp_path, _HEAD + b"    answer: " + b"a*b*c " * 1000 + b"\n")
    assert len(found) == markup.MAX_SURPRISES == 10
    assert found[0] == ("8:13: warning: 'answer' of question 'q': the asterisks in a*b*c make 'b' "
                        "italic and do not print; write `a*b*c` or a\\*b\\*c to print them")
    assert found[-1] == ("8:67: warning: 'answer' of question 'q': 991 more places from here print "
                         "otherwise than typed, as the warnings above say")


@pytest.mark.parametrize("text", [
    "2 * 3 * 4", "`2*3*4`", "2\\*3\\*4", "**bold** and *italic*", "f(*args, **kwargs)", "*args and **kwargs",
    "a | b", "ps aux | grep x", "x\\", "C:\\Users\\me", "```\n| a |\n|---|\n```", "```\n    code\n```",
    "| a | b |\n|---|:-:|\n| 1 | 2 |", "a | b\n--|--\n1 | 2\n3", "$a*b*c$ costs 5", "$x^2*y$",
    "para\n    continued", "1. item\n\n    more of the item", "- a\\\n", "__init__ and __exit__",
])
def test_what_prints_as_typed_is_no_surprise(text):
    assert markup.surprises(text) == ()


@pytest.mark.parametrize(("text", "offset", "start"), [
    ("2*3*4", 0, "the asterisks in 2*3*4 make '3' italic"),
    ("Is (2*3*4) 24?", 4, "the asterisks in 2*3*4 make '3' italic"),
    ("x**2 + y**2", 0, "the asterisks in x**2 + y**2 make '2 + y' bold"),
    ("**Note**s", 0, "the asterisks in **Note**s make 'Note' bold"),
    ("one\\\ntwo", 3, "the backslash at the end of this line does not print"),
    ("a\n\n    code", 7, "this code, indented instead of fenced (1 line)"),
    ("\tcode", 1, "this code, indented instead of fenced (1 line)"),
    ("```\nx\n```\n    after", 14, "this code, indented instead of fenced (1 line)"),
    ("- item\n\n      code", 14, "this code, indented instead of fenced"),
    ("a | b\n--|--\n1 | 2 | 3", 20, "this table row has 3 cells and the header 2"),
    ("  - x\n\n    a | b\n    --|--\n    1|2|3", 35, "this table row has 3 cells and the header 2"),
])
def test_a_surprise_is_found_at_its_offset(text, offset, start):
    (surprise,) = markup.surprises(text)
    assert (surprise.offset, surprise.message[: len(start)]) == (offset, start)
