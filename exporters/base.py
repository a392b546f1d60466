"""What every exporter and the build share: a job, an exporter's report, a written file, a failed build."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from deckbook.bank import Bank
from deckbook.diagnostics import Diagnostic


@dataclass(frozen=True)
class Job:
    """One artifact to write: the exporter's name, the bank it shows (perhaps a selection of
    the bank being built), the file, and the exporter's options."""

    format: str
    bank: Bank
    target: Path
    options: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Written:
    """What an exporter reports: warnings located in the bank, and facts such as the page count
    (and, from a PDF, the font files it embeds: family, file and SHA-256 of each)."""

    warnings: tuple[Diagnostic, ...] = ()
    facts: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Artifact:
    """One file a build wrote."""

    name: str  # the exporter, or "" for a file about the others (checksums, manifest)
    path: Path
    size: int
    sha256: str
    facts: Mapping[str, object] = field(default_factory=dict)


class ExportError(Exception):
    """An artifact could not be written (e.g. its folder is not writable); nothing was replaced."""

    def __init__(self, message: str, warnings: tuple[Diagnostic, ...] = ()) -> None:
        super().__init__(message)
        self.warnings = warnings  # what the exporters said before the build stopped
