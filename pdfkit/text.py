"""Bank text set in the look's fonts: runs of one font each (a fallback font for a character the
first lacks), paragraph XML with everything escaped, and warnings located where the text is."""

from __future__ import annotations

import contextlib
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from reportlab.lib.colors import Color
from reportlab.pdfbase import pdfmetrics

from deckbook import markup
from deckbook.bank import Bank, Question, Topic
from deckbook.diagnostics import Diagnostic
from deckbook.pdfkit.fonts import Family, invisible
from deckbook.pdfkit.look import Look, hex_color

#: A line of text cut into runs, each with the family that has all its characters.
Runs = list[tuple[Family, str]]

_LISTED = 3  # missing characters named in a warning; the rest are counted


@dataclass(frozen=True, order=True)
class Place:
    """Where a text comes from, for its warnings: its line and column in the bank, and what it is."""

    line: int
    column: int
    what: str  # "question 'unicode'", "topic 'python'", "the title", "the style's labels.footer"

    @classmethod
    def question(cls, question: Question) -> Place:
        """A question's texts: at the question."""
        return cls(question.line or 1, question.column or 1, f"question '{question.id}'")

    @classmethod
    def topic(cls, topic: Topic) -> Place:
        """A topic's name: where the topic is declared."""
        return cls(topic.line or 1, topic.column or 1, f"topic '{topic.id}'")

    @classmethod
    def bank(cls, bank: Bank, key: str) -> Place:
        """A top-level text of the bank, such as "title" or "subtitle"."""
        line, column = bank.positions.get(key, (1, 1))
        return cls(line, column, f"the {key}")

    @classmethod
    def style(cls, key: str) -> Place:
        """A label of the style, by its dotted key ("labels.footer", "cards.labels.answer"): the style
        has no position in the bank, so its warnings are at the bank's first line."""
        return cls(1, 1, f"the style's {key}")


class Text:
    """Turns bank text into reportlab paragraph XML, one font per run, and collects warnings about
    it, one per place and kind of problem, located in the bank *source*."""

    def __init__(self, look: Look, source: str) -> None:
        self.look = look
        self.source = source
        self.where = Place(1, 1, "the bank")
        self._missing: dict[Place, dict[str, None]] = {}  # place -> the characters no font has
        self._choice: dict[tuple[int, str], Family | None] = {}

    @contextlib.contextmanager
    def at(self, place: Place) -> Iterator[None]:
        """Within this block, warnings are about the text at *place*."""
        saved, self.where = self.where, place
        try:
            yield
        finally:
            self.where = saved

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        """Every warning so far, in bank order: one per place and kind of problem."""
        return tuple(Diagnostic(self.source, place.line, place.column,
                                f"{place.what}: {_no_font_has(list(chars))}", "warning")
                     for place, chars in sorted(self._missing.items()))

    def runs(self, text: str, chain: tuple[Family, ...]) -> Runs:
        """*text* cut into runs, each with the first family in *chain* that has all its characters."""
        first = chain[0]
        if text.isascii() and text.isprintable() and first.has_ascii:
            return [(first, text)]
        if text and first.chars.issuperset(map(ord, text)):  # curly quotes, dashes, accents
            return [(first, text)]
        runs: Runs = []
        for char in text:
            family = self._family_for(char, chain)
            if family is None:
                if invisible(char):
                    continue
                self._missing.setdefault(self.where, {})[char] = None
                family, char = first, " "
            if runs and runs[-1][0] is family:
                runs[-1] = (family, runs[-1][1] + char)
            else:
                runs.append((family, char))
        return runs

    def style_runs(self, key: str, value: str, chain: tuple[Family, ...] | None = None) -> Runs:
        """*value*, a label of the style at dotted *key*, cut into runs."""
        with self.at(Place.style(key)):
            return self.runs(value, chain or self.look.body_chain)

    def _family_for(self, char: str, chain: tuple[Family, ...]) -> Family | None:
        key = (id(chain), char)
        if key not in self._choice:
            code = ord(char)
            found = next((family for family in chain if code in family.chars), None)
            if found is None and char in "\n\t ":
                found = chain[0]
            self._choice[key] = found
        return self._choice[key]

    def xml(self, text: str, chain: tuple[Family, ...] | None = None, *, bold: bool = False,
            italic: bool = False) -> str:
        """Plain *text* as paragraph XML: escaped, weight and slant inside any fallback font tag
        (reportlab's <font name> resets both)."""
        chain = chain or self.look.body_chain
        out: list[str] = []
        for family, run in self.runs(text, chain):
            escaped = run.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            if italic:
                escaped = f"<i>{escaped}</i>"
            if bold:
                escaped = f"<b>{escaped}</b>"
            out.append(escaped if family is chain[0] else f'<font name="{family.regular}">{escaped}</font>')
        return "".join(out)

    def spans(self, spans: Sequence[markup.Span], *, bold: bool = False, italic: bool = False,
              size: float | None = None) -> str:
        """Inline markup spans as paragraph XML; *bold*, *italic* set all of them so (headings);
        *size* is the paragraph's, which inline code is set a little under."""
        look = self.look
        code_size = look.size["inline_code"] * (size or look.size["body"]) / look.size["body"]
        out: list[str] = []
        for span in spans:
            weight = {"bold": bold or span.strong, "italic": italic or span.emphasis}
            if span.code:
                out.append(f'<font name="{look.code.regular}" size="{code_size:.2f}" '
                           f'backColor="{hex_color(look.color["inline_code_fill"])}">'
                           f"{self.xml(span.text, look.code_chain, **weight)}</font>")
            else:
                out.append(self.xml(span.text, **weight))
        return "".join(out)


def _no_font_has(chars: list[str]) -> str:
    """'no font has 東, 京 and 😀; they print as blanks', the first few characters named."""
    shown = [_shown(char) for char in chars]
    if len(shown) == 1:
        return f"no font has {shown[0]}; it prints as a blank"
    if len(shown) <= _LISTED:
        listed = f"{', '.join(shown[:-1])} and {shown[-1]}"
    else:
        listed = f"{', '.join(shown[:_LISTED])} and {len(shown) - _LISTED} more"
    return f"no font has {listed}; they print as blanks"


def _shown(char: str) -> str:
    """A character as a message shows it: itself, or U+XXXX when it would not show (a space, a mark)."""
    if char.isprintable() and not char.isspace() and not unicodedata.category(char).startswith("M"):
        return char
    return f"U+{ord(char):04X}"


def inline(value: str) -> tuple[markup.Span, ...]:
    """A one-line text's spans: its first paragraph, or its plain text when it has none."""
    blocks = markup.parse(value)
    if len(blocks) == 1 and isinstance(blocks[0], markup.Paragraph):
        return blocks[0].spans
    return (markup.Span(markup.plain(value)),)


def shorten(value: str, limit: int = 110) -> str:
    """*value* cut to *limit* characters with an ellipsis: outline entries, notes on cards."""
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def runs_width(runs: Sequence[tuple[Family, str]], size: float, tracking: float, bold: bool = False
               ) -> float:
    """The width of a line of font runs set with *tracking* between letters."""
    return sum(pdfmetrics.stringWidth(run, family.face(bold, False), size) + tracking * len(run)
               for family, run in runs) - tracking


def draw_runs(canv, x: float, y: float, runs: Sequence[tuple[Family, str]], size: float,
              tracking: float, color: Color, bold: bool = False) -> None:
    """One line of font runs from (x, y), letter-spaced: running header, footer, labels."""
    line = canv.beginText(x, y)
    line.setCharSpace(tracking)
    line.setFillColor(color)
    for family, run in runs:
        line.setFont(family.face(bold, False), size)
        line.textOut(run)
    canv.drawText(line)
