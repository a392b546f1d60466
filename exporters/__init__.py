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
import re
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import BinaryIO

try:
    import fcntl
except ImportError:  # not a POSIX system: builds into one folder are not kept apart
    fcntl = None  # type: ignore[assignment]

from deckbook import markup
from deckbook.bank import Bank, FigureChangedError
from deckbook.exporters import apkg, booklet, cards, worksheet
from deckbook.diagnostics import Diagnostic
from deckbook.exporters.base import Artifact, ExportError, Job, Written

#: Every exporter by name, in build order.
EXPORTERS: dict[str, ModuleType] = {module.NAME: module for module in (apkg, booklet, cards, worksheet)}

# What a build keeps in an output folder while it runs, and only then: each artifact's temporary
# file (".deck.apkg.deckbook-k2x9a_0q.tmp") and a scratch folder for the exporters' own temporary
# files. Found there by a build that holds the folder's lock, they are a killed build's: removed.
_TEMP_MARK, _SCRATCH_PREFIX = ".deckbook-", ".deckbook-scratch-"
_TEMP_FILE = re.compile(r"\..+\.deckbook-[a-z0-9_]{8}\.tmp")  # tempfile's 8 random characters
_SCRATCH = re.compile(r"\.deckbook-scratch-[a-z0-9_]{8}")

_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def build(
    bank: Bank,
    jobs: Sequence[Job],
    *,
    extras: Callable[[list[Artifact]], Mapping[Path, bytes]] | None = None,
    strict: bool = False,
    inputs: Sequence[Path] = (),
    updates: Mapping[Path, bytes] | None = None,
    waiting: Callable[[Path], None] | None = None,
) -> tuple[list[Artifact], list[Diagnostic]]:
    """Write one artifact per job: all of them, or none.

    *extras* makes further files from the staged artifacts (checksums, a manifest), published
    with them. With *strict*, any warning fails the build before anything is published.
    A file is written only where there is none or a regular file, never over one of *inputs*
    (the bank, the project file), whatever the name. *updates* are input files the build
    rewrites (the dates ledger), published with the artifacts but not counted among them.
    Each output folder is locked for the whole build: another build of it waits, after calling
    *waiting* with the folder. Artifacts get
    the mode a new file gets (0o666 less the umask). Returns the files written and the
    exporters' warnings, each once, in bank order.
    """
    if strict and bank.warnings:
        count = len(bank.warnings)
        raise ExportError(f"--check: {count} warning{'' if count == 1 else 's'}")
    updates = updates or {}
    inputs = [*inputs, *updates]
    for job in jobs:  # before anything is made or locked
        _refuse_to_replace(job.target, inputs)
    mode = 0o666 & ~_umask()
    folders: dict[Path, list[Path]] = {}
    for target in [job.target for job in jobs] + list(updates):
        folders.setdefault(target.parent, []).append(target)
    found: set[Diagnostic] = set()
    warnings: list[Diagnostic] = []
    staged: list[tuple[Path, Artifact]] = []
    rewritten: list[tuple[Path, Path]] = []
    made: list[Path] = []
    locks: list[int] = []
    scratch: Path | None = None
    outer_tempdir = tempfile.tempdir
    published = False
    try:
        for folder in sorted(folders, key=os.path.realpath):  # one order for every build: no deadlock
            lock = _lock(folder, folders[folder][0], made, waiting)
            if lock is not None:
                locks.append(lock)
                _remove_leftovers(folder, [target.name for target in folders[folder]])
        for job in jobs:  # again: the lock keeps other builds out from here on
            _refuse_to_replace(job.target, inputs)
        scratch = _scratch_folder(jobs[0].target) if jobs else None  # never beside an update: a bank's folder
        # every temporary file an exporter makes goes into the scratch folder (genanki's
        # collection, say): removed below, or by the next build if this one is killed
        tempfile.tempdir = str(scratch) if scratch is not None else outer_tempdir
        with markup.shared_parses() if len(jobs) > 1 else contextlib.nullcontext():
            for job in jobs:  # the exporters read the same texts: parse once
                module = EXPORTERS[job.format]
                temp, written = _render_beside(job.target, lambda out, job=job, module=module: module.write(
                    job.bank, out, **job.options), mode)
                facts = {**written.facts, "questions": len(job.bank.questions)}
                staged.append((temp, _describe(job.format, job.target, temp, facts)))
                found.update(written.warnings)
        tempfile.tempdir = outer_tempdir
        warnings = sorted(found)
        if strict and warnings:
            count = len(bank.warnings) + len(warnings)
            raise ExportError(f"--check: {count} warning{'' if count == 1 else 's'}", tuple(warnings))
        try:
            more = extras([artifact for _, artifact in staged]) if extras else {}
        except ExportError as exc:  # e.g. the folder took another bank's build meanwhile
            raise ExportError(str(exc), exc.warnings or tuple(warnings)) from exc
        for target, data in more.items():
            temp, _ = _render_beside(target, _bytes(data), mode)
            staged.append((temp, _describe("", target, temp, {})))
        for _, artifact in staged:  # the one failure a rename could still meet: check before any
            _refuse_to_replace(artifact.path, inputs, tuple(warnings))
        for target, data in updates.items():
            temp, _ = _render_beside(target, _bytes(data), mode)
            rewritten.append((temp, target))
            _refuse_to_replace(target, (), tuple(warnings))
        for temp, artifact in staged:
            os.replace(temp, artifact.path)
        for temp, target in rewritten:  # after the artifacts: a ledger never runs ahead of them
            os.replace(temp, target)
        published = True
    finally:
        tempfile.tempdir = outer_tempdir
        for temp, _ in staged + rewritten:
            temp.unlink(missing_ok=True)
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
        for folder in sorted(made, key=lambda path: len(path.parts), reverse=True) if not published else ():
            _remove_if_empty(folder)  # while locked: a build waiting for it sees it gone, and makes it anew
        for lock in locks:
            os.close(lock)
    return [artifact for _, artifact in staged], warnings


def _refuse_to_replace(target: Path, inputs: Sequence[Path], warnings: tuple[Diagnostic, ...] = ()) -> None:
    """Raise ExportError unless *target* is free or a regular file that is none of *inputs*
    (compared as files, so another name, a hard link or a symbolic link to one is refused too)."""
    try:
        info = os.lstat(target)
    except OSError:
        return  # nothing there (or no folder yet, or a bad name, which making the folder reports)
    with contextlib.suppress(OSError):
        same = os.stat(target)  # through a symbolic link
        for source in inputs:
            with contextlib.suppress(OSError):
                other = os.stat(source)
                if (other.st_dev, other.st_ino) == (same.st_dev, same.st_ino):
                    raise ExportError(f"cannot write {target}: it is the same file as {source}, an input "
                                      "of this build", warnings)
    if stat.S_ISLNK(info.st_mode):
        raise ExportError(f"cannot write {target}: it is a symbolic link, and deckbook replaces only regular "
                          f"files; write to {os.path.realpath(target)} itself, or remove the link", warnings)
    if not stat.S_ISREG(info.st_mode):
        kind = next((name for test, name in _KINDS if test(info.st_mode)), "a special file")
        raise ExportError(f"cannot write {target}: it is {kind}, not a regular file", warnings)


def _umask() -> int:
    mask = os.umask(0o022)  # os.umask reads the mask only by setting it: set it back at once
    os.umask(mask)
    return mask


def _lock(folder: Path, target: Path, made: list[Path], waiting: Callable[[Path], None] | None) -> int | None:
    """Make *folder* if missing (adding what was made to *made*), then hold an advisory lock on
    it: its open descriptor, to close when the build is over; None where there are no locks."""
    told = False
    while True:
        try:
            made += _make_folders(folder)
            if fcntl is None:
                return None
            descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        except OSError as exc:
            raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from exc
        try:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if waiting is not None and not told:
                    waiting(folder)
                    told = True
                fcntl.flock(descriptor, fcntl.LOCK_EX)
        except OSError:  # a file system without locks (some network ones): build unlocked, as before
            os.close(descriptor)
            return None
        except BaseException:  # Ctrl-C or SIGTERM while waiting
            os.close(descriptor)
            raise
        if _is_open_at(descriptor, folder):
            return descriptor
        os.close(descriptor)  # the build we waited for failed and removed the folder it had made


def _is_open_at(descriptor: int, folder: Path) -> bool:
    try:
        here, there = os.fstat(descriptor), os.stat(folder)
    except OSError:
        return False
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


def _make_folders(folder: Path) -> list[Path]:
    """Make *folder* and its missing parents; return those this call made."""
    missing: list[Path] = []
    current = folder.absolute()
    while not os.path.exists(current) and current != current.parent:  # False, not OSError, for a bad name
        missing.append(current)
        current = current.parent
    made = []
    for path in reversed(missing):
        try:
            path.mkdir()
        except FileExistsError:
            continue  # made meanwhile by someone else: theirs
        made.append(path)
    return made


def _remove_leftovers(folder: Path, names: Iterable[str]) -> None:
    """Remove what a killed build left in *folder*: temporary files and scratch folders (and the
    temporary files of *names* as deckbook 0.1 named them, ".deck.apkg.k2x9a_0q.tmp")."""
    earlier = [re.compile(rf"\.{re.escape(name)}\.[a-z0-9_]{{8}}\.tmp") for name in names]
    with contextlib.suppress(OSError):
        with os.scandir(folder) as entries:
            for entry in list(entries):
                with contextlib.suppress(OSError):
                    if _SCRATCH.fullmatch(entry.name) and entry.is_dir(follow_symlinks=False):
                        shutil.rmtree(entry.path)
                    elif ((_TEMP_FILE.fullmatch(entry.name) or any(p.fullmatch(entry.name) for p in earlier))
                          and entry.is_file(follow_symlinks=False)):
                        os.unlink(entry.path)


def _scratch_folder(target: Path) -> Path:
    """A new scratch folder beside *target*, for the exporters' temporary files."""
    try:
        return Path(tempfile.mkdtemp(prefix=_SCRATCH_PREFIX, dir=target.parent))
    except OSError as exc:
        raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from exc


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


def _describe(name: str, target: Path, temp: Path, facts: Mapping[str, object]) -> Artifact:
    data = temp.read_bytes()
    return Artifact(name, target, len(data), hashlib.sha256(data).hexdigest(), dict(facts))


def _render_beside(target: Path, write: Callable[[BinaryIO], Written], mode: int) -> tuple[Path, Written]:
    """Write to a temporary file in *target*'s folder, so a rename publishes it whole, with *mode*."""
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}{_TEMP_MARK}", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from exc
    temp = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            written = write(out)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, mode)
    except BaseException as exc:
        temp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from exc
        if isinstance(exc, FigureChangedError):
            raise ExportError(f"cannot write {target}: {exc}") from exc
        raise
    return temp, written
