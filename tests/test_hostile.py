"""Hostile and broken input: a precise error or a clean build, never a traceback, hang or injection.

The corpus of bad banks is tests/banks/invalid/ (test_cli.py runs it); this file adds what
does not fit in a committed file (generated, huge or other encodings), the property tests,
injection checks in real Anki and in the PDF, and failures injected into the real exporters.
Property tests run the "deckbook-ci" hypothesis profile: few examples, always the same ones.
HYPOTHESIS_PROFILE=deckbook-deep runs many more, new ones each time, to hunt for bugs.
"""

from __future__ import annotations

import errno
import io
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unicodedata
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import genanki
import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject
from reportlab.pdfgen.canvas import Canvas

from deckbook import bank as bank_module
from deckbook import dates, markup
from anki_support import OUR_ELEMENTS, import_package, one_line, open_collection, read_card_side
from deckbook.bank import BankError, load_bank
from deckbook.cli import cli
from conftest import BANKS, BUNDLED, EPOCH, ROOT, TESTS
from deckbook.exporters import apkg
from deckbook.exporters import booklet as booklet_exporter
from pdf_support import squash

INJECTION = BANKS / "valid" / "hostile-injection.yaml"
HOSTILE = BANKS / "valid" / "hostile.yaml"
SLUG = "interview-questions-model-answers"

settings.register_profile(
    "deckbook-ci", max_examples=100, deadline=None, database=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                           HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
settings.register_profile("deckbook-deep", settings.get_profile("deckbook-ci"), max_examples=2000,
                          derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deckbook-ci"))


def _examples(percent: int) -> int:
    """A share of the profile's example count: Anki imports cost more than a parse."""
    return max(1, settings.default.max_examples * percent // 100)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def visible(text: str, formulas: bool = True) -> str:
    """What a reader sees of a bank text: its markup rendered, white space made single spaces; a
    formula as the TeX between MathJax's delimiters that the card's text holds (print draws
    formulas: without *formulas*, nothing)."""
    return nfc(one_line(" ".join(pieces(text, formulas))))


def _shown(spans, formulas: bool = True) -> str:
    return "".join(span.text if isinstance(span, markup.Span) else "" if not formulas else
                   (f"\\[{span.tex}\\]" if span.display else f"\\({span.tex}\\)") for span in spans)


def pieces(text: str, formulas: bool = True) -> list[str]:
    """The visible text of each paragraph, list item, code block, formula and table cell of a bank
    text (a figure's is its alt text, which is not visible; print draws formulas: without
    *formulas*, they are left out)."""
    found: list[str] = []

    def walk(blocks):
        for block in blocks:
            if isinstance(block, markup.ListBlock):
                for item in block.items:
                    walk(item)
            elif isinstance(block, markup.CodeBlock):
                found.append(markup.plain(block.code))
            elif isinstance(block, markup.MathBlock):
                found.append(f"\\[{block.tex}\\]" if formulas else "")
            elif isinstance(block, markup.Table):
                found.extend(_shown(cell, formulas) for row in (block.header, *block.rows) for cell in row)
            elif isinstance(block, markup.Paragraph):
                found.append(_shown(block.spans, formulas))
    walk(markup.parse(text))
    return found


def _validate(runner, data: bytes):
    return runner.invoke(cli, ["validate", "-"], input=data)


# -- input nobody planned for -----------------------------------------------------------------
HEAD = "title: T\ntopics: {a: A}\nquestions:\n"
ONE = "- {id: q, topic: a, question: Q, answer: A}\n"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ((HEAD + ONE).encode("utf-16"),
         "1:1: error: the file is UTF-16 or UTF-32 (it starts with their byte-order mark); save it as UTF-8"),
        ((HEAD + ONE).encode("utf-32"),
         "1:1: error: the file is UTF-16 or UTF-32 (it starts with their byte-order mark); save it as UTF-8"),
        ((HEAD + ONE).encode("utf-16-be"),
         "1:1: error: the control character U+0000 cannot be in a YAML file, not even in a comment; "
         "remove it"),
        (b"\xef\xbb\xbf", "1:1: error: the file is empty; a bank needs title, topics and questions"),
        (b"\xef\xbb\xbf\n\n", "1:1: error: the file is empty; a bank needs title, topics and questions"),
        ("title: Ünï\nx: caf\u00e9 \x00\n".encode(),
         "2:9: error: the control character U+0000 cannot be in a YAML file, not even in a comment; "
         "remove it"),
        ("title: x\ufffe\n".encode(),
         "1:9: error: the character U+FFFE cannot be in a YAML file, not even in a comment; remove it"),
        (b"title: T\rtopics: {a: A}\r# \x1b[2J\r",
         "3:3: error: the control character U+001B cannot be in a YAML file, not even in a comment; "
         "remove it"),
        ((HEAD + "- {id: q, topic: a, question: Q, answer: A, \"\\e]0;x\\a\\n\": 1}\n").encode(),
         "4:45: error: unknown key '\\x1b]0;x\\x07\\n' in question 1; expected one of: id, topic, "
         "question, answer, explanation, example, mistakes, story, tags, difficulty"),
        (b"title: &" + b"a" * 100_000 + b" T\n",
         "1:1: error: the bank has no 'topics' and no 'questions'"),
        (b"title: " + b"[" * 100_000 + b"\n",
         "1:1007: error: YAML syntax: exceeded maximum nesting depth (while increasing flow level)"),
        (b"title:\n" + b"".join(b" " * i + b"- \n" for i in range(1500)),
         "1001:1000: error: YAML syntax: exceeded maximum nesting depth (while increasing block level)"),
        (b"title: x\n" + b"#" * 30_000_000 + b"\n",
         "1:1: error: the bank has no 'topics' and no 'questions'"),
    ],
    ids=["utf-16-bom", "utf-32-bom", "utf-16-no-bom", "bom-only", "bom-and-blank-lines",
         "raw-nul-after-non-ascii",
         "raw-noncharacter", "raw-escape-in-comment-after-lone-cr", "escaped-controls-in-a-key",
         "huge-anchor", "deep-flow-nesting", "deep-block-nesting", "30-mb-comment"],
)
def test_unplanned_input_is_a_precise_error_never_a_traceback(runner, data, expected):
    result = _validate(runner, data)
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    assert result.stderr.splitlines()[0] == f"<stdin>:{expected}"
    for line in result.stderr.splitlines():  # one problem a line, nothing a terminal would obey
        assert _DIAGNOSTIC.fullmatch(line), line[:300]


def test_a_byte_order_mark_and_crlf_line_ends_load_like_plain_utf8():
    plain = load_bank(None, (HEAD + ONE).encode())
    for data in (b"\xef\xbb\xbf" + (HEAD + ONE).encode(), (HEAD + ONE).replace("\n", "\r\n").encode(),
                 b"\xef\xbb\xbf\xef\xbb\xbf" + (HEAD + ONE).encode()):
        assert load_bank(None, data) == plain


@pytest.mark.slow
def test_without_libyaml_deep_nesting_is_an_error_not_a_recursion_traceback(runner, monkeypatch):
    monkeypatch.setattr(bank_module, "_Loader", yaml.SafeLoader)
    result = _validate(runner, b"title: " + b"[" * 5_000 + b"]" * 5_000 + b"\n")
    assert result.exit_code == 1
    assert result.stderr == ("<stdin>:1:1: error: YAML syntax: collections nested too deeply; "
                             "a bank needs a few levels\n")


def _many_questions(count: int) -> bytes:
    lines = ["title: Many\ntopics:\n  a: A\n  b: B\nquestions:\n"]
    lines += [f"  - id: q-{i}\n    topic: {'ab'[i % 2]}\n    question: What is question {i}?\n"
              f"    answer: Answer {i}.\n" for i in range(count)]
    return "".join(lines).encode()


@pytest.mark.slow
def test_a_hundred_thousand_questions_load_fine(runner):
    result = _validate(runner, _many_questions(100_000))
    assert result.exit_code == 0, result.stderr[:500]
    assert result.stdout == "<stdin>: valid: 100000 questions in 2 topics (A 50000, B 50000)\n"


CASE_IDS = (HEAD + ONE.replace("id: q,", "id: decorators,")
            + ONE.replace("id: q,", "id: Decorators,").replace("question: Q", "question: Q2")).encode()


def test_ids_that_differ_only_by_case_are_refused_by_the_id_rule(runner):
    result = _validate(runner, CASE_IDS)
    assert result.exit_code == 1
    assert result.stderr.startswith("<stdin>:5:8: error: id 'Decorators' may only have lowercase letters")


def test_the_id_suggested_for_an_uppercase_id_is_not_taken_by_another_question(runner):
    message = _validate(runner, CASE_IDS).stderr
    suggested = re.search(r"try '([^']*)'", message)
    assert suggested and suggested.group(1) != "decorators", message


_HANG_DRIVER = textwrap.dedent("""
    import json, sys, time
    sys.path.insert(0, sys.argv[1])
    from deckbook.bank import BankError, load_bank
    for path in sys.argv[2:]:
        print(json.dumps({"case": path}), flush=True)
        started = time.perf_counter()
        try:
            bank = load_bank(None, open(path, "rb").read())
            first, count = "valid", len(bank.questions)
        except BankError as exc:
            first, count = str(exc.problems[0]), len(exc.problems)
        print(json.dumps({"first": first, "count": count, "seconds": time.perf_counter() - started}),
              flush=True)
""")


def _hang_cases() -> dict[str, tuple[bytes, str, int]]:
    """(bank, its first line of output, how many lines) for input built to take forever."""
    def bank(questions: str, topics: str = "  a: A\n") -> bytes:
        return f"title: T\ntopics:\n{topics}questions:\n{questions}".encode()

    many = 20_000
    topics = "".join(f"  topic-{i}: Topic {i}\n" for i in range(many))
    laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]\n" for i in range(9))
    return {
        "billion-laughs": (laughs.encode(), "<stdin>:2:8: error: YAML alias '*a' (10 uses) is not allowed "
                           "in a bank; write the value out in full", 9),
        "typo-topics-among-many": (
            bank("".join(f"- {{id: q{i}, topic: topic-x{i}, question: Q{i}, answer: A}}\n"
                         for i in range(many)), topics),
            f"<stdin>:{many + 4}:19: error: topic 'topic-x0' of question 'q0' is not declared under "
            "topics; did you mean 'topic-0'?", many),
        "many-topics-all-used": (
            bank("".join(f"- {{id: q{i}, topic: topic-{many - 1 - i}, question: Q{i}, answer: A}}\n"
                         for i in range(many)), topics), "valid", many),
        "a-hundred-thousand-tags": (
            bank("- {id: q, topic: a, question: Q, answer: A, tags: ["
                 + ", ".join(f"t{i}" for i in range(100_000)) + "]}\n"), "valid", 1),
        "a-hundred-thousand-unknown-keys": (
            "".join(f"k{i}: 1\n" for i in range(100_000)).encode(),
            "<stdin>:1:1: error: the bank has no 'title' and no 'topics' and no 'questions'", 100_001),
        "a-text-of-surprises": (  # every word a warning, every line a table, on 99,000 characters
            bank("- id: q\n  topic: a\n  question: Q\n  answer: |\n"
                 + "    a*b*c x**2*y \\\n    | a | b |\n    |---|---|\n\n" * 2_500), "valid", 1),
        "thirty-mb-line": (b"title: " + b"x" * 30_000_000 + b"\n",
                           "<stdin>:1:1: error: the bank has no 'topics' and no 'questions'", 2),
    }


@pytest.mark.slow
def test_input_built_to_take_forever_is_checked_in_seconds(tmp_path):
    cases = _hang_cases()
    for name, (data, _, _) in cases.items():
        (tmp_path / name).write_bytes(data)
    try:  # in a process of its own: a hang in C code would not see a Python alarm
        done = subprocess.run([sys.executable, "-c", _HANG_DRIVER, str(ROOT), *cases], cwd=tmp_path,
                              capture_output=True, timeout=60, check=True)
    except subprocess.TimeoutExpired as exc:
        started = [json.loads(line) for line in (exc.stdout or b"").decode().splitlines()]
        pytest.fail(f"no answer in 60 s; the last case started: {[x for x in started if 'case' in x][-1:]}")
    results = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert [x["case"] for x in results[::2]] == list(cases)
    for name, result in zip(cases, results[1::2]):
        assert (result["first"], result["count"]) == cases[name][1:], (name, result["seconds"])


# -- property tests ---------------------------------------------------------------------------
#: Text that HTML, Anki templates, reportlab's paragraph markup and the markup subset read.
FRAGMENTS = (
    "<", ">", "&", "&amp;", "&lt;", "&#60;", "&nbsp;", "{{", "}}", "{{Question}}", "{{FrontSide}}",
    "{{#Tags}}", "{{/Tags}}", "{{^Answer}}", "{{text:Answer}}", "{{c1::x}}", "`", "``", "*", "**", "_",
    "<b>", "</b>", "<i>", "<script>alert(1)</script>", "<style>*{display:none}</style>",
    '<a href="javascript:alert(1)">', "</a>", "<img src=x onerror=alert(1)>", '<link href="x">',
    '<font color="red">', "<para>", "<br/>", "<!--", "-->", "javascript:", "https://example.com/",
    "\\", "'", '"', "# ", "> ", "- ", "1. ", "```", "\n", "\n\n", " ", "  ", "\t",
)
#: Letters the booklet's fonts have (a character no font has prints blank, with a warning).
LETTERS = ("abcxyzABCXYZ0123456789.,;:!?()[]{}/|=+-%$@~^"
           "éèüßñçøåÆŒ¿¡«»ĳŁőžΩαβγλπЖжщЯ—–“”‘’…•€£¥≤≥≠→←½¼°±×÷")
WORD = st.text(alphabet=LETTERS, min_size=1, max_size=8)
HOSTILE_TEXT = st.lists(st.one_of(st.sampled_from(FRAGMENTS), WORD), min_size=1, max_size=10).map(
    "".join).filter(lambda text: text.strip())
NAME_TEXT = st.lists(st.one_of(st.sampled_from(("<b>", "&amp;", "{{Topic}}", "&", "<", " ")),
                               st.text(alphabet=LETTERS.replace(":", ""), min_size=1, max_size=6)),
                     min_size=1, max_size=4).map("".join).map(str.strip).filter(bool)
TAG = st.text(alphabet=LETTERS + "<>&{}", min_size=1, max_size=10)
_numbers = itertools.count(1)


@st.composite
def banks(draw, text=HOSTILE_TEXT, names=NAME_TEXT) -> dict:
    """A bank as the dict a YAML file holds: 1-2 topics, 1-3 questions, any optional section."""
    topic_names = draw(st.lists(names, min_size=1, max_size=2, unique_by=str.casefold))
    topics = {f"t{i}": name for i, name in enumerate(topic_names)}
    questions = []
    for i in range(draw(st.integers(1, 3))):
        item = {"id": f"q{i}", "topic": draw(st.sampled_from(sorted(topics))),
                "question": draw(text), "answer": draw(text)}
        for key in ("explanation", "example", "story"):
            if draw(st.booleans()):
                item[key] = draw(text)
        if draw(st.booleans()):
            item["mistakes"] = draw(st.one_of(text, st.lists(text, min_size=1, max_size=3)))
        if draw(st.booleans()):
            item["tags"] = draw(st.lists(TAG, max_size=3))
        if draw(st.booleans()):
            item["difficulty"] = draw(st.sampled_from(bank_module.DIFFICULTIES))
        questions.append(item)
    number = next(_numbers)
    return {"title": draw(text), "subtitle": draw(text), "deck": f"Property {number}",
            "namespace": f"property-{number}", "topics": topics, "questions": questions}


def _load(data: dict):
    """The bank from the YAML a person would write for *data*; skips what the validator refuses."""
    try:
        return dates.one_date(load_bank(None, yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode()), EPOCH)
    except BankError:
        assume(False)


def _texts(bank):
    """(where it shows on a card, visible text) for every text of every question."""
    for question, name, value in bank_module.iter_texts(bank):
        yield question, ("front" if name == "question" else "back"), value


class _Elements(HTMLParser):
    """Every element of a card side, with its attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.found.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


#: The attributes our templates and markup.py write; any other came from a bank.
OUR_ATTRIBUTES = {"class", "id", "start"}


def assert_no_markup_from_the_bank(rendered: str, where: object) -> None:
    """Only our elements and attributes on a card side: no link, script, style, image or handler."""
    body = re.sub(r"\A<style>.*?</style>", "", rendered, count=1, flags=re.DOTALL)
    parser = _Elements()
    parser.feed(body)
    parser.close()
    for tag, attrs in parser.found:
        assert tag in OUR_ELEMENTS, (where, tag, attrs)
        assert set(attrs) <= OUR_ATTRIBUTES, (where, tag, attrs)
        for name, value in attrs.items():  # a class may hold a fence's word, e.g. language-javascript:
            if name != "class":
                assert not re.search(r"javascript:|https?:|data:", value or "", re.I), (where, tag, attrs)


@pytest.fixture(scope="module")
def collection(tmp_path_factory):
    """One Anki collection for a property test's examples: each example brings its own deck."""
    col = open_collection(tmp_path_factory.mktemp("anki"))
    yield col
    col.close()


@pytest.mark.slow
@settings(max_examples=_examples(100))
@given(data=banks())
def test_every_text_of_an_accepted_bank_shows_as_typed_on_the_anki_card(data, collection, tmp_path_factory):
    bank = _load(data)
    package = tmp_path_factory.mktemp("apkg") / "deck.apkg"
    with package.open("wb") as out:
        apkg.write(bank, out)
    log = import_package(collection, package)
    assert len(log.new) == len(bank.questions)
    notes = {}
    for nid in collection.find_notes(f'"deck:{bank.deck}::*"'):
        note = collection.get_note(nid)
        notes[note["Id"]] = note
    sides = {}
    for question in bank.questions:
        (card,) = notes[question.id].cards()
        for side, rendered in (("front", card.question()), ("back", card.answer())):
            assert_no_markup_from_the_bank(rendered, (question.id, side))
            sides[question.id, side] = read_card_side(rendered)[0]
        topic = next(topic.name for topic in bank.topics if topic.id == question.topic)
        assert nfc(one_line(topic)) in sides[question.id, "front"]
    for question, side, value in _texts(bank):
        assert visible(value) in sides[question.id, side], (question.id, side, value)


def _booklet_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return squash("".join(page.extract_text() for page in reader.pages)).replace("↪", "")


@pytest.mark.slow
@settings(max_examples=_examples(100))
@given(data=banks())
def test_every_text_of_an_accepted_bank_is_in_the_booklet_text(data):
    bank = _load(data)
    out = io.BytesIO()
    booklet_exporter.write(bank, out)
    text = _booklet_text(out.getvalue())
    assert_no_links_or_actions_but_the_contents(out.getvalue(), len(bank.topics))
    for value in (bank.title, bank.subtitle, *(topic.name for topic in bank.topics),
                  *(value for _, _, value in bank_module.iter_texts(bank))):
        for piece in pieces(value, formulas=False):  # the question's meta line comes after its first paragraph
            assert squash(nfc(piece)) in text, (piece, value)
    for question in bank.questions:
        assert squash(", ".join(question.tags)) in text
    assert (PdfReader(io.BytesIO(out.getvalue())).metadata.title or "") == markup.plain(bank.title)


#: Any Unicode but surrogates and the control characters the validator refuses anyway.
ANY_CHARACTER = st.characters(exclude_categories=("Cs", "Cc"), include_characters="\n\t")
ANY_TEXT = st.text(ANY_CHARACTER, min_size=1, max_size=30).filter(str.strip)
ANY_NAME = st.text(ANY_CHARACTER, min_size=1, max_size=12).filter(str.strip)


@pytest.mark.slow
@settings(max_examples=_examples(100))
@given(data=banks(text=ANY_TEXT, names=ANY_NAME))
def test_both_exporters_succeed_for_any_bank_the_validator_accepts(data):
    bank = _load(data)
    deck, booklet = io.BytesIO(), io.BytesIO()
    apkg.write(bank, deck)
    booklet_exporter.write(bank, booklet)
    with zipfile.ZipFile(deck) as archive:
        assert archive.namelist() == ["collection.anki2", "media"]
    assert len(PdfReader(booklet).pages) >= 1 + len(bank.topics)


#: Bytes that change what YAML reads: indicators, quotes, tags, anchors, breaks, bad encodings.
SIGNIFICANT = (b":", b": ", b"- ", b"-", b"?", b"[", b"]", b"{", b"}", b",", b"'", b'"', b"\\", b"#",
               b"&a ", b"*a", b"!!", b"!x ", b"|", b">", b"%YAML 1.1\n", b"---\n", b"...\n", b"\t", b"\r",
               b"\n", b"  ", b"\x00", b"\x1b", b"\xff", b"\xc3", b"\xef\xbb\xbf", "\u2028".encode(),
               b"<<: ", b"~", b"null", b"yes", b"1e3", b"2024-01-01", b"0x1F")
SEED = BUNDLED.read_bytes()[:3000]


@st.composite
def mutated_banks(draw) -> bytes:
    """A real bank with a few cuts, inserts and overwrites, or plain random bytes."""
    if draw(st.booleans()):
        return draw(st.binary(max_size=300))
    data = SEED[: draw(st.integers(0, len(SEED)))] if draw(st.booleans()) else SEED
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        piece = draw(st.one_of(st.sampled_from(SIGNIFICANT), st.binary(min_size=1, max_size=4)))
        cut = draw(st.integers(0, 8))
        data = data[:at] + piece + data[at + cut:]
    return data


_DIAGNOSTIC = re.compile(r"<stdin>:[1-9]\d*:[1-9]\d*: error: [^\x00-\x1f\x7f-\x9f\u2028\u2029]+")


@pytest.mark.slow
@settings(max_examples=_examples(1000))
@given(data=mutated_banks())
def test_the_loader_raises_nothing_but_bank_error_on_arbitrary_bytes(data):
    try:
        load_bank(None, data)
    except BankError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert _DIAGNOSTIC.fullmatch(str(problem)), str(problem)


# -- injection ------------------------------------------------------------------------------------
def _import(runner, col, bank_file: Path, tmp_path: Path):
    out = tmp_path / "deck.apkg"
    result = runner.invoke(cli, ["anki", str(bank_file), "-o", str(out)])
    assert result.exit_code == 0, result.output
    import_package(col, out)
    return {note["Id"]: note for note in (col.get_note(nid) for nid in col.find_notes(""))}


@pytest.mark.parametrize("bank_file", [INJECTION, HOSTILE], ids=lambda path: path.stem)
def test_no_element_attribute_link_or_template_from_a_bank_reaches_a_card(runner, col, tmp_path, bank_file):
    bank = load_bank(bank_file)
    notes = _import(runner, col, bank_file, tmp_path)
    sides = {}
    for question in bank.questions:
        (card,) = notes[question.id].cards()
        assert not card.question_av_tags() and not card.answer_av_tags()
        for side, rendered in (("front", card.question()), ("back", card.answer())):
            assert_no_markup_from_the_bank(rendered, (question.id, side))
            sides[question.id, side] = read_card_side(rendered)[0]
    for question, side, value in _texts(bank):
        assert visible(value) in sides[question.id, side], (question.id, side, value)
    description = col.decks.by_name(bank.deck)["desc"]
    assert "<a" not in description and "<link" not in description


def test_anki_template_syntax_in_a_field_stays_literal_on_the_card(runner, col, tmp_path):
    notes = _import(runner, col, INJECTION, tmp_path)
    (card,) = notes["anki-templates"].cards()
    front, back = read_card_side(card.question())[0], read_card_side(card.answer())[0]
    assert front == "Templates {{Topic}} <b>&amp;</b> Does {{Question}} or {{FrontSide}} expand?"
    assert ("No: {{#Tags}}tags{{/Tags}} {{^Answer}}none{{/Answer}} {{text:Answer}} {{type:Answer}} stay."
            in back)
    assert "Cloze {{c1::hidden::hint}} and {{=<% %>=}} and {{!comment}} and [[type:Answer]] too." in back
    assert "A field ending in {{ and another starting with }} cannot meet." in back


def test_anki_media_and_latex_tags_in_a_bank_stay_text(runner, col, tmp_path):
    bank_file = tmp_path / "media.yaml"
    bank_file.write_text(HEAD + "- id: q\n  topic: a\n  question: 'Play [sound:alarm.mp3] now?'\n"
                         "  answer: '[latex]x^2[/latex], [\\$]y[/\\$] and [\\$\\$]z[/\\$\\$]'\n"
                         "  explanation: '[$]y[/$] typed as it is'\n")
    (card,) = _import(runner, col, bank_file, tmp_path)["q"].cards()
    assert not card.question_av_tags()
    assert "<img" not in card.answer()
    assert "Play [sound:alarm.mp3] now?" in read_card_side(card.question())[0]
    assert "[latex]x^2[/latex], [$]y[/$] and [$$]z[/$$]" in read_card_side(card.answer())[0]
    # unescaped, $]y[/$ is a formula (markdown math), for MathJax: never Anki's [$] LaTeX tag
    assert r'&#91;<span class="db-math">\(]y&#91;/\)</span>]' in card.answer()
    assert not os.listdir(col.media.dir())


def _pdf_objects(reader: PdfReader):
    """Every dictionary in the file, however deep."""
    stack = [reader.get_object(number) for number in reader.xref.get(0, {})]
    stack.append(reader.trailer)
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            continue  # visited as a numbered object
        if isinstance(obj, DictionaryObject):
            yield obj
            stack.extend(obj.values())
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)


def assert_no_links_or_actions_but_the_contents(data: bytes, contents_links: int | None) -> None:
    """No URI, script, launch or form action; links only to pages inside, one per contents row."""
    reader = PdfReader(io.BytesIO(data))
    links = 0
    for obj in _pdf_objects(reader):
        keys = set(obj)
        assert not keys & {"/URI", "/JS", "/JavaScript", "/Launch", "/OpenAction", "/AA", "/F"}, dict(obj)
        assert obj.get("/S") not in ("/URI", "/JavaScript", "/Launch", "/SubmitForm", "/GoToR"), dict(obj)
        if obj.get("/Type") == "/Annot":
            assert obj.get("/Subtype") == "/Link" and "/Dest" in obj and "/A" not in obj, dict(obj)
            links += 1
    if contents_links is not None:
        assert links == contents_links


@pytest.mark.parametrize("layout", ["booklet", "cards", "worksheet"])
def test_no_link_action_or_markup_from_a_bank_reaches_the_pdf(runner, tmp_path, layout):
    out = tmp_path / "booklet.pdf"
    result = runner.invoke(cli, ["pdf", str(INJECTION), "-o", str(out), "--layout", layout])
    assert result.exit_code == 0, result.output
    assert_no_links_or_actions_but_the_contents(out.read_bytes(), 2 if layout == "booklet" else None)
    if layout != "booklet":
        return
    text = _booklet_text(out.read_bytes())
    bank = load_bank(INJECTION)
    for value in (bank.title, bank.subtitle, *(topic.name for topic in bank.topics),
                  *(value for _, _, value in bank_module.iter_texts(bank))):
        assert squash(visible(value, formulas=False)) in text, value
    assert squash('<a href="https://example.com/mistake">a link</a> and <link href="x">reportlab link</link>'
                  ) in text
    assert squash('<img src="x.png" width="9"/> <br/> <para> <onDraw name="x"/>') in text


# -- nothing lost ---------------------------------------------------------------------------------
def _snapshot(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """A temporary-files folder of the test's own, to see that nothing is left behind in it."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _fail_on_call(monkeypatch, owner, name: str, call: int, error: BaseException) -> None:
    """Make owner.name raise *error* on its *call*-th call (1-based), midway through an export."""
    real = getattr(owner, name)
    calls = itertools.count(1)

    def failing(*args, **kwargs):
        if next(calls) == call:
            raise error
        return real(*args, **kwargs)
    monkeypatch.setattr(owner, name, failing)


def _fill_disk_after(monkeypatch, files: int, budget: int) -> None:
    """The *files*-th file opened for an artifact takes *budget* bytes, then the disk is full."""
    real = os.fdopen
    opened = itertools.count(1)

    class Full(io.RawIOBase):
        def __init__(self, stream):
            self.stream, self.left = stream, budget

        def writable(self):
            return True

        def write(self, data):
            if len(data) > self.left:
                self.stream.write(bytes(data[: self.left]))
                self.left = 0
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            self.left -= len(data)
            return self.stream.write(data)

        def fileno(self):
            return self.stream.fileno()

        def seekable(self):
            return self.stream.seekable()

        def seek(self, *args):
            return self.stream.seek(*args)

        def tell(self):
            return self.stream.tell()

        def flush(self):
            self.stream.flush()

        def close(self):
            try:
                super().close()
            finally:
                self.stream.close()

    def fdopen(fd, *args, **kwargs):
        stream = real(fd, *args, **kwargs)
        return Full(stream) if next(opened) == files else stream
    monkeypatch.setattr(os, "fdopen", fdopen)


INJECTIONS = {
    "apkg-exporter-exception": lambda mp: _fail_on_call(mp, genanki.Note, "write_to_db", 3,
                                                        RuntimeError("injected")),
    "apkg-ctrl-c": lambda mp: _fail_on_call(mp, genanki.Note, "write_to_db", 3, KeyboardInterrupt()),
    "pdf-exporter-exception": lambda mp: _fail_on_call(mp, Canvas, "showPage", 2, RuntimeError("injected")),
    "pdf-ctrl-c": lambda mp: _fail_on_call(mp, Canvas, "showPage", 2, KeyboardInterrupt()),
    "apkg-disk-full": lambda mp: _fill_disk_after(mp, 1, 4096),
    "pdf-disk-full": lambda mp: _fill_disk_after(mp, 2, 4096),
}


@pytest.mark.parametrize("inject", [
    pytest.param(name, marks=pytest.mark.slow) if name in ("apkg-ctrl-c", "pdf-exporter-exception", "pdf-ctrl-c") else name
    for name in INJECTIONS])
def test_a_failure_inside_a_real_exporter_leaves_earlier_artifacts_and_no_temporary_files(
        runner, tmp_path, private_tmp, monkeypatch, inject):
    out = tmp_path / "dist"
    assert runner.invoke(cli, ["build", str(BUNDLED), "--out", str(out)]).exit_code == 0
    before = _snapshot(out)
    assert f"{SLUG}.apkg" in before and f"{SLUG}.pdf" in before
    edited = tmp_path / "questions.yaml"
    edited.write_text(BUNDLED.read_text().replace("answer: ", "answer: Edited. ", 1))
    INJECTIONS[inject](monkeypatch)
    result = runner.invoke(cli, ["build", str(edited), "--out", str(out)])
    monkeypatch.undo()
    assert _snapshot(out) == before
    assert list(private_tmp.iterdir()) == []
    if inject.endswith("disk-full"):
        assert result.exit_code == 1
        assert re.fullmatch(rf"error: cannot write {re.escape(str(out))}/{SLUG}\.(apkg|pdf): "
                            r"No space left on device; nothing was written\n", result.stderr)
    elif inject.endswith("ctrl-c"):
        assert (result.exit_code, result.stderr) == (130, "\nAborted!\n")
    else:  # a bug in an exporter keeps its traceback, and still loses nothing
        assert isinstance(result.exception, RuntimeError)


def test_an_invalid_bank_leaves_earlier_artifacts_untouched(runner, tmp_path):
    out = tmp_path / "dist"
    assert runner.invoke(cli, ["build", str(BUNDLED), "--out", str(out)]).exit_code == 0
    before = _snapshot(out)
    broken = tmp_path / "questions.yaml"
    broken.write_text(BUNDLED.read_text().replace("topic: python", "topic: pyhton", 1))
    result = runner.invoke(cli, ["build", str(broken), "--out", str(out)])
    assert result.exit_code == 1
    assert "did you mean 'python'?" in result.stderr
    assert _snapshot(out) == before


# -- where the artifacts go -----------------------------------------------------------------------
def test_a_missing_output_folder_is_created_with_its_parents(runner, tmp_path):
    out = tmp_path / "a" / "b" / "dist"
    result = runner.invoke(cli, ["build", str(BUNDLED), "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    assert {f"{SLUG}.apkg", f"{SLUG}.pdf"} <= set(_snapshot(out))


@pytest.mark.parametrize("command", ["anki", "pdf"])
@pytest.mark.parametrize("where", [
    "under-a-file",
    "name-too-long",
])
def test_an_output_path_that_cannot_be_written_is_a_clear_error(runner, tmp_path, command, where):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    folder = blocker / "dist" if where == "under-a-file" else tmp_path / ("x" * 300)
    target = folder / f"out.{command if command == 'pdf' else 'apkg'}"
    result = runner.invoke(cli, [command, str(BUNDLED), "-o", str(target)])
    reason = "Not a directory" if where == "under-a-file" else "File name too long"
    assert result.exit_code == 1, result.output
    assert result.stderr == f"error: cannot write {target}: {reason}; nothing was written\n"
    assert _snapshot(tmp_path) == {"file": b"not a folder"}


@pytest.fixture
def locked_folder(tmp_path):
    """A folder with no write permission (mode 0o555)."""
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    yield folder
    folder.chmod(0o755)


@pytest.mark.slow
def test_an_output_folder_that_is_not_writable_is_a_clear_error(runner, locked_folder):
    args = ["build", str(BUNDLED), "--out", str(locked_folder)]
    if not os.access(locked_folder, os.W_OK):
        result = runner.invoke(cli, args)
        code, stderr = result.exit_code, result.stderr
    else:  # root overrides file permissions: build in a process without that capability
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv to drop CAP_DAC_OVERRIDE")
        done = subprocess.run(
            [setpriv, "--bounding-set=-dac_override", "--inh-caps=-dac_override", sys.executable,
             str(ROOT / "cli.py"), *args], capture_output=True, text=True, check=False,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
        code, stderr = done.returncode, done.stderr
    assert code == 1, stderr
    target = locked_folder / f"{SLUG}.apkg"
    assert stderr == f"error: cannot write {target}: Permission denied; nothing was written\n"
    assert list(locked_folder.iterdir()) == []


def test_an_artifact_path_taken_by_a_folder_is_a_clear_error_and_publishes_nothing(runner, tmp_path):
    out = tmp_path / "dist"
    (out / f"{SLUG}.pdf").mkdir(parents=True)
    result = runner.invoke(cli, ["build", str(BUNDLED), "--out", str(out)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: cannot write {out / SLUG}.pdf: ")
    assert [path.name for path in out.iterdir()] == [f"{SLUG}.pdf"]


def test_a_very_long_topic_name_is_refused_or_built_never_a_traceback(runner, tmp_path):
    bank_file = tmp_path / "long.yaml"
    bank_file.write_text(f"title: T\ntopics:\n  a: {'word ' * 800}\nquestions:\n" + ONE)
    result = runner.invoke(cli, ["pdf", str(bank_file), "-o", str(tmp_path / "out.pdf")])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception


# -- standard input, and id suggestions by the thousand -------------------------------------------
_PEAK_DRIVER = textwrap.dedent("""
    import resource, subprocess, sys
    done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    sys.stderr.buffer.write(done.stderr)
    print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    sys.exit(done.returncode)
""")


def _deckbook(*args: str, stdin, limit_memory: bool = False) -> tuple[int, str, int]:
    """Run the installed command: (status, stderr, its peak resident KiB). Measured by a small
    driver: Linux counts a process's peak from before its exec, and this test run is large."""
    def cap_address_space():  # a runaway read dies at 2 GiB instead of taking the machine
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    done = subprocess.run([sys.executable, "-c", _PEAK_DRIVER, sys.executable, "-m", "deckbook", *args],
                          stdin=stdin, capture_output=True, timeout=120, check=False,
                          preexec_fn=cap_address_space if limit_memory else None)
    return done.returncode, done.stderr.decode(), int(done.stdout)


TOO_LARGE = "<stdin>:1:1: error: the file is larger than 64 MiB; a bank is a text file\n"


@pytest.mark.slow
def test_200_mb_on_standard_input_stop_at_the_size_limit_in_little_memory(tmp_path):
    zeros = tmp_path / "zeros"
    with zeros.open("wb") as out:
        out.truncate(200 * 1000 * 1000)  # 200 MB of NULs, read like any other file
    with zeros.open("rb", buffering=0) as stdin:
        status, stderr, peak_kib = _deckbook("validate", "-", stdin=stdin)
        read = stdin.tell()  # the offset the command left: it shares the open file
    assert (status, stderr) == (1, TOO_LARGE)
    assert read <= bank_module.MAX_FILE_BYTES + 1 + 1024 * 1024  # and what a buffered read takes ahead
    assert peak_kib < 512 * 1024


@pytest.mark.slow
def test_endless_standard_input_stops_at_the_size_limit():
    with open("/dev/zero", "rb") as stdin:
        status, stderr, _ = _deckbook("build", "-", stdin=stdin, limit_memory=True)
    assert (status, stderr) == (1, TOO_LARGE)


@pytest.mark.slow
@pytest.mark.parametrize("command", ["validate", "build"])
def test_a_closed_standard_input_is_a_clear_error(command, tmp_path):
    done = subprocess.run(["sh", "-c", f'exec "$0" -m deckbook {command} - <&-', sys.executable],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False)
    assert (done.returncode, done.stderr) == (
        1, "Error: Could not open file '-': standard input is closed; pipe a bank into it or name a file\n")
    assert list(tmp_path.iterdir()) == []


def _id_hang_cases() -> dict[str, tuple[bytes, str, int]]:
    """Bad ids by the ten thousand, whose suggestions walk the same numbered ids again and again."""
    count = 10_000
    question = "- {{id: {}, topic: a, question: Q, answer: A}}\n"
    one_slug = ([question.format("x")] + [question.format(f"x-{n}") for n in range(2, count + 1)]
                + [question.format("X")] * count)
    stem = "p" * 63  # ids longer than 64: the numbered ones share a stem, cut to leave room for the number
    taken = [stem[:62], *(stem + letter for letter in "abcdefghijklmnopqrstuvwxyz0123456789")]
    taken += [f"{stem[:63 - len(str(n))]}-{n}" for n in range(2, count)]
    many_slugs = ([question.format(x) for x in taken]
                  + [question.format(f"{stem.upper()}{a}{b}{c}") for a, b, c in itertools.islice(
                     itertools.product("ABCDEFGHIJKLMNOPQRSTUVWXYZ", repeat=3), count)])
    head = "title: T\ntopics:\n  a: A\nquestions:\n"
    rule = "may only have lowercase letters, digits and hyphens (1 to 64); try"
    return {
        "ten-thousand-ids-one-slug": (
            (head + "".join(one_slug)).encode(),
            f"<stdin>:{count + 5}:8: error: id 'X' {rule} 'x-{count + 1}'", count),
        "ten-thousand-ids-one-stem": (
            (head + "".join(many_slugs)).encode(),
            f"<stdin>:{len(taken) + 5}:8: error: id '{stem.upper()}AAA' {rule} '{stem[:58]}-{count}'", count),
    }


@pytest.mark.slow
def test_ten_thousand_bad_ids_get_their_errors_and_suggestions_in_seconds(tmp_path):
    cases = _id_hang_cases()
    for name, (data, _, _) in cases.items():
        (tmp_path / name).write_bytes(data)
    done = subprocess.run([sys.executable, "-c", _HANG_DRIVER, str(ROOT), *cases], cwd=tmp_path,
                          capture_output=True, timeout=120, check=True)
    results = [json.loads(line) for line in done.stdout.decode().splitlines()]
    for name, result in zip(cases, results[1::2]):
        assert (result["first"], result["count"]) == cases[name][1:], name
        assert result["seconds"] < 5, (name, result["seconds"])
    suggested = [problem.message for problem in _problems_of(cases["ten-thousand-ids-one-slug"][0])]
    assert sum("; try 'x-10001'" in message for message in suggested) == bank_module.MAX_ID_SUGGESTIONS


def _problems_of(data: bytes):
    try:
        load_bank(None, data)
    except BankError as exc:
        return exc.problems
    raise AssertionError("the bank is valid")


def _free_id_by_walking(wrong: str, taken: set[str], fallback: str) -> str:
    """The suggestion as the first deckbook walked to it, number by number, for every bad id."""
    base = bank_module.slugify(wrong) or fallback
    candidate, number = base[:64].rstrip("-"), 1
    while candidate in taken:
        number += 1
        candidate = f"{base[:63 - len(str(number))].rstrip('-')}-{number}"
    return candidate


@pytest.mark.slow
@settings(max_examples=_examples(300))
@given(stem=st.text(alphabet="ab-", min_size=1, max_size=70), wrong=st.lists(
    st.text(alphabet="aAbB-_ ", min_size=0, max_size=72), min_size=1, max_size=20),
       numbers=st.lists(st.integers(1, 120), max_size=60))
def test_the_ids_suggested_are_those_of_the_walk_they_replace(stem, wrong, numbers):
    taken = {stem[:64]} | {f"{stem[:63 - len(str(n))].rstrip('-')}-{n}" for n in numbers}
    taken |= {bank_module.slugify(item)[:64] for item in wrong}
    suggest = bank_module._FreeIds(taken, "q")
    for item in wrong + wrong:
        assert suggest(item) == _free_id_by_walking(item, taken, "q"), item
