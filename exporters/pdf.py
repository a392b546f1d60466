"""PDF study booklet: front matter and contents, one section per topic."""

from __future__ import annotations

import functools
import hashlib
import re
import time
import tomllib
import types
import unicodedata
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib.resources import as_file, files
from typing import BinaryIO

from pygments.token import _TokenType, string_to_tokentype
from reportlab import rl_config
from reportlab.lib import pagesizes
from reportlab.lib.colors import Color, HexColor
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.utils import TimeStamp
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageBreak, PageTemplate, Paragraph, Spacer
from reportlab.platypus import paragraph as paragraph_module
from reportlab.platypus.paragraph import textTransformFrags
from reportlab.platypus.paraparser import ParaFrag, ParaParser

from deckbook import markup
from deckbook.bank import Bank, Question, Topic
from deckbook.exporters.base import Written

NAME, SUFFIX = "pdf", ".pdf"
PAGE_SIZES = {"a4": pagesizes.A4, "letter": pagesizes.LETTER}
_UNITS = {"pt": 1.0, "mm": 72 / 25.4, "cm": 72 / 2.54, "in": 72.0}
_FACES = ("regular", "bold", "italic", "bold_italic")
_CodeLine = list[tuple[str, str, Color]]  # runs of (text, font name, colour)


def write(bank: Bank, out: BinaryIO, *, page_size: str = "a4", layout: str = "booklet",
          grid: str | None = None, flip: str = "long-edge") -> Written:
    """Write *bank* as a PDF study booklet (or, by *layout*, flashcard sheets or a worksheet)."""
    if page_size not in PAGE_SIZES:
        raise ValueError(f"page size must be one of {', '.join(PAGE_SIZES)}, not {page_size!r}")
    ascii85, rl_config.useA85 = rl_config.useA85, 0  # binary streams: ASCII85 only adds a quarter
    try:
        if layout == "booklet":
            return _write_book(bank, out, PAGE_SIZES[page_size], _story)
        from deckbook.exporters import pdf_sheets  # it imports this module's machinery
        return pdf_sheets.write(bank, out, PAGE_SIZES[page_size], layout, grid, flip)
    finally:
        rl_config.useA85 = ascii85


def _write_book(bank: Bank, out: BinaryIO, page_size: tuple[float, float],
                story: Callable[[Bank, _Look, _Text, _Booklet], list[Flowable]]) -> Written:
    """Lay out *story* on the booklet's pages (footers, running headers, outline); the booklet
    and the worksheet are both such books."""
    look = _Look(_style(), page_size)
    text = _Text(look)
    doc = _Booklet(out, bank, look, text)
    doc.build(story(bank, look, text, doc))
    return Written(tuple(text.warnings), {"pages": doc.page})


# -- the style file ------------------------------------------------------------------------
@functools.cache
def _style() -> dict:
    """styles/booklet.toml, parsed once per process."""
    return tomllib.loads(files("deckbook.styles").joinpath("booklet.toml").read_text(encoding="utf-8"))


def _length(value: str | int | float) -> float:
    """A length from the style file ("12pt", "20mm", "0.5in") in points."""
    if isinstance(value, (int, float)):
        return float(value)
    number, unit = value.strip()[:-2], value.strip()[-2:]
    if unit not in _UNITS:
        raise ValueError(f"styles/booklet.toml: length {value!r} needs a unit: {', '.join(_UNITS)}")
    return float(number) * _UNITS[unit]


@dataclass(frozen=True)
class _Family:
    """A registered TrueType family: the reportlab name of each face, and the characters all faces have."""

    regular: str
    bold: str
    italic: str
    bold_italic: str
    chars: frozenset[int] = field(repr=False)

    @functools.cached_property
    def has_ascii(self) -> bool:
        """Whether every printable ASCII character is in the family (the fast path of most text)."""
        return all(code in self.chars for code in range(0x20, 0x7F))

    def face(self, bold: bool, italic: bool) -> str:
        """The font name for this combination of weight and slant."""
        return ((self.regular, self.italic), (self.bold, self.bold_italic))[bold][italic]


def _register(spec: dict) -> _Family:
    """The family a style-file entry describes; a face it leaves out is its regular face."""
    paths = [spec.get(face, spec["regular"]) for face in _FACES]
    return _family(spec["package"], *paths, index=int(spec.get("index", 0)))


@functools.cache
def _family(package: str, regular: str, bold: str, italic: str, bold_italic: str, *, index: int = 0
            ) -> _Family:
    """Register the TrueType faces found in *package* (once per process) as one family."""
    names: list[str] = []
    chars: set[int] | None = None
    try:
        root = files(package)
    except ModuleNotFoundError as exc:
        raise RuntimeError(f"styles/booklet.toml: the font package {package!r} is not installed; "
                           f"pip install {package.replace('_', '-')}") from exc
    for path in (regular, bold, italic, bold_italic):
        resource = root.joinpath(path)
        name = f"{package}/{path}:{index}".replace(" ", "_")
        if name not in pdfmetrics.getRegisteredFontNames():
            with as_file(resource) as real_path:
                pdfmetrics.registerFont(_Font(name, str(real_path), subfontIndex=index))
        face_chars = set(pdfmetrics.getFont(name).face.charToGlyph)
        chars = face_chars if chars is None else chars & face_chars
        names.append(name)
    pdfmetrics.registerFontFamily(names[0], normal=names[0], bold=names[1], italic=names[2],
                                  boldItalic=names[3])
    return _Family(*names, chars=frozenset(chars or ()))


class _Font(TTFont):
    """A TrueType font that remembers what it measured and encoded: line breaking measures the
    same words, and drawing encodes the same runs, thousands of times in a booklet."""

    _LIMIT = 1 << 16  # entries kept per font and table; past that, start afresh

    def __init__(self, name: str, filename: str, subfontIndex: int = 0) -> None:
        super().__init__(name, filename, subfontIndex=subfontIndex)
        # pdfmetrics.getAscentDescent reads these first; without them it raises and retries
        self.ascent, self.descent = self.face.ascent, self.face.descent
        self._widths: dict[tuple, float] = {}
        self._splits: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # document -> its runs
        self._last: tuple[weakref.ref, dict[tuple, list]] | None = None  # the document being drawn

    def stringWidth(self, text, size, encoding="utf8"):
        key = (text, size, encoding)
        width = self._widths.get(key)
        if width is None:
            if len(self._widths) >= self._LIMIT:
                self._widths.clear()
            width = self._widths[key] = super().stringWidth(text, size, encoding)
        return width

    def splitString(self, text, doc, encoding="utf-8"):
        # a run's subset codes never change once assigned, but they belong to one document
        last = self._last
        if last is not None and last[0]() is doc:
            memo = last[1]
        else:
            memo = self._splits.get(doc)
            if memo is None:
                memo = self._splits[doc] = {}
            self._last = (weakref.ref(doc), memo)
        key = (text, encoding)
        found = memo.get(key)
        if found is None:
            if len(memo) >= self._LIMIT:
                memo.clear()
            found = memo[key] = super().splitString(text, doc, encoding)
        return list(found)


class _Look:
    """The style file turned into fonts, colours, lengths and paragraph styles for one page size."""

    def __init__(self, style: dict, page_size: tuple[float, float]) -> None:
        page, sizes, spacing = style["page"], style["sizes"], style["spacing"]
        self.page_size = page_size
        self.labels: dict = style["labels"]
        self.inner, self.outer = _length(page["inner_margin"]), _length(page["outer_margin"])
        self.top, self.bottom = _length(page["top_margin"]), _length(page["bottom_margin"])
        self.header_offset = _length(page["header_offset"])
        self.footer_offset = _length(page["footer_offset"])
        self.footer_align = page.get("footer_align", "outer")
        self.width = page_size[0] - self.inner - self.outer
        self.height = page_size[1] - self.top - self.bottom
        self.keep_whole = float(page.get("keep_whole_up_to", 0.75)) * self.height
        self.color = {key: HexColor(value) for key, value in style["colors"].items()}
        self.size = {key: _length(value) for key, value in sizes.items()}
        self.space = {key: _length(value) for key, value in spacing.items()}

        fonts = style["fonts"]
        families = {key: _register(spec) for key, spec in fonts["families"].items()}
        self.body, self.code = families[fonts["body"]], families[fonts["code"]]
        fallback = [families[key] for key in fonts.get("fallback", ())]
        self.body_chain = _chain(self.body, fallback)
        self.code_chain = _chain(self.code, fallback)
        self.tokens = {string_to_tokentype(name): value for name, value in style["code_tokens"].items()}
        self.continuation = [(run, family.regular, self.color["muted"]) for family, run in
                             _Text(self).runs(self.labels.get("code_continuation", ""), self.code_chain)]

        self.styles = self._paragraph_styles()
        self._indented: dict[tuple[str, float, float | None], ParagraphStyle] = {}

    def _paragraph_styles(self) -> dict[str, ParagraphStyle]:
        size, color = self.size, self.color
        body = ParagraphStyle(
            "body", fontName=self.body.regular, fontSize=size["body"], leading=size["body_leading"],
            textColor=color["text"], alignment=TA_LEFT, allowWidows=0, allowOrphans=0,
            splitLongWords=1, bulletFontName=self.body.regular, bulletFontSize=size["body"],
        )
        heading = ParagraphStyle(
            "heading", parent=body, fontSize=size["heading"],
            leading=size["heading_leading"], bulletFontName=self.body.bold,
            bulletFontSize=size["heading"], bulletColor=color["accent"],
        )
        return {
            "body": body,
            "heading": heading,
            "meta": ParagraphStyle("meta", parent=body, fontSize=size["meta"], leading=size["meta"] * 1.4,
                                   textColor=color["muted"]),
            "topic": ParagraphStyle("topic", parent=body, fontSize=size["topic"],
                                    leading=size["topic"] * 1.2, textColor=color["accent"]),
            "title": ParagraphStyle("title", parent=body, fontSize=size["title"],
                                    leading=size["title"] * 1.18, textColor=color["accent"]),
            "subtitle": ParagraphStyle("subtitle", parent=body,
                                       fontSize=size["subtitle"], leading=size["subtitle"] * 1.4,
                                       textColor=color["muted"]),
            "toc": ParagraphStyle("toc", parent=body, fontSize=size["toc"], leading=size["toc"] * 1.45),
            "contents": ParagraphStyle("contents", parent=body,
                                       fontSize=size["toc"] * 1.3, leading=size["toc"] * 1.8,
                                       textColor=color["accent"]),
        }

    def indented(self, name: str, left: float, bullet: float | None = None) -> ParagraphStyle:
        """Paragraph style *name* with its left edge (and bullet) moved; made once per build."""
        key = (name, round(left, 2), bullet)
        if key not in self._indented:
            self._indented[key] = ParagraphStyle(
                f"{name}@{left:.2f}", parent=self.styles[name], leftIndent=left,
                bulletIndent=self.styles[name].bulletIndent if bullet is None else bullet)
        return self._indented[key]

    def frame_x(self, page: int) -> float:
        """The left edge of the text block: the inner margin is on the left of odd pages."""
        return self.inner if page % 2 else self.outer

    def token_style(self, ttype: _TokenType) -> dict:
        """The style of a Pygments token type: its own entry or its nearest listed ancestor's."""
        while ttype is not None:
            if ttype in self.tokens:
                return self.tokens[ttype]
            ttype = ttype.parent
        return {}

    def plural(self, key: str, count: int) -> str:
        """'1 question', '15 questions', with the words from the style file."""
        one, many = self.labels[key]
        return f"{count:,} {one if count == 1 else many}"


def _chain(first: _Family, fallback: Iterable[_Family]) -> tuple[_Family, ...]:
    return (first, *(family for family in fallback if family != first))


# -- text: fallback fonts, escaping, warnings -----------------------------------------------


def _invisible(char: str) -> bool:
    """Format characters and variation selectors (ZWJ, U+FE0F): dropped, unwarned, when no font has them."""
    code = ord(char)
    return unicodedata.category(char) == "Cf" or 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF


class _Text:
    """Turns bank text into reportlab paragraph XML, one font per run, and collects warnings."""

    def __init__(self, look: _Look) -> None:
        self.look = look
        self.where = "the booklet"
        self._warned: dict[tuple[str, str], str] = {}
        self._choice: dict[tuple[int, str], _Family | None] = {}

    @property
    def warnings(self) -> list[str]:
        return list(self._warned.values())

    def runs(self, text: str, chain: tuple[_Family, ...]) -> list[tuple[_Family, str]]:
        """*text* cut into runs, each with the first family in *chain* that has all its characters."""
        first = chain[0]
        if text.isascii() and text.isprintable() and first.has_ascii:
            return [(first, text)]
        if text and first.chars.issuperset(map(ord, text)):  # curly quotes, dashes, accents
            return [(first, text)]
        runs: list[tuple[_Family, str]] = []
        for char in text:
            family = self._family_for(char, chain)
            if family is None:
                if _invisible(char):
                    continue
                self._warn(char)
                family, char = first, " "
            if runs and runs[-1][0] is family:
                runs[-1] = (family, runs[-1][1] + char)
            else:
                runs.append((family, char))
        return runs

    def _family_for(self, char: str, chain: tuple[_Family, ...]) -> _Family | None:
        key = (id(chain), char)
        if key not in self._choice:
            code = ord(char)
            found = next((family for family in chain if code in family.chars), None)
            if found is None and char in "\n\t ":
                found = chain[0]
            self._choice[key] = found
        return self._choice[key]

    def _warn(self, char: str) -> None:
        key = (self.where, char)
        if key not in self._warned:
            self._warned[key] = (f"{self.where}: no font has U+{ord(char):04X} ({char}); "
                                 "it prints as a blank")

    def xml(self, text: str, chain: tuple[_Family, ...] | None = None, *, bold: bool = False,
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
                           f'backColor="{_hex(look.color["inline_code_fill"])}">'
                           f"{self.xml(span.text, look.code_chain, **weight)}</font>")
            else:
                out.append(self.xml(span.text, **weight))
        return "".join(out)


# -- flowables ------------------------------------------------------------------------------
_FRAG_STYLE = ("fontName", "fontSize", "textColor", "rise", "us_lines", "link", "backColor", "nobr")
_MISSING = object()


def _same_frag(f: ParaFrag, g: ParaFrag) -> bool:
    """rl_accel's sameFrag, in Python: whether two fragments can share one run of text."""
    if hasattr(f, "cbDefn") or hasattr(g, "cbDefn") or hasattr(f, "lineBreak") or hasattr(g, "lineBreak"):
        return False
    for name in _FRAG_STYLE:
        mine, theirs = getattr(f, name, _MISSING), getattr(g, name, _MISSING)
        if mine is not theirs and (mine is _MISSING or theirs is _MISSING or mine != theirs):
            return False
    return True


# reportlab's own line breaking, but calling the sameFrag above: the C one raises and clears an
# AttributeError for each style attribute a fragment lacks, six or more per word, and took half
# the time of breaking lines of mixed text and code. Same algorithm, same lines.
_break_lines = (types.FunctionType(Paragraph.breakLines.__code__,
                                   {**vars(paragraph_module), "sameFrag": _same_frag}, "breakLines")
                if "sameFrag" in getattr(Paragraph.breakLines, "__code__", types.SimpleNamespace(co_names=()))
                .co_names else Paragraph.breakLines)  # a reportlab that breaks lines otherwise: as it is


class _Para(Paragraph):
    """A paragraph that lays out its lines once per width, however often it is measured, and
    reads the paragraph XML that _Text writes without reportlab's general HTML parser."""

    keep = False  # keep with the next block: never the last thing on a page
    breakLines = _break_lines

    def _setup(self, text, style, bulletText, frags, cleaner) -> None:
        if frags is None and text is not None:
            cleaned = cleaner(text)
            frags = _read_xml(cleaned, style, self.caseSensitive)
            if frags is not None:
                textTransformFrags(frags, style)
                text = cleaned
        super()._setup(text, style, bulletText, frags, cleaner)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        if getattr(self, "_laid_width", None) == availWidth and hasattr(self, "blPara"):
            return self.width, self.height
        width, height = super().wrap(availWidth, availHeight)
        self._laid_width = availWidth
        return width, height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        self.wrap(availWidth, availHeight)
        lines = self.blPara
        parts = super().split(availWidth, availHeight)
        if not hasattr(self, "blPara"):  # reportlab drops the lines when it cannot split; keep them
            self.blPara = lines
        return parts


# The XML that _Text writes: <b>, <i> and <font ...> tags around text with &amp; &lt; &gt;
# escaped, or &#160; alone. Anything else goes to reportlab's parser.
_XML_TOKEN = re.compile(r'<(/?)(b|i|font)((?: [a-zA-Z]+="[^"<>&]*")*)>|&(amp|lt|gt|#160);|[^<&]+')
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "#160": "\xa0"}
_PROTOTYPES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # style -> tag path -> fragment


def _read_xml(text: str, style: ParagraphStyle, case_sensitive: int) -> list[ParaFrag] | None:
    """The fragments reportlab's parser makes of *text* (already cleaned), or None when the text
    is not in the subset read here. The parser splits text at every tag and entity and gives each
    piece a copy of the fragment of the tags around it: those copies are made once per style and
    tag path, by the parser itself, and copied here."""
    prototypes = _PROTOTYPES.get(style)
    if prototypes is None:
        prototypes = _PROTOTYPES[style] = {}
    frags: list[ParaFrag] = []
    path: tuple[str, ...] = ()  # the open tags as written, outermost first
    names: list[str] = []
    position = 0
    for token in _XML_TOKEN.finditer(text):
        if token.start() != position:
            return None
        position = token.end()
        closing, tag, attributes, entity = token.groups()
        if tag:
            if not closing:
                path += (token.group(),)
                names.append(tag)
            elif attributes or not names or names.pop() != tag:
                return None
            else:
                path = path[:-1]
            continue
        prototype = prototypes.get(path, _MISSING)
        if prototype is _MISSING:
            prototype = prototypes[path] = _prototype(path, style, case_sensitive)
        if prototype is None:
            return None
        frag = prototype.__class__.__new__(prototype.__class__)
        frag.__dict__.update(prototype.__dict__)  # what copy.copy does, as the parser does
        frag.text = _ENTITIES[entity] if entity else token.group()
        frags.append(frag)
    return frags if position == len(text) and not names else None


def _prototype(path: tuple[str, ...], style: ParagraphStyle, case_sensitive: int) -> ParaFrag | None:
    """The fragment reportlab's parser gives text inside the tags of *path*."""
    names = [_XML_TOKEN.match(tag).group(2) for tag in path]
    xml = "".join(path) + "x" + "".join(f"</{name}>" for name in reversed(names))
    parser = ParaParser()
    parser.caseSensitive = case_sensitive
    _, frags, bullet_frags = parser.parse(xml, style)
    if not frags or len(frags) != 1 or frags[0].text != "x" or bullet_frags:
        return None
    return frags[0]


class _Anchor(Flowable):
    """A zero-height mark: where it lands, a bookmark, an outline entry and a layout event."""

    keep = True

    def __init__(self, key: str, title: str, level: int, on_draw: Callable[[int], None] | None = None,
                 closed: bool = False) -> None:
        super().__init__()
        self.key, self.title, self.level, self.on_draw, self.closed = key, title, level, on_draw, closed
        self.width = self.height = 0

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        canv = self.canv
        canv.bookmarkHorizontal(self.key, 0, 6)
        canv.addOutlineEntry(self.title, self.key, self.level, closed=self.closed or None)
        if self.on_draw is not None:
            self.on_draw(canv.getPageNumber())


class _Gap(Spacer):
    """Vertical space between blocks; dropped where a page breaks."""

    keep = False

    def __init__(self, height: float) -> None:
        super().__init__(0, height)


class _Stack(Flowable):
    """Blocks laid one under another; the base of the answer box and of a question."""

    keep = False

    def __init__(self, children: list[Flowable]) -> None:
        super().__init__()
        self.children = children
        self._laid: tuple[float, list[float]] | None = None

    def _inner_width(self, availWidth: float) -> float:
        return availWidth

    def _padding(self) -> tuple[float, float]:
        return 0.0, 0.0

    def _heights(self, availWidth: float) -> list[float]:
        if self._laid is None or self._laid[0] != availWidth:
            inner = self._inner_width(availWidth)
            self._laid = (availWidth, [child.wrap(inner, 1e6)[1] for child in self.children])
        return self._laid[1]

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        top, bottom = self._padding()
        self.width = availWidth
        self.height = top + bottom + sum(self._heights(availWidth))
        return self.width, self.height

    def _split_children(self, availWidth: float, room: float) -> tuple[list[Flowable], list[Flowable]]:
        """The children that fit in *room* (splitting the one across the edge), and the rest."""
        heights = self._heights(availWidth)
        inner = self._inner_width(availWidth)
        head: list[Flowable] = []
        used, index = 0.0, 0
        while index < len(self.children) and used + heights[index] <= room + 1e-6:
            head.append(self.children[index])
            used += heights[index]
            index += 1
        tail = list(self.children[index:])
        if tail and not isinstance(tail[0], _Gap) and room - used > 0:
            parts = tail[0].split(inner, room - used)
            if len(parts) > 1:
                head.append(parts[0])
                tail[0:1] = parts[1:]
        return head, tail

    def draw(self) -> None:
        top, _ = self._padding()
        y = self.height - top
        x = self._indent()
        for child, height in zip(self.children, self._heights(self.width)):
            y -= height
            child.drawOn(self.canv, x, y)

    def _indent(self) -> float:
        return 0.0


def _trim(head: list[Flowable], tail: list[Flowable]) -> tuple[list[Flowable], list[Flowable]]:
    """The two sides of a page break without the gaps at the break."""
    end, start = len(head), 0
    while end and isinstance(head[end - 1], _Gap):
        end -= 1
    while start < len(tail) and isinstance(tail[start], _Gap):
        start += 1
    return head[:end], tail[start:]


class _Box(_Stack):
    """The short answer, set apart: a shaded box with a bar on the binding side."""

    def __init__(self, children: list[Flowable], look: _Look) -> None:
        super().__init__(children)
        self.look = look

    def _inner_width(self, availWidth: float) -> float:
        return availWidth - 2 * self.look.space["answer_padding"] - self.look.space["answer_bar"]

    def _padding(self) -> tuple[float, float]:
        pad = self.look.space["answer_padding"]
        return pad, pad

    def _indent(self) -> float:
        return self.look.space["answer_padding"] + self.look.space["answer_bar"]

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        top, bottom = self._padding()
        head, tail = self._split_children(availWidth, availHeight - top - bottom)
        while head and getattr(head[-1], "keep", False):
            tail.insert(0, head.pop())
        head, tail = _trim(head, tail)
        if not head or not tail:
            return []
        return [_Box(head, self.look), _Box(tail, self.look)]

    def draw(self) -> None:
        canv, look = self.canv, self.look
        canv.saveState()
        canv.setFillColor(look.color["answer_fill"])
        canv.rect(0, 0, self.width, self.height, stroke=0, fill=1)
        canv.setFillColor(look.color["answer_bar"])
        canv.rect(0, 0, look.space["answer_bar"], self.height, stroke=0, fill=1)
        canv.restoreState()
        super().draw()


class _Group(_Stack):
    """One question (with its topic's title when first): moved whole to the next page when short,
    split between lines when long, never leaving a heading or label at the foot of a page."""

    def __init__(self, children: list[Flowable] | Callable[[], list[Flowable]], look: _Look) -> None:
        super().__init__([])
        self.look = look
        self._make = children if callable(children) else None
        if not callable(children):
            self.children = children

    def _ensure(self) -> None:
        if self._make is not None:  # built when first measured, so the bank is never all in memory
            self.children, self._make = self._make(), None

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self._ensure()
        return super().wrap(availWidth, availHeight)

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        self.wrap(availWidth, availHeight)
        at_top = availHeight >= self.look.height - 0.5
        if not at_top and self.height <= self.look.keep_whole:
            return []  # a short question: the whole of it on the next page
        head, tail = self._split_children(availWidth, availHeight)
        whole = list(head), list(tail)
        while head and (getattr(head[-1], "keep", False) or isinstance(head[-1], _Gap)):
            tail.insert(0, head.pop())
        if not any(not isinstance(child, (_Gap, _Anchor)) for child in head):
            if not at_top:
                return []
            head, tail = whole  # a heading taller than a page: break it rather than stall
        head, tail = _trim(head, tail)
        if not tail:
            return [_Group(head, self.look)]
        if not head:
            return []
        return [_Group(head, self.look), _Group(tail, self.look)]


class _Label(Flowable):
    """A one-line section label in small spaced capitals; never the last line on a page."""

    keep = True

    def __init__(self, runs: list[tuple[_Family, str]], look: _Look) -> None:
        super().__init__()
        self.runs, self.look = runs, look

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width, self.height = availWidth, self.look.size["label"] * 1.35
        return self.width, self.height

    def draw(self) -> None:
        look = self.look
        _draw_runs(self.canv, 0, look.size["label"] * 0.3, self.runs, look.size["label"],
                   look.space["label_tracking"], look.color["muted"], bold=True)


class _Code(Flowable):
    """A fenced code block: monospace, highlighted by weight and slant, long lines wrapped."""

    keep = False

    def __init__(self, look: _Look, source: list[_CodeLine], indent: float = 0.0,
                 laid: tuple[float, list[_CodeLine]] | None = None) -> None:
        super().__init__()
        self.look, self.source, self.indent = look, source, indent
        self._laid = laid  # (width, the lines wrapped to it)

    def _lines(self, availWidth: float) -> list[_CodeLine]:
        if self._laid is None or self._laid[0] != availWidth:
            space = self.look.space
            width = availWidth - self.indent - 2 * space["code_padding"] - space["code_bar"]
            self._laid = (availWidth, _wrap_code(self.source, width, self.look))
        return self._laid[1]

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width = availWidth
        self.height = (len(self._lines(availWidth)) * self.look.size["code_leading"]
                       + 2 * self.look.space["code_padding"])
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        lines = self._lines(availWidth)
        fit = int((availHeight - 2 * self.look.space["code_padding"]) // self.look.size["code_leading"])
        if fit >= len(lines):
            return [self]
        if len(lines) - fit == 1:
            fit -= 1  # no single line alone at the top of the next page
        if fit < 2:
            return []
        return [_Code(self.look, part, self.indent, (availWidth, part))
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
        y = self.height - pad - leading + (leading - size) / 2 + size * 0.22
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


def _code_lines(block: markup.CodeBlock, look: _Look, text: _Text) -> list[_CodeLine]:
    """The block's lines as runs of (text, font name, colour), tabs expanded, fallback fonts applied."""
    lines: list[_CodeLine] = [[]]
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


def _wrap_code(lines: list[_CodeLine], width: float, look: _Look) -> list[_CodeLine]:
    """Lines longer than *width* broken into continuation lines that start with a marker."""
    size = look.size["code"]
    marker = look.continuation
    marker_width = sum(pdfmetrics.stringWidth(run, font, size) for run, font, _ in marker)
    out: list[_CodeLine] = []
    for line in lines:
        widths = [pdfmetrics.stringWidth(run, font, size) for run, font, _ in line]
        if sum(widths) <= width:
            out.append(line)
            continue
        current: _CodeLine = []
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


class _Contents(Flowable):
    """The table of contents: one row per topic, its page number filled in when the book ends."""

    def __init__(self, rows: list[tuple[Flowable, str, str]], look: _Look) -> None:
        super().__init__()
        self.rows, self.look = rows, look  # (the topic's paragraph, its destination, its number form)
        self._number_width = look.size["toc"] * 3.2

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width = availWidth
        self.heights = [para.wrap(availWidth - self._number_width, 1e6)[1] for para, _, _ in self.rows]
        self.height = sum(self.heights)
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        self.wrap(availWidth, availHeight)
        used, count = 0.0, 0
        while count < len(self.rows) and used + self.heights[count] <= availHeight:
            used += self.heights[count]
            count += 1
        if count == 0 or count == len(self.rows):
            return [] if count == 0 else [self]
        return [_Contents(self.rows[:count], self.look), _Contents(self.rows[count:], self.look)]

    def draw(self) -> None:
        canv, look = self.canv, self.look
        y = self.height
        leading = look.styles["toc"].leading
        for (para, key, form), height in zip(self.rows, self.heights):
            y -= height
            para.drawOn(canv, 0, y)
            lines = para.blPara.lines
            baseline = y + height - look.size["toc"] - (len(lines) - 1) * leading  # the last line's
            canv.saveState()
            last = lines[-1] if lines else None
            spare = getattr(last, "extraSpace", None) if last is not None else None
            if spare is None and last is not None:
                spare = last[0]
            start = self.width - self._number_width - (spare or 0) + look.size["toc"] * 0.6
            end = self.width - look.size["toc"] * 2.6
            if end > start + look.size["toc"]:  # dot leaders from the name to the page number
                canv.setStrokeColor(look.color["rule"])
                canv.setLineWidth(0.9)
                canv.setLineCap(1)
                canv.setDash([0.01, 3.2])
                canv.line(start, baseline + 0.5, end, baseline + 0.5)
            canv.translate(self.width, baseline)
            canv.doForm(form)
            canv.restoreState()
            canv.linkRect("", key, (0, y, self.width, y + height), relative=1, thickness=0)


# -- the document ---------------------------------------------------------------------------
class _Booklet(BaseDocTemplate):
    """Mirrored pages; header and footer drawn as each page ends; page counts filled in at the end."""

    def __init__(self, out: BinaryIO, bank: Bank, look: _Look, text: _Text) -> None:
        self.bank, self.look, self.text = bank, look, text
        templates = [
            PageTemplate(id=side, pagesize=look.page_size, onPageEnd=self._end_page,
                         frames=[Frame(look.frame_x(parity), look.bottom, look.width, look.height,
                                       leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0,
                                       id=f"{side}-text")])
            for side, parity in (("recto", 1), ("verso", 0))
        ]
        keywords = list(dict.fromkeys([*(markup.plain(topic.name) for topic in bank.topics),
                                       *(tag for question in bank.questions for tag in question.tags)]))
        super().__init__(
            out, pagesize=look.page_size, pageTemplates=templates, invariant=1, pageCompression=1,
            title=markup.plain(bank.title), subject=markup.plain(bank.subtitle or bank.title),
            keywords=keywords, author="", creator="deckbook",
            initialFontName=look.body.regular, initialFontSize=look.size["body"],
            leftMargin=look.inner, rightMargin=look.outer, topMargin=look.top, bottomMargin=look.bottom,
        )
        self.pages = 0
        self.topic_pages: dict[int, int] = {}
        self.topic: Topic | None = None
        self.topic_opened_on = 0
        self._headers: dict[str, list[tuple[_Family, str]]] = {}

    def beforeDocument(self) -> None:
        _date_document(self.canv, self.bank.modified)
        self.canv.showOutline()

    def afterPage(self) -> None:
        """Choose the next page's side by its number (autoNextPageTemplate repeats a side)."""
        self.handle_nextPageTemplate("verso" if self.canv.getPageNumber() % 2 else "recto")

    def topic_begins(self, index: int, topic: Topic, page: int) -> None:
        """Called by a topic's anchor as it is drawn: the contents and running header need it."""
        self.topic_pages[index] = page
        self.topic, self.topic_opened_on = topic, page

    def _end_page(self, canv, doc) -> None:
        page = canv.getPageNumber()
        self.pages = page
        if self.topic is not None and self.topic_opened_on != page:
            self._draw_header(canv, page, self.topic)
        canv.doForm(_footer_form(page))

    def _draw_header(self, canv, page: int, topic: Topic) -> None:
        """The topic's name in spaced capitals at the outer edge, over a hairline."""
        look = self.look
        if topic.id not in self._headers:
            saved, self.text.where = self.text.where, f"topic '{topic.id}'"
            self._headers[topic.id] = self.text.runs(markup.plain(topic.name).upper(), look.body_chain)
            self.text.where = saved
        runs = self._headers[topic.id]
        size, tracking = look.size["header"], look.space["label_tracking"]
        left, baseline = look.frame_x(page), look.page_size[1] - look.top + look.header_offset
        width = _runs_width(runs, size, tracking)
        x = left + look.width - width if page % 2 else left
        _draw_runs(canv, x, baseline, runs, size, tracking, look.color["muted"])
        canv.saveState()
        canv.setStrokeColor(look.color["rule"])
        canv.setLineWidth(0.4)
        rule = baseline - size * 0.7
        canv.line(left, rule, left + look.width, rule)
        canv.restoreState()

    def _endBuild(self) -> None:
        self._doSave = 0
        super()._endBuild()
        self._define_forms()
        self.canv.save()

    def _define_forms(self) -> None:
        """Now that the page count is known: every page's footer and every contents number."""
        look, text, canv = self.look, self.text, self.canv
        count = len(self.bank.questions)
        words = look.labels["footer_questions"]
        questions = f"{count} {words[0] if count == 1 else words[1]}"
        size = look.size["footer"]
        text.where = "the booklet style"
        tracking = look.space["footer_tracking"]
        for page in range(1, self.pages + 1):
            label = look.labels["footer"].format(page=page, pages=self.pages, questions=questions)
            runs = text.runs(label, look.body_chain)
            total = _runs_width(runs, size, tracking)
            left = look.frame_x(page)
            if look.footer_align == "center":
                x = left + (look.width - total) / 2
            elif page % 2:
                x = left + look.width - total
            else:
                x = left
            canv.beginForm(_footer_form(page))
            _draw_runs(canv, x, look.bottom - look.footer_offset, runs, size, tracking, look.color["muted"])
            canv.endForm()
        toc_size = look.size["toc"]
        for index, page in self.topic_pages.items():
            canv.beginForm(_toc_form(index), lowerx=-toc_size * 4, lowery=-toc_size, upperx=1,
                           uppery=toc_size * 1.5)
            canv.setFont(look.body.regular, toc_size)
            canv.setFillColor(look.color["text"])
            canv.drawRightString(0, 0, str(page))
            canv.endForm()


def _footer_form(page: int) -> str:
    return f"deckbook-footer-{page}"


def _toc_form(index: int) -> str:
    return f"deckbook-contents-{index}"


def _runs_width(runs: Sequence[tuple[_Family, str]], size: float, tracking: float, bold: bool = False
                ) -> float:
    """The width of a line of font runs set with *tracking* between letters."""
    return sum(pdfmetrics.stringWidth(run, family.face(bold, False), size) + tracking * len(run)
               for family, run in runs) - tracking


def _draw_runs(canv, x: float, y: float, runs: Sequence[tuple[_Family, str]], size: float,
               tracking: float, color: Color, bold: bool = False) -> None:
    """One line of font runs from (x, y), letter-spaced: running header, footer, labels."""
    line = canv.beginText(x, y)
    line.setCharSpace(tracking)
    line.setFillColor(color)
    for family, run in runs:
        line.setFont(family.face(bold, False), size)
        line.textOut(run)
    canv.drawText(line)


def _date_document(canv, modified: int) -> None:
    """Date the document by the bank, not the clock, and seed its /ID from the same: same bytes."""
    stamp = TimeStamp(1)
    stamp.t = modified
    stamp.lt = time.gmtime(modified)
    stamp.YMDhms = tuple(stamp.lt)[:6]
    stamp.dhh = stamp.dmm = 0
    doc = canv._doc
    doc._timeStamp = stamp
    doc.signature = hashlib.md5(f"deckbook booklet {modified}".encode(), usedforsecurity=False)


# -- the story ------------------------------------------------------------------------------
def _story(bank: Bank, look: _Look, text: _Text, doc: _Booklet) -> list[Flowable]:
    """Title page and contents, then one page-opening section per topic."""
    styles, labels = look.styles, look.labels
    story: list[Flowable] = [Spacer(0, look.height * 0.16)]
    text.where = "the title"
    title = text.spans(_inline(bank.title), bold=True, size=look.size["title"])
    story += [_Para(title, styles["title"]), Spacer(0, 10)]
    if bank.subtitle:
        text.where = "the subtitle"
        subtitle = text.spans(_inline(bank.subtitle), italic=True, size=look.size["subtitle"])
        story += [_Para(subtitle, styles["subtitle"]), Spacer(0, 8)]
    text.where = "the booklet style"
    stats = labels["stats"].format(questions=look.plural("questions", len(bank.questions)),
                                   topics=look.plural("topics", len(bank.topics)))
    updated = labels["updated"].format(date=time.strftime("%Y-%m-%d", time.gmtime(bank.modified)))
    story += [_Para(text.xml(stats), styles["meta"]), _Para(text.xml(updated), styles["meta"]),
              Spacer(0, look.height * 0.08),
              _Anchor("contents", labels["outline_contents"], 0),
              _Para(text.xml(labels["contents"], bold=True), styles["contents"]), Spacer(0, 4)]

    sections = bank.sections()
    number = 0
    rows = []
    for index, (topic, questions) in enumerate(sections):
        text.where = f"topic '{topic.id}'"
        count = _topic_count(look, questions, number)
        number += len(questions)
        name = text.spans(_inline(topic.name), size=look.size["toc"])
        row = (f'{name} <font size="{look.size["meta"]:.1f}" color="{_hex(look.color["muted"])}">  '
               f'{text.xml(count)}</font>')
        rows.append((_Para(row, styles["toc"]), f"topic-{index}", _toc_form(index)))
    story.append(_Contents(rows, look))

    number = 0
    label_width = pdfmetrics.stringWidth(labels["question"].format(number=len(bank.questions)) + "  ",
                                         look.body.bold, look.size["heading"])
    for index, (topic, questions) in enumerate(sections):
        story.append(PageBreak())
        opener = functools.partial(_topic_opener, index, topic, questions, number, look, text, doc)
        if not questions:
            story.append(_Group(opener, look))
        for position, question in enumerate(questions):
            number += 1
            make = functools.partial(_question_blocks, question, number, label_width, look, text,
                                     opener if position == 0 else None)
            story.append(_Group(make, look))
    return story


def _hex(color: Color) -> str:
    return "#" + color.hexval()[2:]


def _inline(value: str) -> tuple[markup.Span, ...]:
    """A one-line text's spans: its first paragraph, or its plain text when it has none."""
    blocks = markup.parse(value)
    if len(blocks) == 1 and isinstance(blocks[0], markup.Paragraph):
        return blocks[0].spans
    return (markup.Span(markup.plain(value)),)


def _topic_count(look: _Look, questions: tuple[Question, ...], before: int) -> str:
    """'8 questions, Q1–Q8': how many questions a topic has, and their numbers."""
    count = look.plural("questions", len(questions))
    if not questions:
        return count
    key = "topic_question" if len(questions) == 1 else "topic_questions"
    return look.labels[key].format(questions=count, first=before + 1, last=before + len(questions))


def _topic_opener(index: int, topic: Topic, questions: tuple[Question, ...], before: int, look: _Look,
                  text: _Text, doc: _Booklet, style: ParagraphStyle | None = None,
                  gaps: tuple[float, float] = (2.0, 1.2)) -> list[Flowable]:
    """A topic's first blocks: its bookmark, its name (in *style*, the booklet's topic style by
    default) and how many questions it holds; *gaps*: points after the name, and questions'
    spacing after the count."""
    style = style or look.styles["topic"]
    text.where = f"topic '{topic.id}'"
    title = _Para(text.spans(_inline(topic.name), bold=True, size=style.fontSize), style)
    title.keep = True
    meta = _Para(text.xml(_topic_count(look, questions, before)), look.styles["meta"])
    meta.keep = True
    anchor = _Anchor(f"topic-{index}", markup.plain(topic.name), 0,
                     functools.partial(doc.topic_begins, index, topic), closed=len(questions) > 25)
    return [anchor, title, _Gap(gaps[0]), meta, _Gap(look.space["between_questions"] * gaps[1])]


def _question_heading(question: Question, number: int, label_width: float, look: _Look,
                      text: _Text) -> tuple[list[Flowable], tuple[markup.Block, ...]]:
    """A question's bookmark and numbered heading, and the blocks of its text after the first line."""
    text.where = f"question '{question.id}'"
    label = look.labels["question"].format(number=number)
    parsed = markup.parse(question.question)
    first, rest = (parsed[0].spans, parsed[1:]) if isinstance(parsed[0], markup.Paragraph) else ((), parsed)
    heading = _Para(text.spans(first, bold=True, size=look.size["heading"]) or "&#160;",
                    look.indented("heading", label_width, 0), bulletText=label)
    heading.keep = True
    return [_Anchor(f"q{number}", f"{label}. {_shorten(markup.plain(question.question))}", 1), heading], rest


def _question_blocks(question: Question, number: int, label_width: float, look: _Look, text: _Text,
                     opener: Callable[[], list[Flowable]] | None) -> list[Flowable]:
    """A question's blocks: heading, answer box, then each study section under its label."""
    styles, labels, space = look.styles, look.labels, look.space
    blocks: list[Flowable] = opener() if opener else []
    heading, rest = _question_heading(question, number, label_width, look, text)
    blocks += heading
    meta = [question.difficulty or "", ", ".join(question.tags)]
    if any(meta):
        line = _Para(text.xml("  ·  ".join(part for part in meta if part)),
                     look.indented("meta", label_width))
        line.keep = True
        blocks += [_Gap(1), line]
    if rest:
        blocks += [_Gap(space["paragraph"]), *_render(rest, look, text, styles["body"])]
    blocks.append(_Gap(space["after_heading"] + space["paragraph"]))
    answer_label = _label(labels["answer"], look, text)
    answer = [answer_label] if answer_label else []
    answer += _render(markup.parse(question.answer), look, text, styles["body"])
    blocks.append(_Box(answer, look))
    for key in ("explanation", "example", "mistakes", "story"):
        if key == "mistakes":
            if not question.mistakes:
                continue
            if len(question.mistakes) == 1:
                body = _render(markup.parse(question.mistakes[0]), look, text, styles["body"])
            else:
                items = tuple(markup.parse(item) for item in question.mistakes)
                body = _list(markup.ListBlock(False, 1, items), look, text, styles["body"], 0.0)
        else:
            value = getattr(question, key)
            if not value:
                continue
            body = _render(markup.parse(value), look, text, styles["body"])
        blocks += [_Gap(space["before_label"]), _label(labels[key], look, text), _Gap(space["after_label"]),
                   *body]
    blocks.append(_Gap(space["between_questions"]))
    return blocks


def _shorten(value: str, limit: int = 110) -> str:
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def _label(value: str, look: _Look, text: _Text) -> _Label | None:
    """A section label: small, bold, spaced capitals, kept with what follows."""
    if not value:
        return None
    saved, text.where = text.where, "the booklet style"
    runs = text.runs(value.upper(), look.body_chain)
    text.where = saved
    return _Label(runs, look)


def _render(blocks: Sequence[markup.Block], look: _Look, text: _Text, style: ParagraphStyle,
            indent: float = 0.0) -> list[Flowable]:
    """Markup blocks as flowables, a paragraph gap between them."""
    out: list[Flowable] = []
    for block in blocks:
        if out:
            out.append(_Gap(look.space["paragraph"]))
        if isinstance(block, markup.Paragraph):
            para_style = look.indented(style.name, indent) if indent else style
            out.append(_Para(text.spans(block.spans) or "&#160;", para_style))
        elif isinstance(block, markup.ListBlock):
            out += _list(block, look, text, style, indent)
        else:
            out.append(_Code(look, _code_lines(block, look, text), indent))
    return out


def _list(block: markup.ListBlock, look: _Look, text: _Text, style: ParagraphStyle,
          indent: float) -> list[Flowable]:
    """A bullet or numbered list: each item's first paragraph carries the marker."""
    step = look.space["list_indent"]
    item_style = look.indented(style.name, indent + step, indent + 1)
    out: list[Flowable] = []
    for position, item in enumerate(block.items):
        if out:
            out.append(_Gap(look.space["paragraph"] * 0.5))
        marker = f"{block.start + position}." if block.ordered else look.labels["bullet"]
        rest: Sequence[markup.Block] = item
        if item and isinstance(item[0], markup.Paragraph):
            first_xml, rest = text.spans(item[0].spans) or "&#160;", item[1:]
        else:
            first_xml = "&#160;"
        out.append(_Para(first_xml, item_style, bulletText=marker))
        if rest:
            out.append(_Gap(look.space["paragraph"] * 0.5))
            out += _render(rest, look, text, style, indent + step)
    return out
