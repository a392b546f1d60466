"""CFF outlines as TrueType ones, for fonts reportlab embeds: each glyph drawn by HarfBuzz from
the font file (or by fontTools from a font's CFF table), its cubic curves made quadratic by
cu2qu, its contours reversed (TrueType's direction is CFF's reversed): fontTools' otf2ttf
recipe.

A CJK booklet converts thousands of glyphs. HarfBuzz runs the charstrings in C++ where fontTools
runs them in Python, one small pen takes its points where fontTools chains three, and each
glyph's bytes are written once, from whole lists, where fontTools' Glyph.compile walks the
points one by one: tests/test_fonts.py checks that both give the same bytes.
"""

from __future__ import annotations

import math
import re
import struct
from collections.abc import Callable, Sequence

from fontTools.cu2qu import curve_to_quadratic
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable
from fontTools.ttLib.tables._g_l_y_f import Glyph

#: Draws the glyph of a name as a TrueType glyph.
Outlines = Callable[[str], Glyph]


def numbered(count: int) -> list[str]:
    """Glyph names that are the glyphs' numbers in their file, for :func:`file_outlines`: a font
    read with them needs no CFF table to name its glyphs."""
    return [".notdef", *(f"glyph{number}" for number in range(1, count))]


def file_outlines(path: str, index: int) -> Outlines:
    """Each glyph, by a name of :func:`numbered`, as HarfBuzz draws it from face *index* of the
    file at *path*."""
    import uharfbuzz  # noqa: PLC0415 - loaded with reportlab already

    face = uharfbuzz.Face(uharfbuzz.Blob.from_file_path(path), index)
    font = uharfbuzz.Font(face)
    font.scale = (face.upem, face.upem)  # font units
    error = face.upem / 1000  # cu2qu's advice: one thousandth of the em

    def outline(name: str) -> Glyph:
        pen = _QuadraticPen(error)
        font.draw_glyph_with_pen(0 if name == ".notdef" else int(name.removeprefix("glyph")), pen)
        return pen.glyph()

    return outline


def cff_outlines(font: TTFont) -> Outlines:
    """Each glyph of *font*'s own CFF or CFF2 table, as fontTools draws it (a variable CFF font
    after instancing, which HarfBuzz cannot read from the file)."""
    glyph_set = font.getGlyphSet()
    error = font["head"].unitsPerEm / 1000

    def outline(name: str) -> Glyph:
        pen = TTGlyphPen(None)  # CFF glyphs have no components
        glyph_set[name].draw(Cu2QuPen(pen, error, reverse_direction=True))
        return pen.glyph()

    return outline


def convert(font: TTFont, outlines: Outlines) -> None:
    """Give *font* TrueType outlines, each glyph's from *outlines*, in place of its CFF ones."""
    order = font.getGlyphOrder()
    glyphs = {name: outlines(name) for name in order}
    glyf_table = newTable("glyf")
    glyf_table.glyphOrder, glyf_table.glyphs = order, glyphs
    for glyph in glyphs.values():
        glyph.recalcBounds(glyf_table)
    for tag in ("CFF ", "CFF2", "VORG"):
        if tag in font:
            del font[tag]
    font["loca"] = newTable("loca")
    font["glyf"] = glyf_table
    hmtx = font["hmtx"]
    for name, glyph in glyphs.items():
        advance, _ = hmtx.metrics[name]
        hmtx.metrics[name] = (advance, getattr(glyph, "xMin", 0) if glyph.numberOfContours else 0)
    maxp = font["maxp"] = newTable("maxp")  # saving the font counts the points and contours
    maxp.tableVersion = 0x00010000
    maxp.maxZones = 1
    for field in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                  "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, field, 0)
    post = font["post"]
    post.formatType = 3.0
    post.extraNames, post.mapping = [], {}
    font.sfntVersion = "\x00\x01\x00\x00"


class _QuadraticPen:
    """A glyph's contours as HarfBuzz draws them, as TrueType points: what fontTools'
    Cu2QuPen(reverse_direction=True) into a TTGlyphPen gives. HarfBuzz ends each contour where
    it started (with a line back if need be), so reversing one is keeping its first point and
    reading the others backwards."""

    __slots__ = ("error", "points", "flags", "ends", "_start", "_current")

    def __init__(self, error: float) -> None:
        self.error = error
        self.points: list[tuple[float, float]] = []
        self.flags: list[int] = []  # 1 on the curve, 0 off it
        self.ends: list[int] = []  # the last point of each contour
        self._start = 0
        self._current: tuple[float, float] = (0.0, 0.0)

    def moveTo(self, point: tuple[float, float]) -> None:  # noqa: N802 - the pen protocol
        self._start = len(self.points)
        self.lineTo(point)

    def lineTo(self, point: tuple[float, float]) -> None:  # noqa: N802
        self.points.append(point)
        self.flags.append(1)
        self._current = point

    def curveTo(self, *points: tuple[float, float]) -> None:  # noqa: N802
        self.qCurveTo(*curve_to_quadratic((self._current, *points), self.error, True)[1:])

    def qCurveTo(self, *points: tuple[float, float]) -> None:  # noqa: N802
        self.points.extend(points)
        self.flags.extend([0] * (len(points) - 1))
        self.flags.append(1)
        self._current = points[-1]

    def closePath(self) -> None:  # noqa: N802
        start = self._start
        del self.points[-1], self.flags[-1]  # the start point again
        self.points[start + 1:] = self.points[:start:-1]
        self.flags[start + 1:] = self.flags[:start:-1]
        self.ends.append(len(self.points) - 1)

    def glyph(self) -> Glyph:
        """The outline as a TrueType glyph, its points rounded as TTGlyphPen rounds them."""
        if not self.ends:
            return Glyph()
        xs = [math.floor(x + 0.5) for x, _ in self.points]
        ys = [math.floor(y + 0.5) for _, y in self.points]
        return _CompiledGlyph(xs, ys, self.flags, self.ends)


class _CompiledGlyph(Glyph):
    """A simple glyph whose bytes are written once, as fontTools' Glyph.compile would write them
    (the shortest form of each coordinate, repeated flags counted): saving the font writes them
    as they are. It has what saving reads besides (bounds, contours, point count), no more."""

    def __init__(self, xs: list[int], ys: list[int], flags: Sequence[int], ends: list[int]) -> None:
        super().__init__()
        self.numberOfContours = len(ends)
        self.endPtsOfContours = ends
        self.xMin, self.yMin, self.xMax, self.yMax = min(xs), min(ys), max(xs), max(ys)
        self._points = len(xs)
        self._bytes = b"".join((struct.pack(f">5h{len(ends)}HH", len(ends), self.xMin, self.yMin, self.xMax,
                                            self.yMax, *ends, 0),  # no instructions
                                *_deltas(xs, ys, flags)))

    def compile(self, glyfTable, recalcBBoxes=True, **options) -> bytes:  # noqa: N803 - fontTools' names
        return self._bytes

    def recalcBounds(self, glyfTable, **options) -> None:  # noqa: N802, N803
        """Its bounds are known."""

    def getMaxpValues(self) -> tuple[int, int]:  # noqa: N802
        return self._points, self.numberOfContours


_REPEAT = 0x08
#: The flag bits of a delta from -255 to 255, for x: X_IS_SAME alone for 0, X_SHORT_VECTOR and
#: the sign (X_IS_SAME set: positive) otherwise; y's bits are x's shifted left once. Longer: 0.
_X_FLAG = {delta: 0x10 if delta == 0 else 0x12 if delta > 0 else 0x02 for delta in range(-255, 256)}
_Y_FLAG = {delta: bits << 1 for delta, bits in _X_FLAG.items()}
_SHORT = {delta: bytes((abs(delta),)) for delta in range(-255, 256) if delta}  # a short delta's byte
_RUN = re.compile(rb"(.)\1{2,}", re.DOTALL)  # a flag three times or more


def _deltas(xs: list[int], ys: list[int], on_curve: Sequence[int]) -> tuple[bytes, bytes, bytes]:
    """The flags, x and y deltas of TrueType points, as fontTools' compileDeltasGreedy packs them:
    a delta of 0 as a flag alone, one of -255 to 255 as a byte and its sign in the flag, any
    other as two bytes; a flag repeated as the flag and a count."""
    dxs = [x - before for before, x in zip([0, *xs], xs)]
    dys = [y - before for before, y in zip([0, *ys], ys)]
    x_flag, y_flag, short = _X_FLAG.get, _Y_FLAG.get, _SHORT.get
    flags = bytes([on | x_flag(dx, 0) | y_flag(dy, 0) for on, dx, dy in zip(on_curve, dxs, dys)])
    return (_RUN.sub(_repeated, flags),
            b"".join([short(dx) or struct.pack(">h", dx) for dx in dxs if dx]),
            b"".join([short(dy) or struct.pack(">h", dy) for dy in dys if dy]))


def _repeated(run: re.Match[bytes]) -> bytes:
    """A run of one flag, in pieces of at most 256: the flag, the flag twice, or the flag marked
    repeated and the count of repeats."""
    flag, count = run[0][0], len(run[0])
    pieces = []
    while count:
        piece = min(count, 256)
        pieces.append(bytes((flag,) * piece) if piece <= 2 else bytes((flag | _REPEAT, piece - 1)))
        count -= piece
    return b"".join(pieces)
