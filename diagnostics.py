"""Problems in the user's input files, located at FILE:LINE:COL, and the error that carries them.

The bank, the project file (deckbook.toml) and the booklet style report the same way: every
problem at once, sorted, each naming its file, 1-based line and column, and severity.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

# Invisible characters that make two names look alike or reorder the text around them (as regex
# escapes, so a JSON Schema holds no raw one). The joiners U+200C and U+200D are apart: Persian,
# Indic scripts and emoji sequences need them between two non-ASCII characters.
BIDI = r"\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
ZERO_WIDTH = r"\u034f\u115f\u1160\u180e\u200b\u2060-\u2064\u3164\ufeff\uffa0"
JOINERS = "\u200c\u200d"
HIDDEN = re.compile(f"[{BIDI}{ZERO_WIDTH}{JOINERS}]")
_UNPRINTABLE = re.compile(  # a message echoes keys and values: nothing in it may drive the terminal
    f"[\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029{BIDI}{ZERO_WIDTH}{JOINERS}]")


@dataclass(frozen=True, order=True, slots=True)
class Diagnostic:
    """One problem in an input file, at a 1-based line and column (line 0: the whole file)."""

    path: str
    line: int
    column: int
    message: str
    severity: str = "error"

    def __str__(self) -> str:  # escaped here, whoever made it: an exporter's warning too
        where = f"{self.path}:{self.line}:{self.column}" if self.line else self.path
        return printable(f"{where}: {self.severity}: {self.message}")


class InputError(Exception):
    """An input file is invalid; *problems* lists every error found, sorted by position."""

    def __init__(self, problems: list[Diagnostic]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(map(str, self.problems)))


def did_you_mean(word: str, choices: list[str] | tuple[str, ...]) -> str:
    """"; did you mean 'x'?" for the closest of *choices*, or ""."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def joins(text: str, at: int) -> bool:
    """Whether the joiner at *at* stands between two visible non-ASCII characters."""
    return 0 < at < len(text) - 1 and all(
        not neighbour.isascii() and not neighbour.isspace() and not HIDDEN.match(neighbour)
        for neighbour in (text[at - 1], text[at + 1]))


def printable(message: str) -> str:
    """*message* on one line, each control, bidirectional or zero-width character escaped (U+202E
    as \\u202e): an input file must not drive the terminal, nor hide what a message quotes."""
    return _UNPRINTABLE.sub(_escape, message)


def _escape(match: re.Match[str]) -> str:
    if match.group() in JOINERS and joins(match.string, match.start()):
        return match.group()  # a joiner in Persian or an emoji sequence: part of the name
    return match.group().encode("unicode_escape").decode()
