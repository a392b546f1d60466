"""The fonts installed on this machine, for the characters no font of the style has: listed by
fontconfig on Linux and the BSDs, else read from the standard font folders (macOS, Windows).

Nothing here runs for a bank the style's fonts cover: the list is made when a document first
meets a character no configured font has, once per process. A font is chosen by the characters
it covers, then by a stable order (family, file, face), never by what was installed last.
"""

from __future__ import annotations

import bisect
import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from deckbook.pdfkit import fontfiles
from deckbook.pdfkit.fonts import FontFile, FontSource

#: fontconfig's weights of a regular and a bold face (FC_WEIGHT_REGULAR, FC_WEIGHT_BOLD).
_FC_REGULAR, _FC_BOLD = 80, 200
_FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")
_FC_FORMAT = "%{file}\t%{index}\t%{family[0]}\t%{weight}\t%{slant}\t%{spacing}\t%{charset}\n"


@dataclass(frozen=True)
class SystemFont:
    """One face of an installed font file, and the character ranges it covers."""

    path: str
    index: int
    family: str
    weight: int  # fontconfig's scale: 80 regular, 200 bold
    upright: bool
    monospace: bool
    starts: tuple[int, ...]  # covered ranges, sorted: starts[i]..ends[i]
    ends: tuple[int, ...]

    def has(self, code: int) -> bool:
        """Whether the face maps *code* to a glyph."""
        at = bisect.bisect_right(self.starts, code) - 1
        return at >= 0 and code <= self.ends[at]


def folders() -> list[Path]:
    """The standard font folders of this platform, read where fontconfig is missing."""
    home = Path.home()
    if sys.platform == "darwin":
        return [Path("/System/Library/Fonts"), Path("/System/Library/Fonts/Supplemental"),
                Path("/Library/Fonts"), home / "Library" / "Fonts"]
    if sys.platform == "win32":
        windows = Path(os.environ.get("WINDIR", r"C:\Windows"))
        local = Path(os.environ.get("LOCALAPPDATA", home / "AppData" / "Local"))
        return [windows / "Fonts", local / "Microsoft" / "Windows" / "Fonts"]
    return [Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), home / ".local" / "share" / "fonts",
            home / ".fonts"]


@functools.cache
def installed() -> tuple[SystemFont, ...]:
    """Every face installed on this machine, in a stable order; made once per process."""
    fc_list = shutil.which("fc-list")
    found = _from_fontconfig(fc_list) if fc_list else None
    if found is None:
        found = scan(folders())
    return tuple(sorted(found, key=lambda font: (font.family, font.path, font.index)))


def _from_fontconfig(fc_list: str) -> list[SystemFont] | None:
    try:
        listed = subprocess.run([fc_list, "--format", _FC_FORMAT], capture_output=True, check=True,
                                timeout=60, env={**os.environ, "LC_ALL": "C"}).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    fonts = []
    for line in listed.decode("utf-8", "replace").splitlines():
        fields = line.split("\t")
        if len(fields) != 7 or not fields[0].lower().endswith(_FONT_SUFFIXES):
            continue
        path, index, family, weight, slant, spacing, charset = fields
        try:
            number = int(index)
        except ValueError:
            continue
        if number >= 1 << 16:  # a named instance of a variable font: the font itself is listed too
            continue
        starts, ends = _ranges(charset)
        fonts.append(SystemFont(path, number, family, _int(weight, _FC_REGULAR), _int(slant, 0) == 0,
                                _int(spacing, 0) >= 100, starts, ends))
    return fonts


def scan(roots: Iterable[Path]) -> list[SystemFont]:
    """The faces of every font file under *roots*, read with fontTools (no fontconfig here)."""
    from fontTools.ttLib import TTCollection, TTFont  # noqa: PLC0415 - only where fontconfig is missing

    fonts = []
    for root in roots:
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.suffix.lower() not in _FONT_SUFFIXES or not path.is_file():
                continue
            try:
                with open(path, "rb") as stream:
                    collection = path.suffix.lower() in (".ttc", ".otc")
                    count = len(TTCollection(stream, lazy=True).fonts) if collection else 1
                    for index in range(count):
                        stream.seek(0)
                        fonts.append(_scanned(TTFont(stream, fontNumber=index, lazy=True), str(path), index))
            except Exception:  # noqa: BLE001 - a broken file in a font folder is not ours to report
                continue
    return fonts


def _scanned(font, path: str, index: int) -> SystemFont:
    codes = sorted(font.getBestCmap() or {})
    os2 = font["OS/2"] if "OS/2" in font else None
    weight = os2.usWeightClass if os2 else 400
    italic = bool(os2.fsSelection & 1) if os2 else False
    mono = bool(font["post"].isFixedPitch) if "post" in font else False
    starts, ends = _runs(codes)
    return SystemFont(path, index, str(font["name"].getBestFamilyName()), _FC_BOLD if weight >= 600 else _FC_REGULAR,
                      not italic, mono, starts, ends)


def sources(chars: Iterable[int], prefer: tuple[str, ...] = ()) -> dict[int, FontSource]:
    """For each of *chars* an installed font has, the family to set it in: the fewest families
    that cover them, upright text faces first, then families whose name holds a word of
    *prefer* ("JP" for a Japanese bank), then a stable order."""
    wanted = sorted(set(chars))
    chosen: dict[int, FontSource] = {}
    fonts = [font for font in installed() if font.upright and font.weight < _FC_BOLD]
    while wanted:
        best, covered = None, []
        for font in fonts:
            has = [code for code in wanted if font.has(code)]
            if not has:
                continue
            rank = (len(has), not font.monospace, any(word in font.family.split() for word in prefer),
                    -abs(font.weight - _FC_REGULAR))
            if best is None or rank > best[0]:
                best, covered = (rank, font), has
        if best is None:
            break
        source = _source(best[1])
        if source is not None:
            chosen.update((code, source) for code in covered)
        wanted = [code for code in wanted if code not in covered]
        fonts.remove(best[1])
    return chosen


@functools.cache
def _source(font: SystemFont) -> FontSource | None:
    """The family of *font*: itself as regular and italic, and the family's bold face as bold."""
    bold = min((other for other in installed() if other.family == font.family and other.upright
                and other.weight >= _FC_BOLD and other.monospace == font.monospace),
               key=lambda other: (abs(other.weight - _FC_BOLD), other.path, other.index), default=None)
    try:
        regular_info = fontfiles.info(font.path, font.index)
        bold_info = fontfiles.info(bold.path, bold.index) if bold else None
    except (fontfiles.FontFileError, OSError):
        return None
    regular = FontFile(font.path, font.path, font.index)
    regular_weight = float(fontfiles.REGULAR) if regular_info.variable else 0.0
    if bold is not None and bold_info is not None:
        bold_face = (FontFile(bold.path, bold.path, bold.index), float(fontfiles.BOLD) if bold_info.variable else 0.0)
    else:
        bold_face = (regular, float(fontfiles.BOLD) if regular_info.variable else 0.0)
    return FontSource(font.family, ((regular, regular_weight), bold_face, (regular, regular_weight), bold_face))


def _ranges(charset: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """fontconfig's charset ("20-7e a0-17f 2010") as sorted range starts and ends."""
    starts, ends = [], []
    for item in charset.split():
        low, _, high = item.partition("-")
        try:
            start = int(low, 16)
            end = int(high, 16) if high else start
        except ValueError:
            continue
        starts.append(start)
        ends.append(end)
    order = sorted(range(len(starts)), key=starts.__getitem__)
    return tuple(starts[i] for i in order), tuple(ends[i] for i in order)


def _runs(codes: list[int]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Sorted code points as ranges of consecutive ones."""
    starts: list[int] = []
    ends: list[int] = []
    for code in codes:
        if ends and code == ends[-1] + 1:
            ends[-1] = code
        else:
            starts.append(code)
            ends.append(code)
    return tuple(starts), tuple(ends)


def _int(value: str, default: int) -> int:
    try:
        return int(float(value))
    except ValueError:
        return default
