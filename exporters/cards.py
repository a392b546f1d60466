"""Flashcard sheets to print double-sided and cut, in the booklet's fonts, markup and style.

Pages alternate fronts and backs, the backs' grid mirrored so that, printed double-sided, every
back lands behind its own front. A question too long for one card shrinks within limits, then
goes on over as many cards as it needs, every part marked.
"""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

from reportlab.lib.colors import Color, HexColor
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from deckbook import markup
from deckbook.bank import Bank, Question, Topic
from deckbook.diagnostics import Diagnostic
from deckbook.exporters.base import Written
from deckbook.pdfkit.flowables import Gap, Para, render
from deckbook.pdfkit.internals import FormulaCanvas, binary_streams, date_document
from deckbook.pdfkit.look import Look, length, parse_page_size, style_or_default
from deckbook.pdfkit.style import parse_grid
from deckbook.pdfkit.text import Place, Runs, Text, draw_runs, runs_width, shorten

NAME, SUFFIX = "cards", ".pdf"
#: The options of write() that a deckbook.toml [[artifact]] may set for this format.
OPTIONS: tuple[str, ...] = ("page_size", "grid", "flip")
FLIPS = ("long-edge", "short-edge")
#: An answer on more cards than this is a warning: a learner turns over a card or two, not a stack.
MANY_CARDS = 3
_Placed = list[tuple[Flowable, float]]  # a card face's blocks, each with its laid-out height


def write(bank: Bank, out: BinaryIO, *, page_size: str = "a4", style: dict | None = None,
          grid: str | None = None, flip: str = "long-edge") -> Written:
    """Write *bank* as flashcard sheets to *out*: *grid* cards a sheet ("COLSxROWS", default from
    the style), backs mirrored for a *flip* about the long or the short edge; report warnings,
    pages and cards."""
    if flip.lower() not in FLIPS:
        raise ValueError(f"flip must be one of {', '.join(FLIPS)}, not {flip!r}")
    flip = flip.lower()
    size = parse_page_size(page_size)
    with binary_streams():
        return _write_cards(bank, out, style_or_default(style), size, grid, flip)


def _grid_size(value: str) -> tuple[int, int]:
    """Columns and rows from 'COLSxROWS', each from 1 to 8."""
    found = parse_grid(value)
    if found is None:
        raise ValueError(f"a card grid is COLSxROWS with 1 to 8 of each, e.g. 2x4, not {value!r}")
    return found


@dataclass(frozen=True)
class _Grid:
    """The cards of a sheet: a grid centred on the page with the same margin all round, so the
    turn of the sheet in the printer maps the grid onto itself."""

    columns: int
    rows: int
    page: tuple[float, float]
    margin: float

    @property
    def card_width(self) -> float:
        return (self.page[0] - 2 * self.margin) / self.columns

    @property
    def card_height(self) -> float:
        return (self.page[1] - 2 * self.margin) / self.rows

    def cell(self, index: int, back: bool, flip: str) -> tuple[int, int]:
        """(row, column) of a sheet's *index*-th card, row 0 at the top: reading order on the
        front; on the back, mirrored left-right for a long-edge flip (the sheet turns about its
        vertical axis) or top-bottom for a short-edge flip (about its horizontal axis)."""
        row, column = divmod(index, self.columns)
        if back and flip == "long-edge":
            column = self.columns - 1 - column
        elif back:
            row = self.rows - 1 - row
        return row, column

    def rect(self, row: int, column: int) -> tuple[float, float, float, float]:
        """The cell's lower-left corner, width and height in page coordinates."""
        width, height = self.card_width, self.card_height
        return (self.margin + column * width, self.page[1] - self.margin - (row + 1) * height,
                width, height)


@dataclass
class _Face:
    """One side of one card: corner labels, its blocks, and a note at its foot."""

    left: Runs  # top-left corner: the topic, or ANSWER
    right: Runs  # top-right corner: the question number, and its id on a back
    blocks: _Placed
    centered: bool = True  # a whole text sits in the middle; a part starts at the top
    note: Runs = field(default_factory=list)  # "continued on the next card →"
    left_short: Runs = field(default_factory=list)  # the left label where it does not fit: "2/3"


class _Sizes:
    """The style's look at other body sizes: a card's text shrinks as a whole, code and gaps with it."""

    def __init__(self, style: dict, page_size: tuple[float, float]) -> None:
        self.style, self.page_size = style, page_size
        self.base = length(style["sizes"]["body"])
        self._looks: dict[float, Look] = {}

    def __call__(self, size: float) -> Look:
        key = round(size, 2)
        look = self._looks.get(key)
        if look is None:
            factor = key / self.base
            scaled = {**self.style, **{table: {name: length(value) * factor
                                               for name, value in self.style[table].items()}
                                       for table in ("sizes", "spacing")}}
            look = self._looks[key] = Look(scaled, self.page_size)
        return look


class _CardMaker:
    """Lays each question out on as many cards as it needs: shrunk within limits first, then
    continued on the next card, every part marked; never cut."""

    def __init__(self, style: dict, look: Look, text: Text, grid: _Grid) -> None:
        cards = style["cards"]
        self.look, self.text, self.labels = look, text, cards["labels"]
        self.sizes = _Sizes(style, look.page_size)
        self.question_size = length(cards["question_size"])
        self.answer_size = length(cards["answer_size"])
        self.min_size = min(length(cards["min_size"]), self.question_size, self.answer_size)
        self.step = max(length(cards["shrink_step"]), 0.1)
        self.corner = length(cards["corner_size"])
        self.tracking = look.space["label_tracking"] * self.corner / look.size["label"]
        self.grid, self._padding = grid, length(cards["padding"])
        self.padding = self._padding_for(grid)
        self.band = self.corner * 2.2  # the corner labels above the text, the note below it
        self.box = self._box_for(grid)
        text.figure_height = self.box[1] * 0.9  # a figure fits on one card, with a line or two
        text.figure_width = self.box[0] * 0.95  # and a formula on one line of it
        self.warnings: list[Diagnostic] = []  # answers spread over too many cards
        self._topics: dict[str, Runs] = {}
        self._muted: dict[Look, ParagraphStyle] = {}
        self.continued = text.style_runs("cards.labels.continued", self.labels["continued"])
        self.continued_short = text.style_runs("cards.labels.continued_short", self.labels["continued_short"])
        self.answer = self.labels["answer"].upper()

    def _padding_for(self, grid: _Grid) -> float:
        return min(self._padding, 0.08 * min(grid.card_width, grid.card_height))

    def _box_for(self, grid: _Grid) -> tuple[float, float]:
        """The room for text on a card of *grid*: inside the padding, between the corner labels
        and the note at the foot."""
        padding = self._padding_for(grid)
        return grid.card_width - 2 * padding, grid.card_height - 2 * padding - 2 * self.band

    def all(self, bank: Bank) -> Iterator[tuple[int | None, Topic, _Face, _Face]]:
        """Every card in booklet order, with the topic's index on the first card of each topic."""
        for index, (topic, questions) in enumerate(bank.sections()):
            for position, question in enumerate(questions):
                for part, (front, back) in enumerate(self.cards(topic, question)):
                    yield (index if position == part == 0 else None), topic, front, back

    def cards(self, topic: Topic, question: Question) -> list[tuple[_Face, _Face]]:
        """The cards of one question: its fronts, then as many more as its answer needs."""
        text, labels = self.text, self.labels
        label = self.look.question_label(question.number)
        topic_runs = self._topic(topic)
        card_id = labels["card_id"].format(question=label, id=question.id)
        text.where = Place.question(question)
        fronts = self._fit(functools.partial(self._question_blocks, question), self.question_size)
        backs = self._fit(functools.partial(self._answer_blocks, question), self.answer_size)
        if len(backs) > MANY_CARDS:
            self._warn_many(question, backs)
        first_answer = len(fronts) - 1  # the answer starts behind the question's last part
        out: list[tuple[_Face, _Face]] = []
        for index in range(len(fronts) + len(backs) - 1):
            if index < len(fronts):
                front = _Face(topic_runs, self._part(label, index, len(fronts)), fronts[index],
                              len(fronts) == 1, self.continued if index < first_answer else [])
            else:
                note = labels["answer_continues"].format(question=label, part=index - first_answer + 1,
                                                         parts=len(backs))
                front = _Face(topic_runs, self._runs(label, "labels.question"),
                              self._note(note, "answer_continues", question))
            if index < first_answer:
                back = _Face([], self._runs(card_id, "cards.labels.card_id"),
                             self._note(labels["question_continues"], "question_continues"))
            else:
                part = index - first_answer
                back = _Face(self._part(self.answer, part, len(backs), "answer"),
                             self._runs(card_id, "cards.labels.card_id"),
                             backs[part], len(backs) == 1, self.continued if part < len(backs) - 1 else [],
                             self._runs(f"{part + 1}/{len(backs)}", "cards.labels.part")
                             if len(backs) > 1 else [])
            out.append((front, back))
        return out

    def _warn_many(self, question: Question, backs: list[_Placed]) -> None:
        """Warn, at the question, of an answer on more than MANY_CARDS cards, naming the grid of
        larger cards (the most to a sheet, none more than twice as long as wide) that holds it on
        that many, if one does."""
        grid, (width, _) = self.grid, self.box
        needed = width * sum(height for part in backs for _, height in part)  # the text's area, set smallest
        blocks = self._answer_blocks(question, self.sizes(self.min_size))
        larger = sorted(((columns, rows) for columns in range(1, grid.columns + 1)
                         for rows in range(1, grid.rows + 1) if (columns, rows) != (grid.columns, grid.rows)),
                        key=lambda size: (-size[0] * size[1], -size[0]))
        advice = f"more than {MANY_CARDS} at any grid; shorten the answer"
        for columns, rows in larger:
            card = _Grid(columns, rows, grid.page, grid.margin)
            box = self._box_for(card)
            if (max(card.card_width, card.card_height) > 2 * min(card.card_width, card.card_height)
                    or MANY_CARDS * box[0] * box[1] < 0.8 * needed):
                continue  # an odd shape, or too small for the text however it breaks
            parts = len(_parts(blocks, *box, limit=MANY_CARDS))
            if parts <= MANY_CARDS:
                advice = (f"print it on larger cards (grid {columns}x{rows}: {parts} card"
                          f"{'' if parts == 1 else 's'}) or shorten the answer")
                break
        where = Place.question(question)
        self.warnings.append(Diagnostic(
            self.text.source, where.line, where.column,
            f"{where.what}: its answer takes {len(backs)} cards at {grid.columns}x{grid.rows}; {advice}",
            "warning"))

    def _part(self, label: str, index: int, count: int, key: str = "question") -> Runs:
        """*label* ("Q3", "ANSWER") as a corner label; with the part number when there are several."""
        if count == 1:
            return self._runs(label, "cards.labels.answer" if key == "answer" else "labels.question")
        value = self.labels["part"].format(label=label, part=index + 1, parts=count)
        return self._runs(value, "cards.labels.part")

    def _runs(self, value: str, key: str) -> Runs:
        return self.text.style_runs(key, value, self.look.body_chain)

    def _topic(self, topic: Topic) -> Runs:
        if topic.id not in self._topics:
            with self.text.at(Place.topic(topic)):
                name = markup.plain(topic.name).upper()[:_LABEL_CHARS]  # longer is cut in any corner
                self._topics[topic.id] = self.text.runs(name, self.look.body_chain)
        return self._topics[topic.id]

    # -- text on a card -----------------------------------------------------------------------
    def _use(self, look: Look) -> Text:
        """The text machinery set for *look*: one Text, so warnings are collected once, in order."""
        self.text.look = look
        return self.text

    def _question_blocks(self, question: Question, look: Look) -> list[Flowable]:
        text = self._use(look)
        parsed = markup.parse(question.question)
        blocks: list[Flowable] = []
        rest: Sequence[markup.Block] = parsed
        if isinstance(parsed[0], markup.Paragraph):
            blocks.append(Para(text.spans(parsed[0].spans, bold=True, size=look.size["body"]) or "&#160;",
                                look.styles["body"]))
            rest = parsed[1:]
            if rest:
                blocks.append(Gap(look.space["paragraph"]))
        return blocks + render(rest, look, text, look.styles["body"])

    def _answer_blocks(self, question: Question, look: Look) -> list[Flowable]:
        return render(markup.parse(question.answer), look, self._use(look), look.styles["body"])

    def _note(self, note: str, key: str, question: Question | None = None) -> _Placed:
        """A card side that only says where the text goes on, with the question shortened on a front;
        set smaller on a small card, without the question if need be (it is on the card before)."""
        for echo in ((question, None) if question is not None else (None,)):
            parts = self._fit(functools.partial(self._note_blocks, note, key, echo), self.answer_size)
            if len(parts) == 1:
                break
        return parts[0]

    def _note_blocks(self, note: str, key: str, question: Question | None, look: Look) -> list[Flowable]:
        text = self._use(look)
        style = self._muted.get(look)
        if style is None:
            style = self._muted[look] = ParagraphStyle("note", parent=look.styles["body"],
                                                       textColor=look.color["muted"])
        with text.at(Place.style(f"cards.labels.{key}")):
            blocks: list[Flowable] = [Para(text.xml(note), style)]
        if question is not None:
            blocks += [Gap(look.space["paragraph"]),
                       Para(text.xml(shorten(markup.plain(question.question)), italic=True), style)]
        return blocks

    def _fit(self, make: Callable[[Look], list[Flowable]], size: float) -> list[_Placed]:
        """The text at the largest size from *size* down to the minimum at which it fits one card;
        else at the minimum, in as many card-sized parts as it takes."""
        count = int((size - self.min_size) / self.step + 1e-6) + 1
        steps = [size - self.step * index for index in range(count)]
        if steps[-1] > self.min_size + 1e-6:
            steps.append(self.min_size)
        width, height = self.box
        laid: dict[int, list[Flowable]] = {}

        def fits(index: int) -> bool:
            laid[index] = make(self.sizes(steps[index]))
            return sum(block.wrap(width, height)[1] for block in laid[index]) <= height + 1e-6

        if fits(0):
            return [_place(laid[0], width, height)]
        low, high, best = 1, len(steps) - 1, None  # binary search: a few layouts, however long the text
        while low <= high:
            middle = (low + high) // 2
            if fits(middle):
                best, high = middle, middle - 1
            else:
                low = middle + 1
        if best is not None:
            return [_place(laid[best], width, height)]
        last = len(steps) - 1
        blocks = laid[last] if last in laid else make(self.sizes(steps[last]))
        return _parts(blocks, width, height)


def _place(blocks: list[Flowable], width: float, height: float) -> _Placed:
    return [(block, block.wrap(width, height)[1]) for block in blocks]


def _parts(blocks: list[Flowable], width: float, height: float, limit: int | None = None) -> list[_Placed]:
    """*blocks* in parts no taller than *height*, split between lines where a block must break;
    with *limit*, only the first parts, one more than *limit* at most."""
    parts: list[_Placed] = [[]]
    room = height
    queue = deque(blocks)
    while queue and (limit is None or len(parts) <= limit):
        block = queue.popleft()
        if isinstance(block, Gap) and not parts[-1]:
            continue  # no gap at the top of a card
        needed = block.wrap(width, room)[1]
        if needed <= room + 1e-6:
            parts[-1].append((block, needed))
            room -= needed
            continue
        pieces = block.split(width, room) if room > 0 else []
        if len(pieces) > 1:
            parts[-1].append((pieces[0], pieces[0].wrap(width, room)[1]))
            queue.extendleft(reversed(pieces[1:]))
        elif not parts[-1]:  # cannot happen above the minimum card size; set it rather than lose it
            parts[-1].append((block, needed))
        else:
            queue.appendleft(block)
        parts.append([])
        room = height
    for part in parts:
        while part and isinstance(part[-1][0], Gap):
            part.pop()
    return [part for part in parts if part]


class _SheetDrawer:
    """Draws a sheet's fronts and backs, its cut marks, and the footers once the count is known."""

    def __init__(self, canv: Canvas, style: dict, look: Look, text: Text, grid: _Grid, flip: str,
                 maker: _CardMaker) -> None:
        cards = style["cards"]
        self.canv, self.look, self.text, self.maker = canv, look, text, maker
        self.grid, self.flip = grid, flip
        self.labels = cards["labels"]
        self.offset = length(cards["cut_mark_offset"])
        self.mark = max(0.0, min(length(cards["cut_mark"]), grid.margin - self.offset - 2))
        self.guides = HexColor(cards["guides"]) if cards.get("guides") else None
        self.footer_size = length(cards["footer_size"])
        self.pages = 0

    def draw(self, cards: list[tuple[int | None, Topic, _Face, _Face]]) -> None:
        """One sheet: the fronts in reading order, then the backs, each behind its front."""
        canv, grid = self.canv, self.grid
        for back in (False, True):
            self.pages += 1
            self._draw_marks()
            for index, (topic_index, topic, front_face, back_face) in enumerate(cards):
                x, y, width, height = grid.rect(*grid.cell(index, back, self.flip))
                if topic_index is not None and not back:
                    key = f"topic-{topic_index}"
                    canv.bookmarkHorizontalAbsolute(key, y + height)
                    canv.addOutlineEntry(markup.plain(topic.name), key, 0)
                self._draw_face(back_face if back else front_face, x, y, width, height)
            canv.doForm(_sheet_form(self.pages))
            canv.showPage()

    def _draw_marks(self) -> None:
        """Cut marks in the margin along every grid line, and faint dotted guides across the grid."""
        canv, grid = self.canv, self.grid
        width, height = grid.page
        xs = [grid.margin + column * grid.card_width for column in range(grid.columns + 1)]
        ys = [grid.margin + row * grid.card_height for row in range(grid.rows + 1)]
        canv.saveState()
        if self.guides is not None:
            canv.setStrokeColor(self.guides)
            canv.setLineWidth(0.4)
            canv.setDash([1, 2])
            for x in xs:
                canv.line(x, ys[0], x, ys[-1])
            for y in ys:
                canv.line(xs[0], y, xs[-1], y)
            canv.setDash([])
        canv.setStrokeColor(self.look.color["text"])
        canv.setLineWidth(0.35)
        near, far = self.offset, self.offset + self.mark
        if self.mark > 0:
            for x in xs:
                canv.line(x, ys[0] - near, x, ys[0] - far)
                canv.line(x, ys[-1] + near, x, ys[-1] + far)
            for y in ys:
                canv.line(xs[0] - near, y, xs[0] - far, y)
                canv.line(xs[-1] + near, y, xs[-1] + far, y)
        canv.restoreState()

    def _draw_face(self, face: _Face, x: float, y: float, width: float, height: float) -> None:
        canv, maker, look = self.canv, self.maker, self.look
        pad, size = maker.padding, maker.corner
        inner = width - 2 * pad
        baseline = y + height - pad - size
        gap = size  # the number and id on the right matter most: the left label yields first
        left_runs = face.left
        room = inner
        if left_runs:
            least = runs_width(face.left_short or left_runs, size * _LEAST, 0.0)
            room = max(inner / 2, inner - least - gap)
        right = _fitted(face.right, room, size, maker.tracking, True)
        if right.runs != face.right and left_runs and not face.left_short:
            left_runs, right = [], _fitted(face.right, inner, size, maker.tracking, True)  # ANSWER goes
        left = _fitted(left_runs, inner - right.width - gap, size, maker.tracking)
        if face.left_short and left.runs != left_runs:  # cut short: the part number matters more
            left = _fitted(face.left_short, inner - right.width - gap, size, maker.tracking)
        _draw_label(canv, x + pad, baseline, left, look.color["muted"])
        _draw_label(canv, x + width - pad - right.width, baseline, right, look.color["accent"], bold=True)
        top, bottom = y + height - pad - maker.band, y + pad + maker.band
        used = sum(block_height for _, block_height in face.blocks)
        cursor = top - max(0.0, (top - bottom - used) / 2) if face.centered else top
        for block, block_height in face.blocks:
            cursor -= block_height
            block.drawOn(canv, x + pad, cursor)
        if face.note:
            fits = runs_width(face.note, size * _LEAST, 0.0, True) <= inner
            note = _fitted(face.note if fits else maker.continued_short, inner, size, maker.tracking, True)
            _draw_label(canv, x + width - pad - note.width, y + pad + size * 0.3, note,
                        look.color["accent"], bold=True)

    def define_footers(self, sheets: int) -> None:
        """Each page's footer form, now that the number of sheets is known: in the bottom margin,
        between the cut marks of the first column (the print hint under the last)."""
        canv, look, grid, labels = self.canv, self.look, self.grid, self.labels
        size, tracking = self.footer_size, look.space["footer_tracking"]
        gap = self.offset + 2
        span = grid.card_width - 2 * gap
        baseline = grid.margin / 2 - size * 0.35
        edge = labels["long_edge" if self.flip == "long-edge" else "short_edge"]
        hint = self.text.style_runs("cards.labels.print_hint", labels["print_hint"].format(edge=edge))
        hint_width = runs_width(hint, size, tracking)
        for page in range(1, self.pages + 1):
            side = labels["front" if page % 2 else "back"]
            footer_text = labels["footer"].format(sheet=(page + 1) // 2, sheets=sheets, side=side)
            runs = self.text.style_runs("cards.labels.footer", footer_text)
            footer = _fitted(runs, span, size, tracking)
            canv.beginForm(_sheet_form(page))
            _draw_label(canv, grid.margin + gap, baseline, footer, look.color["muted"])
            room = span - (footer.width + 4 * gap if grid.columns == 1 else 0)
            if page % 2 and hint_width <= room:
                _draw_label(canv, grid.page[0] - grid.margin - gap - hint_width, baseline,
                            _Fit(hint, size, tracking, hint_width), look.color["muted"])
            canv.endForm()


_LEAST = 0.75  # a corner label or footer is set down to this share of its size, unspaced, before it is cut
_LABEL_CHARS = 400  # more than the widest corner holds at the smallest size: the rest is never measured


@dataclass(frozen=True)
class _Fit:
    """A label as it fits: its runs, size, letter spacing and width."""

    runs: Runs
    size: float
    tracking: float
    width: float


def _fitted(runs: Runs, width: float, size: float, tracking: float, bold: bool = False) -> _Fit:
    """A label within *width*: set smaller, then without letter spacing, and only then cut short
    with an ellipsis (corner labels and footers only: bank text is never cut)."""
    if not runs:
        return _Fit([], size, tracking, 0.0)
    steps = ((1.0, tracking), (0.9, tracking), (0.8, tracking), (_LEAST, tracking), (_LEAST, 0.0))
    for factor, spacing in steps:
        used = runs_width(runs, size * factor, spacing, bold)
        if used <= width:
            return _Fit(list(runs), size * factor, spacing, used)
    size *= _LEAST
    room = width - pdfmetrics.stringWidth("…", runs[0][0].face(bold, False), size)
    kept: Runs = []
    used = 0.0
    for family, run in runs:
        font = family.face(bold, False)
        for end, char in enumerate(run):
            used += pdfmetrics.stringWidth(char, font, size)
            if used > room:
                kept.append((family, run[:end]))
                kept = [(family, text) for family, text in kept if text]
                if kept:
                    last_family, last = kept[-1]
                    kept[-1] = (last_family, last.rstrip() + "…")
                return _Fit(kept, size, 0.0, runs_width(kept, size, 0.0, bold) if kept else 0.0)
        kept.append((family, run))
    return _Fit(kept, size, 0.0, used)


def _draw_label(canv: Canvas, x: float, y: float, label: _Fit, color: Color, bold: bool = False) -> None:
    """A fitted label, its letter spacing kept to itself (PDF text state outlives the text object)."""
    if label.runs:
        canv.saveState()
        draw_runs(canv, x, y, label.runs, label.size, label.tracking, color, bold)
        canv.restoreState()


def _sheet_form(page: int) -> str:
    return f"deckbook-sheet-{page}"


def _write_cards(bank: Bank, out: BinaryIO, style: dict, page_size: tuple[float, float],
                 grid_value: str | None, flip: str) -> Written:
    look = Look(style, page_size)
    text = Text(look, bank.source, bank)
    try:
        columns, rows = _grid_size(grid_value or style["cards"]["grid"])
    except ValueError as exc:
        where = "styles/booklet.toml: [cards] " if grid_value is None else ""
        raise ValueError(f"{where}{exc}") from None
    grid = _Grid(columns, rows, page_size, length(style["cards"]["margin"]))
    maker = _CardMaker(style, look, text, grid)
    canv = FormulaCanvas(out, pagesize=page_size, invariant=1, pageCompression=1,
                  initialFontName=look.body.regular, initialFontSize=look.size["body"])
    canv.setTitle(markup.plain(bank.title))
    canv.setSubject(markup.plain(bank.subtitle or bank.title))
    canv.setCreator("deckbook")
    canv.setAuthor("")
    canv.setKeywords(list(dict.fromkeys(markup.plain(topic.name) for topic in bank.topics)))
    date_document(canv, bank.modified)
    canv.showOutline()
    drawer = _SheetDrawer(canv, style, look, text, grid, flip, maker)
    per_sheet, sheet, cards = columns * rows, [], 0
    for card in maker.all(bank):
        sheet.append(card)
        cards += 1
        if len(sheet) == per_sheet:
            drawer.draw(sheet)
            sheet = []
    if sheet:
        drawer.draw(sheet)
    text.look = look
    drawer.define_footers(drawer.pages // 2)
    canv.save()
    return Written(tuple(sorted((*text.warnings, *maker.warnings))),
                   {"pages": drawer.pages, "cards": cards, "fonts": text.fonts})


