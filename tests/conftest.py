"""Shared fixtures: a CLI runner and the bank corpus."""

from pathlib import Path

import pytest
from click.testing import CliRunner

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
VALID = sorted((TESTS / "banks" / "valid").glob("*.yaml"))
INVALID = sorted((TESTS / "banks" / "invalid").glob("*.yaml"))
BUNDLED = ROOT / "questions.yaml"


@pytest.fixture
def runner() -> CliRunner:
    """A click runner with stdout and stderr kept apart."""
    return CliRunner()


@pytest.fixture(autouse=True)
def _fixed_source_date(monkeypatch):
    """Builds in tests are dated, not clocked; a test that needs otherwise sets its own."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")


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
