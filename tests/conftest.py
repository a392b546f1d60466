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


@pytest.fixture
def col(tmp_path):
    """A fresh Anki collection, closed after the test."""
    from anki_support import open_collection  # the anki package loads only for tests that use it

    folder = tmp_path / "anki"
    folder.mkdir()
    collection = open_collection(folder)
    yield collection
    collection.close()
