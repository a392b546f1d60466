"""When each question last changed: the dates ledger beside the bank, and the dates it gives.

Anki's default import updates a note only when the package's copy is newer than the learner's,
so a release must date each note by when *that* question changed: an untouched question keeps
its date, and the learner's own edits to it survive. A file's modification time cannot say
that (a clone or checkout makes every file new), so deckbook keeps a ledger beside the bank,
``questions.dates.toml`` for ``questions.yaml``, which the author commits with it, like a lock
file. For each question it holds a digest of the question as the deck shows it and the date
that content first appeared; for the note type, the same for its templates and styling.

Same bank, same ledger: the same dates, on any machine, at any time, with no clock involved.
A question whose digest differs is re-dated: ``SOURCE_DATE_EPOCH`` when set, else now, and
always at least a second after its previous date. See docs/dates.md.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import stat
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from deckbook.bank import MAX_FILE_BYTES, Bank
from deckbook.diagnostics import Diagnostic, InputError, did_you_mean
from deckbook.exporters import apkg
from deckbook.tomlfile import TomlDocument, TomlError, kind, read_toml

FORMAT = 1
SUFFIX = ".dates.toml"
#: 2006-01-01 UTC: no Anki collection holds an earlier date; an earlier one is a mistake
EARLIEST = 1_136_073_600
#: How far ahead of this machine's clock a date may be: a day covers clocks and time zones
AHEAD = 86_400
DIGEST_CHARS = 16  # 64 bits of SHA-256: a content check, and short lines to review

_TABLES = ("format", "note-type", "questions", "removed")
_ENTRY_KEYS = ("date", "digest", "left")
_HEADER = """\
# The dates ledger of {bank}, written by deckbook: commit it with the bank, do not edit it.
# Each question's date is when its content (texts, tags, topic, difficulty) last changed. The
# Anki deck dates each note with it, so a release updates only the notes that changed and a
# learner's own edits to the others survive. The digest tells deckbook that a question changed.
# "removed" lists the questions that left the bank: their last date and when they left.
# See deckbook's docs/dates.md.
"""


class DateError(Exception):
    """A date deckbook cannot use: SOURCE_DATE_EPOCH or a bank file's modification time."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One question's (or the note type's) date, in seconds since the epoch, and content digest;
    for a question that left the bank, also when it left."""

    date: int
    digest: str
    left: int = 0


@dataclass(frozen=True)
class Ledger:
    """The ledger's content: the note type's entry, the questions' by id, the removed ones by id."""

    notetype: Entry | None = None
    questions: Mapping[str, Entry] = field(default_factory=dict)
    removed: Mapping[str, Entry] = field(default_factory=dict)
    written: bytes = b""  # the file as read_ledger found it: a rebuild rewrites it only if it differs


@dataclass(frozen=True)
class Changes:
    """How the bank differs from its ledger: question ids in bank order (removed ones sorted)."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    notetype: bool = False
    created: bool = False  # there was no ledger

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed or self.notetype or self.created)

    def summary(self) -> str:
        """"2 changed (a, b), 1 new (c), 1 removed (d), note type restyled"."""
        if self.created:
            return f"a new ledger, {len(self.added)} question{'' if len(self.added) == 1 else 's'} dated"
        parts = [f"{len(ids)} {word} ({_some(ids)})"
                 for ids, word in ((self.changed, "changed"), (self.added, "new"), (self.removed, "removed"))
                 if ids]
        if self.notetype:
            parts.append("note type restyled")
        return ", ".join(parts) or "no question changed"


@dataclass(frozen=True)
class Dating:
    """A bank with its dates, and what publishing them takes."""

    bank: Bank  # every question dated; bank.modified is the latest question date
    ledger: Path | None  # the ledger file, None for a bank from standard input
    content: bytes | None  # the ledger's new bytes, None when the file is current (or unwritable)
    changes: Changes
    removed: Mapping[str, int]  # every question that ever left the bank: its id and when
    warnings: tuple[Diagnostic, ...] = ()


def ledger_path(bank_file: Path) -> Path:
    """The ledger of *bank_file*: ``questions.dates.toml`` beside ``questions.yaml``."""
    return bank_file.with_name(bank_file.stem + SUFFIX)


def source_date_epoch(environ: Mapping[str, str] = os.environ, now: float | None = None) -> int | None:
    """SOURCE_DATE_EPOCH as seconds, None when unset or empty; DateError when not a date
    deckbook can use: not whole seconds, before 2006, or more than a day ahead of the clock."""
    value = environ.get("SOURCE_DATE_EPOCH", "")
    if not value:
        return None
    if not (value.isascii() and value.isdigit()):
        raise DateError(f"SOURCE_DATE_EPOCH={value!r} is not a date: it must be whole seconds since "
                        "1970-01-01 UTC, such as the last commit's: SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)")
    return _checked(int(value), f"SOURCE_DATE_EPOCH={value}", now)


def file_date(path: Path, now: float | None = None) -> int:
    """The modification time of *path* in whole seconds; DateError when it is absurd."""
    return _checked(int(path.stat().st_mtime), f"{path}: its modification time", now)


def read_ledger(path: Path) -> Ledger | None:
    """The ledger at *path*, None if there is none; InputError with every problem located."""
    try:
        with open(path, "rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except (FileNotFoundError, IsADirectoryError):  # none, or nothing deckbook can read or replace
        return None
    try:
        document = read_toml(path, data, limit=MAX_FILE_BYTES)
    except TomlError as exc:
        raise InputError([replace(problem, message=problem.message + _CONFLICT_HINT.format(file=path.name))
                          if problem.message.startswith("TOML syntax") else problem
                          for problem in exc.problems]) from None
    return replace(_Reader(document).ledger(), written=data)


def digests(bank: Bank) -> tuple[str, dict[str, str]]:
    """The note type's digest and each question's, by id: of what the deck shows."""
    width = DIGEST_CHARS
    questions = {question.id: apkg.note_digest(bank, topic, question)[:width]
                 for topic, questions in bank.sections() for question in questions}
    return apkg.note_type_digest()[:width], questions


def update(ledger: Ledger | None, notetype: str, questions: Mapping[str, str], now: int) -> tuple[Ledger, Changes]:
    """The ledger for the digests *notetype* and *questions* (ids in bank order): entries whose
    digest is the same keep their date; the others are dated *now*, or a second after their
    previous date if that is not earlier. Questions gone from the bank move to 'removed'."""
    old = ledger or Ledger()
    before = {**old.removed, **old.questions}

    def dated(digest: str, previous: Entry | None) -> Entry:
        if previous is not None and previous.digest == digest:
            return Entry(previous.date, digest) if previous.left else previous  # back as it left: its date
        return Entry(max(now, previous.date + 1, previous.left + 1) if previous is not None else now, digest)

    entries = {key: dated(digest, before.get(key)) for key, digest in questions.items()}
    removed = {key: entry for key, entry in old.removed.items() if key not in questions}
    gone = sorted(key for key in old.questions if key not in questions)
    for key in gone:
        entry = old.questions[key]
        removed[key] = Entry(entry.date, entry.digest, max(now, entry.date + 1))
    note_type = dated(notetype, old.notetype)
    changes = Changes(
        added=tuple(key for key in questions if key not in old.questions),
        changed=tuple(key for key in questions if key in old.questions and entries[key] != old.questions[key]),
        removed=tuple(gone),
        notetype=note_type != old.notetype,
        created=ledger is None,
    )
    return Ledger(note_type, entries, removed), changes


def render(ledger: Ledger, bank_name: str) -> bytes:
    """The ledger as TOML: a header, then one line per entry, sorted by id; UTC dates."""
    lines = [_HEADER.format(bank=bank_name), f"format = {FORMAT}\n"]
    if ledger.notetype is not None:
        lines.append(f'\n[note-type]\ndate = {_stamp(ledger.notetype.date)}\ndigest = "{ledger.notetype.digest}"\n')
    for table, entries in (("questions", ledger.questions), ("removed", ledger.removed)):
        if entries or table == "questions":
            lines.append(f"\n[{table}]\n")
            lines += [f'{key} = {{ date = {_stamp(entry.date)}, digest = "{entry.digest}"'
                      + (f", left = {_stamp(entry.left)}" if entry.left else "") + " }\n"
                      for key, entry in sorted(entries.items())]
    return "".join(lines).encode()


def apply(bank: Bank, ledger: Ledger) -> Bank:
    """*bank* with each question dated from *ledger*, which holds them all."""
    questions = tuple(replace(question, modified=ledger.questions[question.id].date) for question in bank.questions)
    return replace(bank, questions=questions, modified=max(question.modified for question in questions),
                   notetype_modified=ledger.notetype.date if ledger.notetype else 0)


def one_date(bank: Bank, date: int) -> Bank:
    """*bank* with every question, and the note type, dated *date*: the fallback without a ledger."""
    return replace(bank, questions=tuple(replace(question, modified=date) for question in bank.questions),
                   modified=date, notetype_modified=date)


def date_bank(bank: Bank, bank_file: Path | None, ledger: Ledger | None, *,
              environ: Mapping[str, str] = os.environ, clock: Callable[[], float] = time.time,
              writable: Callable[[Path], str | None] | None = None) -> Dating:
    """Date *bank*, read from *bank_file* (None: standard input) with its *ledger* (read by
    read_ledger): the new ledger's bytes when it changed, or, when the ledger cannot be written,
    one date for all (SOURCE_DATE_EPOCH, else the file's modification time, else now) and a
    warning that says what that costs. Raises DateError for an unusable date."""
    now = clock()
    epoch = source_date_epoch(environ, now)
    today = epoch if epoch is not None else int(now)
    if bank_file is None:
        return _fallback(bank, None, today, "a bank from standard input has no dates ledger")
    path = ledger_path(bank_file)
    notetype, questions = digests(bank)
    new, changes = update(ledger, notetype, questions, today)
    content = render(new, bank_file.name)
    if ledger is not None and not changes and ledger.written == content:
        return Dating(apply(bank, new), path, None, changes, _removed(new))
    why = (writable or cannot_write)(path)
    if why is not None:
        date = epoch if epoch is not None else file_date(bank_file, now)
        return _fallback(bank, path, date, f"cannot write {path} ({why})")
    return Dating(apply(bank, new), path, content, changes, _removed(new))


def cannot_write(path: Path) -> str | None:
    """Why the ledger at *path* cannot be replaced, or None: it must be a regular file (or
    missing) in a folder this process may write."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        return exc.strerror or str(exc)
    if info is not None and not stat.S_ISREG(info.st_mode):  # lstat: a symbolic link too
        return "it is not a regular file"
    if not os.access(path.parent if str(path.parent) else ".", os.W_OK):
        return "its folder is read-only"
    if info is not None and not os.access(path, os.W_OK):
        return "it is read-only"
    return None


# -- inside --------------------------------------------------------------------------------
_CONFLICT_HINT = ("; if git left conflict markers in the ledger, take either side whole (git checkout "
                  "--theirs {file}), then run deckbook build: it re-dates the questions that differ")


def _fallback(bank: Bank, path: Path | None, date: int, why: str) -> Dating:
    cost = (f"{why}: every note is dated {_stamp(date)}, so an import updates every note, "
            "replacing learners' own edits, and a rebuild in the same second is not seen as newer")
    shown = str(path) if path is not None else bank.source
    return Dating(one_date(bank, date), path, None, Changes(), {},
                  (Diagnostic(shown, 0, 0, cost, "warning"),))


def _removed(ledger: Ledger) -> dict[str, int]:
    return {key: entry.left for key, entry in sorted(ledger.removed.items())}


def _checked(seconds: int, what: str, now: float | None) -> int:
    now = time.time() if now is None else now
    if seconds < EARLIEST:
        raise DateError(f"{what} is {_day(seconds)}, before Anki existed (2006); it must be whole "
                        "seconds since 1970-01-01 UTC, such as the last commit's: $(git log -1 --format=%ct)")
    if seconds > now + AHEAD:
        hint = (f"; in milliseconds? in seconds it is {seconds // 1000}" if EARLIEST <= seconds // 1000 <= now + AHEAD
                else "")
        raise DateError(f"{what} is {_day(seconds)}, more than a day ahead of this machine's clock "
                        f"({_day(int(now))}){hint}; a note dated in the future would never be updated again")
    return seconds


def _day(seconds: int) -> str:
    try:
        return time.strftime("%Y-%m-%d", time.gmtime(seconds))
    except (OverflowError, OSError, ValueError):
        return "beyond the year 9999"


def _stamp(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def _some(ids: tuple[str, ...], shown: int = 5) -> str:
    return ", ".join(ids[:shown]) + (f" and {len(ids) - shown} more" if len(ids) > shown else "")


class _Reader:
    """Checks a ledger document, collecting every problem at its line and column."""

    def __init__(self, document: TomlDocument) -> None:
        self.document = document
        self.problems: list[Diagnostic] = []

    def ledger(self) -> Ledger:
        data = self.document.data
        for key in data:
            if key not in _TABLES:
                self.error((key,), f"unknown key '{key}' in the dates ledger{did_you_mean(key, _TABLES)}")
        if data.get("format", FORMAT) != FORMAT:
            self.error(("format",), f"format {data['format']!r} is not one this deckbook reads ({FORMAT}); "
                       "a newer deckbook wrote it", at_value=True)
        notetype = self.entry(("note-type",), data["note-type"]) if "note-type" in data else None
        tables = {name: self.entries(name, data.get(name, {}), left=name == "removed")
                  for name in ("questions", "removed")}
        if self.problems:
            raise InputError(self.problems)
        return Ledger(notetype, tables["questions"], tables["removed"])

    def entries(self, name: str, value: object, *, left: bool) -> dict[str, Entry]:
        if not isinstance(value, dict):
            self.error((name,), f"'{name}' must be a table of question ids, not {kind(value)}")
            return {}
        found = {}
        for key, entry in value.items():
            checked = self.entry((name, key), entry, left=left)
            if checked is not None:
                found[key] = checked
        return found

    def entry(self, path: tuple[str, ...], value: object, *, left: bool = False) -> Entry | None:
        if not isinstance(value, dict):
            self.error(path, f"'{self.document.dotted(path)}' must be {{ date = ..., digest = ... }}, not {kind(value)}")
            return None
        known = _ENTRY_KEYS if left else _ENTRY_KEYS[:2]
        for key in value:
            if key not in known:
                self.error((*path, key), f"unknown key '{key}'{did_you_mean(key, known)}")
        digest = value.get("digest")
        ok = True
        gone = self.when(path, value, "left") if left else 0
        seconds = self.when(path, value, "date")
        if "digest" not in value:
            self.error(path, f"'{self.document.dotted(path)}' has no digest", at_value=True)
            ok = False
        elif not (isinstance(digest, str) and len(digest) == DIGEST_CHARS
                and all(char in "0123456789abcdef" for char in digest)):
            self.error((*path, "digest"), f"'{self.document.dotted(path)}' needs a digest of {DIGEST_CHARS} "
                       "lowercase hexadecimal digits",
                       at_value=True)
            ok = False
        if not ok or seconds is None or gone is None:
            return None
        assert isinstance(digest, str)
        return Entry(seconds, digest, gone)

    def when(self, path: tuple[str, ...], entry: dict, key: str) -> int | None:
        """The date and time at *key* of *entry*, in seconds; None, reported, if it is not one."""
        value = entry.get(key)
        what = f"'{self.document.dotted(path)}'"
        if key not in entry:
            self.error(path, f"{what} has no {key}", at_value=True)
        elif not (isinstance(value, datetime.datetime) and value.tzinfo is not None):
            self.error((*path, key), f"{what} needs {key} = a date and time in UTC, such as 2026-01-31T12:00:00Z, "
                       f"not {kind(value)}" + (" without a time zone" if isinstance(
                           value, (datetime.date, datetime.time)) else ""), at_value=True)
        else:
            return int(value.timestamp())
        return None

    def error(self, path: tuple, message: str, *, at_value: bool = False) -> None:
        self.problems.append(self.document.error(path, message, at_value=at_value))
