"""Bank text set in the look's fonts: runs of one font each (a fallback font for a character the
first lacks), paragraph XML with everything escaped, and warnings located where the text is."""

from __future__ import annotations

import contextlib
import functools
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from reportlab.lib.colors import Color
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Flowable

from deckbook import markup
from deckbook.bank import Bank, Question, Topic
from deckbook.diagnostics import Diagnostic
from deckbook.pdfkit import drawings, scripts, shaping, system
from deckbook.pdfkit.fonts import Family, FontSource, invisible
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
    it, one per place and script of what no font has, located in the bank *source*.

    A character the style's chain of fonts lacks is looked up in the fonts installed on the
    machine (see ``system``), only then: a bank the style covers builds the same bytes anywhere.
    Fonts that must be cut down for embedding are made with every character of *bank* they have.
    """

    def __init__(self, look: Look, source: str, bank: Bank | None = None) -> None:
        self.look = look
        self.source = source
        self.bank = bank
        self.where = Place(1, 1, "the bank")
        self._missing: dict[tuple[Place, str], dict[str, None]] = {}  # (place, script) -> characters
        self._choice: dict[tuple[int, str], Family | FontSource | None] = {}
        self._made: dict[FontSource, Family] = {}
        self._system: dict[int, FontSource] | None = None
        self._by_source: dict[FontSource, set[int]] | None = None
        self._used: dict[Family, None] = {look.body: None}
        #: The tallest a figure may be set, the widest a formula; None: most of the look's text block
        self.figure_height: float | None = None
        self.figure_width: float | None = None

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
        """Every warning so far, in bank order: one per place and script of what no font has."""
        return tuple(Diagnostic(self.source, place.line, place.column,
                                f"{place.what}: {_no_font_has(name, list(chars))}", "warning")
                     for (place, name), chars in sorted(self._missing.items()))

    @property
    def fonts(self) -> list[dict[str, object]]:
        """Every font file the document's text is set in, for the manifest: family, file, SHA-256."""
        listed: dict[tuple[str, int], dict[str, object]] = {}
        for family in self._used:
            for file in family.files:
                entry: dict[str, object] = {"family": family.name, "file": file.name}
                if file.index:
                    entry["index"] = file.index
                entry["sha256"] = file.sha256
                listed.setdefault((file.name, file.index), entry)
        return list(listed.values())

    @functools.cached_property
    def chars(self) -> frozenset[int]:
        """Every character the document may set: the bank's texts and the style's labels."""
        found: set[str] = set("0123456789…·–— ")
        for value in _texts(self.look.labels):
            found.update(value)
        bank = self.bank
        if bank is not None:
            for value in (bank.title, bank.subtitle or "", *(topic.name for topic in bank.topics)):
                found.update(value)
            for question in bank.questions:
                for value in (question.question, question.answer, question.explanation or "",
                              question.example or "", question.story or "", question.difficulty or "",
                              question.id, *question.mistakes, *question.tags):
                    found.update(value)
        return frozenset(map(ord, found))

    def runs(self, text: str, chain: tuple[Family | FontSource, ...]) -> Runs:
        """*text* cut into runs, each with the first family in *chain* that has all its characters,
        else an installed font that has them."""
        first = chain[0]
        assert isinstance(first, Family)
        if text.isascii() and text.isprintable() and first.has_ascii:
            return [(first, text)]
        if text and first.chars.issuperset(map(ord, text)):  # curly quotes, dashes, accents
            return [(first, text)]
        runs: Runs = []
        for at, char in enumerate(text):
            if invisible(char) and _beside_emoji(text, at):
                continue  # a joiner or variation selector of an emoji sequence: its parts print
            family = self._family_for(char, chain)
            if family is None:
                if invisible(char):
                    continue
                self._missing.setdefault((self.where, scripts.script(char)), {})[char] = None
                family, char = first, " "
            if runs and runs[-1][0] is family:
                runs[-1] = (family, runs[-1][1] + char)
            else:
                runs.append((family, char))
        return runs

    def style_runs(self, key: str, value: str, chain: tuple[Family | FontSource, ...] | None = None) -> Runs:
        """*value*, a label of the style at dotted *key*, cut into runs."""
        with self.at(Place.style(key)):
            return self.runs(value, chain or self.look.body_chain)

    def _family_for(self, char: str, chain: tuple[Family | FontSource, ...]) -> Family | None:
        key = (id(chain), char)
        found = self._choice.get(key, _UNSET)
        if found is _UNSET:
            code = ord(char)
            found = next((family for family in chain if code in family.chars), None)
            if found is None and char in "\n\t ":
                found = chain[0]
            if found is None and not invisible(char):
                found = self._installed(code)
            self._choice[key] = found
        if found is None or isinstance(found, Family):
            if found is not None and found not in self._used:
                self._used[found] = None
            return found  # type: ignore[return-value]
        return self._made_for(found, ord(char))

    def _installed(self, code: int) -> FontSource | None:
        """The installed font for a character no configured font has; the machine's fonts are
        looked up once, for every such character of the document."""
        if self._system is None:
            chain = self.look.body_chain
            lacking = [other for other in self.chars | {code}
                       if not any(other in family.chars for family in chain) and not invisible(chr(other))]
            self._system = system.sources(lacking, _preferred(lacking))
            self._by_source = None  # the installed fonts take their share of the characters
        if code not in self._system:
            self._system.update(system.sources([code], _preferred([code])))
        return self._system.get(code)

    def _made_for(self, source: FontSource, code: int) -> Family:
        """*source*'s faces for this document: the characters of the document it is the first to
        have in the look's chains, made anew (one more embedded font) for one not foreseen."""
        family = self._made.get(source)
        if family is None or code not in family.chars:
            wanted = self._assigned().get(source, set()) | {code} | (set(family.chars) if family else set())
            family = self._made[source] = source.family(wanted)
        if family not in self._used:
            self._used[family] = None
        return family

    def _assigned(self) -> dict[FontSource, set[int]]:
        """The document's characters by the source that sets them: the first in a chain to have
        them, the configured ones first, then the installed ones."""
        if self._by_source is None:
            found: dict[FontSource, set[int]] = {}
            for chain in (self.look.body_chain, self.look.code_chain):
                for code in self.chars:
                    family = next((family for family in chain if code in family.chars), None)
                    if family is None and self._system is not None:
                        family = self._system.get(code)
                    if isinstance(family, FontSource):
                        found.setdefault(family, set()).add(code)
            self._by_source = found
        return self._by_source

    def display_formula(self, tex: str) -> Flowable:
        """A $$...$$ formula, centred on a line of its own at the body size."""
        return drawings.DisplayFormula(tex, self.look.size["body"], self.look.space["paragraph"])

    def figure(self, image: markup.Image) -> Flowable:
        """A figure of the bank, at most *figure_height* tall (the look's text block, less a little,
        unless set), its alt text as the figure's."""
        assert self.bank is not None, "figures come from a bank"
        height = self.figure_height or self.look.height * 0.8
        return drawings.FigureBlock(self.bank.figures[image.src], image.alt, height, self.look.space["paragraph"])

    def xml(self, text: str, chain: tuple[Family | FontSource, ...] | None = None, *, bold: bool = False,
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

    def spans(self, spans: Sequence[markup.Inline], *, bold: bool = False, italic: bool = False,
              size: float | None = None) -> str:
        """Inline markup spans as paragraph XML; *bold*, *italic* set all of them so (headings);
        *size* is the paragraph's, which inline code is set a little under."""
        look = self.look
        code_size = look.size["inline_code"] * (size or look.size["body"]) / look.size["body"]
        out: list[str] = []
        for span in spans:
            if isinstance(span, markup.Math):
                out.append(drawings.inline_formula_xml(span.tex, size or look.size["body"], span.display,
                                                       self.figure_width or look.width * 0.9))
                continue
            weight = {"bold": bold or span.strong, "italic": italic or span.emphasis}
            if span.code:
                self._used.setdefault(look.code, None)
                out.append(f'<font name="{look.code.regular}" size="{code_size:.2f}" '
                           f'backColor="{hex_color(look.color["inline_code_fill"])}">'
                           f"{self.xml(span.text, look.code_chain, **weight)}</font>")
            else:
                out.append(self.xml(span.text, **weight))
        return "".join(out)


_UNSET = object()


def _beside_emoji(text: str, at: int) -> bool:
    """Whether the character at *at* follows or precedes an emoji (ZWJ sequences, U+FE0F)."""
    return any(0 <= near < len(text) and scripts.script(text[near]) == "emoji" for near in (at - 1, at + 1))


def _texts(value: object) -> Iterator[str]:
    """Every text in a table of labels, however nested."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _texts(item)


def _preferred(codes: Sequence[int] | set[int]) -> tuple[str, ...]:
    """Words of the installed families to prefer for these characters: a CJK font's variant for
    the language the kana or hangul show, Simplified Chinese otherwise."""
    if any(0x3040 <= code <= 0x30FF for code in codes):
        return ("JP", "Japanese")
    if any(0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF for code in codes):
        return ("KR", "Korean")
    return ("SC", "Chinese")


def _no_font_has(name: str, chars: list[str]) -> str:
    """'no font has the CJK characters 東, 京 and 語; they print as blanks: install a font that has
    them (Debian: ...)', the first few characters named, and what to install for the script *name*."""
    shown = [_shown(char) for char in chars]
    one, many = {"emoji": ("the emoji", "the emoji"), "symbol": ("the symbol", "the symbols"),
                 "other": ("the character", "the characters")}.get(
        name, (f"the {name} character", f"the {name} characters"))
    if len(shown) == 1:
        return (f"no font has {one} {shown[0]}; it prints as a blank: install a font that has it "
                f"({scripts.advice(name)}) or add one to fonts.fallback in deckbook.toml's [style]")
    if len(shown) <= _LISTED:
        listed = f"{', '.join(shown[:-1])} and {shown[-1]}"
    else:
        listed = f"{', '.join(shown[:_LISTED])} and {len(shown) - _LISTED} more"
    return (f"no font has {many} {listed}; they print as blanks: install a font that has them "
            f"({scripts.advice(name)}) or add one to fonts.fallback in deckbook.toml's [style]")


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
    segments = [(family.face(bold, False), run) for family, run in runs]
    if any(shaping.needs_shaping(run) for _, run in runs):  # one line, one paragraph
        rtl = shaping.right_to_left("".join(run for _, run in runs))
        segments = [(segments[index][0], piece) for index, piece in shaping.visual(segments, rtl)]
    for font, run in segments:
        line.setFont(font, size)
        line.textOut(run)
    canv.drawText(line)
