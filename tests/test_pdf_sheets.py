"""Flashcard sheets and the practice worksheet, read back with pypdf: where every card's text
lands on its front page and its back page, and what the sheets print."""

from __future__ import annotations

import functools
import io
import os
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from importlib.resources import files

import pytest
from click.testing import CliRunner
from pypdf import PdfReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from deckbook import bank as bank_module
from deckbook import markup
from deckbook.cli import cli
from conftest import BANKS, BUNDLED, CJK_ADVICE, EMOJI_ADVICE, ROOT, TESTS
from deckbook.exporters import cards as cards_exporter
from deckbook.exporters import worksheet as worksheet_exporter
from pdf_support import FOOTER, PYTHON, Booklet, question, squash, words, write_bank

EPOCH = "1700000000"
STYLE = tomllib.loads((ROOT / "styles" / "booklet.toml").read_text(encoding="utf-8"))
CARDS = STYLE["cards"]
HOSTILE = BANKS / "valid" / "hostile.yaml"
MM = 72 / 25.4


def _length(value: str) -> float:
    units = {"pt": 1.0, "mm": MM, "cm": 10 * MM, "in": 72.0}
    return float(value[:-2]) * units[value[-2:]]


# -- reading a PDF back: every line of text with where it starts and ends -------------------
@functools.cache
def _fonts() -> dict[str, str]:
    """The PostScript name of every face the style file names -> a reportlab font measuring it."""
    names = {}
    for key, spec in STYLE["fonts"]["families"].items():
        for face in ("regular", "bold", "italic", "bold_italic"):
            path = files(spec["package"]).joinpath(spec.get(face, spec["regular"]))
            font = TTFont(f"test-{key}-{face}", str(path), subfontIndex=int(spec.get("index", 0)))
            pdfmetrics.registerFont(font)
            names[font.face.name.decode()] = font.fontName
    return names


@dataclass
class Line:
    """A line of text as set: its start, baseline, right end, size, and its runs' text."""

    x: float
    y: float
    right: float
    size: float
    text: str = ""
    fonts: set[str] = field(default_factory=set)


def lines(page) -> list[Line]:
    """The page's text lines (forms included) in drawing order, each measured run by run with the
    fonts' own widths and the letter spacing in force (pypdf reports a line's runs at its start)."""
    fonts = _fonts()
    spacing, saved = [0.0], []
    found: dict[tuple[float, float], Line] = {}

    def before(operator, operands, cm, tm):
        if operator == b"q":
            saved.append(spacing[0])
        elif operator == b"Q":
            spacing[0] = saved.pop() if saved else 0.0
        elif operator == b"Tc":
            spacing[0] = float(operands[0])

    def visit(text, cm, tm, font, size):
        run = text.replace("\n", "")
        if not run or font is None:
            return
        x = cm[0] * tm[4] + cm[2] * tm[5] + cm[4]
        y = cm[1] * tm[4] + cm[3] * tm[5] + cm[5]
        name = fonts[str(font["/BaseFont"]).split("+", 1)[1]]
        width = pdfmetrics.stringWidth(run, name, size) + spacing[0] * len(run)
        line = found.setdefault((round(x, 2), round(y, 2)), Line(x, y, x, size))
        line.right += width
        line.size = max(line.size, size)
        line.text += run
        line.fonts.add(str(font["/BaseFont"]).split("+", 1)[1])

    page.extract_text(visitor_operand_before=before, visitor_text=visit)
    return list(found.values())


# -- card sheets ----------------------------------------------------------------------------
@dataclass
class Face:
    """The text of one card side, in reading order, and the grid cell it is set in."""

    page: int
    cell: tuple[int, int]  # row from the top, column from the left
    rect: tuple[float, float, float, float]  # x, y, width, height
    lines: list[Line]

    @property
    def text(self) -> str:
        ordered = sorted(self.lines, key=lambda line: (-round(line.y, 1), line.x))
        return "\n".join(line.text for line in ordered)

    @property
    def body(self) -> str:
        """The text between the corner labels and the continuation note."""
        top = max(line.y for line in self.lines)
        body = [line for line in self.lines if abs(line.y - top) >= 0.5 and line.text != CONTINUED]
        ordered = sorted(body, key=lambda line: (-round(line.y, 1), line.x))
        return "\n".join(line.text for line in ordered)

    @property
    def corners(self) -> list[str]:
        """The corner labels: the lines on the top baseline."""
        top = max(line.y for line in self.lines)
        return [line.text for line in sorted(self.lines, key=lambda line: line.x)
                if abs(line.y - top) < 0.5]


@dataclass
class Sheets:
    """Card sheets read back: each page's faces by grid cell, and the text outside every cell."""

    reader: PdfReader
    columns: int
    rows: int
    faces: list[dict[tuple[int, int], Face]]
    margins: list[list[Line]]

    @property
    def size(self) -> tuple[float, float]:
        return tuple(float(value) for value in self.reader.pages[0].mediabox[2:])


def read_sheets(path, grid: str = CARDS["grid"]) -> Sheets:
    """Assign each line of each page to the card cell holding its start (the grid from the style
    file, centred with the same margin all round); what no cell holds is margin text."""
    columns, rows = (int(part) for part in grid.split("x"))
    reader = PdfReader(path)
    width, height = (float(value) for value in reader.pages[0].mediabox[2:])
    margin = _length(CARDS["margin"])
    card_w, card_h = (width - 2 * margin) / columns, (height - 2 * margin) / rows
    faces, margins = [], []
    for number, page in enumerate(reader.pages):
        by_cell: dict[tuple[int, int], Face] = {}
        outside = []
        for line in lines(page):
            column, row = int((line.x - margin) // card_w), int((height - margin - line.y) // card_h)
            if 0 <= column < columns and 0 <= row < rows and line.x > margin and line.y < height - margin:
                rect = (margin + column * card_w, height - margin - (row + 1) * card_h, card_w, card_h)
                by_cell.setdefault((row, column), Face(number, (row, column), rect, [])).lines.append(line)
            else:
                outside.append(line)
        faces.append(by_cell)
        margins.append(outside)
    return Sheets(reader, columns, rows, faces, margins)


FRONT_LABEL = re.compile(r"Q(\d+)(?: (\d+)/(\d+))?")
BACK_LABEL = re.compile(r"Q(\d+) · ([a-z0-9-]+)")
ANSWER_LABEL = re.compile(r"ANSWER(?: (\d+)/(\d+))?|(\d+)/(\d+)")  # the part alone on a small card
CONTINUED = "continued on the next card →"
CONTINUED_FRONT = re.compile(r"Q(\d+), continued: its answer goes on, part (\d+) of (\d+)")


def front_key(face: Face) -> tuple:
    """What a front says it is: (number, 'question', part, parts) or (number, 'answer', part, parts)."""
    label = FRONT_LABEL.fullmatch(face.corners[-1])
    assert label, face.corners
    number = int(label.group(1))
    continued = CONTINUED_FRONT.search(squash_keep_spaces(face.text))
    if continued:
        return number, "answer", int(continued.group(2)), int(continued.group(3))
    return number, "question", int(label.group(2) or 1), int(label.group(3) or 1)


def back_key(face: Face) -> tuple:
    """What a back says it is: (number, 'answer', part, parts), or (number, 'question goes on')."""
    label = BACK_LABEL.fullmatch(face.corners[-1])
    assert label, face.corners
    number = int(label.group(1))
    answer = ANSWER_LABEL.fullmatch(face.corners[0]) if len(face.corners) > 1 else None
    if answer is None:
        return number, "question goes on"
    part, parts = answer.group(1) or answer.group(3) or 1, answer.group(2) or answer.group(4) or 1
    return number, "answer", int(part), int(parts)


def expected_back(front: tuple) -> tuple:
    """The back that belongs behind a front: the answer starts behind the question's last part."""
    number, kind, part, parts = front
    if kind == "question" and part < parts:
        return number, "question goes on"
    if kind == "question":
        return number, "answer", 1, None  # the answer's part count is its own
    return number, "answer", part, parts


def squash_keep_spaces(text: str) -> str:
    return " ".join(text.split())


def flipped(rect: tuple[float, float, float, float], size: tuple[float, float], flip: str):
    """Where a rectangle drawn on a back page lands on the front once the printer turns the
    sheet: about its vertical axis for a long-edge flip, its horizontal axis for a short-edge one."""
    x, y, width, height = rect
    if flip == "long-edge":
        return size[0] - x - width, y, width, height
    return x, size[1] - y - height, width, height


def pairs(sheets: Sheets, flip: str) -> list[tuple[Face, Face]]:
    """Each front with the back the printer puts behind it: the back face whose cell, turned
    over with the sheet, covers the front's cell (every text point of it mapped, not just the cell)."""
    found = []
    size = sheets.size
    for page in range(0, len(sheets.faces), 2):
        fronts, backs = sheets.faces[page], sheets.faces[page + 1]
        assert len(fronts) == len(backs), page
        for back in backs.values():
            landing = flipped(back.rect, size, flip)
            front = next((face for face in fronts.values()
                          if all(abs(a - b) < 0.01 for a, b in zip(face.rect, landing))), None)
            assert front is not None, (page + 2, back.corners)
            for line in back.lines:  # the text itself, turned with the paper, is on the front card
                x, y = (size[0] - line.x, line.y) if flip == "long-edge" else (line.x, size[1] - line.y)
                fx, fy, fw, fh = front.rect
                assert fx <= x <= fx + fw and fy <= y <= fy + fh, (line.text, front.corners)
            found.append((front, back))
    return found


def build(bank_file, out, *options: str) -> tuple[PdfReader, str]:
    result = CliRunner().invoke(cli, ["pdf", str(bank_file), "-o", str(out), *options],
                                env={"SOURCE_DATE_EPOCH": EPOCH})
    assert result.exit_code == 0, result.output + result.stderr
    return PdfReader(out), result.stderr


def generated(path, count: int):
    """*count* questions in three topics, with code, bold and italic in some answers and a few
    answers and questions too long for one card."""
    items = []
    for number in range(1, count + 1):
        item = question(number, ("alpha", "beta", "gamma")[number % 3], sentences=1, mistakes=0)
        if number % 7 == 0:
            item["answer"] = (f"Answer {number}: **bold**, *italic* and `code` run.\n\n"
                              f"```python\n{PYTHON}\n```")
        if number % 11 == 0:
            item["answer"] = f"Answer {number}. " + " ".join(words(number + i, 14) for i in range(45))
        if number % 19 == 0:
            item["question"] = f"Question {number}: " + " ".join(words(number + i, 14) for i in range(30))
        items.append(item)
    return write_bank(path, items, {"alpha": "Alpha", "beta": "Beta — β", "gamma": "Gamma"})


def _booklet_order(bank):
    return [item for _, questions in bank.sections() for item in questions]


def _visible(text: str) -> str:
    """Extracted text compared with the bank's: no white space, no code-wrap markers."""
    return squash(text).replace("↪", "")


@pytest.mark.parametrize("flip", ["long-edge", "short-edge"])
@pytest.mark.parametrize("count", [1, 8, 9, pytest.param(37, marks=pytest.mark.slow)])
def test_every_back_prints_behind_its_own_front(tmp_path, count, flip):
    bank_file = generated(tmp_path / "bank.yaml", count)
    build(bank_file, tmp_path / "cards.pdf", "--layout", "cards", "--flip", flip)
    sheets = read_sheets(tmp_path / "cards.pdf")
    assert len(sheets.faces) % 2 == 0
    found = pairs(sheets, flip)
    bank = bank_module.load_bank(bank_file)
    ids = {number: item.id for number, item in enumerate(_booklet_order(bank), 1)}
    sequence = []
    for front, back in found:
        want, got = expected_back(front_key(front)), back_key(back)
        assert got[:3] == want[:3], (front.text, back.text)
        assert want[3:] in ((None,), ()) or got[3:] == want[3:], (front.text, back.text)
        assert BACK_LABEL.fullmatch(back.corners[-1]).group(2) == ids[want[0]]
        sequence.append((front.page, front.cell, front_key(front)))
    # in reading order on the fronts: booklet order, a question's parts, then its answer's
    read = [key for *_, key in sorted(sequence)]
    assert read == sorted(read, key=lambda key: (key[0], key[1] == "answer", key[2]))
    assert {key[0] for *_, key in sequence} == set(ids)
    if count == 37:
        assert any(key[1] == "answer" for *_, key in sequence)  # a continued answer
        assert any(key[1] == "question" and key[3] > 1 for *_, key in sequence)  # a continued question


@pytest.fixture(scope="module")
def cards37(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cards37")
    bank_file = generated(folder / "bank.yaml", 37)
    reader, stderr = build(bank_file, folder / "cards.pdf", "--layout", "cards")
    return bank_module.load_bank(bank_file), read_sheets(folder / "cards.pdf"), reader, stderr


def test_every_question_and_short_answer_is_in_the_card_text(cards37):
    bank, sheets, _, stderr = cards37
    fronts: dict[int, list[tuple[int, Face]]] = {}
    backs: dict[int, list[tuple[int, Face]]] = {}
    for page, faces in enumerate(sheets.faces):
        for face in faces.values():
            if page % 2 == 0:
                key = front_key(face)
                if key[1] == "question":
                    fronts.setdefault(key[0], []).append((key[2], face))
            else:
                key = back_key(face)
                if key[1] == "answer":
                    backs.setdefault(key[0], []).append((key[2], face))
    for number, item in enumerate(_booklet_order(bank), 1):
        front = "".join(face.body for _, face in sorted(fronts[number], key=lambda x: x[0]))
        back = "".join(face.body for _, face in sorted(backs[number], key=lambda x: x[0]))
        assert _visible(markup.plain(item.question)) in _visible(front), number
        assert _visible(markup.plain(item.answer)) in _visible(back), number
    many = {item.id: len(backs[number]) for number, item in enumerate(_booklet_order(bank), 1)
            if len(backs[number]) > cards_exporter.MANY_CARDS}
    warned = re.findall(r": warning: question '(.+)': its answer takes (\d+) cards at 2x4;", stderr)
    assert many and {key: int(count) for key, count in warned} == many
    assert len(stderr.splitlines()) == len(warned)  # nothing else to say about this bank


def _long_answers(tmp_path, *lengths: int):
    """A bank of short questions whose answers have *lengths* words, and the loaded bank."""
    items = []
    for number, length in enumerate(lengths, 1):
        items.append(question(number, "t", sentences=1, mistakes=0))
        items[-1]["answer"] = " ".join(words(number + i, 15) for i in range(length // 15))
    bank_file = write_bank(tmp_path / "bank.yaml", items)
    return bank_file, bank_module.load_bank(bank_file)


@pytest.mark.parametrize("grid", ["2x4", pytest.param("8x8", marks=pytest.mark.slow)])
def test_an_answer_on_more_than_three_cards_is_a_warning_at_its_question_naming_larger_cards(tmp_path, grid):
    bank_file, bank = _long_answers(tmp_path, 15, 845)
    _, stderr = build(bank_file, tmp_path / "cards.pdf", "--layout", "cards", "--grid", grid)
    long = bank.questions[1]
    warning = re.fullmatch(
        rf"{re.escape(str(bank_file))}:{long.line}:{long.column}: warning: question 'q-2': its answer takes "
        rf"(\d+) cards at {grid}; print it on larger cards \(grid (\d+x\d+): ([123]) cards?\) "
        r"or shorten the answer", stderr.strip())
    assert warning, stderr
    sheets = read_sheets(tmp_path / "cards.pdf", grid)
    backs = [back_key(face) for faces in sheets.faces[1::2] for face in faces.values()]
    assert int(warning[1]) == len([key for key in backs if key[0] == 2 and key[1] == "answer"]) > 3
    larger = warning[2]
    _, stderr = build(bank_file, tmp_path / "larger.pdf", "--layout", "cards", "--grid", larger)
    assert stderr == ""  # the grid it names holds the answer on that many cards
    sheets = read_sheets(tmp_path / "larger.pdf", larger)
    backs = [back_key(face) for faces in sheets.faces[1::2] for face in faces.values()]
    assert len([key for key in backs if key[0] == 2 and key[1] == "answer"]) == int(warning[3])


@pytest.mark.slow
def test_an_answer_too_long_for_three_cards_of_any_grid_is_told_to_be_shorter(tmp_path):
    bank_file, bank = _long_answers(tmp_path, 6000)
    _, stderr = build(bank_file, tmp_path / "cards.pdf", "--layout", "cards")
    item = bank.questions[0]
    assert re.fullmatch(rf"{re.escape(str(bank_file))}:{item.line}:{item.column}: warning: question 'q-1': "
                        r"its answer takes \d+ cards at 2x4; more than 3 at any grid; shorten the answer",
                        stderr.strip()), stderr


def test_no_text_runs_outside_its_card_and_the_footer_keeps_clear_of_the_cuts(cards37):
    _, sheets, _, _ = cards37
    margin, offset = _length(CARDS["margin"]), _length(CARDS["cut_mark_offset"])
    width, height = sheets.size
    card_w = (width - 2 * margin) / sheets.columns
    for page, faces in enumerate(sheets.faces):
        for face in faces.values():
            x, y, w, h = face.rect
            for line in face.lines:
                assert x < line.x and line.right <= x + w, (page + 1, line.text, line.right - x - w)
                assert y < line.y - line.size * 0.25 and line.y + line.size <= y + h, (page + 1, line.text)
        footer = sheets.margins[page]
        side = "FRONT" if page % 2 == 0 else "BACK"
        label = f"SHEET {page // 2 + 1} OF {len(sheets.faces) // 2} · {side}"
        assert any(line.text == label for line in footer)
        cuts = [margin + column * card_w for column in range(sheets.columns + 1)]
        for line in footer:
            assert line.y + line.size < margin - offset, line.text  # under the grid, in the margin
            assert not any(line.x - offset < cut < line.right + offset for cut in cuts), line.text


def test_an_answer_too_long_for_its_card_shrinks_within_limits_before_it_continues(tmp_path):
    fits = question(1, "t", sentences=1, mistakes=0)
    fits["answer"] = "Shrunk. " + " ".join(words(i, 14) for i in range(6))
    long = question(2, "t", sentences=1, mistakes=0)
    long["answer"] = "Continued. " + " ".join(words(i, 14) for i in range(70))
    bank_file = write_bank(tmp_path / "bank.yaml", [fits, long])
    build(bank_file, tmp_path / "cards.pdf", "--layout", "cards")
    sheets = read_sheets(tmp_path / "cards.pdf")
    backs = [face for page, faces in enumerate(sheets.faces) if page % 2 for face in faces.values()]
    body = [line for line in backs[0].lines if line.text not in backs[0].corners]
    default, least = _length(CARDS["answer_size"]), _length(CARDS["min_size"])
    assert back_key(backs[0]) == (1, "answer", 1, 1)
    assert least <= min(line.size for line in body) < default  # shrunk, on one card
    parts = [face for face in backs if back_key(face)[0] == 2]
    count = len(parts)
    assert count >= 2
    assert sorted(map(back_key, parts)) == [(2, "answer", n, count) for n in range(1, count + 1)]
    for face in parts:
        body = [line for line in face.lines if line.text not in face.corners]
        assert min(line.size for line in body if "continued" not in line.text) >= least - 0.01
        marked = CONTINUED in face.text
        assert marked == (back_key(face)[2] < count), face.text
    text = "".join(face.body for face in sorted(parts, key=back_key))
    assert _visible(long["answer"]) in _visible(text)


def test_code_in_an_answer_is_set_in_the_monospace_font_inside_its_card(cards37):
    bank, sheets, _, _ = cards37
    number = next(n for n, item in enumerate(_booklet_order(bank), 1) if "```" in item.answer)
    back = next(face for page, faces in enumerate(sheets.faces) if page % 2 for face in faces.values()
                if back_key(face)[0] == number)
    code = [line for line in back.lines if line.text.startswith("def retry")]
    assert code and code[0].fonts <= {"IBMPlexMono-Regular", "IBMPlexMono-Bold", "IBMPlexMono-Italic"}
    assert {"IBMPlexMono-Regular", "FiraSans-SemiBold", "FiraSans-Italic"} <= set().union(
        *(line.fonts for line in back.lines))  # `code`, **bold**, *italic*


def test_letter_sheets_with_another_grid_put_every_back_behind_its_front(tmp_path):
    bank_file = generated(tmp_path / "bank.yaml", 20)
    reader, _ = build(bank_file, tmp_path / "cards.pdf", "--layout", "cards", "--page-size", "letter",
                      "--grid", "3x3", "--flip", "short-edge")
    assert {tuple(map(float, page.mediabox[2:])) for page in reader.pages} == {(612.0, 792.0)}
    sheets = read_sheets(tmp_path / "cards.pdf", "3x3")
    assert len(sheets.faces) > 2 * 20 / 9  # 20 questions, and more cards for long texts
    for front, back in pairs(sheets, "short-edge"):
        assert expected_back(front_key(front))[:3] == back_key(back)[:3]


def test_a_character_no_font_has_is_a_warning_naming_the_question_as_in_the_booklet(tmp_path):
    _, stderr = build(HOSTILE, tmp_path / "cards.pdf", "--layout", "cards")
    expected = [f"{HOSTILE}:29:5: warning: question 'unicode': no font has the CJK characters 東 and 京; "
                f"they print as blanks: {CJK_ADVICE.format(them='them')}",
                f"{HOSTILE}:29:5: warning: question 'unicode': no font has the emoji 😀; it prints as a blank: "
                f"{EMOJI_ADVICE.format(them='it')}"]
    assert stderr.splitlines() == expected
    _, stderr = build(HOSTILE, tmp_path / "worksheet.pdf", "--layout", "worksheet")
    assert stderr.splitlines() == expected


def test_markup_in_hostile_text_prints_exactly_as_typed_on_cards(tmp_path):
    reader, _ = build(HOSTILE, tmp_path / "cards.pdf", "--layout", "cards")
    text = squash("".join(page.extract_text() for page in reader.pages))
    for typed in ("What does <script>alert('x')</script> do on a card?",
                  "Nothing: it shows as text, as does <b>bold</b> and &amp; and x < y.",
                  "Ένα σύστημα — a system; naïve café, Straße, ½ ≤ ¾."):
        assert squash(typed) in text, typed


@pytest.mark.slow
@pytest.mark.parametrize("layout", ["cards", "worksheet"])
def test_two_builds_in_separate_processes_are_byte_identical(tmp_path, layout):
    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / f"{layout}-{seed}.pdf"
        env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, str(ROOT / "cli.py"), "pdf", str(BUNDLED), "-o", str(out),
                        "--layout", layout], cwd=tmp_path, env=env, check=True, capture_output=True)
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]


# -- the worksheet --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def worksheet(tmp_path_factory):
    folder = tmp_path_factory.mktemp("worksheet")
    bank_file = generated(folder / "bank.yaml", 30)
    build(bank_file, folder / "worksheet.pdf", "--layout", "worksheet")
    return bank_module.load_bank(bank_file), Booklet(folder / "worksheet.pdf")


def test_the_worksheet_numbers_questions_as_the_booklet_then_keys_the_short_answers(worksheet):
    bank, sheet = worksheet
    key_page = sheet.page_of("Answer key")
    headers = {"ANSWER KEY", *(topic.name.upper() for topic in bank.topics)}
    pages = ["\n".join(line for line in FOOTER.sub("", text).splitlines() if line.strip() not in headers)
             for text in sheet.pages]  # what the page says, without running header and footer
    questions = _visible("".join(pages[: key_page - 1]))
    key = _visible("".join(pages[key_page - 1:]))
    position = 0
    for number, item in enumerate(_booklet_order(bank), 1):
        found = questions.find(_visible(f"Q{number}{markup.plain(item.question)}"), position)
        assert found >= position, number  # numbered, and in booklet order
        position = found
        assert _visible(markup.plain(item.answer)) not in questions  # questions only
        assert _visible(f"Q{number}{markup.plain(item.answer)}") in key, number
    for topic, _ in bank.sections():
        assert squash(topic.name) in questions
        assert squash(topic.name.upper()) in squash("".join(sheet.pages[key_page - 1:]))


def test_the_worksheet_is_footed_like_the_booklet(worksheet):
    bank, sheet = worksheet
    pages = len(sheet.reader.pages)
    assert sheet.footers() == [(page, pages, len(bank.questions)) for page in range(1, pages + 1)]


def test_every_worksheet_question_is_followed_by_its_ruled_lines(worksheet):
    bank, sheet = worksheet
    spacing = _length(STYLE["worksheet"]["line_spacing"])
    counts = [worksheet_exporter.writing_lines(item.answer, STYLE["worksheet"]) for item in _booklet_order(bank)]
    assert STYLE["worksheet"]["max_lines"] in counts and len(set(counts)) >= 3
    top = float(sheet.reader.pages[0].mediabox[3]) - _length(STYLE["page"]["top_margin"])
    marks = []  # (page, -y, what) in reading order: question numbers and ruled lines
    for index, page in enumerate(sheet.reader.pages[: sheet.page_of("Answer key") - 1]):
        for line in lines(page):
            if re.fullmatch(r"Q\d+", line.text):  # the number, set apart from the question
                marks.append((index, -line.y, int(line.text[1:])))
        marks += [(index, -y, 0) for y in _rules(page) if y < top]  # not the running header's rule
    marks.sort()
    numbers = [what for *_, what in marks if what]
    assert numbers == list(range(1, len(bank.questions) + 1))
    starts = [position for position, (*_, what) in enumerate(marks) if what] + [len(marks)]
    for number, (start, end) in enumerate(zip(starts, starts[1:]), 1):
        rules = marks[start + 1:end]
        assert len(rules) == counts[number - 1], number
        assert len({page for page, *_ in rules}) == 1, number  # together, on one page
        assert all(abs((b - a) - spacing) < 0.01 for (_, a, _), (_, b, _) in zip(rules, rules[1:])), number


def test_every_worksheet_page_after_the_first_is_headed_by_the_topic_at_its_top(worksheet):
    bank, sheet = worksheet
    topics = {item.number: topic.name.upper() for topic, items in bank.sections() for item in items}
    key_page = sheet.page_of("Answer key")
    top = float(sheet.reader.pages[0].mediabox[3]) - _length(STYLE["page"]["top_margin"])
    names = {topic.name for topic in bank.topics}
    last = None  # the question laid out last, perhaps going on at the top of the next page
    for number, page in enumerate(sheet.reader.pages, 1):
        found = lines(page)
        header = [line.text for line in found if line.y > top]
        body = sorted((line for line in found if line.y <= top and not FOOTER.search(line.text)),
                      key=lambda line: -line.y)
        labels = [int(line.text[1:]) for line in body if re.fullmatch(r"Q\d+", line.text)]
        if number == 1:
            assert header == []
        elif number >= key_page:
            assert header == ["ANSWER KEY"], number
        elif re.fullmatch(r"Q\d+", body[0].text) or body[0].text in names:  # a question or topic opens it
            assert header == [topics[labels[0]]], number
        else:  # the question before goes on at the top
            assert header == [topics[last]], number
        last = labels[-1] if labels else last
    assert key_page > 3  # pages that start in the middle of a topic were checked


def test_the_answer_key_sets_each_number_beside_its_answers_first_line_whatever_the_block(tmp_path):
    answers = {  # the answer, and how its first line starts
        "A paragraph. " + words(1, 40): "A paragraph.",
        "- first item of a list\n- second item\n": "•",
        "1. first numbered item\n2. second\n": "1.",
        f"```python\n{PYTHON}\n```\n\nThen a paragraph.\n": "def retry",
        "- - a list in a list\n": "•",
    }
    items = []
    for number, answer in enumerate(answers, 1):
        items.append(question(number, "t", sentences=1, mistakes=0))
        items[-1]["answer"] = answer
    reader, _ = build(write_bank(tmp_path / "bank.yaml", items), tmp_path / "worksheet.pdf",
                      "--layout", "worksheet")
    start = next(number for number, page in enumerate(reader.pages) if "Answer key" in page.extract_text())
    key = [line for page in reader.pages[start:] for line in lines(page)]
    for number, start in enumerate(answers.values(), 1):
        label = next(line for line in key if line.text == f"Q{number}")
        beside = sorted((line for line in key if abs(line.y - label.y) < 0.01 and line.x > label.right),
                        key=lambda line: line.x)
        assert beside and beside[0].text.lstrip().startswith(start), (number, [line.text for line in beside])


def test_writing_space_grows_with_the_short_answer_from_the_styles_least_to_its_most():
    settings = STYLE["worksheet"]
    least, most, per_line = settings["min_lines"], settings["max_lines"], settings["words_per_line"]
    assert 0 < least < most and "lines" not in settings

    def count(answer: str) -> int:
        return worksheet_exporter.writing_lines(answer, settings)

    assert count("No.") == least
    assert count(words(1, 800)) == most  # the 800-word answer: room to write, not a page of lines
    assert count(words(1, per_line * (least + 2))) == least + 2
    assert count(words(1, per_line * (least + 2) + 1)) == least + 3
    assert count("Two items:\n\n- one\n- two\n") == least + 1  # a paragraph, then a line each
    code = "\n".join(f"x{n} = {n}" for n in range(least + 3))
    assert count(f"```python\n{code}\n```") == least + 3  # a line for each line of code
    sizes = [count(words(1, n)) for n in range(1, 200, 3)]
    assert sizes == sorted(sizes)
    assert worksheet_exporter.writing_lines(words(1, 800), {**settings, "lines": 4}) == 4


def _rules(page) -> list[float]:
    """The heights on the page of the horizontal lines stroked on it (each 'x y m x2 y l')."""
    heights, start = [], []

    def before(operator, operands, cm, tm):
        if operator in (b"m", b"l"):
            x, y = (float(value) for value in operands)
            point = (cm[0] * x + cm[2] * y + cm[4], cm[1] * x + cm[3] * y + cm[5])
            if operator == b"m":
                start[:] = [point]
            elif start and abs(start[0][1] - point[1]) < 1e-6 and start[0][0] != point[0]:
                heights.append(point[1])

    page.extract_text(visitor_operand_before=before)
    return heights


def test_a_letter_worksheet_has_letter_pages(tmp_path):
    reader, _ = build(BUNDLED, tmp_path / "worksheet.pdf", "--layout", "worksheet", "--page-size", "letter")
    assert {tuple(map(float, page.mediabox[2:])) for page in reader.pages} == {(612.0, 792.0)}


def test_an_unknown_grid_flip_or_page_size_is_refused():
    bank = bank_module.load_bank(BUNDLED)
    with pytest.raises(ValueError, match="COLSxROWS"):
        cards_exporter.write(bank, io.BytesIO(), grid="0x4")
    with pytest.raises(ValueError, match="flip must be one of long-edge, short-edge"):
        cards_exporter.write(bank, io.BytesIO(), flip="sideways")
    for exporter in (cards_exporter, worksheet_exporter):
        with pytest.raises(ValueError, match="page size must be one of a4, letter"):
            exporter.write(bank, io.BytesIO(), page_size="a5")
