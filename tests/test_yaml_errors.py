"""YAML errors where the mistake is: the corpus in tests/banks/invalid/ holds each case (a code
line indented too little in a | block, a text starting with a backtick, ': ' in a text); here,
the same words come from PyYAML's own parser, where libyaml is missing."""

from __future__ import annotations

import pytest
import yaml

from conftest import INVALID, expected_lines
from deckbook import bank
from deckbook.cli import cli

#: The syntax cases deckbook words itself; the others quote the parser, whose words differ.
OWN_WORDS = [path for path in INVALID if path.stem.startswith((
    "syntax-block-", "syntax-backtick", "syntax-at-sign", "syntax-percent", "syntax-colon-"))]


def test_every_case_is_in_the_corpus():
    assert len(OWN_WORDS) == 9


@pytest.mark.parametrize("bank_file", OWN_WORDS, ids=lambda path: path.stem)
def test_the_pure_python_parser_gives_the_same_error_at_the_same_place(runner, monkeypatch, bank_file):
    monkeypatch.setattr(bank, "_Loader", yaml.SafeLoader)
    result = runner.invoke(cli, ["validate", str(bank_file)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == expected_lines(bank_file)


@pytest.mark.parametrize(("line", "where", "words"), [
    ("answer: `x` is y", "8:13", "with a backtick (`) unless it is quoted; put the whole text in quotes, "
                                 "or write it as a block: answer: |"),
    ("answer:   @x", "8:15", "with an at sign (@) unless"),
    ("answer: [`x`]", "8:14", "with a backtick (`) unless it is quoted; put the whole text in quotes, "
                              "or write it as a block: |"),
    ("answer: a: b", "8:14", "the ': ' at column 14 is inside a text without quotes"),
    ("answer: x\n      - y: z", "9:10", "this line goes on with the text that starts on line 8"),
])
def test_the_error_names_the_character_or_the_colon_at_its_column(runner, line, where, words):
    data = ("title: T\ntopics:\n  a: A\nquestions:\n  - id: q\n    topic: a\n    question: Q?\n"
            f"    {line}\n").encode()
    result = runner.invoke(cli, ["validate", "-"], input=data)
    assert result.exit_code == 1
    (message,) = result.stderr.splitlines()
    assert message.startswith(f"<stdin>:{where}: error: YAML syntax: ")
    assert words in message
