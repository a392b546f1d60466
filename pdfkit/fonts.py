"""Font families: TrueType faces registered with reportlab from a Python package or from font
files, with the characters every face has, and the fallback chains text is set in."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib.resources import as_file, files
from pathlib import Path

from reportlab.pdfbase import pdfmetrics

from deckbook.pdfkit.internals import Font, glyphs

#: The faces of a family, as the style names them.
FACES = ("regular", "bold", "italic", "bold_italic")


@dataclass(frozen=True)
class Family:
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


def register(spec: Mapping[str, object]) -> Family:
    """The family a style entry describes, registered once per process: its faces are paths
    inside the Python package ``spec["package"]``, or, without "package", font files by
    absolute path. A face it leaves out is its regular face."""
    paths = [str(spec.get(face, spec["regular"])) for face in FACES]
    index = int(spec.get("index", 0))  # type: ignore[call-overload]
    if "package" in spec:
        return _package_family(str(spec["package"]), *paths, index=index)
    return _file_family(*paths, index=index)


@functools.cache
def _package_family(package: str, regular: str, bold: str, italic: str, bold_italic: str, *,
                    index: int = 0) -> Family:
    """Register the TrueType faces found in *package* as one family."""
    try:
        root = files(package)
    except ModuleNotFoundError as exc:
        raise RuntimeError(f"styles/booklet.toml: the font package {package!r} is not installed; "
                           f"pip install {package.replace('_', '-')}") from exc
    names = []
    for path in (regular, bold, italic, bold_italic):
        name = f"{package}/{path}:{index}".replace(" ", "_")
        if name not in pdfmetrics.getRegisteredFontNames():
            with as_file(root.joinpath(path)) as real_path:
                pdfmetrics.registerFont(Font(name, str(real_path), subfontIndex=index))
        names.append(name)
    return _family(names)


@functools.cache
def _file_family(regular: str, bold: str, italic: str, bold_italic: str, *, index: int = 0) -> Family:
    """Register the TrueType files at these absolute paths as one family."""
    names = []
    for path in (regular, bold, italic, bold_italic):
        name = f"{Path(path).as_posix()}:{index}".replace(" ", "_")
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(Font(name, path, subfontIndex=index))
        names.append(name)
    return _family(names)


def _family(names: list[str]) -> Family:
    chars: set[int] | None = None
    for name in names:
        face_chars = glyphs(name)
        chars = face_chars if chars is None else chars & face_chars
    pdfmetrics.registerFontFamily(names[0], normal=names[0], bold=names[1], italic=names[2],
                                  boldItalic=names[3])
    return Family(*names, chars=frozenset(chars or ()))


def chain(first: Family, fallback: Iterable[Family]) -> tuple[Family, ...]:
    """*first*, then each fallback family that is not *first*: the order characters are looked up in."""
    return (first, *(family for family in fallback if family != first))


def invisible(char: str) -> bool:
    """Format characters and variation selectors (ZWJ, U+FE0F): dropped, unwarned, when no font has them."""
    code = ord(char)
    return unicodedata.category(char) == "Cf" or 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF
