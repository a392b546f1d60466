"""Shared fixtures: a CLI runner and the bank corpus."""

from pathlib import Path

import pytest
from click.testing import CliRunner

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
VALID = sorted((TESTS / "banks" / "valid").glob("*.yaml"))
INVALID = sorted((TESTS / "banks" / "invalid").glob("*.yaml"))
WARNINGS = sorted((TESTS / "banks" / "warnings").glob("*.yaml"))  # valid, with what they must warn
BUNDLED = ROOT / "questions.yaml"


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
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")


@pytest.fixture
def col(tmp_path):
    """A fresh Anki collection, closed after the test."""
    from anki_support import open_collection  # the anki package loads only for tests that use it

    folder = tmp_path / "anki"
    folder.mkdir()
    collection = open_collection(folder)
    yield collection
    collection.close()
