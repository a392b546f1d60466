"""Figure files: what picture a file holds and how large it is, read without trusting it.

PNG and JPEG are read with Pillow, their dimensions from the header before any pixel is decoded
(a PNG that claims 50,000 x 50,000 pixels is refused without allocating them), then decoded
whole, so a picture that passes is one every exporter can show. SVG is parsed with lxml without
entities, DTDs or the network, and refused when it would run a script or fetch anything; svglib
then reads it as the booklet will draw it.
"""

from __future__ import annotations

import io
import logging
import re
import warnings
from dataclasses import dataclass

MAX_FIGURE_BYTES = 8 * 1024 * 1024  # a picture for a card and a page; a photo is saved smaller first
MAX_FIGURE_PIXELS = 25_000_000  # 5,000 x 5,000: about 100 MB once decoded, the most a build may take
KINDS = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".svg": "svg"}
_NAMES = {"png": "PNG", "jpeg": "JPEG", "svg": "SVG"}
SUFFIXES = {"png": ".png", "jpeg": ".jpg", "svg": ".svg"}
_SVG = "{http://www.w3.org/2000/svg}"
_XLINK = "{http://www.w3.org/1999/xlink}href"
_EXTERNAL_URL = re.compile(r"url\(\s*['\"]?(?!#)|@import", re.IGNORECASE)


class FigureError(ValueError):
    """The file is not a picture deckbook shows; the message says why, as the end of a sentence
    about the file ("is not a PNG picture: it starts with 'hello'")."""


@dataclass(frozen=True)
class Picture:
    """What a figure file holds: its kind ("png", "jpeg", "svg") and size (pixels for PNG and JPEG,
    points for SVG, as the booklet sets it)."""

    kind: str
    width: float
    height: float


def inspect(data: bytes, suffix: str) -> Picture:
    """The picture in *data*, a file named with *suffix* (".png"...); FigureError if it is not one
    of that kind deckbook can show."""
    kind = KINDS[suffix.lower()]
    if len(data) > MAX_FIGURE_BYTES:
        raise FigureError(f"is {len(data) / 2**20:.1f} MiB; a figure may be at most "
                          f"{MAX_FIGURE_BYTES // 2**20} MiB: save it smaller")
    found = _sniff(data)
    if found is not None and found != kind:
        raise FigureError(f"is a {_NAMES[found]} picture, not the {_NAMES[kind]} its name says: rename it "
                          f"to end in {SUFFIXES[found]}")
    if found is None:
        shown = "".join(char if char.isprintable() else "." for char in data[:12].decode("latin-1"))
        raise FigureError(f"is not a {_NAMES[kind]} picture: it starts with '{shown}'" if data else
                          f"is empty, not a {_NAMES[kind]} picture")
    if kind == "svg":
        return _svg(data)
    return _raster(data, kind)


def _sniff(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    head = data[:1024].lstrip(b"\xef\xbb\xbf").lstrip()
    if head.startswith(b"<") and b"<svg" in data[:65536]:
        return "svg"
    return None


def _raster(data: bytes, kind: str) -> Picture:
    from PIL import Image

    if kind == "png":  # the header's own numbers, before Pillow reads anything
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        _check_pixels(width, height)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                _check_pixels(width, height)
                image.load()  # every pixel decodes: the exporters will not meet a broken file
    except FigureError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise FigureError(f"claims more than {MAX_FIGURE_PIXELS:,} pixels; a figure may have "
                          f"{MAX_FIGURE_PIXELS:,}") from None
    except Exception as exc:  # Pillow's errors for a broken file are many kinds
        raise FigureError(f"is not a readable {_NAMES[kind]} picture ({_message(exc)})") from None
    return Picture(kind, width, height)


def _check_pixels(width: int, height: int) -> None:
    if width * height > MAX_FIGURE_PIXELS:
        raise FigureError(f"claims {width:,} x {height:,} pixels; a figure may have at most "
                          f"{MAX_FIGURE_PIXELS:,} pixels (5,000 x 5,000): save it smaller")
    if width == 0 or height == 0:
        raise FigureError(f"is {width} x {height} pixels: there is nothing to show")


def _message(exc: Exception | str) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 80 else text[:77] + "..."


def _svg(data: bytes) -> Picture:
    from lxml import etree

    head = data[:65536]
    if b"<!ENTITY" in head or b"<!entity" in head:
        raise FigureError("declares XML entities (<!ENTITY>), which deckbook does not read; save the SVG "
                          "without them")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise FigureError(f"is not a readable SVG picture ({_message(getattr(exc, 'msg', None) or exc)})") from None
    if root.tag not in (f"{_SVG}svg", "svg"):
        raise FigureError(f"is not an SVG picture: its first element is <{etree.QName(root).localname}>")
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        name = etree.QName(element).localname
        if name in ("script", "foreignObject", "iframe", "object", "embed"):
            reason = ("holds a <script>, which deckbook never runs" if name == "script" else
                      f"holds a <{name}>, HTML inside the SVG, which prints as nothing")
            raise FigureError(f"{reason}; save the SVG without it")
        for attribute, value in element.attrib.items():
            local = etree.QName(attribute).localname
            if local.lower().startswith("on"):
                raise FigureError(f"has an event handler ({local}=...), a script deckbook never runs; "
                                  "save the SVG without it")
            if (attribute == _XLINK or local == "href") and not value.strip().startswith("#"):
                shown = value if len(value) <= 40 else value[:37] + "..."
                raise FigureError(f"refers to '{shown}' outside the file, which deckbook never fetches; "
                                  "embed what it shows in the SVG, or save it as PNG")
            if local == "style" and _EXTERNAL_URL.search(value):
                raise FigureError("has a style that fetches a file (url(...) or @import), which deckbook "
                                  "never does; save the SVG without it")
        if name == "style" and element.text and _EXTERNAL_URL.search(element.text):
            raise FigureError("has a style that fetches a file (url(...) or @import), which deckbook never "
                              "does; save the SVG without it")
    drawing = _svg_drawing(data)
    if not drawing.width or not drawing.height:
        raise FigureError("has no size (width, height or viewBox); give the <svg> one")
    return Picture("svg", float(drawing.width), float(drawing.height))


def _svg_drawing(data: bytes):
    """svglib's reading of a checked SVG, as the booklet will draw it."""
    from svglib.svglib import svg2rlg

    quiet = logging.getLogger("svglib.svglib")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # svglib logs each attribute it ignores (inkscape:..., sodipodi:...)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            drawing = svg2rlg(io.BytesIO(data))
    except Exception as exc:
        raise FigureError(f"is not an SVG picture svglib can draw ({_message(exc)})") from None
    finally:
        quiet.setLevel(level)
    if drawing is None:
        raise FigureError("is not an SVG picture svglib can draw")
    return drawing
