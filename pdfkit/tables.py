"""Pipe tables in print: a reportlab Table whose columns share the width by what their cells hold,
whose cells wrap their text, and whose header row is repeated at the top of every page it runs on."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from deckbook.pdfkit.look import Look

ALIGNMENTS = {"": TA_LEFT, "left": TA_LEFT, "center": TA_CENTER, "right": TA_RIGHT}
_HUGE = 1e6


def cell_style(style: ParagraphStyle, align: str) -> ParagraphStyle:
    """*style* aligned as a column asks ("left", "center", "right" or "")."""
    alignment = ALIGNMENTS.get(align, TA_LEFT)
    if alignment == style.alignment:
        return style
    return ParagraphStyle(f"{style.name}-{align}", parent=style, alignment=alignment)


class PipeTable(Flowable):
    """A table of paragraphs, the first row its header: laid out for the width it is given, split
    between rows, the header repeated after a page break. Each column is as wide as its widest line
    when they all fit; else each gets its longest word, and the rest of the width goes to the
    columns in proportion to how much more their text would take."""

    keep = False

    def __init__(self, rows: Sequence[Sequence[Paragraph]], look: Look) -> None:
        super().__init__()
        self.rows = [list(row) for row in rows]
        self.look = look
        self._laid: tuple[float, Table] | None = None

    def _table(self, availWidth: float) -> Table:
        if self._laid is None or self._laid[0] != availWidth:
            self._laid = (availWidth, self._make(availWidth))
        return self._laid[1]

    def _make(self, availWidth: float) -> Table:
        look = self.look
        pad = look.space["code_padding"] * 0.8
        columns = max(len(row) for row in self.rows)
        rows = [row + [Paragraph("", self.rows[0][0].style)] * (columns - len(row)) for row in self.rows]
        least = [2 * pad + 0.5 + max(_longest_word(row[column]) for row in rows) for column in range(columns)]
        natural = [2 * pad + 0.5 + max(_one_line(row[column]) for row in rows) for column in range(columns)]
        if sum(natural) <= availWidth:
            widths = natural
        elif sum(least) >= availWidth:
            widths = [width * availWidth / sum(least) for width in least]
        else:
            widths = _shared(least, natural, availWidth)
        table = Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT", splitByRow=1)
        table.setStyle(TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), pad),
            ("RIGHTPADDING", (0, 0), (-1, -1), pad),
            ("TOPPADDING", (0, 0), (-1, -1), pad * 0.6),
            ("BOTTOMPADDING", (0, 0), (-1, -1), pad * 0.9),
            ("BACKGROUND", (0, 0), (-1, 0), look.color["answer_fill"]),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, look.color["rule"]),
            ("LINEBELOW", (0, 1), (-1, -1), 0.4, look.color["rule"]),
            ("BOX", (0, 0), (-1, -1), 0.4, look.color["rule"]),
        ]))
        return table

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width, self.height = self._table(availWidth).wrap(availWidth, availHeight)
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        table = self._table(availWidth)
        table.wrap(availWidth, availHeight)
        return table.split(availWidth, availHeight)

    def drawOn(self, canvas, x: float, y: float, _sW: float = 0) -> None:
        assert self._laid is not None, "drawn before it was laid out"
        self._laid[1].drawOn(canvas, x, y, _sW)


def _shared(least: list[float], natural: list[float], width: float) -> list[float]:
    """Column widths that add up to *width*: a column whose text fits in an equal share of what is
    left gets its whole line; the others share the rest in proportion to their text, each at least
    as wide as its longest word."""
    widths: list[float | None] = [None] * len(natural)
    while True:
        open_columns = [column for column, found in enumerate(widths) if found is None]
        left = width - sum(found for found in widths if found is not None)
        fitting = [column for column in open_columns if natural[column] <= left / len(open_columns)]
        if not fitting:
            break
        for column in fitting:
            widths[column] = natural[column]
    spare = left - sum(least[column] for column in open_columns)
    more = sum(natural[column] - least[column] for column in open_columns)
    for column in open_columns:
        share = (natural[column] - least[column]) / more if more else 1 / len(open_columns)
        widths[column] = least[column] + max(spare, 0.0) * share
    return [found or 0.0 for found in widths]


def _longest_word(paragraph: Paragraph) -> float:
    return paragraph.minWidth() if paragraph.frags else 0.0


def _one_line(paragraph: Paragraph) -> float:
    """The width *paragraph* takes on one line."""
    if not paragraph.frags:
        return 0.0
    paragraph.wrap(_HUGE, _HUGE)
    return max(paragraph.getActualLineWidths0(), default=0.0)
