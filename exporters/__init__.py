"""The exporters, one module per artifact format, and the all-or-nothing build over them.

Each module has ``NAME`` (the registry key, the ``format`` of deckbook.toml), ``SUFFIX`` (the
file ending) and ``write(bank, out, **options) -> Written``, which writes the artifact to the
binary stream *out* and reports warnings located in the bank and facts about the artifact
(never raises for a valid bank).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import BinaryIO

from deckbook import markup
from deckbook.bank import Bank
from deckbook.exporters import apkg, booklet, cards, worksheet
from deckbook.diagnostics import Diagnostic
from deckbook.exporters.base import Artifact, ExportError, Job, Written

#: Every exporter by name, in build order.
EXPORTERS: dict[str, ModuleType] = {module.NAME: module for module in (apkg, booklet, cards, worksheet)}


def build(
    bank: Bank,
    jobs: Sequence[Job],
    *,
    extras: Callable[[list[Artifact]], Mapping[Path, bytes]] | None = None,
    strict: bool = False,
) -> tuple[list[Artifact], list[Diagnostic]]:
    """Write one artifact per job: all of them, or none.

    *extras* makes further files from the staged artifacts (checksums, a manifest), published
    with them. With *strict*, any warning fails the build before anything is published.
    Returns the files written and the exporters' warnings, each once, in bank order.
    """
    if strict and bank.warnings:
        count = len(bank.warnings)
        raise ExportError(f"--check: {count} warning{'' if count == 1 else 's'}")
    found: set[Diagnostic] = set()
    staged: list[tuple[Path, Artifact]] = []
    made = _missing_folders(job.target for job in jobs)
    published = False
    try:
        with markup.shared_parses() if len(jobs) > 1 else contextlib.nullcontext():
            for job in jobs:  # the exporters read the same texts: parse once
                module = EXPORTERS[job.format]
                temp, written = _render_beside(job.target, lambda out, job=job, module=module: module.write(
                    job.bank, out, **job.options))
                facts = {**written.facts, "questions": len(job.bank.questions)}
                staged.append((temp, _describe(job.format, job.target, temp, facts)))
                found.update(written.warnings)
        warnings = sorted(found)
        if strict and warnings:
            count = len(bank.warnings) + len(warnings)
            raise ExportError(f"--check: {count} warning{'' if count == 1 else 's'}", tuple(warnings))
        for target, data in (extras([artifact for _, artifact in staged]) if extras else {}).items():
            temp, _ = _render_beside(target, _bytes(data))
            staged.append((temp, _describe("", target, temp, {})))
        for _, artifact in staged:  # the one failure a rename could still meet: check before any
            if artifact.path.is_dir():
                raise ExportError(f"cannot write {artifact.path}: it is a folder", tuple(warnings))
        for temp, artifact in staged:
            os.replace(temp, artifact.path)
        published = True
    finally:
        for temp, _ in staged:
            temp.unlink(missing_ok=True)
        for folder in made if not published else ():
            _remove_if_empty(folder)
    return [artifact for _, artifact in staged], warnings


def _missing_folders(targets: Iterable[Path]) -> list[Path]:
    """The folders a build would create, deepest first: removed again if it fails."""
    missing: set[Path] = set()
    for target in targets:
        folder = target.parent.absolute()
        while not os.path.exists(folder) and folder != folder.parent:  # False, not OSError, for a bad name
            missing.add(folder)
            folder = folder.parent
    return sorted(missing, key=lambda path: len(path.parts), reverse=True)


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass  # not empty, or never made: either way not ours to remove


def _bytes(data: bytes) -> Callable[[BinaryIO], Written]:
    def write(out: BinaryIO) -> Written:
        out.write(data)
        return Written()
    return write


def _describe(name: str, target: Path, temp: Path, facts: Mapping[str, int]) -> Artifact:
    data = temp.read_bytes()
    return Artifact(name, target, len(data), hashlib.sha256(data).hexdigest(), dict(facts))


def _render_beside(target: Path, write: Callable[[BinaryIO], Written]) -> tuple[Path, Written]:
    """Write to a temporary file in *target*'s folder, so a rename publishes it whole."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from exc
    temp = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            written = write(out)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o644)
    except BaseException as exc:
        temp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from exc
        raise
    return temp, written
