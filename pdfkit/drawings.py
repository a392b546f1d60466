"""Formulas and figures on the page: TeX typeset by deckbook.formulas and drawn as vector shapes
with svglib, SVG figures drawn as vector shapes, raster figures embedded at their own resolution.

An inline formula is a paragraph's <img> of its size on the text baseline (see
internals.FormulaCanvas, which draws the formula where reportlab puts that image); a display
formula and a figure are flowables of their own, never split across pages.
"""

from __future__ import annotations

import functools
import hashlib
import io
from importlib.resources import files

from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Drawing
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Flowable

from deckbook import formulas
from deckbook.bank import Figure

#: The picture an inline formula's <img> names: one transparent pixel, never drawn. The canvas
#: draws the formula the <onDraw> before it names in its place.
FORMULA_PLACEHOLDER = str(files("deckbook.styles").joinpath("formula.png"))
#: The name of the canvas callback an inline formula's <onDraw> calls.
FORMULA_CALLBACK = "deckbook_formula"
#: Print at no less than this many pixels per inch: a raster figure is never set larger than its
#: pixels at this resolution, so it stays sharp on paper.
SHARP_DPI = 150
_FORMULAS: dict[str, tuple[str, bool]] = {}  # key -> (TeX, display), for the canvas


def formula_key(tex: str, display: bool) -> str:
    """The name a formula goes by in the document (its forms, its <onDraw> label)."""
    key = "f" + hashlib.sha256(f"{int(display)}\x1f{tex}".encode()).hexdigest()[:20]
    _FORMULAS[key] = (tex, display)
    return key


def inline_formula_xml(tex: str, size: float, display: bool = False, max_width: float | None = None) -> str:
    """Paragraph XML for a formula inside a line of text set at *size* (smaller if it is wider than
    *max_width*): an <img> of its width and height whose bottom is its depth under the baseline,
    named for the canvas by an <onDraw>."""
    formula = formulas.typeset(tex, display)
    key = formula_key(tex, display)
    if max_width is not None and formula.width * size > max_width:
        size = max_width / formula.width
    width, height = formula.width * size, (formula.ascent + formula.descent) * size
    return (f'<onDraw name="{FORMULA_CALLBACK}" label="{key}"/><img src="{FORMULA_PLACEHOLDER}" '
            f'width="{width:.3f}" height="{height:.3f}" valign="{-formula.descent * size:.3f}"/>')


@functools.lru_cache(maxsize=4096)
def _drawing(svg: str) -> Drawing:
    from svglib.svglib import svg2rlg

    drawing = svg2rlg(io.BytesIO(svg.encode("utf-8")))
    if drawing is None:
        raise ValueError("svglib read no drawing")
    return drawing


def draw_formula(canv, key: str, x: float, y: float, width: float, height: float) -> None:
    """Draw the formula *key* in the box (x, y, width, height): once per document as a form, then
    placed wherever it is used."""
    tex, display = _FORMULAS[key]
    name = f"deckbook-math-{key}"
    if not canv.hasForm(name):
        drawing = _drawing(formulas.typeset(tex, display).svg)
        canv.beginForm(name, 0, 0, max(drawing.width, 0.01), max(drawing.height, 0.01))
        renderPDF.draw(drawing, canv, 0, 0)
        canv.endForm()
    drawing = _drawing(formulas.typeset(tex, display).svg)
    canv.saveState()
    canv.translate(x, y)
    canv.scale(width / max(drawing.width, 0.01), height / max(drawing.height, 0.01))
    canv.doForm(name)
    canv.restoreState()


class DisplayFormula(Flowable):
    """A $$...$$ formula on a line of its own, centred, at *size* (scaled down to the width when
    wider); never split."""

    keep = False

    def __init__(self, tex: str, size: float, space: float) -> None:
        super().__init__()
        self.formula = formulas.typeset(tex, True)
        self.key = formula_key(tex, True)
        self.size, self.space = size, space

    def _scale(self, availWidth: float) -> float:
        natural = self.formula.width * self.size
        return min(1.0, availWidth / natural) if natural > 0 else 1.0

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        scale = self._scale(availWidth)
        self.width = availWidth
        self.height = (self.formula.ascent + self.formula.descent) * self.size * scale + 2 * self.space
        return self.width, self.height

    def draw(self) -> None:
        scale = self._scale(self.width)
        width = self.formula.width * self.size * scale
        height = (self.formula.ascent + self.formula.descent) * self.size * scale
        draw_formula(self.canv, self.key, (self.width - width) / 2, self.space, width, height)


class FigureBlock(Flowable):
    """A figure on its own: a raster picture at its own pixels, set no larger than SHARP_DPI allows
    and no wider than the text; an SVG as vector shapes at its own size or narrower; never taller
    than *max_height*; never split. Its alt text is the figure's /Alt and /ActualText."""

    keep = False

    def __init__(self, figure: Figure, alt: str, max_height: float, space: float) -> None:
        super().__init__()
        self.figure, self.alt, self.max_height, self.space = figure, alt, max_height, space
        if figure.kind == "svg":
            self.natural = (figure.width, figure.height)  # points, as svglib reads the SVG
        else:
            self.natural = (figure.width * 72 / SHARP_DPI, figure.height * 72 / SHARP_DPI)

    def _size(self, availWidth: float) -> tuple[float, float]:
        width, height = self.natural
        scale = min(1.0, availWidth / width if width else 1.0, self.max_height / height if height else 1.0)
        return width * scale, height * scale

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width = availWidth
        self.height = self._size(availWidth)[1] + 2 * self.space
        return self.width, self.height

    def draw(self) -> None:
        canv = self.canv
        width, height = self._size(self.width)
        x, y = (self.width - width) / 2, self.space
        canv.addLiteral(f"/Span <</Alt {_pdf_text(self.alt)} /ActualText {_pdf_text(self.alt)}>> BDC")
        if self.figure.kind == "svg":
            drawing = figure_drawing(self.figure)
            canv.saveState()
            canv.translate(x, y)
            canv.scale(width / max(drawing.width, 0.01), height / max(drawing.height, 0.01))
            renderPDF.draw(drawing, canv, 0, 0)
            canv.restoreState()
        else:
            canv.drawImage(ImageReader(io.BytesIO(self.figure.read())), x, y, width, height, mask="auto")
        canv.addLiteral("EMC")


def figure_drawing(figure: Figure) -> Drawing:
    """An SVG figure as a reportlab drawing (read once per build)."""
    return _svg_figure(figure.sha256, figure)


@functools.lru_cache(maxsize=256)
def _svg_figure(sha256: str, figure: Figure) -> Drawing:
    from svglib.svglib import svg2rlg

    drawing = svg2rlg(io.BytesIO(figure.read()))
    if drawing is None:
        raise ValueError(f"svglib read no drawing from {figure.path}")
    return drawing


def _pdf_text(text: str) -> str:
    """*text* as a PDF text string: UTF-16BE with its byte-order mark, in hex."""
    return "<" + ("\ufeff" + text).encode("utf-16-be").hex().upper() + ">"
