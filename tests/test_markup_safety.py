"""Markup at its edges, as an attacker found them: lists nested past the parser's limit, MathJax
delimiters made from plain text, one-character answers, and code that kept Pygments or genanki
busy for minutes. Each case goes through the command line; cards are read back from a real Anki
collection, pages with pypdf.

The corpus banks are tests/banks/valid/markup-edge-cases.yaml (what must show as typed) and
tests/banks/invalid/deep-lists.yaml (what is refused, and where).
"""

from __future__ import annotations

import inspect
import io
import json
import os
import random
import re
import shutil
import subprocess
import sys
import textwrap
import time
from html.parser import HTMLParser
from pathlib import Path

import genanki
import pytest
import yaml
from pypdf import PdfReader

from anki_support import read_card_side, rendered_cards
from conftest import BANKS, EPOCH, TESTS
from deckbook import dates, markup
from deckbook.bank import iter_texts, load_bank
from deckbook.cli import cli
from deckbook.exporters import apkg
from pdf_support import squash

EDGES = BANKS / "valid" / "markup-edge-cases.yaml"


def _bank_file(tmp_path: Path, *answers: str, language: str | None = None) -> Path:
    """A bank of one question per answer (a fenced block of *language* when given)."""
    questions = [{"id": f"q{number}", "topic": "a", "question": f"Question {number}?",
                  "answer": f"```{language}\n{answer}\n```" if language else answer}
                 for number, answer in enumerate(answers, 1)]
    path = tmp_path / "bank.yaml"
    path.write_text(yaml.safe_dump({"title": "Edges", "topics": {"a": "A"}, "questions": questions},
                                   allow_unicode=True, width=1 << 30), encoding="utf-8")
    return path


def _cards(runner, col, bank_file: Path, tmp_path: Path) -> dict[str, tuple[str, str]]:
    """Each question's card as Anki renders it: {id: (front HTML, back HTML)}."""
    out = tmp_path / "deck.apkg"
    result = runner.invoke(cli, ["anki", str(bank_file), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return rendered_cards(col, out)


def _nested(depth: int) -> str:
    return "\n".join(f"{'  ' * level}- L{level}" for level in range(depth)) + "\n\nAfter the list."


# -- lists nested past the parser's limit -----------------------------------------------------------
def test_markup_reads_lists_as_deep_as_its_limit_and_refuses_one_level_more():
    assert markup.MAX_LIST_DEPTH == 9
    deepest = _nested(9)
    assert markup.problems(deepest) == ()
    assert markup.plain(deepest) == "L0 L1 L2 L3 L4 L5 L6 L7 L8 After the list."
    for text in (_nested(10), _nested(30), "- " * 10 + "x", "1. " * 10 + "x", "- " * 5000 + "x"):
        assert markup.problems(text) == ("nests lists more than 9 deep; the limit is 9 levels",), text
    for text in ("- " * 9 + "x", "- a\n" * 50, "1. 2. 3.", "x - y - z " * 100):
        assert markup.problems(text) == (), text


def test_a_list_ten_levels_deep_fails_the_check_at_its_text_and_writes_nothing(runner, tmp_path):
    bank_file = tmp_path / "bank.yaml"
    bank_file.write_text("title: T\ntopics: {a: A}\nquestions:\n- id: q\n  topic: a\n  question: Deep?\n"
                         "  answer: |\n" + textwrap.indent(_nested(10), "    ") + "\n", encoding="utf-8")
    out = tmp_path / "dist"
    result = runner.invoke(cli, ["build", str(bank_file), "--out", str(out), "--check"])
    assert result.exit_code == 1
    assert result.stderr == (f"{bank_file}:7:11: error: 'answer' of question 'q' nests lists more than 9 "
                             "deep; the limit is 9 levels\n")
    assert not out.exists()


def test_markup_never_drops_the_text_of_a_list_too_deep_to_read():
    # the bank's checks refuse such a text; markup itself shows all of it should one come
    text = _nested(10)
    assert markup.plain(text) == " ".join(text.split())


def _x_positions(page) -> dict[str, float]:
    """The x at which each piece of text on *page* starts."""
    found: dict[str, float] = {}

    def visit(text, cm, tm, font, size):
        if text.strip():
            found.setdefault(text.strip(), round(cm[0] * tm[4] + cm[2] * tm[5] + cm[4], 1))
    page.extract_text(visitor_text=visit)
    return found


@pytest.mark.parametrize("layout", ["booklet", "cards", "worksheet"])
def test_the_deepest_list_and_the_text_after_it_show_on_paper_indented_at_most_four_levels(
        runner, tmp_path, layout):
    out = tmp_path / f"{layout}.pdf"
    result = runner.invoke(cli, ["pdf", str(EDGES), "-o", str(out), "--layout", layout])
    assert result.exit_code == 0, result.output
    (page,) = [page for page in PdfReader(out).pages if "L8 is the ninth level" in page.extract_text()]
    assert squash("L0 L1 L2 L3 L4 L5 L6 L7 L8 is the ninth level The paragraph after the list.") in squash(
        page.extract_text().replace("•", ""))
    x = _x_positions(page)
    assert x["L0"] < x["L1"] < x["L2"] < x["L3"]  # four levels indent...
    assert x["L3"] == x["L4"] == x["L7"] == x["L8 is the ninth level"]  # ...and no more


def test_the_deepest_list_and_the_text_after_it_show_on_the_card(runner, col, tmp_path):
    _, back = _cards(runner, col, EDGES, tmp_path)["nine-levels"]
    text, elements = read_card_side(back)
    assert "L0 L1 L2 L3 L4 L5 L6 L7 L8 is the ninth level The paragraph after the list." in text
    assert elements.count("ul") == 9


# -- MathJax delimiters from plain text -----------------------------------------------------------
#: What MathJax 3 skips (HTMLDomStrings.OPTIONS.skipHtmlTags), and what it reads as text.
_MATHJAX_SKIPS = {"script", "noscript", "style", "textarea", "pre", "code", "annotation", "annotation-xml"}
_MATHJAX_TEXT = {"br": "\n", "wbr": ""}
_VOID = {"br", "wbr", "hr", "img", "input", "meta", "link", "area", "base", "col", "embed", "source"}


class _MathJaxStrings(HTMLParser):
    """The strings in which MathJax 3 looks for delimiters (mathjax-full ts/handlers/html/
    HTMLDomStrings.ts, find()): the text of the page with character references decoded, <br> as a
    line end, comments and <wbr> as nothing, cut at the start and end of every other element; the
    content of the elements it skips left out. Anki sets no options of its own here (its
    ts/mathjax/index.ts sets tex.displayMath, and processEscapes, processEnvironments and
    processRefs off: only \\( \\) and \\[ \\] delimit math)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.strings = [""]
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _MATHJAX_TEXT:
            if not self._skipping:
                self.strings[-1] += _MATHJAX_TEXT[tag]
            return
        self.strings.append("")
        if tag in _MATHJAX_SKIPS and tag not in _VOID:
            self._skipping += 1

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self.handle_starttag(tag, attrs)
        if tag in _MATHJAX_SKIPS:
            self._skipping -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _MATHJAX_TEXT:
            return
        self.strings.append("")
        if tag in _MATHJAX_SKIPS:
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.strings[-1] += data


def mathjax_math(rendered: str) -> list[str]:
    """The math MathJax 3, as Anki's reviewer sets it up, would typeset on a rendered card side."""
    parser = _MathJaxStrings()
    parser.feed(rendered)
    parser.close()
    found = []
    for string in parser.strings:
        found += re.findall(r"\\\(.*?\\\)|\\\[.*?\\\]", string, re.DOTALL)
    return found


def test_the_model_of_mathjax_finds_the_math_mathjax_finds():
    assert mathjax_math(r"<p>\(x^2\) and \[y\]</p>") == [r"\(x^2\)", r"\[y\]"]
    assert mathjax_math(r"<p>a \&#40;x\&#x29; and \&#91;y\]</p>") == [r"\(x\)", r"\[y\]"]  # decoded
    assert mathjax_math(r"<p>\<!-- -->(x\<wbr>)</p>") == [r"\(x\)"]  # neither ends a string
    assert mathjax_math(r"<p><code>\(x\)</code><pre>\[y\]</pre></p>") == []
    assert mathjax_math(r"<p>\<span></span>(x\)</p>") == []


def test_no_mathjax_delimiter_from_a_bank_reaches_a_card_and_the_text_shows_as_typed(runner, col, tmp_path):
    bank = load_bank(EDGES)
    cards = _cards(runner, col, EDGES, tmp_path)
    for question_id, sides in cards.items():
        for rendered in sides:
            assert mathjax_math(rendered) == [], (question_id, rendered)
    front, back = cards["mathjax"]
    assert read_card_side(front)[0].startswith(r"Operators \(and\) \[TeX\] Does \(x^2\) typeset on the card?")
    shown = read_card_side(back)[0]
    for typed in (r"No: \(x^2\), \[y\] and \(\href{javascript:alert(1)}{CLICK}\) stay text.",
                  r"In code they stay as typed: \(x\) and \[ \href{https://example.com}{y} \]",
                  r"Writing \[ display \] math.", r"Emphasis \(inside\) and \[strong\]"):
        assert typed in shown
    assert r"<code>\(x\)</code>" in back  # code is left as it is: MathJax skips it
    assert all(question.id in cards for question in bank.questions)


def test_every_text_of_the_bank_shows_as_typed_on_its_card(runner, col, tmp_path):
    bank = load_bank(EDGES)
    cards = _cards(runner, col, EDGES, tmp_path)
    for question, name, value in iter_texts(bank):
        side = cards[question.id][0 if name == "question" else 1]
        assert " ".join(markup.plain(value).split()) in read_card_side(side)[0], (question.id, name)


_FIND_MATH = textwrap.dedent("""
    // The TeX that MathJax 3 would typeset in each HTML string of a JSON list on standard input,
    // configured as Anki's reviewer configures it (ts/mathjax/index.ts).
    const {mathjax} = require('mathjax-full/js/mathjax.js');
    const {TeX} = require('mathjax-full/js/input/tex.js');
    const {liteAdaptor} = require('mathjax-full/js/adaptors/liteAdaptor.js');
    const {RegisterHTMLHandler} = require('mathjax-full/js/handlers/html.js');
    require('mathjax-full/js/input/tex/AllPackages.js');
    RegisterHTMLHandler(liteAdaptor());
    let input = '';
    process.stdin.on('data', (chunk) => input += chunk);
    process.stdin.on('end', () => {
      process.stdout.write(JSON.stringify(JSON.parse(input).map((html) => {
        const tex = new TeX({displayMath: [['\\\\[', '\\\\]']], processEscapes: false,
                             processEnvironments: false, processRefs: false});
        const doc = mathjax.document(`<html><body><div id="qa">${html}</div></body></html>`,
                                     {InputJax: tex});
        doc.findMath();
        return Array.from(doc.math).map((item) => item.start.delim + item.math + item.end.delim);
      })));
    });
""")


def mathjax_node() -> str:
    """The node that finds mathjax-full 3 (on NODE_PATH); skips the test where there is none."""
    node = shutil.which("node")
    found = node and subprocess.run([node, "-e", "require.resolve('mathjax-full/js/mathjax.js')"],
                                    capture_output=True, check=False).returncode == 0
    if not found:
        pytest.skip("needs node and the npm package mathjax-full 3 on NODE_PATH")
    return node


def test_real_mathjax_finds_no_math_on_the_cards(runner, col, tmp_path):
    """With mathjax-full 3 where node finds it (NODE_PATH), the model above is checked against it."""
    node = mathjax_node()
    cards = _cards(runner, col, EDGES, tmp_path)
    pages = [side for sides in cards.values() for side in sides]
    unbroken = [r"<p>\(x^2\) and \[y\]</p>", r"<p>\<!-- -->(x\<wbr>)</p>", r"<p><code>\(x\)</code></p>"]
    done = subprocess.run([node, "-e", _FIND_MATH], input=json.dumps(unbroken + pages), text=True,
                          capture_output=True, check=True, timeout=120)
    found_math = json.loads(done.stdout)
    assert found_math == [mathjax_math(page) for page in unbroken + pages]
    assert found_math[: len(unbroken)] == [[r"\(x^2\)", r"\[y\]"], [r"\(x\)"], []]
    assert not any(found_math[len(unbroken):])


# -- one-character answers ---------------------------------------------------------------------------
@pytest.mark.parametrize(("typed", "shown"), [
    ("+", "<p>+</p>"), ("*", "<p>*</p>"), ("-", "<p>-</p>"), ("1.", "<p>1.</p>"), ("2)", "<p>2)</p>"),
    ("07.", "<p>07.</p>"), ("-\n-", "<p>- -</p>"), ("+\n\n*", "<p>+</p><p>*</p>"),
    ("- +", "<ul><li>+</li></ul>"),
])
def test_a_text_of_list_markers_alone_is_that_text(typed, shown):
    assert markup.to_html(typed) == shown
    assert markup.plain(typed) == " ".join(typed.split()).removeprefix("- " if typed == "- +" else "")


def test_an_empty_item_in_a_list_shows_its_marker():
    assert markup.to_html("- a\n-\n- b") == "<ul><li>a</li><li>-</li><li>b</li></ul>"
    assert markup.to_html("1. a\n2.") == "<ol><li>a</li><li>2.</li></ol>"


def test_one_character_answers_show_as_typed_on_the_card(runner, col, tmp_path):
    cards = _cards(runner, col, EDGES, tmp_path)
    for question_id, answer, mistakes in (("plus", "+", "* 1."), ("star", "*", "-"), ("minus", "-", "")):
        front, back = cards[question_id]
        assert "<li></li>" not in back
        assert f'<div class="db-answer"><p>{answer}</p></div>' in back
        if mistakes:
            assert f"Common mistakes {mistakes}" in read_card_side(back)[0]
    assert read_card_side(cards["minus"][0])[0].endswith(" -")
    assert "Explanation - 07)" in read_card_side(cards["minus"][1])[0]


def test_one_character_answers_show_as_typed_in_the_booklet_and_pass_the_check(runner, tmp_path):
    out = tmp_path / "dist"
    result = runner.invoke(cli, ["build", str(EDGES), "--out", str(out), "--check"])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    pages = PdfReader(out / "markup-edge-cases.pdf").pages
    text = squash("".join(page.extract_text() for page in pages))
    assert squash("Q1 Which operator concatenates two lists in Python? "
                  "ANSWER + COMMON MISTAKES • * • 1. Q2") in text
    assert squash("ANSWER * COMMON MISTAKES - Q3 - ANSWER - EXPLANATION - 07) Q4") in text


# -- code that takes Pygments or genanki minutes ------------------------------------------------------
def _timed_build(runner, args: list[str]) -> float:
    started = time.perf_counter()
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    return time.perf_counter() - started


@pytest.mark.slow
@pytest.mark.parametrize(("language", "code"), [
    ("make", "x" * 20_000),  # 20 s before: a rule's pattern scans to the end of each line
    ("make", "1e" * 10_000),
    ("csharp", "x\n" * 10_000),  # 84 s before: a declaration's pattern scans every line after
], ids=["make-line", "make-pairs", "csharp-lines"])
def test_a_20_kb_code_block_builds_in_seconds(runner, tmp_path, language, code):
    bank_file = _bank_file(tmp_path, code, language=language)
    seconds = _timed_build(runner, ["build", str(bank_file), "--out", str(tmp_path / "dist")])
    assert seconds < 10


@pytest.mark.slow
def test_a_98_kb_line_of_python_makes_a_deck_in_seconds(runner, tmp_path):
    bank_file = _bank_file(tmp_path, "x=1;" * 24_500, language="python")  # 36 s before: genanki's check
    seconds = _timed_build(runner, ["anki", str(bank_file), "-o", str(tmp_path / "deck.apkg")])
    assert seconds < 10


def test_code_is_lexed_in_bounded_pieces_that_join_to_the_code():
    rng = random.Random(7)
    for _ in range(300):
        code = "".join(rng.choice(("a", " ", "\n", "\n\n", "x" * 300, "  y = 1\n", "\t")) for _ in range(
            rng.randint(0, 400)))
        pieces = list(markup._pieces(code))
        assert "".join(pieces) == code
        for piece in pieces:
            assert 0 < len(piece) <= markup._PIECE_CHARS
            assert piece.count("\n") <= markup._PIECE_LINES
            assert all(len(line) <= markup._PIECE_LINE for line in piece.split("\n"))


def test_a_short_block_is_lexed_whole_and_a_long_one_cut_after_a_blank_line():
    short = "def f():\n    return 1\n\n\nx = f()"
    assert list(markup._pieces(short)) == [short]
    function = "def f():\n" + "    x = 1\n" * 10
    pieces = list(markup._pieces((function + "\n") * 4))
    assert pieces[0] == (function + "\n") * 2  # the last blank line before the limit of lines


def test_every_character_of_the_code_comes_out_once_in_order_in_every_lexer():
    code = "x = '''a\n\nb'''  # c\n" * 60 + "<\n\t" + "y" * 450
    for language in ("python", "tnt", "matlabsession", "robotframework", "slim", "csharp", "text", "nope"):
        assert "".join(value for _, value in markup.lex(code, language)) == code, language
        assert "".join(value for _, value in markup.CodeBlock(code, language).tokens()) == code


def test_code_a_lexer_would_garble_prints_as_typed():
    for language, code in (("matlabsession", "??? a"), ("robotframework", "*** x\n|a|'b")):
        assert "".join(value for _, value in markup.lex(code, language)) == code


def test_a_lexer_that_never_ends_on_code_without_a_final_line_end_ends(tmp_path):
    # Pygments' TNT lexer loops for ever on "<" as the last line, without a line end
    script = ("from deckbook import markup\n"
              "print(markup.to_html('```tnt\\n<a\\n<\\n```'))\n"
              "print(markup.CodeBlock('<', 'tnt').tokens())\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                          check=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert "&lt;a" in done.stdout


def test_the_lexers_that_stay_slow_in_pieces_print_plain_text():
    for language in ("easytrieve", "autoit", "fan", "xpp", "x++", "autohotkey", "ahk"):
        assert markup.lexer_for(language).name == "Text only", language
    assert markup.to_html("```ahk\nx := 1\n```") == (
        '<pre class="highlight"><code class="language-ahk">x := 1</code></pre>')


def test_genanki_finds_no_invalid_tag_in_any_field_deckbook_writes():
    """deckbook's notes skip genanki's check for unescaped tags (apkg._note_class): every field is
    HTML it wrote itself, as this shows on the hostile corpus."""
    banks = [load_bank(path) for path in sorted((BANKS / "valid").glob("*.yaml"))]
    checked = 0
    for bank in banks:
        for topic, questions in bank.sections():
            for question in questions:
                for field in apkg.fields(topic, question):
                    assert genanki.Note._find_invalid_html_tags_in_field(field) == [], field
                    checked += 1
    assert checked > 100
    note_class = apkg._note_class()
    assert issubclass(note_class, genanki.Note)
    # the method overridden is the one genanki's write_to_db calls for the check
    assert "self._check_invalid_html_tags_in_fields()" in inspect.getsource(genanki.Note.write_to_db)
    assert "_check_invalid_html_tags_in_fields" in vars(note_class)


def test_a_deck_with_long_highlighted_lines_is_the_same_without_genanki_s_check(monkeypatch):
    bank = dates.one_date(load_bank(None, _bank_file_bytes("```python\n" + "x = [1, '<b>'];" * 200 + "\n```")), EPOCH)
    first = io.BytesIO()
    apkg.write(bank, first)
    monkeypatch.setattr(apkg._note_class(), "_check_invalid_html_tags_in_fields",
                        genanki.Note._check_invalid_html_tags_in_fields)
    second = io.BytesIO()
    apkg.write(bank, second)
    assert first.getvalue() == second.getvalue()


def _bank_file_bytes(answer: str) -> bytes:
    return yaml.safe_dump({"title": "T", "topics": {"a": "A"}, "questions": [
        {"id": "q", "topic": "a", "question": "Q?", "answer": answer}]}).encode()


def test_the_markup_edge_corpus_builds_the_same_bytes_twice(runner, tmp_path):
    outputs = []
    for name in ("one", "two"):
        out = tmp_path / name
        assert runner.invoke(cli, ["build", str(EDGES), "--out", str(out)]).exit_code == 0
        outputs.append({path.name: path.read_bytes() for path in sorted(out.iterdir())})
    assert outputs[0] == outputs[1]

