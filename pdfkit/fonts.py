"""Font families: TrueType faces registered with reportlab from a Python package or from font
files, with the characters every face has, and the fallback chains text is set in.

A family whose files reportlab embeds as they are (static TrueType) is registered whole, once
per process: a ``Family``. Any other font (a variable font, CFF outlines, a face of an .otc) is a
``FontSource``: its characters are known from its cmap, and its faces are made for a document,
cut down by fontTools to the characters that document sets in it (see ``fontfiles``).
"""

from __future__ import annotations

import functools
import hashlib
import io
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib.resources import as_file, files
from pathlib import Path

from reportlab.pdfbase import pdfmetrics

from deckbook.pdfkit import fontfiles
from deckbook.pdfkit.internals import Font, glyphs

#: The faces of a family, as the style names them.
FACES = ("regular", "bold", "italic", "bold_italic")


@dataclass(frozen=True)
class FontFile:
    """One font file a family draws on, as the manifest names it."""

    name: str  # "fontpkg_fira_sans/files/FiraSans-Regular.ttf", a system path, or a file name
    path: str  # where it is on this machine
    index: int = 0

    @property
    def sha256(self) -> str:
        """The file's SHA-256."""
        return fontfiles.sha256(self.path)


@dataclass(frozen=True, eq=False)
class Family:
    """A registered TrueType family: the reportlab name of each face, and the characters all faces have."""

    regular: str
    bold: str
    italic: str
    bold_italic: str
    chars: frozenset[int] = field(repr=False)
    name: str = ""  # the style's name of the family, or the font's own
    files: tuple[FontFile, ...] = field(default=(), repr=False)

    @functools.cached_property
    def has_ascii(self) -> bool:
        """Whether every printable ASCII character is in the family (the fast path of most text)."""
        return all(code in self.chars for code in range(0x20, 0x7F))

    def face(self, bold: bool, italic: bool) -> str:
        """The font name for this combination of weight and slant."""
        return ((self.regular, self.italic), (self.bold, self.bold_italic))[bold][italic]


@dataclass(frozen=True, eq=False)
class FontSource:
    """A family made for each document from fonts reportlab cannot embed as they are: each face is
    (file, face index, weight), and ``family(chars)`` registers the faces cut down to *chars*."""

    name: str
    faces: tuple[tuple[FontFile, float], ...]  # regular, bold, italic, bold italic

    @functools.cached_property
    def chars(self) -> frozenset[int]:
        """The characters every face has, read from the files when first asked: a bank that
        never reaches this source in a fallback chain never reads it."""
        return frozenset.intersection(*(fontfiles.chars(file.path, file.index) for file in self.files))

    @property
    def files(self) -> tuple[FontFile, ...]:
        """The distinct files of the faces."""
        return tuple(dict.fromkeys(file for file, _ in self.faces))

    def family(self, chars: Iterable[int]) -> Family:
        """The faces, made and registered with the characters of *chars* this source has."""
        codes = tuple(sorted(self.chars.intersection(chars)))
        return _made_family(self, codes)


@functools.lru_cache(maxsize=256)
def _made_family(source: FontSource, codes: tuple[int, ...]) -> Family:
    digest = hashlib.sha256(repr((source.name, codes)).encode()).hexdigest()[:10]
    names: list[str] = []
    made: dict[tuple[FontFile, float], str] = {}
    for file, weight in source.faces:
        key = (file, weight)
        if key not in made:
            name = f"{source.name}/{Path(file.name).name}:{file.index}:{weight:g}:{digest}".replace(" ", "_")
            if name not in pdfmetrics.getRegisteredFontNames():
                data = fontfiles.prepare(file.path, file.index, codes, weight, digest)
                pdfmetrics.registerFont(Font(name, io.BytesIO(data)))
            made[key] = name
        names.append(made[key])
    return _family(names, source.name, source.files)


def register(spec: Mapping[str, object], name: str = "") -> Family | FontSource:
    """The family a style entry describes: its faces are paths inside the Python package
    ``spec["package"]``, or, without "package", font files by absolute path. A face it leaves
    out is its regular face (the italic one for bold italic); a variable font is set at the
    regular weight, or the bold one for the bold faces. Static
    TrueType files are registered once per process; other fonts give a FontSource."""
    regular = spec["regular"]
    italic = spec.get("italic", regular)
    paths = tuple(str(path) for path in (regular, spec.get("bold", regular), italic,
                                         spec.get("bold_italic", italic if "italic" in spec else regular)))
    index = int(spec.get("index", 0))  # type: ignore[call-overload]
    package = str(spec["package"]) if "package" in spec else None
    return _register(package, paths, index, name)


@functools.cache
def _register(package: str | None, paths: tuple[str, ...], index: int, name: str) -> Family | FontSource:
    font_files = tuple(_font_file(package, path, index) for path in paths)
    infos = [fontfiles.info(file.path, index) for file in font_files]
    if all(found.embeddable_as_is for found in infos):
        return _static_family(font_files, name)
    faces = []
    for face, file, found in zip(FACES, font_files, infos):
        weight = fontfiles.BOLD if face.startswith("bold") else fontfiles.REGULAR
        faces.append((file, float(weight) if found.variable else 0.0))
    return FontSource(name or infos[0].family, tuple(faces))


def _font_file(package: str | None, path: str, index: int) -> FontFile:
    if package is None:
        return FontFile(Path(path).name, path, index)
    try:
        root = files(package)
    except ModuleNotFoundError as exc:
        raise RuntimeError(f"styles/booklet.toml: the font package {package!r} is not installed; "
                           f"pip install {package.replace('_', '-')}") from exc
    with as_file(root.joinpath(path)) as real_path:  # a package installed as files: its own path
        return FontFile(f"{package}/{path}", str(real_path), index)


def _static_family(font_files: tuple[FontFile, ...], name: str) -> Family:
    """Register these static TrueType files, as they are, as one family."""
    names = []
    for file in font_files:
        if file.name != Path(file.name).name:  # in a package: named by the package, the same everywhere
            font_name = f"{file.name}:{file.index}".replace(" ", "_")
        else:
            font_name = f"{Path(file.path).as_posix()}:{file.index}".replace(" ", "_")
        if font_name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(Font(font_name, file.path, subfontIndex=file.index))
        names.append(font_name)
    return _family(names, name, tuple(dict.fromkeys(font_files)))


def _family(names: list[str], name: str, font_files: tuple[FontFile, ...]) -> Family:
    chars: set[int] | None = None
    for face in names:
        face_chars = glyphs(face)
        chars = face_chars if chars is None else chars & face_chars
    pdfmetrics.registerFontFamily(names[0], normal=names[0], bold=names[1], italic=names[2],
                                  boldItalic=names[3])
    return Family(*names, chars=frozenset(chars or ()), name=name, files=font_files)


def whole(family: Family | FontSource) -> Family:
    """*family* with every character it has: the body and code fonts, which set any text."""
    return family if isinstance(family, Family) else family.family(family.chars)


def chain(first: Family, fallback: Iterable[Family | FontSource]) -> tuple[Family | FontSource, ...]:
    """*first*, then each fallback family that is not *first*: the order characters are looked up in."""
    return (first, *(family for family in fallback if family is not first and family.name != first.name))


def invisible(char: str) -> bool:
    """Format characters and variation selectors (ZWJ, U+FE0F): dropped, unwarned, when no font has them."""
    code = ord(char)
    return unicodedata.category(char) == "Cf" or 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF
