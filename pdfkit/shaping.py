"""Lines of right-to-left and complex scripts, set as they read: each line's bidi levels from
python-bidi (the Unicode Bidirectional Algorithm), its runs shaped by HarfBuzz (uharfbuzz) in
logical order with their direction (Arabic joining forms, ligatures, Devanagari conjuncts),
then put in visual order (rule L2) — per line, after line breaking, as the algorithm says. A
paragraph's base direction is that of its first strong character (rules P2, P3; what HTML's
dir="auto" does): ``right_to_left`` (markup's, the cards' rule too) tells, and each of its lines
is laid out with it.

A glyph that no character maps to (a joining form, a ligature) gets a private code in its
font, whose ToUnicode text is the characters it shows: search and copy find the logical text.

python-bidi is imported on the first line that needs it: a document of left-to-right text
never loads it. (uharfbuzz is loaded with reportlab.pdfbase.ttfonts, which imports it.)
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

import uharfbuzz
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import ShapeData, ShapedStr

from deckbook.markup import right_to_left  # noqa: F401 - the kit asks shaping for a paragraph's direction

#: Text that needs this module: right-to-left letters, or a script HarfBuzz must shape.
_COMPLEX = re.compile("[\u0590-\u08ff\u0900-\u0dff\u0f00-\u0fff\u1000-\u109f\u1780-\u17ff"
                      "\ufb1d-\ufdff\ufe70-\ufefc\U00010800-\U00010fff\U0001e800-\U0001efff]")
_FEATURES = {"kern": True, "liga": True}
#: The language text is shaped in: undetermined, so each script's default forms, whatever the
#: machine's locale (HarfBuzz takes the locale's language otherwise: Urdu digits in ur_PK,
#: Chinese forms of CJK in zh_CN). fontfiles cuts fonts down to those forms alone.
_LANGUAGE = "und"


def needs_shaping(text: str) -> bool:
    """Whether *text* has right-to-left or complex-script characters: else it prints as it is."""
    return _COMPLEX.search(text) is not None


def levels(text: str, rtl: bool = False) -> list[int]:
    """The embedding level of each character of the line *text* (even: left to right), in a
    paragraph whose base direction is right to left when *rtl*, else left to right: in a
    left-to-right paragraph, "the value ٣٤ is 34" keeps its words in the order typed."""
    from bidi import algorithm  # noqa: PLC0415 - see the module's docstring

    storage = algorithm.get_empty_storage()
    base = int(rtl)
    storage["base_level"], storage["base_dir"] = base, ("L", "R")[base]
    algorithm.get_embedding_levels(text, storage, False, False)
    algorithm.explicit_embed_and_overrides(storage, False)
    algorithm.resolve_weak_types(storage, False)
    algorithm.resolve_neutral_types(storage, False)
    algorithm.resolve_implicit_levels(storage, False)
    found = [char["level"] for char in storage["chars"]]
    # L1: white space at the end of the line takes the paragraph's level
    end = len(text)
    while end and text[end - 1].isspace():
        end -= 1
        found[end] = base
    return found


def visual(segments: Sequence[tuple[str, str]], rtl: bool = False) -> list[tuple[int, str]]:
    """A line of (font name, text) segments in logical order, as (segment index, text to draw)
    in visual order: right-to-left runs reversed and shaped, complex runs shaped. The line is
    one of a right-to-left paragraph when *rtl* (see ``right_to_left``), else of a
    left-to-right one."""
    text = "".join(piece for _, piece in segments)
    found = levels(text, rtl)
    pieces: list[tuple[int, int, int, int]] = []  # (segment, start, end, level)
    offset = 0
    for index, (_, piece) in enumerate(segments):
        start = 0
        for position in range(1, len(piece) + 1):
            if position == len(piece) or found[offset + position] != found[offset + start]:
                pieces.append((index, start, position, found[offset + start]))
                start = position
        offset += len(piece)
    if not pieces:
        return []
    order = list(range(len(pieces)))
    highest = max(piece[3] for piece in pieces)
    lowest_odd = min((piece[3] for piece in pieces if piece[3] % 2), default=highest + 1)
    for level in range(highest, lowest_odd - 1, -1):  # L2: reverse every run at this level or higher
        at = 0
        while at < len(order):
            if pieces[order[at]][3] >= level:
                end = at
                while end < len(order) and pieces[order[end]][3] >= level:
                    end += 1
                order[at:end] = reversed(order[at:end])
                at = end
            else:
                at += 1
    out = []
    for number in order:
        index, start, end, level = pieces[number]
        font_name, piece = segments[index]
        piece = piece[start:end]
        if level % 2 or needs_shaping(piece):
            piece = shape(font_name, piece, bool(level % 2))
        out.append((index, piece))
    return out


def join(pieces: Sequence[str]) -> str:
    """Drawn pieces as one text, keeping the glyph positions of shaped ones."""
    return functools.reduce(lambda left, right: left + right, pieces, "") if pieces else ""


def shape(font_name: str, text: str, rtl: bool) -> str:
    """*text* shaped by HarfBuzz in the registered TrueType font *font_name*, as the codes to draw
    left to right: a glyph's own character where it has one, else a private code whose
    ToUnicode text is the characters of its cluster."""
    font = pdfmetrics.getFont(font_name)
    if not hasattr(font, "private_code"):  # not one of the kit's fonts: reversed, unshaped
        return text[::-1] if rtl else text
    return _shape(font, text, rtl)


@functools.lru_cache(maxsize=4096)
def _shape(font, text: str, rtl: bool) -> str:
    hb_font = _hb_font(font)
    buffer = uharfbuzz.Buffer()
    buffer.add_str(text)
    buffer.guess_segment_properties()
    buffer.language = _LANGUAGE
    buffer.direction = "rtl" if rtl else "ltr"
    buffer.cluster_level = uharfbuzz.BufferClusterLevel.MONOTONE_CHARACTERS
    uharfbuzz.shape(hb_font, buffer, _FEATURES)
    infos = buffer.glyph_infos
    clusters = sorted({info.cluster for info in infos})
    ends = {start: (clusters[at + 1] if at + 1 < len(clusters) else len(text)) for at, start in enumerate(clusters)}
    positions = buffer.glyph_positions
    carrier: dict[int, int] = {}  # cluster -> the glyph that reads as its text: its widest
    for at, (info, position) in enumerate(zip(infos, positions)):
        best = carrier.get(info.cluster)
        if best is None or position.x_advance > positions[best].x_advance:
            carrier[info.cluster] = at
    out = []
    data = []
    for at, (info, position) in enumerate(zip(infos, positions)):
        gid, cluster = info.codepoint, info.cluster
        chars = text[cluster:ends[cluster]]
        if len(chars) == 1 and font.glyph(ord(chars)) == gid:
            code = ord(chars)
        else:  # a cluster's text once, on its widest glyph; its dots and marks read as nothing
            code = font.private_code(gid, position.x_advance, chars if carrier[cluster] == at else "")
        out.append(chr(code))
        # reportlab draws a ShapedStr glyph by glyph with HarfBuzz's offsets: marks and dots in place
        data.append(ShapeData(cluster, font.pdfScale(position.x_advance), font.pdfScale(position.y_advance),
                              font.pdfScale(position.x_offset), font.pdfScale(position.y_offset),
                              font.width_of(code)))
    return ShapedStr("".join(out), shapeData=data)


@functools.lru_cache(maxsize=64)
def _hb_font(font) -> uharfbuzz.Font:
    return uharfbuzz.Font(uharfbuzz.Face(uharfbuzz.Blob(font.data)))
