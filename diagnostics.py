"""Problems in the user's input files, located at FILE:LINE:COL, and the error that carries them.

The bank, the project file (deckbook.toml) and the booklet style report the same way: every
problem at once, sorted, each naming its file, 1-based line and column, and severity.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True, order=True, slots=True)
class Diagnostic:
    """One problem in an input file, at a 1-based line and column."""

    path: str
    line: int
    column: int
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.severity}: {self.message}"


class InputError(Exception):
    """An input file is invalid; *problems* lists every error found, sorted by position."""

    def __init__(self, problems: list[Diagnostic]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(map(str, self.problems)))


def did_you_mean(word: str, choices: list[str] | tuple[str, ...]) -> str:
    """"; did you mean 'x'?" for the closest of *choices*, or ""."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""
