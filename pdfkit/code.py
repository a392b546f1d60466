"""Fenced code: lines of runs highlighted by the style's token styles (weight, slant, colour),
long lines wrapped behind a continuation marker, and the flowable that draws them."""

from __future__ import annotations

import weakref

from reportlab.lib.colors import Color, HexColor
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Flowable

from deckbook import markup
from deckbook.pdfkit.look import Look
from deckbook.pdfkit.text import Text

#: A line of code: runs of (text, font name, colour).
CodeLine = list[tuple[str, str, Color]]

_MARKERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # look -> its continuation marker


def code_lines(block: markup.CodeBlock, look: Look, text: Text) -> list[CodeLine]:
    """The block's lines as runs of (text, font name, colour), tabs expanded, fallback fonts applied."""
    lines: list[CodeLine] = [[]]
    column = 0
    for ttype, value in block.tokens():
        style = look.token_style(ttype)
        color = HexColor(style["color"]) if "color" in style else look.color["text"]
        bold, italic = bool(style.get("bold")), bool(style.get("italic"))
        for index, piece in enumerate(value.split("\n")):
            if index:
                lines.append([])
                column = 0
            if "\t" in piece:
                expanded = []
                for char in piece:
                    if char == "\t":
                        expanded.append(" " * (4 - column % 4))
                        column += 4 - column % 4
                    else:
                        expanded.append(char)
                        column += 1
                piece = "".join(expanded)
            else:
                column += len(piece)
            for family, run in text.runs(piece, look.code_chain):
                lines[-1].append((run, family.face(bold, italic), color))
    while lines and not lines[-1]:
        lines.pop()
    return lines


def continuation(look: Look) -> CodeLine:
    """The marker that starts a wrapped line's continuation: the style's code_continuation label."""
    marker = _MARKERS.get(look)
    if marker is None:
        runs = Text(look, "").runs(look.labels.get("code_continuation", ""), look.code_chain)
        marker = _MARKERS[look] = [(run, family.regular, look.color["muted"]) for family, run in runs]
    return marker


def wrap_code(lines: list[CodeLine], width: float, look: Look) -> list[CodeLine]:
    """Lines longer than *width* broken into continuation lines that start with a marker."""
    size = look.size["code"]
    marker = continuation(look)
    marker_width = sum(pdfmetrics.stringWidth(run, font, size) for run, font, _ in marker)
    out: list[CodeLine] = []
    for line in lines:
        widths = [pdfmetrics.stringWidth(run, font, size) for run, font, _ in line]
        if sum(widths) <= width:
            out.append(line)
            continue
        current: CodeLine = []
        used = 0.0
        for (run, font, color), run_width in zip(line, widths):
            if used + run_width <= width:
                current.append((run, font, color))
                used += run_width
                continue
            # each character measured once: re-measuring the rest at every break is quadratic
            chars = [pdfmetrics.stringWidth(char, font, size) for char in run]
            start = 0
            while start < len(run):
                end, taken = start, used
                while end < len(run) and taken + chars[end] <= width:
                    taken += chars[end]
                    end += 1
                if end == len(run):
                    current.append((run[start:], font, color))
                    used = taken
                    break
                if end == start and used <= marker_width:
                    end = start + 1  # a column narrower than one character: still move on
                if end > start:
                    current.append((run[start:end], font, color))
                out.append(current)
                current, used = list(marker), marker_width
                start = end
        out.append(current)
    return out


class Code(Flowable):
    """A fenced code block: monospace, highlighted by weight and slant, long lines wrapped."""

    keep = False  # may end a page

    def __init__(self, look: Look, source: list[CodeLine], indent: float = 0.0,
                 laid: tuple[float, list[CodeLine]] | None = None) -> None:
        super().__init__()
        self.look, self.source, self.indent = look, source, indent
        self._laid = laid  # (width, the lines wrapped to it)

    def _lines(self, availWidth: float) -> list[CodeLine]:
        if self._laid is None or self._laid[0] != availWidth:
            space = self.look.space
            width = availWidth - self.indent - 2 * space["code_padding"] - space["code_bar"]
            self._laid = (availWidth, wrap_code(self.source, width, self.look))
        return self._laid[1]

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width = availWidth
        self.height = (len(self._lines(availWidth)) * self.look.size["code_leading"]
                       + 2 * self.look.space["code_padding"])
        return self.width, self.height

    def first_baseline(self) -> float:
        """How far under the block's top its first line's baseline is."""
        pad, size, leading = self.look.space["code_padding"], self.look.size["code"], self.look.size["code_leading"]
        return pad + leading - (leading - size) / 2 - size * 0.22

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        lines = self._lines(availWidth)
        fit = int((availHeight - 2 * self.look.space["code_padding"]) // self.look.size["code_leading"])
        if fit >= len(lines):
            return [self]
        if len(lines) - fit == 1:
            fit -= 1  # no single line alone at the top of the next page
        if fit < 2:
            return []
        return [Code(self.look, part, self.indent, (availWidth, part))
                for part in (lines[:fit], lines[fit:])]

    def draw(self) -> None:
        canv, look = self.canv, self.look
        pad, bar = look.space["code_padding"], look.space["code_bar"]
        size, leading = look.size["code"], look.size["code_leading"]
        canv.saveState()
        canv.setFillColor(look.color["code_fill"])
        canv.rect(self.indent, 0, self.width - self.indent, self.height, stroke=0, fill=1)
        canv.setFillColor(look.color["code_bar"])
        canv.rect(self.indent, 0, bar, self.height, stroke=0, fill=1)
        y = self.height - self.first_baseline()
        x = self.indent + bar + pad
        for line in self._lines(self.width):
            if line:
                text = canv.beginText(x, y)
                for run, font, color in line:
                    text.setFont(font, size)
                    text.setFillColor(color)
                    text.textOut(run)
                canv.drawText(text)
            y -= leading
        canv.restoreState()
