"""The exporters, one module per artifact format, and the all-or-nothing build over them.

Each module has ``NAME`` (the command and registry key), ``SUFFIX`` (the file ending) and
``write(bank, out, **options) -> tuple[str, ...]``, which writes the artifact to the binary
stream *out* and returns warnings for the user (never raises for a valid bank).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType

from bank import Bank
from exporters import apkg, pdf

#: Every exporter by name, in build order.
EXPORTERS: dict[str, ModuleType] = {module.NAME: module for module in (apkg, pdf)}


class ExportError(Exception):
    """An artifact could not be written (e.g. its folder is not writable); nothing was replaced."""


def build(
    bank: Bank,
    targets: Mapping[str, Path],
    options: Mapping[str, Mapping[str, object]] | None = None,
) -> list[str]:
    """Write one artifact per exporter name in *targets*: all of them, or none. Returns warnings."""
    options = options or {}
    warnings: list[str] = []
    staged: list[tuple[Path, Path]] = []
    try:
        for name, target in targets.items():
            temp, found = _render_beside(EXPORTERS[name], bank, target, options.get(name, {}))
            staged.append((temp, target))
            warnings.extend(found)
        for temp, target in staged:
            os.replace(temp, target)
    finally:
        for temp, _ in staged:
            temp.unlink(missing_ok=True)
    return warnings


def _render_beside(
    exporter: ModuleType, bank: Bank, target: Path, options: Mapping[str, object]
) -> tuple[Path, tuple[str, ...]]:
    """Write the artifact to a temporary file in *target*'s folder, so a rename publishes it."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from exc
    temp = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            found = exporter.write(bank, out, **options)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o644)
    except BaseException as exc:
        temp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from exc
        raise
    return temp, tuple(found or ())
