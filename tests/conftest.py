"""Shared fixtures: a CLI runner and the bank corpus.

A build writes the dates ledger beside its bank, so the tests read the corpus and the bundled
bank from a copy made for the session, never the checkout: BANKS, VALID, INVALID and BUNDLED
point there. Each valid corpus bank starts with a ledger dated EPOCH, whatever order the tests
run in; the bundled bank has the ledger committed beside it.
"""

import atexit
import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
EPOCH = 1_700_000_000  # the SOURCE_DATE_EPOCH of every test, unless it sets its own

_COPY = Path(tempfile.mkdtemp(prefix="deckbook-tests-"))
atexit.register(shutil.rmtree, _COPY, ignore_errors=True)
shutil.copytree(TESTS / "banks", _COPY / "banks")
for _name in ("questions.yaml", "questions.dates.toml", "deckbook.toml"):
    shutil.copy2(ROOT / _name, _COPY / _name)

BANKS = _COPY / "banks"
VALID = sorted((BANKS / "valid").glob("*.yaml"))
INVALID = sorted((BANKS / "invalid").glob("*.yaml"))
WARNINGS = sorted((BANKS / "warnings").glob("*.yaml"))  # valid, with what they must warn
BUNDLED = _COPY / "questions.yaml"
SHIPPED = ROOT / "questions.yaml"  # the checkout's own, for tests that only read it


def _date_the_corpus() -> None:
    from deckbook import bank, dates

    for path in VALID + WARNINGS:
        loaded = bank.load_bank(path)
        ledger, _ = dates.update(None, *dates.digests(loaded), EPOCH)
        dates.ledger_path(path).write_bytes(dates.render(ledger, path.name))


_date_the_corpus()


def expected_lines(bank_file: Path) -> list[str]:
    """The lines a corpus file says it must print: its '# expect:' lines or its .expect file."""
    sidecar = bank_file.with_suffix(".expect")
    text = sidecar.read_text() if sidecar.exists() else bank_file.read_bytes().decode("utf-8", "replace")
    lines = [line.removeprefix("# expect: ") for line in text.splitlines()
             if sidecar.exists() or line.startswith("# expect: ")]
    return [f"{bank_file}:{line}" for line in lines]


@pytest.fixture
def runner() -> CliRunner:
    """A click runner with stdout and stderr kept apart."""
    return CliRunner()


@pytest.fixture(autouse=True)
def _fixed_source_date(monkeypatch):
    """Builds in tests are dated, not clocked; a test that needs otherwise sets its own."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))


@pytest.fixture(autouse=True)
def _no_system_fonts(request, monkeypatch):
    """Builds in tests see no installed fonts, so what they print is the same on every machine;
    a test that asks for the ``system_fonts`` fixture sees this machine's."""
    if "system_fonts" not in request.fixturenames:
        from deckbook.pdfkit import system

        monkeypatch.setattr(system, "installed", lambda: ())


@pytest.fixture
def system_fonts():
    """This machine's installed fonts, with the Debian packages the acceptance bank needs
    (fonts-noto-cjk, fonts-symbola: .ci/run installs them); skips where they are missing."""
    from deckbook.pdfkit import system

    families = {font.family for font in system.installed()}
    missing = [package for package, family in (("fonts-noto-cjk", "Noto Sans CJK JP"), ("fonts-symbola", "Symbola"))
               if family not in families]
    if missing:
        pytest.skip(f"needs the Debian fonts {', '.join(missing)} (apt-get install {' '.join(missing)})")
    return system.installed()


@pytest.fixture
def col(tmp_path):
    """A fresh Anki collection, closed after the test."""
    from anki_support import open_collection  # the anki package loads only for tests that use it

    folder = tmp_path / "anki"
    folder.mkdir()
    collection = open_collection(folder)
    yield collection
    collection.close()


#: What a warning about CJK characters or emoji no font has tells the user to install.
CJK_ADVICE = ("install a font that has {them} (Debian: fonts-noto-cjk; macOS: PingFang SC; Windows: "
              "Microsoft YaHei) or add one to fonts.fallback in deckbook.toml's [style]")
EMOJI_ADVICE = ("install a font that has {them} (Debian: fonts-symbola; macOS: Symbola or Noto Emoji; "
                "Windows: Segoe UI Emoji) or add one to fonts.fallback in deckbook.toml's [style]")
