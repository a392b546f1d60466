"""Every place the kit leans on how reportlab works inside rather than on its documented API,
and the one switch that turns the speed-ups built on them off.

- line breaking: reportlab's own ``Paragraph.breakLines``, rebuilt to call a Python ``sameFrag``;
- paragraph XML: the XML the kit writes, read into the fragments reportlab's parser would make;
- a right-to-left paragraph, drawn flush right: each line's room left (``extraSpace``) made up
  for the width shaping gives its letters, which layout measured one by one;
- a paragraph's first baseline, where reportlab sets its first line and bullet (the answer key
  sets a number there: tests/test_pdf_sheets.py checks both land on one baseline);
- TrueType fonts that remember the widths they measured and the subset codes they assigned;
- the document: dated by the bank (the canvas document's ``_timeStamp`` and ``signature``) and
  saved only after the forms that need the page count (``BaseDocTemplate._doSave``);
- reportlab's module-wide ``rl_config.useA85``, off while a PDF is written.

A new reportlab may change any of this: tests/test_fast_paths.py proves that each speed-up
gives reportlab's own fragments and, with :func:`fast_paths` off, the same bytes.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import re
import time
import types
import weakref
from collections.abc import Iterator

from reportlab import rl_config
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.utils import TimeStamp
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase import ttfonts
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import BaseDocTemplate, Flowable, Paragraph
from reportlab.platypus import paragraph as paragraph_module
from reportlab.platypus.paragraph import textTransformFrags
from reportlab.platypus.paraparser import ParaFrag, ParaParser

from reportlab.pdfgen.canvas import Canvas

from deckbook.pdfkit import drawings, shaping

_MISSING = object()
_MAKE_TO_UNICODE = ttfonts.makeToUnicodeCMap


# -- fonts ----------------------------------------------------------------------------------
class Font(TTFont):
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
        self._private: dict[tuple[int, int, str], int] = {}  # (glyph, advance, text) -> its private code
        self._texts: dict[int, str] = {}  # private code -> the characters it shows

    def stringWidth(self, text, size, encoding="utf8"):
        key = (text, size, encoding, type(text))
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


    def addObjects(self, doc):
        # reportlab's ToUnicode CMap writes each code point as four hex digits: wrong past U+FFFF
        # (emoji), where PDF wants UTF-16 surrogate pairs; and a shaped glyph's private code
        # must read as the characters it shows. Same CMap otherwise.
        ttfonts.makeToUnicodeCMap = functools.partial(to_unicode_cmap, texts=self._texts)
        try:
            super().addObjects(doc)
        finally:
            ttfonts.makeToUnicodeCMap = _MAKE_TO_UNICODE

    @property
    def data(self) -> bytes:
        """The font file's bytes, for HarfBuzz."""
        return self.face._ttf_data

    def width_of(self, code: int) -> float:
        """The advance of *code*'s glyph, in thousandths of the font size."""
        return self.face.charWidths.get(code, self.face.defaultWidth)

    def glyph(self, code: int) -> int | None:
        """The glyph the font's cmap gives *code*, or None."""
        return self.face.charToGlyph.get(code)

    def private_code(self, glyph: int, advance: float, text: str) -> int:
        """A code (in plane 15, private use) that draws *glyph* with *advance* (font units) and
        reads as *text*: how a shaped glyph without a character of its own is set."""
        key = (glyph, round(advance), text)
        code = self._private.get(key)
        if code is None:
            code = 0xF0000 + len(self._private)
            self._private[key] = code
            face = self.face
            face.charToGlyph[code] = glyph
            face.glyphToChar.setdefault(glyph, []).append(code)
            face.charWidths[code] = self.pdfScale(advance)
            self._texts[code] = text
        return code


def to_unicode_cmap(fontname: str, subset: list[int], texts: dict[int, str] | None = None) -> str:
    """reportlab's ToUnicode CMap for a font subset, each code's text in UTF-16BE: *texts* gives
    the text of private codes."""
    cmap = _MAKE_TO_UNICODE(fontname, subset)
    if all(code <= 0xFFFF for code in subset):
        return cmap
    texts = texts or {}
    return re.sub(r"^<([0-9A-F]{2})> <([0-9A-F]{5,6})>$",
                  lambda match: f"<{match[1]}> <"
                                f"{texts.get(int(match[2], 16), chr(int(match[2], 16))).encode('utf-16-be').hex().upper()}>",
                  cmap, flags=re.M)


def glyphs(name: str) -> set[int]:
    """The code points the registered TrueType font *name* has a glyph for."""
    return set(pdfmetrics.getFont(name).face.charToGlyph)


# -- paragraphs -----------------------------------------------------------------------------
_FRAG_STYLE = ("fontName", "fontSize", "textColor", "rise", "us_lines", "link", "backColor", "nobr")


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


class FastParagraph(Paragraph):
    """A paragraph that lays out its lines once per width, however often it is measured, and
    reads the kit's paragraph XML (see :func:`read_xml`) without reportlab's general parser."""

    breakLines = _break_lines

    def _setup(self, text, style, bulletText, frags, cleaner) -> None:
        if frags is None and text is not None:
            cleaned = cleaner(text)
            frags = read_xml(cleaned, style, self.caseSensitive)
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

    def right_to_left(self) -> bool:
        """Whether the wrapped paragraph reads right to left: its first strong character says
        (see shaping.right_to_left); the parts it splits into keep what the whole said."""
        found = getattr(self, "_rtl", None)
        if found is None:
            found = self._rtl = shaping.right_to_left(" ".join(line_texts(self.blPara)))
        return found

    def drawPara(self, debug=0):
        # right-to-left and complex scripts: each laid-out line shaped and put in visual order
        # just for drawing; layout measured the logical text. A right-to-left paragraph set
        # flush left is set flush right: its lines start at the right margin
        laid, style = self.blPara, self.style
        rtl = self.right_to_left()
        shown = visual_lines(laid, rtl)
        if shown is None and not rtl:
            return super().drawPara(debug)
        if shown is not None:
            self.blPara = shown
        if rtl and style.alignment == TA_LEFT:
            self.style = right_aligned(style)
        try:
            return super().drawPara(debug)
        finally:
            self.blPara, self.style = laid, style

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        self.wrap(availWidth, availHeight)
        lines = self.blPara
        rtl = self.right_to_left()
        parts = super().split(availWidth, availHeight)
        if not hasattr(self, "blPara"):  # reportlab drops the lines when it cannot split; keep them
            self.blPara = lines
        for part in parts:
            part._rtl = rtl
        return parts


def line_texts(laid) -> list[str]:
    """The text of each of a paragraph's laid-out lines (reportlab's blPara), as typed."""
    if laid.kind == 0:
        return [" ".join(line[1]) for line in laid.lines]
    return ["".join(getattr(frag, "text", "") for frag in line.words) for line in laid.lines]


_RIGHT_ALIGNED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # style -> flush right


def right_aligned(style: ParagraphStyle) -> ParagraphStyle:
    """*style* set flush right: how a right-to-left paragraph of a flush-left style is drawn."""
    found = _RIGHT_ALIGNED.get(style)
    if found is None:
        found = _RIGHT_ALIGNED[style] = ParagraphStyle(f"{style.name}-rtl", parent=style, alignment=TA_RIGHT)
    return found


def visual_lines(laid, rtl: bool = False):
    """A paragraph's laid-out lines (reportlab's blPara) with every line that holds right-to-left
    or complex-script text shaped and in visual order, as lines of a right-to-left paragraph
    when *rtl*; None when no line holds such text. Shaped text is narrower or wider than the
    letters layout measured: the lines of a right-to-left paragraph, which end at the left, take
    the difference into the room they leave, so that they start at the right margin."""
    changed = False
    lines = []
    for line in laid.lines:
        if laid.kind == 0:  # one font: (room left, words)
            text = " ".join(line[1])
            if rtl or shaping.needs_shaping(text):  # a right-to-left paragraph reorders all
                shown = shaping.join([piece for _, piece in shaping.visual([(laid.fontName, text)], rtl)])
                room = line[0]
                if rtl:
                    room += (pdfmetrics.stringWidth(text, laid.fontName, laid.fontSize)
                             - pdfmetrics.stringWidth(shown, laid.fontName, laid.fontSize))
                line = (room, [shown])
                changed = True
        else:
            words = line.words
            if not any(hasattr(frag, "cbDefn") for frag in words) and (rtl or shaping.needs_shaping(
                    "".join(frag.text for frag in words))):
                shown = []
                for index, piece in shaping.visual([(frag.fontName, frag.text) for frag in words], rtl):
                    frag = copy.copy(words[index])
                    frag.text = piece
                    shown.append(frag)
                line = copy.copy(line)
                line.words = shown
                if rtl:
                    line.extraSpace += _frags_width(words) - _frags_width(shown)
                changed = True
        lines.append(line)
    if not changed:
        return None
    shown_para = copy.copy(laid)
    shown_para.lines = lines
    return shown_para


def _frags_width(frags) -> float:
    return sum(pdfmetrics.stringWidth(frag.text, frag.fontName, frag.fontSize) for frag in frags)


def last_line(paragraph: Paragraph) -> tuple[int, float]:
    """How many lines a wrapped *paragraph* has, and the room left at the end of its last."""
    lines = paragraph.blPara.lines
    last = lines[-1] if lines else None
    spare = getattr(last, "extraSpace", None) if last is not None else None
    if spare is None and last is not None:
        spare = last[0]  # a line of plain text is a tuple (room left, words)
    return len(lines), spare or 0


def first_baseline(paragraph: Paragraph) -> float:
    """How far under its top a wrapped *paragraph* sets its first line's baseline, and its bullet:
    reportlab's Paragraph.drawPara measures it so."""
    laid = paragraph.blPara
    first = laid if laid.kind == 0 else laid.lines[0]
    if paragraph_module.paraFontSizeHeightOffset:
        return first.fontSize
    return getattr(first, "ascent", first.fontSize)


# The XML that Text writes: <b>, <i> and <font ...> tags around text with &amp; &lt; &gt;
# escaped, or &#160; alone. Anything else goes to reportlab's parser.
_XML_TOKEN = re.compile(r'<(/?)(b|i|font)((?: [a-zA-Z]+="[^"<>&]*")*)>|&(amp|lt|gt|#160);|[^<&]+')
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "#160": "\xa0"}
_PROTOTYPES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # style -> tag path -> fragment


def read_xml(text: str, style: ParagraphStyle, case_sensitive: int) -> list[ParaFrag] | None:
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


def parse_xml(text: str, style: ParagraphStyle, case_sensitive: int = 1) -> list[ParaFrag]:
    """The fragments reportlab's own parser makes of *text* (already cleaned), text transforms
    applied: what :func:`read_xml` must give."""
    parser = ParaParser()
    parser.caseSensitive = case_sensitive
    _, frags, _ = parser.parse(text, style)
    textTransformFrags(frags, style)
    return frags


# -- the document ---------------------------------------------------------------------------
def date_document(canv, modified: int) -> None:
    """Date the document by the bank, not the clock, and seed its /ID from the same: same bytes."""
    stamp = TimeStamp(1)
    stamp.t = modified
    stamp.lt = time.gmtime(modified)
    stamp.YMDhms = tuple(stamp.lt)[:6]
    stamp.dhh = stamp.dmm = 0
    doc = canv._doc
    doc._timeStamp = stamp
    doc.signature = hashlib.md5(f"deckbook booklet {modified}".encode(), usedforsecurity=False)


class FormulaCanvas(Canvas):
    """A canvas that draws inline formulas. Text writes a formula into a paragraph as an <onDraw>
    naming it, then an <img> of its size on the baseline (drawings.inline_formula_xml): reportlab
    lays the image out like a word, calls the <onDraw>'s callback, then drawImage() with the
    image's box, where this canvas draws the formula named instead of the placeholder picture."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.formula: str | None = None
        self.setNamedCB(drawings.FORMULA_CALLBACK, self.next_formula)

    def next_formula(self, canv, kind: str, label: str | None) -> None:
        """The <onDraw> callback: the next placeholder image is this formula."""
        self.formula = label

    def drawImage(self, image, x, y, width=None, height=None, mask=None, *args, **kwargs):
        if self.formula is not None and getattr(image, "fileName", None) == drawings.FORMULA_PLACEHOLDER:
            key, self.formula = self.formula, None
            drawings.draw_formula(self, key, x, y, width, height)
            return width, height
        return super().drawImage(image, x, y, width, height, mask, *args, **kwargs)


class FinishingDocTemplate(BaseDocTemplate):
    """A document template that calls :meth:`finish` once the last page is laid out, before the
    file is written: forms that need the page count are defined there."""

    def _endBuild(self) -> None:
        self._doSave = 0  # BaseDocTemplate saves as the build ends: too early for finish()
        super()._endBuild()
        self.finish()
        self.canv.save()

    def finish(self) -> None:
        """Called after the last page, before saving: subclasses define their late forms."""


@contextlib.contextmanager
def binary_streams() -> Iterator[None]:
    """Within this block, reportlab writes binary content streams: ASCII85 only adds a quarter."""
    ascii85, rl_config.useA85 = rl_config.useA85, 0
    try:
        yield
    finally:
        rl_config.useA85 = ascii85


# -- the switch -----------------------------------------------------------------------------
#: (owner, attribute, the speed-up, reportlab's own): what fast_paths(False) puts back
_SPEED_UPS = (
    (FastParagraph, "breakLines", _break_lines, Paragraph.breakLines),
    (FastParagraph, "_setup", FastParagraph._setup, Paragraph._setup),
    (FastParagraph, "wrap", FastParagraph.wrap, Paragraph.wrap),
    (Font, "stringWidth", Font.stringWidth, TTFont.stringWidth),
    (Font, "splitString", Font.splitString, TTFont.splitString),
)


@contextlib.contextmanager
def fast_paths(enabled: bool = True) -> Iterator[None]:
    """Within this block, the kit's speed-ups are on (*enabled*) or off: line breaking, the XML
    reader, the paragraph's laid-out lines and the fonts' widths and subset codes are reportlab's
    own when off. For tests that prove both give the same bytes; not thread-safe."""
    saved = [(owner, name, owner.__dict__[name]) for owner, name, _, _ in _SPEED_UPS]
    try:
        for owner, name, fast, reference in _SPEED_UPS:
            setattr(owner, name, fast if enabled else reference)
        yield
    finally:
        for owner, name, value in saved:
            setattr(owner, name, value)
