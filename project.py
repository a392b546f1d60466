"""The project file, deckbook.toml: which bank, where to write, the style, and what to build.

``load_project`` reads and checks all of it, reporting every problem at once with its
``FILE:LINE:COL``; ``Project.check`` then checks it against the loaded bank (topics and tags
that exist, selections that select something, file names that do not collide).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from deckbook.bank import DIFFICULTIES, Bank
from deckbook.diagnostics import Diagnostic, InputError, did_you_mean, printable
from deckbook import exporters
from deckbook.exporters.base import Job
from deckbook.pdfkit.style import MAX_GRID, StyleError, load_style, parse_grid
from deckbook.tomlfile import KeyPath, TomlDocument, TomlError, kind, read_toml

PAGE_SIZES = ("a4", "letter")
FLIPS = ("long-edge", "short-edge")
SELECTION_KEYS = ("topics", "tags", "difficulty")
ARTIFACT_KEYS = ("format", "name", "page_size", "grid", "flip", *SELECTION_KEYS)
TOP_KEYS = ("bank", "out", "style", "artifact")
MAX_NAME_CHARS = 200

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class ProjectError(InputError):
    """The project file is invalid; *problems* lists every error found, sorted by position."""


@dataclass(frozen=True, slots=True)
class Selection:
    """Which questions an artifact holds: all criteria given must hold (AND), any value of one (OR)."""

    topics: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    difficulty: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        """Whether no criterion is given: the artifact holds the whole bank."""
        return not (self.topics or self.tags or self.difficulty)

    def apply(self, bank: Bank) -> Bank:
        """The part of *bank* selected: its questions in bank order, each keeping its booklet number."""
        return bank.select(self.topics, self.tags, self.difficulty)


@dataclass(frozen=True, slots=True)
class ArtifactSpec:
    """One [[artifact]] of the project file: a format, its options, and the questions it holds."""

    format: str  # the name of an exporter in the registry
    name: str | None  # the file name without suffix; None for the default
    options: Mapping[str, str]  # only those written: page_size "a4"/"letter", grid "3x3", flip
    selection: Selection
    number: int  # 1-based place among the [[artifact]] tables; 0 for a default artifact
    line: int  # where its table starts in the project file, for messages
    column: int

    @property
    def suffix(self) -> str:
        """The suffix of the file it writes: ".apkg", or ".pdf" for the three PDFs."""
        return exporters.EXPORTERS[self.format].SUFFIX

    def file_name(self, bank: Bank) -> str:
        """The file name without suffix, as *name* is: *name*, else the bank's slug, followed by
        the format for cards and worksheet ("my-bank-cards"); the exporter adds the suffix."""
        return self.name or (bank.slug if self.format in ("apkg", "booklet") else f"{bank.slug}-{self.format}")


def jobs(artifacts: tuple[ArtifactSpec, ...], bank: Bank, *, style: dict, out: Path,
         page_size: str | None = None) -> list[Job]:
    """What build writes for *artifacts* into *out*: each its selection of *bank*, file and options;
    every PDF in *style*, and on *page_size* when given (the command line's --page-size)."""
    found = []
    for spec in artifacts:
        options: dict[str, object] = dict(spec.options)
        if "page_size" in exporters.EXPORTERS[spec.format].OPTIONS:  # the PDF exporters: paper and style
            options["style"] = style
            if page_size:
                options["page_size"] = page_size
        found.append(Job(spec.format, spec.selection.apply(bank), out / f"{spec.file_name(bank)}{spec.suffix}",
                         options))
    return found


DEFAULT_ARTIFACTS = tuple(ArtifactSpec(format=name, name=None, options=MappingProxyType({}),
                                       selection=Selection(), number=0, line=1, column=1)
                          for name in ("apkg", "booklet"))


@dataclass(frozen=True, slots=True)
class Project:
    """A valid project file: bank and out joined to its folder, the checked style, the artifacts."""

    path: Path
    bank: Path | None
    out: Path | None
    style: dict  # as pdfkit.style.load_style returns it
    artifacts: tuple[ArtifactSpec, ...]
    source: TomlDocument | None = field(default=None, compare=False, repr=False)  # for messages

    def check(self, bank: Bank) -> list[Diagnostic]:
        """Problems of the artifacts with *bank*: unknown topics and tags, empty selections, clashing names."""
        problems: list[Diagnostic] = []
        topic_ids = tuple(topic.id for topic in bank.topics)
        tags = tuple(dict.fromkeys(tag for question in bank.questions for tag in question.tags))
        for spec in self.artifacts:
            selection, found = spec.selection, True
            for topic in selection.topics:
                if topic not in topic_ids:
                    hint = did_you_mean(topic, topic_ids) or f"; the bank's topics are: {', '.join(topic_ids)}"
                    problems.append(self._error(spec, ("topics", topic), f"topic '{topic}' of artifact "
                                                f"{spec.number} is not in the bank{hint}"))
                    found = False
            for tag in selection.tags:
                if tag not in tags:
                    problems.append(self._error(spec, ("tags", tag), f"tag '{tag}' of artifact {spec.number} "
                                                f"is on no question of the bank{did_you_mean(tag, tags)}"))
                    found = False
            if found and not selection.empty and not selection.apply(bank).questions:
                first = next((key for key in self._written(spec) if key in SELECTION_KEYS), None)
                problems.append(self._error(spec, (first, None) if first else None, f"artifact {spec.number} "
                                            f"selects no question: none has {_describe(selection)}", at_value=False))
        problems += self._clashes(bank)
        return sorted(problems)

    def _clashes(self, bank: Bank) -> list[Diagnostic]:
        problems = []
        taken: dict[str, ArtifactSpec] = {}
        for spec in self.artifacts:
            file_name = spec.file_name(bank) + spec.suffix
            first = taken.setdefault(file_name.casefold(), spec)  # case-insensitive file systems
            if first is spec:
                continue
            other = first.file_name(bank) + first.suffix
            same = (f"as artifact {first.number} does" if other == file_name else f"and artifact {first.number} "
                    f"'{other}': the same file where case does not count (macOS, Windows)")
            problems.append(self._error(spec, ("name", None) if spec.name else None,
                                        f"artifact {spec.number} writes '{file_name}', {same}; "
                                        "give one of them another name"))
        return problems

    def _written(self, spec: ArtifactSpec) -> dict:
        """The [[artifact]] table of *spec* as written (empty for a default artifact)."""
        if self.source is None or spec.number == 0:
            return {}
        return self.source.data["artifact"][spec.number - 1]

    def _error(self, spec: ArtifactSpec, where: tuple[str, str | None] | None, message: str, *,
               at_value: bool = True) -> Diagnostic:
        """A problem at *where* = (key, list item or None) of *spec*, else at the start of its table."""
        if self.source is None or where is None or spec.number == 0:
            return Diagnostic(str(self.path), spec.line, spec.column, printable(message))
        key, item = where
        path: KeyPath = ("artifact", spec.number - 1, key)
        if item is not None:
            path += (self._written(spec)[key].index(item),)
        return self.source.error(path, message, at_value=at_value)


def load_project(path: Path) -> Project:
    """Read and check the project file at *path*; raise ProjectError with every problem."""
    try:
        document = read_toml(path)
    except TomlError as exc:
        raise ProjectError(exc.problems) from None
    checker = _Checker(document)
    data = document.data
    for key in data:
        if key not in TOP_KEYS:
            hint = did_you_mean(key, TOP_KEYS) or f"; expected one of: {', '.join(TOP_KEYS)}"
            checker.error((key,), f"unknown key '{key}' in {document.path.name}{hint}")
    bank = checker.relative_path("bank", file=True)
    out = checker.relative_path("out", file=False)
    style = checker.style()
    artifacts = checker.artifacts()
    if checker.problems:
        raise ProjectError(checker.problems)
    return Project(path=Path(path), bank=bank, out=out, style=style, artifacts=artifacts, source=document)


def _shown(value: object) -> str:
    """A wrong value for a message: text in quotes, anything else by its kind."""
    return f"'{value}'" if isinstance(value, str) else kind(value)


def _describe(selection: Selection) -> str:
    """'topic python and difficulty hard': the criteria of a selection, for messages."""
    parts = [f"{label} {' or '.join(values)}" for label, values in
             (("topic", selection.topics), ("tag", selection.tags), ("difficulty", selection.difficulty))
             if values]
    return " and ".join(parts)


class _Checker:
    """Checks the project file's values, collecting every problem."""

    def __init__(self, document: TomlDocument) -> None:
        self.document = document
        self.problems: list[Diagnostic] = []

    def error(self, path: KeyPath, message: str, *, at_value: bool = False) -> None:
        self.problems.append(self.document.error(path, message, at_value=at_value))

    def text(self, path: KeyPath, what: str) -> str | None:
        """The text at *path*, or None after reporting it is not text or empty."""
        value = self.value(path)
        if not isinstance(value, str):
            self.error(path, f"{what} must be text, not {kind(value)}", at_value=True)
            return None
        if not value.strip():
            self.error(path, f"{what} is empty", at_value=True)
            return None
        return value

    def value(self, path: KeyPath) -> object:
        value: object = self.document.data
        for key in path:
            value = value[key]  # type: ignore[index]
        return value

    def relative_path(self, key: str, *, file: bool) -> Path | None:
        """``bank`` (an existing file) or ``out`` (not a file), relative to the project's folder."""
        if key not in self.document.data:
            return None
        value = self.text((key,), key)
        if value is None:
            return None
        path = self.document.path.parent / value
        where = f"a path is relative to the folder of {self.document.path.name}"
        if file and not path.is_file():
            self.error((key,), f"bank '{value}' is not a file; {where}", at_value=True)
        elif not file and path.exists() and not path.is_dir():
            self.error((key,), f"out '{value}' is a file; it must be a folder ({where})", at_value=True)
        return path

    def style(self) -> dict:
        if not isinstance(self.document.data.get("style", {}), dict):
            self.error(("style",), f"style must be a table, [style], not {kind(self.document.data['style'])}")
            return {}
        try:
            return load_style(self.document.table("style"))
        except StyleError as exc:
            self.problems += exc.problems
            return {}

    def artifacts(self) -> tuple[ArtifactSpec, ...]:
        if "artifact" not in self.document.data:
            return DEFAULT_ARTIFACTS
        tables = self.document.data["artifact"]
        if isinstance(tables, dict):
            self.error(("artifact",), "write [[artifact]], with double brackets: one table per artifact")
            return ()
        if not isinstance(tables, list) or not tables:
            shown = "an empty list" if isinstance(tables, list) else kind(tables)
            self.error(("artifact",), f"artifact must be [[artifact]] tables, not {shown}; leave it out "
                       "to build the Anki deck and the booklet")
            return ()
        specs = [self.artifact(index, table) for index, table in enumerate(tables)]
        return tuple(spec for spec in specs if spec is not None)

    def artifact(self, index: int, table: object) -> ArtifactSpec | None:
        number, at = index + 1, ("artifact", index)
        line, column = self.document.key_at(at)
        if not isinstance(table, dict):
            self.error(at, f"artifact {number} must be a table, as in {{ format = \"apkg\" }}, not {kind(table)}")
            return None
        problems = len(self.problems)
        unknown = [key for key in table if key not in ARTIFACT_KEYS]
        for key in unknown:
            hint = did_you_mean(key, ARTIFACT_KEYS) or f"; expected one of: {', '.join(ARTIFACT_KEYS)}"
            self.error(at + (key,), f"unknown key '{key}' in artifact {number}{hint}")
        misspelt = any(did_you_mean(key, ("format",)) for key in unknown)  # no second message for it
        form = self.format(at, table, number, missing=not misspelt)
        name = self.name(at, table, number, form) if "name" in table else None
        options: dict[str, str] = {}
        for key in ("page_size", "grid", "flip"):
            if key not in table:
                continue
            if form is not None and key not in exporters.EXPORTERS[form].OPTIONS:
                takers = ", ".join(other for other, module in exporters.EXPORTERS.items() if key in module.OPTIONS)
                self.error(at + (key,), f"{key} is not an option of format '{form}' (artifact {number}); "
                           f"it is for {takers}")
                continue
            option = self.option(at + (key,), table[key], number)
            if option is not None:
                options[key] = option
        selection = Selection(**{key: self.selection(at + (key,), table[key], number)
                                 for key in SELECTION_KEYS if key in table})
        if form is None or len(self.problems) > problems:
            return None
        return ArtifactSpec(format=form, name=name, options=MappingProxyType(options), selection=selection,
                            number=number, line=line, column=column)

    def format(self, at: KeyPath, table: dict, number: int, *, missing: bool) -> str | None:
        """The format; if it is not given, report so when *missing*."""
        listed = ", ".join(exporters.EXPORTERS)
        if "format" not in table:
            if missing:
                self.error(at, f"artifact {number} has no 'format'; give one of {listed}")
            return None
        value = table["format"]
        if value in exporters.EXPORTERS:
            return value
        hint = did_you_mean(value, tuple(exporters.EXPORTERS)) if isinstance(value, str) else ""
        self.error(at + ("format",), f"format of artifact {number} must be one of {listed}, not "
                   f"{_shown(value)}{hint}", at_value=True)
        return None

    def name(self, at: KeyPath, table: dict, number: int, form: str | None) -> str | None:
        value = self.text(at + ("name",), f"name of artifact {number}")
        if value is None:
            return None
        reason = ""
        if "/" in value or "\\" in value:
            reason = "it has a slash; every artifact is written to the out folder"
        elif value.startswith("."):
            reason = "it starts with a dot (a hidden file)"
        elif _CONTROL.search(value):
            reason = "it has a control character"
        elif len(value) > MAX_NAME_CHARS:
            reason = f"it is longer than {MAX_NAME_CHARS} characters"
        elif value != value.strip():
            reason = "it starts or ends with a space"
        elif form is not None and value.lower().endswith(exporters.EXPORTERS[form].SUFFIX):
            reason = f"deckbook adds the suffix {exporters.EXPORTERS[form].SUFFIX} itself"
        if reason:
            shown = value if len(value) <= 60 else value[:59] + "…"
            self.error(at + ("name",), f"name '{shown}' of artifact {number} must be a plain "
                       f"file name without suffix: {reason}", at_value=True)
            return None
        return value

    def option(self, path: KeyPath, value: object, number: int) -> str | None:
        """page_size, grid or flip, normalised: "a4", "3x3", "long-edge"."""
        key = path[-1]
        if key == "grid":
            grid = parse_grid(value) if isinstance(value, str) else None
            if grid:
                return f"{grid[0]}x{grid[1]}"
            self.error(path, f'grid of artifact {number} must be COLSxROWS with 1 to {MAX_GRID} of each, as in '
                       f'"3x3", not {_shown(value)}', at_value=True)
            return None
        choices = PAGE_SIZES if key == "page_size" else FLIPS
        normal = value.strip().lower() if isinstance(value, str) else None
        if normal in choices:
            return normal
        hint = did_you_mean(normal, choices) if normal else ""
        anycase = " (in any case)" if key == "page_size" else ""
        self.error(path, f"{key} of artifact {number} must be {' or '.join(choices)}{anycase}, not "
                   f"{_shown(value)}{hint}", at_value=True)
        return None

    def selection(self, path: KeyPath, value: object, number: int) -> tuple[str, ...]:
        """topics, tags or difficulty: a list of texts, without repeats."""
        key = path[-1]
        if not isinstance(value, list):
            example = '["hard"]' if key == "difficulty" else '["python"]'
            self.error(path, f"{key} of artifact {number} must be a list, as in {example}, not {kind(value)}",
                       at_value=True)
            return ()
        if not value:
            self.error(path, f"{key} of artifact {number} is an empty list, which selects nothing; "
                       "leave it out to select by the other criteria", at_value=True)
            return ()
        items: dict[str, None] = {}
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item:
                shown = "empty" if item == "" else f"{kind(item)}, not text"
                self.error(path + (index,), f"item {index + 1} of {key} of artifact {number} is {shown}",
                           at_value=True)
            elif key == "difficulty" and item not in DIFFICULTIES:
                self.error(path + (index,), f"difficulty '{item}' of artifact {number} is not one of "
                           f"{', '.join(DIFFICULTIES)}{did_you_mean(item, DIFFICULTIES)}", at_value=True)
            else:
                items.setdefault(item)
        return tuple(items)
