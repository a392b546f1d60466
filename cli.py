"""The deckbook command: check a question bank, build its Anki deck and PDF booklet."""

from __future__ import annotations

if not __package__:  # `python cli.py` in a checkout: run this folder as the deckbook package
    import importlib.util
    import sys
    from pathlib import Path

    _HERE = Path(__file__).resolve().parent
    sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]
    _SPEC = importlib.util.spec_from_file_location(
        "deckbook", _HERE / "__init__.py", submodule_search_locations=[str(_HERE)])
    sys.modules["deckbook"] = importlib.util.module_from_spec(_SPEC)
    _SPEC.loader.exec_module(sys.modules["deckbook"])
    sys.exit(importlib.import_module("deckbook.__main__").main())

import json  # noqa: E402  (after the checkout bootstrap above)
import sys  # noqa: E402
from dataclasses import replace  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import click  # noqa: E402

from deckbook import Terminated, __version__, dates, exporters, release  # noqa: E402
from deckbook import bank as bank_module  # noqa: E402
from deckbook.bank import Bank, BankError  # noqa: E402
from deckbook.dates import DateError, Dating  # noqa: E402
from deckbook.diagnostics import Diagnostic, InputError, printable  # noqa: E402
from deckbook.exporters.base import Artifact, ExportError, Job  # noqa: E402

PROJECT_FILE = "deckbook.toml"
LAYOUTS = ("booklet", "cards", "worksheet")  # the PDF exporters, by `pdf --layout`

_BANK = click.argument("bank_file", metavar="[BANK]", required=False,
                       type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
_CONFIG = click.option(
    "--config", "config_file", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path),
    help=f"The project file (default: {PROJECT_FILE} in BANK's folder, if there is one).")
_PAGE_SIZE = click.option(
    "--page-size", type=click.Choice(["a4", "letter"], case_sensitive=False), default=None,
    help="Paper size of the PDFs: a4 (the default) or letter; overrides the project file.")


class _Deckbook(click.Group):
    """The command group, with deckbook's exit statuses: 130 after Ctrl-C and 143 after SIGTERM
    (temporary files removed, earlier artifacts left as they were), never a traceback for either."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            status = super().main(*args, standalone_mode=False, **kwargs)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except (click.Abort, KeyboardInterrupt) as exc:
            click.echo("Aborted!", err=True)
            sys.exit(143 if isinstance(exc.__cause__ or exc, Terminated) else 130)
        sys.exit(status if isinstance(status, int) else 0)


@click.group(cls=_Deckbook, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="deckbook")
def cli() -> None:
    """Build an Anki deck, a PDF study booklet, flashcards and a worksheet from one YAML
    question bank.

    BANK is a questions.yaml file (default: the project file's bank, else ./questions.yaml;
    '-' reads standard input). A deckbook.toml beside the bank says what to publish.

    \b
    Example:
        deckbook validate questions.yaml
        deckbook build questions.yaml --out dist
    """


@cli.command()
@click.argument("bank_files", metavar="[BANK]...", nargs=-1,
                type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
def validate(bank_files: tuple[Path, ...]) -> None:
    """Check each BANK, and the deckbook.toml beside it, and print a summary, or every problem
    with FILE:LINE:COL.

    \b
    Example:
        deckbook validate questions.yaml
        cat questions.yaml | deckbook validate -
    """
    failed = False
    for bank_file in bank_files or (None,):
        _, bank, _, _ = _load_inputs(bank_file, None)
        if bank is None:
            failed = True
            continue
        counts = ", ".join(f"{topic.name} {len(questions)}" for topic, questions in bank.sections())
        click.echo(printable(f"{bank.source}: valid: {_count(len(bank.questions), 'question')} "
                                         f"in {_count(len(bank.topics), 'topic')} ({counts})"))
    if failed:
        sys.exit(1)


@cli.command()
@_BANK
@_CONFIG
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the artifacts; created if missing (default: the project file's "
                   "'out', else dist).")
@_PAGE_SIZE
@click.option("--check", is_flag=True,
              help="Fail on any warning, of the bank or an exporter, or on a dates ledger that is not "
                   "current, and then write nothing (for CI gates).")
def build(bank_file: Path | None, config_file: Path | None, out_dir: Path | None, page_size: str | None,
          check: bool) -> None:
    """Check BANK and its project file, then write every artifact into --out: all of them, or
    none.

    Writes what deckbook.toml declares (without one: OUT/<slug>.apkg and OUT/<slug>.pdf,
    where <slug> comes from the bank's title), with OUT/SHA256SUMS and OUT/manifest.json
    (counts, pages, sizes, checksums, version), and prints each file's path, size and SHA-256.
    Updates the dates ledger beside the bank (questions.dates.toml) when questions changed:
    commit it with the bank.

    \b
    Example:
        deckbook build questions.yaml --out dist
        deckbook build --config deckbook.toml
        SOURCE_DATE_EPOCH=1700000000 deckbook build --page-size letter
    """
    project, bank, style, dating = _load_inputs(bank_file, config_file, explicit_config=config_file is not None,
                                                with_style=True, with_dates=True)
    if bank is None:
        sys.exit(1)
    if check and dating.content is not None:
        stale = (f"questions changed since the ledger ({dating.changes.summary()})" if not dating.changes.created
                 else f"there is no ledger {dating.ledger}")
        click.echo(f"error: {stale}: run deckbook build and commit {dating.ledger}; nothing was written", err=True)
        sys.exit(1)
    if out_dir is None:  # the project's out, else dist beside the project file, else ./dist
        out_dir = project.out or project.path.parent / "dist" if project is not None else Path("dist")
    out = out_dir
    other = release.foreign_artifacts(bank, out)
    if other:
        click.echo(f"error: {other}; nothing was written", err=True)
        sys.exit(1)
    from deckbook import project as project_module

    artifacts = project.artifacts if project is not None else project_module.DEFAULT_ARTIFACTS
    jobs = project_module.jobs(artifacts, bank, style=style, out=out, page_size=page_size)
    _export(bank, jobs, dating, strict=check, inputs=_inputs(bank_file, bank, project),
            extras=lambda artifacts: _release_files(bank, out, artifacts, dating))


@cli.command()
@_BANK
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              callback=lambda ctx, param, value: _suffix(value, ".apkg", "anki"),
              help="The .apkg file to write.")
def anki(bank_file: Path | None, output: Path) -> None:
    """Check BANK, then write its Anki deck: one subdeck per topic.

    \b
    Example:
        deckbook anki questions.yaml -o interview.apkg
    """
    _, bank, _, dating = _load_inputs(bank_file, None, with_project=False, with_dates=True)
    if bank is None:
        sys.exit(1)
    _export(bank, [Job("apkg", bank, output)], dating, inputs=_inputs(bank_file, bank, None))


@cli.command()
@_BANK
@_CONFIG
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              callback=lambda ctx, param, value: _suffix(value, ".pdf", "pdf"),
              help="The .pdf file to write.")
@_PAGE_SIZE
@click.option("--layout", type=click.Choice(LAYOUTS, case_sensitive=False), default="booklet",
              show_default=True,
              help="booklet: the study booklet; cards: flashcard sheets to print double-sided and cut; "
                   "worksheet: questions with room to write, then an answer key.")
@click.option("--grid", metavar="COLSxROWS", default=None, callback=lambda ctx, param, value: _grid(value),
              help="Cards per sheet for --layout cards, e.g. 2x4 (default from the style).")
@click.option("--flip", type=click.Choice(["long-edge", "short-edge"], case_sensitive=False),
              default="long-edge", show_default=True, help="How the printer turns the sheet for --layout cards.")
def pdf(bank_file: Path | None, config_file: Path | None, output: Path, page_size: str | None, layout: str,
        grid: str | None, flip: str) -> None:
    """Check BANK, then write its printable study booklet, flashcard sheets or worksheet, in the
    style of the project file's [style] when there is one.

    \b
    Example:
        deckbook pdf questions.yaml -o booklet.pdf --page-size letter
        deckbook pdf questions.yaml -o cards.pdf --layout cards --grid 2x4 --flip short-edge
        deckbook pdf questions.yaml -o worksheet.pdf --layout worksheet
    """
    if layout != "cards" and (grid is not None or flip != "long-edge"):
        raise click.UsageError("--grid and --flip are for --layout cards")
    project, bank, style, dating = _load_inputs(bank_file, config_file, explicit_config=config_file is not None,
                                                with_style=True, with_dates=True)
    if bank is None:
        sys.exit(1)
    options: dict[str, object] = {"page_size": page_size or "a4", "style": style}
    if layout == "cards":
        options.update(flip=flip, grid=grid)
    _export(bank, [Job(layout, bank, output, options)], dating, inputs=_inputs(bank_file, bank, project))


@cli.command()
def schema() -> None:
    """Print the JSON Schema of the bank format, for editors.

    \b
    Example:
        deckbook schema > questions.schema.json
    """
    click.echo(json.dumps(bank_module.json_schema(), indent=2, ensure_ascii=False))


def _load_inputs(bank_file: Path | None, config_file: Path | None, *, explicit_config: bool = False,
                 with_project: bool = True, with_style: bool = False, with_dates: bool = False,
                 ) -> tuple[Any, Bank | None, dict, Any]:
    """The project file (or None), the valid bank, the checked booklet style (the project's,
    else styles/booklet.toml with *with_style*, else none) and, *with_dates*, the bank's dating
    from its ledger (the bank returned is then the dated one), every warning printed; or every
    problem of them all printed and the bank None. BANK defaults to the project's bank, else
    ./questions.yaml; the project file to deckbook.toml beside the bank (none for standard input)."""
    from deckbook import project as project_module  # a bank-only command need not load its parser
    from deckbook.pdfkit import style as style_module

    problems: list[Diagnostic] = []
    project = None
    style: dict = {}
    if with_project:
        if config_file is None and str(bank_file) != "-":
            beside = (bank_file.parent if bank_file is not None else Path()) / PROJECT_FILE
            config_file = beside if beside.is_file() else None
        if config_file is not None:
            _must_exist(config_file, "--config" if explicit_config else PROJECT_FILE)
            try:
                project = project_module.load_project(config_file)
                style = project.style
            except InputError as exc:
                problems += exc.problems
        if config_file is None and with_style:  # the PDFs' look, for the commands that write them
            try:
                style = style_module.load_style()
            except InputError as exc:  # the shipped style file, edited in a checkout
                problems += exc.problems
    if bank_file is None:
        bank_file = (project.bank or project.path.parent / "questions.yaml" if project is not None
                     else Path("questions.yaml"))
    _must_exist(bank_file, "BANK")
    from_stdin = str(bank_file) == "-"
    ledger = None
    if with_dates and not from_stdin:
        try:
            ledger = dates.read_ledger(dates.ledger_path(bank_file))
        except InputError as exc:
            problems += exc.problems
        except OSError as exc:
            problems.append(Diagnostic(str(dates.ledger_path(bank_file)), 0, 0, exc.strerror or str(exc)))
    bank = None
    try:
        if str(bank_file) == "-":
            if sys.stdin is None:  # started with standard input closed (`<&-`): nothing to read
                raise click.FileError("-", "standard input is closed; pipe a bank into it or name a file")
            bank = bank_module.load_bank(None, bank_module.read_limited(sys.stdin.buffer))
        else:
            bank = bank_module.load_bank(bank_file)
    except BankError as exc:
        problems += exc.problems
    except OSError as exc:
        raise click.FileError(str(bank_file), exc.strerror) from exc
    if bank is not None and project is not None:
        problems += project.check(bank)
    for problem in sorted(problems):
        click.echo(str(problem), err=True)
    if problems:
        return project, None, style, None
    assert bank is not None
    for warning in bank.warnings:
        click.echo(str(warning), err=True)
    if not with_dates:
        return project, bank, style, None
    try:
        dating = dates.date_bank(bank, None if from_stdin else bank_file, ledger)
    except DateError as exc:
        click.echo(printable(f"error: {exc}; nothing was written"), err=True)
        return project, None, style, None
    for warning in dating.warnings:
        click.echo(str(warning), err=True)
    # the dating's warnings count for --check like the bank's own
    return project, replace(dating.bank, warnings=bank.warnings + dating.warnings), style, dating


def _must_exist(path: Path, name: str) -> None:
    if str(path) != "-" and not path.is_file():
        what = "is a folder" if path.is_dir() else "does not exist"
        raise click.BadParameter(f"{str(path)!r} {what}.", param_hint=f"'{name}'")


def _inputs(bank_file: Path | None, bank: Bank, project: Any) -> list[Path]:
    """The files a build reads, which it must never write over: the bank (unless it came from
    standard input) and the project file."""
    found = [] if str(bank_file) == "-" else [Path(bank.source)]
    return found + ([project.path] if project is not None else [])


def _release_files(bank: Bank, out: Path, artifacts: list[Artifact], dating: Dating) -> dict[Path, bytes]:
    """SHA256SUMS and manifest.json for *artifacts*, if *out* still holds no other bank's build:
    checked again here, under the folder's lock, as another build may have published meanwhile."""
    other = release.foreign_artifacts(bank, out)
    if other:
        raise ExportError(other)
    return release.files(bank, artifacts, __version__, removed=dating.removed)


def _waiting(folder: Path) -> None:
    click.echo(f"waiting for another deckbook build into {folder} to finish", err=True)


def _export(bank: Bank, jobs: list[Job], dating: Dating, **build_options: Any) -> None:
    """Run the exporters for *jobs* and publish the dates ledger with them, then print what was
    written and which questions left the bank; exit 1 if it failed."""
    updates = {dating.ledger: dating.content} if dating.ledger and dating.content is not None else {}
    try:
        written, warnings = exporters.build(bank, jobs, waiting=_waiting, updates=updates, **build_options)
    except ExportError as exc:
        for warning in exc.warnings:
            click.echo(str(warning), err=True)
        click.echo(f"error: {exc}; nothing was written", err=True)
        sys.exit(1)
    for warning in warnings:
        click.echo(str(warning), err=True)
    for artifact in written:
        click.echo(f"wrote {artifact.path}  {artifact.size:,} bytes  sha256 {artifact.sha256}")
    if updates:
        click.echo(printable(f"dated {dating.ledger}: {dating.changes.summary()}; commit it with the bank"))
    gone = dating.changes.removed
    if gone:
        click.echo(printable(
            f"note: {len(gone)} question{' has' if len(gone) == 1 else 's have'} left the bank since the ledger: "
            f"{', '.join(gone)}; learners who imported {'it keep its note' if len(gone) == 1 else 'them keep their notes'} "
            "(Anki never deletes on import), see 'Updating a deck' in deckbook's README"), err=True)


def _suffix(path: Path, suffix: str, command: str) -> Path:
    """*path*, if it ends in *suffix*: a deck is not a .pdf, a booklet not an .apkg."""
    if path.suffix.lower() != suffix:
        raise click.BadParameter(f"{str(path)!r} does not end in {suffix}; deckbook {command} writes "
                                 f"{suffix} files: try {str(path.with_suffix(suffix))!r}")
    return path


def _grid(value: str | None) -> str | None:
    """A card grid such as 2x4: columns by rows, each from 1 to 8."""
    if value is None:
        return None
    columns, _, rows = value.lower().partition("x")
    if not (columns.isdigit() and rows.isdigit() and 1 <= int(columns) <= 8 and 1 <= int(rows) <= 8):
        raise click.BadParameter(f"{value!r} is not COLSxROWS with 1 to 8 of each, e.g. 2x4")
    return f"{int(columns)}x{int(rows)}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
