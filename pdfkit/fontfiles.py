"""Font files as reportlab can embed them, made with fontTools: any TrueType or OpenType font
(CFF-outlined .otf, a face of a .ttc/.otc collection, a variable font) cut down to the
characters a document uses, set at one weight, and given TrueType outlines.

reportlab embeds TrueType outlines only and reads no variations. fontTools subsets first, so a
CJK font of 65,000 CFF glyphs costs the glyphs a bank uses: converting a few dozen takes
milliseconds, 2,400 ideographs half a second, and the whole font would take ten seconds. A
static CFF font is cut without its outlines, and ``truetype`` draws the glyphs kept from the
file; a variable one is instanced first, then converted from its own table.

fontTools is imported where it is used: a command that reads no font file (validate, anki)
does not pay for it, nor a booklet whose fonts need no cutting for fontTools.subset.
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fontTools.ttLib import TTFont


NOT_A_FONT = "it is not a TrueType or OpenType font (.ttf, .otf, or .ttc/.otc with \"index\")"
#: OS/2 usWeightClass of the regular and the bold face a variable font is set at.
REGULAR, BOLD = 400, 700


@dataclass(frozen=True)
class FontInfo:
    """What a font file holds, read once: its characters and how reportlab can use it."""

    path: str
    index: int
    family: str  # as the font names itself: "Noto Sans CJK JP"
    variable: bool  # has variations (fvar): set at one weight before embedding
    cff: bool  # PostScript outlines (CFF or CFF2): converted to TrueType before embedding
    weights: tuple[float, float] | None  # the wght axis range of a variable font

    @property
    def embeddable_as_is(self) -> bool:
        """Whether reportlab can embed the file itself: static TrueType outlines."""
        return not self.variable and not self.cff


class FontFileError(ValueError):
    """A file that is no font fontTools can read, or one whose licence forbids embedding."""


def info(path: str, index: int = 0) -> FontInfo:
    """What the font at *path* (face *index* of a collection) holds; raise FontFileError."""
    stat = os.stat(path)
    return _info(os.path.abspath(path), index, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=512)
def _info(path: str, index: int, mtime: int, size: int) -> FontInfo:
    from fontTools.ttLib import TTFont, TTLibError  # noqa: PLC0415 - see the module's docstring

    try:
        with open(path, "rb") as stream:  # closed even when fontTools gives up on the file
            font = TTFont(stream, fontNumber=index, lazy=True)  # the table directory, and the tables asked for
            return _read_info(font, path, index)
    except FontFileError:
        raise
    except TTLibError as exc:
        text = str(exc)
        if "specify a font number" in text or "index" in text.lower():
            raise FontFileError(f"the collection has no font at index {index}") from None
        raise FontFileError(NOT_A_FONT) from None
    except (OSError, KeyError, AssertionError, IndexError, ValueError, TypeError, AttributeError, struct.error):
        raise FontFileError(NOT_A_FONT) from None


def _read_info(font: TTFont, path: str, index: int) -> FontInfo:
    if "cmap" not in font or ("glyf" not in font and "CFF " not in font and "CFF2" not in font):
        raise FontFileError(NOT_A_FONT)
    fs_type = font["OS/2"].fsType if "OS/2" in font else 0
    family = str(font["name"].getBestFamilyName() or os.path.basename(path))
    weights = None
    if "fvar" in font:
        axis = next((axis for axis in font["fvar"].axes if axis.axisTag == "wght"), None)
        weights = (axis.minValue, axis.maxValue) if axis else None
    found = FontInfo(path, index, family, "fvar" in font, "CFF " in font or "CFF2" in font, weights)
    if fs_type & 0x000F == 0x0002:  # "restricted licence embedding"
        raise FontFileError("its licence flags forbid embedding it in a PDF")
    return found


def chars(path: str, index: int = 0) -> frozenset[int]:
    """The code points the font at *path* (face *index*) maps to glyphs: read only when asked."""
    stat = os.stat(path)
    return _chars(os.path.abspath(path), index, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=512)
def _chars(path: str, index: int, mtime: int, size: int) -> frozenset[int]:
    # HarfBuzz reads a cmap in C++: 2 ms for Noto Sans CJK, where fontTools takes 120 ms
    import uharfbuzz  # noqa: PLC0415 - loaded with reportlab already

    face = uharfbuzz.Face(uharfbuzz.Blob.from_file_path(path), index)
    cmap = face.reference_table("cmap").data
    count = int.from_bytes(cmap[2:4], "big")
    subtables = {struct.unpack_from(">HH", cmap, 4 + 8 * at) for at in range(count) if 12 + 8 * at <= len(cmap)}
    return frozenset(face.unicodes) if subtables & _UNICODE_CMAPS else frozenset()


#: The cmap subtables (platform, encoding) that map Unicode, which fontTools' getBestCmap reads.
#: HarfBuzz takes the best of them in the same order, or else a symbol or Macintosh one, whose
#: codes are not characters: a font with only those has none.
_UNICODE_CMAPS = frozenset({(3, 10), (0, 6), (0, 4), (3, 1), (0, 3), (0, 2), (0, 1), (0, 0)})


def sha256(path: str) -> str:
    """The SHA-256 of the file at *path*, for the manifest."""
    stat = os.stat(path)
    return _sha256(os.path.abspath(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=512)
def _sha256(path: str, mtime: int, size: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def prepare(path: str, index: int, chars: Iterable[int], weight: float = REGULAR, tag: str = "") -> bytes:
    """The font at *path* as a static TrueType font reportlab embeds: only *chars* and the
    glyphs its layout tables reach from them (Arabic forms, ligatures), a variable font set at
    *weight*, CFF outlines converted to quadratic ones; named with *tag* after its PostScript
    name, since reportlab takes two fonts of one name for the same. Same input, same bytes."""
    codes = tuple(sorted(set(chars)))
    return _prepare(os.path.abspath(path), index, codes, float(weight), tag, os.stat(path).st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _prepare(path: str, index: int, codes: tuple[int, ...], weight: float, tag: str, mtime: int) -> bytes:
    from fontTools.ttLib import TTFont  # noqa: PLC0415 - see the module's docstring
    from fontTools.varLib import instancer  # noqa: PLC0415

    font = TTFont(io.BytesIO(_subset(path, index, codes, mtime)), recalcTimestamp=False)
    variable = "fvar" in font
    if variable:
        location = {}
        for axis in font["fvar"].axes:
            if axis.axisTag == "wght":
                location["wght"] = min(max(weight, axis.minValue), axis.maxValue)
            else:
                location[axis.axisTag] = axis.defaultValue
        font = instancer.instantiateVariableFont(font, location)
    if "CFF " in font or "CFF2" in font:
        from deckbook.pdfkit import truetype  # noqa: PLC0415 - see the module's docstring

        truetype.convert(font, truetype.cff_outlines(font))
    if tag:
        _rename(font, tag, weight if variable else 0.0)
    out = io.BytesIO()
    font.save(out, reorderTables=True)
    return out.getvalue()


@functools.lru_cache(maxsize=16)
def _subset(path: str, index: int, codes: tuple[int, ...], mtime: int) -> bytes:
    """The font cut down to *codes*: read once for all the weights made of it. A static CFF font
    is cut without its outlines, which HarfBuzz then draws from the file, glyph by glyph: the
    subsetter would run every charstring in Python three times (closure, desubroutinizing,
    dropping hints) before fontTools ran it a fourth to draw it, seconds for a CJK bank."""
    from fontTools.ttLib import TTFont  # noqa: PLC0415 - see the module's docstring

    with TTFont(path, fontNumber=index, lazy=True, recalcTimestamp=False) as font:
        drawn = "CFF " in font and "fvar" not in font
        if drawn:
            from deckbook.pdfkit import truetype  # noqa: PLC0415 - see the module's docstring

            # glyphs named by their number in the file, before any table reads them by name
            font.setGlyphOrder(truetype.numbered(font["maxp"].numGlyphs))
            for tag in ("CFF ", "VORG"):
                if tag in font:
                    del font[tag]
        _cut(font, codes)
        if drawn:
            truetype.convert(font, truetype.file_outlines(path, index))
        out = io.BytesIO()
        font.save(out, reorderTables=True)
        return out.getvalue()


def _cut(font: TTFont, codes: tuple[int, ...]) -> None:
    from fontTools import subset  # noqa: PLC0415 - see the module's docstring

    options = subset.Options()
    options.layout_features = ["*"]  # every feature HarfBuzz may apply: joining forms, conjuncts, marks
    # ...in the language system it applies them in: each script's default, as shaping asks for
    # no language. Noto Sans CJK's Chinese and Korean forms (locl) would double a CJK subset.
    options.layout_scripts = [f"{script}.dflt" for script in _layout_scripts(font)] or ["*"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False  # print, not screens: hints only add bytes
    options.desubroutinize = True
    options.glyph_names = False
    options.drop_tables = [*subset.Options._drop_tables_default, "DSIG", "SVG ", "sbix", "CBDT", "CBLC",
                           "COLR", "CPAL", "MATH", "BASE", "JSTF", "meta"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codes)
    subsetter.subset(font)


def _layout_scripts(font: TTFont) -> list[str]:
    """The script tags of the font's GSUB and GPOS tables, sorted."""
    found = set()
    for tag in ("GSUB", "GPOS"):
        script_list = font[tag].table.ScriptList if tag in font else None
        if script_list:
            found.update(record.ScriptTag for record in script_list.ScriptRecord)
    return sorted(found)


def _rename(font: TTFont, tag: str, weight: float) -> None:
    """Give the font a PostScript name of its own, "NotoSansArabic-Bold-1a2b3c4d5e": reportlab
    takes two fonts of one name for the same font."""
    names = font["name"]
    if weight:  # an instance of a variable font: its default instance's name says another weight
        family = str(names.getBestFamilyName() or "Font")
        base = f"{family}-{'Bold' if weight >= 600 else 'Regular'}"
    else:
        base = str(names.getDebugName(6) or names.getBestFamilyName() or "Font")
    postscript = "".join(char for char in f"{base}-{tag}" if 33 <= ord(char) <= 126
                         and char not in "[](){}<>/% ")[:63]
    names.removeNames(nameID=6)
    names.setName(postscript, 6, 3, 1, 0x409)
    names.setName(postscript, 6, 1, 0, 0)
