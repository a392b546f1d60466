"""Which script a character is written in, for grouping what no font has, and which font to
install for it on Debian, macOS and Windows."""

from __future__ import annotations

import unicodedata

#: Blocks read as one script here: (first, last, script).
_BLOCKS = (
    (0x1100, 0x11FF, "CJK"), (0x2E80, 0x2FDF, "CJK"), (0x3000, 0x303F, "CJK"), (0x3040, 0x30FF, "CJK"),
    (0x3100, 0x312F, "CJK"), (0x3130, 0x318F, "CJK"), (0x3190, 0x31FF, "CJK"), (0x3200, 0x33FF, "CJK"),
    (0x3400, 0x4DBF, "CJK"), (0x4E00, 0x9FFF, "CJK"), (0xA960, 0xA97F, "CJK"), (0xAC00, 0xD7FF, "CJK"),
    (0xF900, 0xFAFF, "CJK"), (0xFE30, 0xFE4F, "CJK"), (0xFF00, 0xFFEF, "CJK"), (0x20000, 0x3FFFF, "CJK"),
    (0x2190, 0x21FF, "symbol"), (0x2300, 0x23FF, "symbol"), (0x2460, 0x25FF, "symbol"),
    (0x2600, 0x27BF, "emoji"), (0x2B00, 0x2BFF, "symbol"), (0x1F000, 0x1FAFF, "emoji"),
)

#: What to install for a script: (Debian package, macOS font, Windows font).
_ADVICE = {
    "CJK": ("fonts-noto-cjk", "PingFang SC", "Microsoft YaHei"),
    "emoji": ("fonts-symbola", "Symbola or Noto Emoji", "Segoe UI Emoji"),
    "symbol": ("fonts-symbola", "Apple Symbols", "Segoe UI Symbol"),
}
_DEFAULT_ADVICE = ("fonts-noto-core", "Noto Sans {script}", "Noto Sans {script}")


def script(char: str) -> str:
    """The script of *char* as a warning names it: "CJK", "emoji", "symbol", or the first word of
    its Unicode name ("Devanagari", "Thai"), else "other"."""
    code = ord(char)
    for first, last, name in _BLOCKS:
        if first <= code <= last:
            return name
    word = unicodedata.name(char, "").split(" ", 1)[0]
    if unicodedata.category(char).startswith("S") or not word:
        return "symbol" if word else "other"
    return word.capitalize() if word.isalpha() else "other"


def advice(name: str) -> str:
    """What to install for the script *name*: the Debian package, the macOS and the Windows font."""
    debian, macos, windows = (item.format(script=name) for item in _ADVICE.get(name, _DEFAULT_ADVICE))
    return f"Debian: {debian}; macOS: {macos}; Windows: {windows}"
