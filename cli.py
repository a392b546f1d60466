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
    sys.exit(importlib.import_module("deckbook.cli").main())

import json  # noqa: E402  (after the checkout bootstrap above)
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import click  # noqa: E402

from deckbook import __version__, exporters, release  # noqa: E402
from deckbook import bank as bank_module  # noqa: E402
from deckbook.bank import Bank, BankError  # noqa: E402
from deckbook.exporters.base import ExportError  # noqa: E402

_BANK = click.argument(
    "bank_file", metavar="[BANK]", default="questions.yaml",
    type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path),
)
_PAGE_SIZE = click.option(
    "--page-size", type=click.Choice(["a4", "letter"]), default="a4", show_default=True,
    help="Paper size of the booklet.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="deckbook")
def cli() -> None:
    """Build an Anki deck and a PDF study booklet from one YAML question bank.

    BANK is a questions.yaml file (default: ./questions.yaml; '-' reads standard input).

    \b
    Example:
        deckbook validate questions.yaml
        deckbook build questions.yaml --out dist
    """


@cli.command()
@click.argument("bank_files", metavar="[BANK]...", nargs=-1,
                type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path))
def validate(bank_files: tuple[Path, ...]) -> None:
    """Check each BANK and print a summary, or every problem with FILE:LINE:COL.

    \b
    Example:
        deckbook validate questions.yaml
        cat questions.yaml | deckbook validate -
    """
    if not bank_files:
        bank_files = (click.Path(exists=True, dir_okay=False, path_type=Path)
                      .convert("questions.yaml", None, click.get_current_context()),)
    failed = False
    for bank_file in bank_files:
        bank = _load(bank_file)
        if bank is None:
            failed = True
            continue
        counts = ", ".join(f"{topic.name} {len(questions)}" for topic, questions in bank.sections())
        click.echo(f"{bank.source}: valid: {_count(len(bank.questions), 'question')} in "
                   f"{_count(len(bank.topics), 'topic')} ({counts})")
    if failed:
        sys.exit(1)


@cli.command()
@_BANK
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default="dist",
              show_default=True, help="Folder for the artifacts; created if missing.")
@_PAGE_SIZE
@click.option("--check", is_flag=True,
              help="Fail on any warning, of the bank or an exporter, and then write nothing (for CI gates).")
def build(bank_file: Path, out_dir: Path, page_size: str, check: bool) -> None:
    """Check BANK, then write every artifact into --out: all of them, or none.

    Writes OUT/<slug>.apkg and OUT/<slug>.pdf, where <slug> comes from the bank's title,
    with OUT/SHA256SUMS and OUT/manifest.json (counts, pages, sizes, checksums, version),
    and prints each file's path, size and SHA-256.

    \b
    Example:
        deckbook build questions.yaml --out dist
        SOURCE_DATE_EPOCH=1700000000 deckbook build --page-size letter
    """
    bank = _load_or_exit(bank_file)
    targets = {name: out_dir / f"{bank.slug}{module.SUFFIX}" for name, module in exporters.EXPORTERS.items()}
    _export(bank, targets, {"pdf": {"page_size": page_size}}, strict=check,
            extras=lambda artifacts: release.files(bank, artifacts, __version__))


@cli.command()
@_BANK
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The .apkg file to write.")
def anki(bank_file: Path, output: Path) -> None:
    """Check BANK, then write its Anki deck: one subdeck per topic.

    \b
    Example:
        deckbook anki questions.yaml -o interview.apkg
    """
    _export(_load_or_exit(bank_file), {"apkg": output}, {})


@cli.command()
@_BANK
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The .pdf file to write.")
@_PAGE_SIZE
@click.option("--layout", type=click.Choice(["booklet", "cards", "worksheet"]), default="booklet",
              show_default=True,
              help="booklet: the study booklet; cards: flashcard sheets to print double-sided and cut; "
                   "worksheet: questions with room to write, then an answer key.")
@click.option("--grid", metavar="COLSxROWS", default=None, callback=lambda ctx, param, value: _grid(value),
              help="Cards per sheet for --layout cards, e.g. 2x4 (default from styles/booklet.toml).")
@click.option("--flip", type=click.Choice(["long-edge", "short-edge"]), default="long-edge",
              show_default=True, help="How the printer turns the sheet for --layout cards.")
def pdf(bank_file: Path, output: Path, page_size: str, layout: str, grid: str | None, flip: str) -> None:
    """Check BANK, then write its printable study booklet, flashcard sheets or worksheet.

    \b
    Example:
        deckbook pdf questions.yaml -o booklet.pdf --page-size letter
        deckbook pdf questions.yaml -o cards.pdf --layout cards --grid 2x4 --flip short-edge
        deckbook pdf questions.yaml -o worksheet.pdf --layout worksheet
    """
    options: dict[str, object] = {"page_size": page_size}
    if layout != "booklet":
        options["layout"] = layout
    if layout == "cards":
        options["flip"] = flip
        if grid is not None:
            options["grid"] = grid
    elif grid is not None or flip != "long-edge":
        raise click.UsageError("--grid and --flip are for --layout cards")
    _export(_load_or_exit(bank_file), {"pdf": output}, {"pdf": options})


@cli.command()
def schema() -> None:
    """Print the JSON Schema of the bank format, for editors.

    \b
    Example:
        deckbook schema > questions.schema.json
    """
    click.echo(json.dumps(bank_module.json_schema(), indent=2, ensure_ascii=False))


def _load_or_exit(bank_file: Path) -> Bank:
    """The valid bank, its warnings printed; or every problem printed and exit status 1."""
    bank = _load(bank_file)
    if bank is None:
        sys.exit(1)
    return bank


def _load(bank_file: Path) -> Bank | None:
    """The valid bank with its warnings printed, or None with every problem printed."""
    try:
        if str(bank_file) == "-":
            bank = bank_module.load_bank(None, sys.stdin.buffer.read())
        else:
            bank = bank_module.load_bank(bank_file)
    except BankError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        return None
    except OSError as exc:
        raise click.FileError(str(bank_file), exc.strerror) from exc
    for warning in bank.warnings:
        click.echo(str(warning), err=True)
    return bank


def _export(bank: Bank, targets: dict[str, Path], options: dict[str, dict[str, object]],
            **build_options: Any) -> None:
    """Run the exporters for *targets*, then print what was written; exit 1 if it failed."""
    try:
        written, warnings = exporters.build(bank, targets, options, **build_options)
    except ExportError as exc:
        for warning in exc.warnings:
            click.echo(f"warning: {warning}", err=True)
        click.echo(f"error: {exc}; nothing was written", err=True)
        sys.exit(1)
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    for artifact in written:
        click.echo(f"wrote {artifact.path}  {artifact.size:,} bytes  sha256 {artifact.sha256}")


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


def main() -> None:
    """The ``deckbook`` command's entry point."""
    cli(prog_name="deckbook")
