"""deckbook build with a project file: every declared artifact, all or nothing, located errors."""

import re
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import BUNDLED, ROOT
from deckbook import markup
from deckbook.bank import load_bank
from deckbook.cli import cli
from pdf_support import FOOTER, Booklet, squash

SLUG = "interview-questions-model-answers"
README = (ROOT / "README.md").read_text(encoding="utf-8")
EXAMPLE = re.search(r"^```toml\n(.*?)^```", README, flags=re.MULTILINE | re.DOTALL).group(1)


@pytest.fixture
def project(tmp_path) -> Path:
    """A user's folder: a copy of the bundled bank and the README's deckbook.toml."""
    (tmp_path / "questions.yaml").write_bytes(BUNDLED.read_bytes())
    (tmp_path / "deckbook.toml").write_text(EXAMPLE, encoding="utf-8")
    return tmp_path


@pytest.mark.slow
def test_the_readmes_project_file_builds_its_four_artifacts_and_lists_them(runner, project, monkeypatch):
    monkeypatch.chdir(project)
    result = runner.invoke(cli, ["build"])
    assert result.exit_code == 0, result.stderr
    out = project / "dist"
    names = sorted(path.name for path in out.iterdir())
    assert names == ["SHA256SUMS", f"{SLUG}-worksheet.pdf", f"{SLUG}.apkg", f"{SLUG}.pdf", "manifest.json",
                     "python-cards.pdf"]
    sums = (out / "SHA256SUMS").read_text().splitlines()
    assert sorted(line.split("  ")[1] for line in sums) == sorted(set(names) - {"SHA256SUMS", "manifest.json"})
    checked = subprocess.run(["sha256sum", "--check", "--strict", "SHA256SUMS"], cwd=out, capture_output=True,
                             text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    booklet = Booklet(out / f"{SLUG}.pdf")
    width, height = (float(x) for x in booklet.reader.pages[0].mediabox[2:])
    assert (round(width), round(height)) == (612, 792)  # Letter
    pages = len(booklet.reader.pages)
    for number, text in enumerate(booklet.pages, 1):
        assert f"SEITE {number} VON {pages} · 15 QUESTIONS INSGESAMT" in text
        assert not FOOTER.search(text)

    cards = squash("".join(page.extract_text() for page in PdfReader(out / "python-cards.pdf").pages))
    assert "PYTHON" in cards and "MACHINELEARNING" not in cards and "TESTING" not in cards
    for number in range(1, 9):
        assert f"Q{number}·" in cards  # the full booklet's numbers, Python's being Q1 to Q8
    assert "Q9·" not in cards

    worksheet = squash("".join(page.extract_text() for page in PdfReader(out / f"{SLUG}-worksheet.pdf").pages))
    questions = load_bank(project / "questions.yaml").questions
    assert {question.difficulty for question in questions} == {"easy", "medium"}
    for question in questions:
        asked = squash(markup.plain(question.question))
        assert (asked in worksheet) == (question.difficulty == "medium"), question.id


@pytest.mark.parametrize("written, typed, message", [
    ('format = "cards"', 'formt = "cards"', r"1: error: .*'formt'.*did you mean 'format'\?$"),
    ('sizes.body = "11pt"', 'sizes.body = "10.3"', r"\d+: error: .*10\.3.*unit"),
], ids=["key-typo", "length-without-unit"])
def test_a_mistake_in_the_project_file_is_a_located_error_and_nothing_is_written(runner, project, monkeypatch,
                                                                                 written, typed, message):
    text = EXAMPLE.replace(written, typed)
    (project / "deckbook.toml").write_text(text, encoding="utf-8")
    line = text.splitlines().index(typed) + 1
    monkeypatch.chdir(project)
    result = runner.invoke(cli, ["build"])
    assert result.exit_code == 1
    assert re.search(rf"^deckbook\.toml:{line}:{message}", result.stderr, flags=re.MULTILINE), result.stderr
    assert not (project / "dist").exists()


def test_problems_of_the_bank_and_the_project_file_are_reported_together(runner, project, monkeypatch):
    (project / "deckbook.toml").write_text(EXAMPLE.replace('format = "cards"', 'formt = "cards"'), encoding="utf-8")
    bank = (project / "questions.yaml").read_text(encoding="utf-8")
    (project / "questions.yaml").write_text(bank.replace("    topic: ml\n", "    topic: mll\n", 1), encoding="utf-8")
    monkeypatch.chdir(project)
    result = runner.invoke(cli, ["build"])
    assert result.exit_code == 1
    assert "deckbook.toml:" in result.stderr and "questions.yaml:" in result.stderr
    assert "did you mean 'ml'?" in result.stderr


def test_a_selection_that_selects_nothing_is_a_located_error(runner, project, monkeypatch):
    text = EXAMPLE.replace('difficulty = ["medium"]', 'difficulty = ["hard"]')
    (project / "deckbook.toml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(project)
    result = runner.invoke(cli, ["build"])
    assert result.exit_code == 1
    line = text.splitlines().index('difficulty = ["hard"]') + 1
    assert re.search(rf"^deckbook\.toml:{line}:\d+: error: ", result.stderr, flags=re.MULTILINE), result.stderr
    assert not (project / "dist").exists()


def test_the_repositorys_own_project_file_publishes_deck_booklet_cards_and_worksheet(runner, tmp_path):
    result = runner.invoke(cli, ["build", "--config", str(ROOT / "deckbook.toml"), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "SHA256SUMS", f"{SLUG}-cards.pdf", f"{SLUG}-worksheet.pdf", f"{SLUG}.apkg", f"{SLUG}.pdf", "manifest.json"]


@pytest.mark.slow
def test_the_bundled_artifacts_match_the_single_commands(runner, tmp_path):
    """The project file's four artifacts are the bytes anki and pdf --layout write alone."""
    assert runner.invoke(cli, ["build", "--config", str(ROOT / "deckbook.toml"), "--out",
                               str(tmp_path / "dist")]).exit_code == 0
    for name, args in [(f"{SLUG}.apkg", ["anki"]), (f"{SLUG}.pdf", ["pdf"]),
                       (f"{SLUG}-cards.pdf", ["pdf", "--layout", "cards"]),
                       (f"{SLUG}-worksheet.pdf", ["pdf", "--layout", "worksheet"])]:
        alone = tmp_path / ("alone" + Path(name).suffix)
        result = runner.invoke(cli, [args[0], str(BUNDLED), "-o", str(alone), *args[1:]])
        assert result.exit_code == 0, result.stderr
        assert alone.read_bytes() == (tmp_path / "dist" / name).read_bytes(), name
