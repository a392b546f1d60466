"""Releases that respect learners: the dates ledger, checked in a real Anki collection.

Each test plays the release cycle of a shared deck: the author edits the bank and builds,
learners import with the options Anki's import dialog starts with, and edit their notes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from anki_support import import_package
from conftest import BANKS, BUNDLED, EPOCH, TESTS
from deckbook import dates
from deckbook.bank import load_bank
from deckbook.cli import cli
from deckbook.exporters import apkg

LEDGERS = sorted((TESTS / "ledgers" / "invalid").glob("*.toml"))
DAY = 86_400


@pytest.fixture
def author(tmp_path) -> Path:
    """The bundled bank and its committed ledger in an author's folder."""
    folder = tmp_path / "author"
    folder.mkdir()
    shutil.copy2(BUNDLED, folder / "questions.yaml")
    shutil.copy2(BUNDLED.with_name("questions.dates.toml"), folder / "questions.dates.toml")
    return folder / "questions.yaml"


def deck(runner, monkeypatch, bank_file: Path, out: Path, epoch: int | None = EPOCH) -> Path:
    """`deckbook anki BANK -o OUT`, with SOURCE_DATE_EPOCH=*epoch* (None: unset)."""
    if epoch is None:
        monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    else:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch))
    result = runner.invoke(cli, ["anki", str(bank_file), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


def edit(bank_file: Path, old: str, new: str) -> None:
    text = bank_file.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    bank_file.write_text(text.replace(old, new), encoding="utf-8")


def notes(col) -> dict:
    return {note["Id"]: note for note in map(col.get_note, col.find_notes(""))}


def learner_edits(col, ident: str, addition: str) -> None:
    """A learner adds *addition* to the answer of the note of question *ident*, in Anki."""
    note = notes(col)[ident]
    note["Answer"] += addition
    col.update_note(note)


def updated(log) -> list[str]:
    return sorted(entry.fields[-1] for entry in log.updated)


# -- acceptance, in a real collection ------------------------------------------------------------
def test_1_new_cards_of_the_root_deck_come_up_in_the_banks_order(runner, monkeypatch, tmp_path, col, author):
    bank = load_bank(author)
    names = [topic.name for topic in bank.topics]
    assert names != sorted(names)  # Python, Machine Learning, LLMs, Testing
    import_package(col, deck(runner, monkeypatch, author, tmp_path / "v1.apkg"))
    root = col.decks.id_for_name(bank.deck)
    col.decks.select(root)
    options = col.decks.config_dict_for_deck_id(root)
    assert options["id"] == 1 and options["new"]["perDay"] >= len(bank.questions)  # a fresh profile's
    queued = col.sched.get_queued_cards(fetch_limit=100).cards
    order = [col.get_card(entry.card.id).note()["Id"] for entry in queued]
    assert order == [question.id for _, questions in bank.sections() for question in questions]
    assert [name.name for name in col.decks.all_names_and_ids() if "::" in name.name] == [
        "Interview Questions::1. Python", "Interview Questions::2. Machine Learning",
        "Interview Questions::3. LLMs", "Interview Questions::4. Testing"]


def test_2_only_the_edited_question_updates(runner, monkeypatch, tmp_path, col, author):
    import_package(col, deck(runner, monkeypatch, author, tmp_path / "v1.apkg"))
    learner_edits(col, "eq-vs-is", "<p>My own mnemonic</p>")
    edit(author, "Use generators, file iteration", "Use lazy generators, file iteration")

    log = import_package(col, deck(runner, monkeypatch, author, tmp_path / "v2.apkg", EPOCH + DAY))

    assert updated(log) == ["large-files"]
    assert len(log.duplicate) == 14 and not (log.new or log.conflicting)
    assert notes(col)["eq-vs-is"]["Answer"].endswith("<p>My own mnemonic</p>")
    assert "lazy generators" in notes(col)["large-files"]["Answer"]


def test_3_a_fresh_copy_with_every_file_new_rebuilds_byte_identical_and_updates_nothing(
        runner, monkeypatch, tmp_path, col, author):
    first = deck(runner, monkeypatch, author, tmp_path / "v1.apkg", epoch=None)
    import_package(col, first)
    clone = tmp_path / "clone"
    shutil.copytree(author.parent, clone)  # every mtime is now
    now = time.time()
    for path in clone.iterdir():
        os.utime(path, (now, now))

    again = deck(runner, monkeypatch, clone / "questions.yaml", tmp_path / "v2.apkg", epoch=None)

    assert again.read_bytes() == first.read_bytes()
    log = import_package(col, again)
    assert not (log.updated or log.new or log.conflicting) and len(log.duplicate) == 15


def test_4_an_edit_built_in_the_same_second_lands(runner, monkeypatch, tmp_path, col, author):
    import_package(col, deck(runner, monkeypatch, author, tmp_path / "v1.apkg", EPOCH))
    edit(author, "Use generators, file iteration", "Use lazy generators, file iteration")
    log = import_package(col, deck(runner, monkeypatch, author, tmp_path / "v2.apkg", EPOCH))
    edit(author, "lazy generators", "lazy generators, on demand")
    log_again = import_package(col, deck(runner, monkeypatch, author, tmp_path / "v3.apkg", EPOCH))
    assert updated(log) == updated(log_again) == ["large-files"]
    assert "on demand" in notes(col)["large-files"]["Answer"]


def test_5_a_build_dated_now_after_editing_d_lands_d_and_leaves_a(runner, monkeypatch, tmp_path, col, author):
    import_package(col, deck(runner, monkeypatch, author, tmp_path / "v1.apkg"))
    learner_edits(col, "eq-vs-is", "<p>learner's note</p>")
    edit(author, "Use generators, file iteration", "Use lazy generators, file iteration")
    now = int(time.time())

    log = import_package(col, deck(runner, monkeypatch, author, tmp_path / "v2.apkg", now))

    assert updated(log) == ["large-files"] and not (log.new or log.conflicting)
    assert notes(col)["large-files"].mod == now
    assert notes(col)["eq-vs-is"]["Answer"].endswith("<p>learner's note</p>")


@pytest.mark.parametrize("value, says", [
    ("1796162183000", "SOURCE_DATE_EPOCH=1796162183000 is 58888-02-11, more than a day ahead of this "
                      "machine's clock"),
    ("yesterday", "SOURCE_DATE_EPOCH='yesterday' is not a date: it must be whole seconds since 1970-01-01 UTC"),
    ("1700000000.5", "SOURCE_DATE_EPOCH='1700000000.5' is not a date"),
    ("-1", "SOURCE_DATE_EPOCH='-1' is not a date"),
    ("86400", "SOURCE_DATE_EPOCH=86400 is 1970-01-02, before Anki existed (2006)"),
    ("99999999999999999999999", "SOURCE_DATE_EPOCH=99999999999999999999999 is beyond the year 9999"),
], ids=["milliseconds", "word", "fraction", "negative", "before-anki", "huge"])
@pytest.mark.parametrize("command", ["build", "anki", "pdf"])
def test_6_an_unusable_source_date_epoch_is_an_error_and_writes_nothing(runner, monkeypatch, tmp_path, author,
                                                                        value, says, command):
    edit(author, "Use generators, file iteration", "Use lazy generators, file iteration")  # a ledger to update
    ledger = author.with_name("questions.dates.toml").read_bytes()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    out = tmp_path / "out"
    args = {"build": ["--out", str(out)], "anki": ["-o", str(out / "d.apkg")], "pdf": ["-o", str(out / "b.pdf")]}
    result = runner.invoke(cli, [command, str(author), *args[command]])
    assert result.exit_code == 1
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: {says}") and line.endswith("; nothing was written"), line
    assert not out.exists()
    assert author.with_name("questions.dates.toml").read_bytes() == ledger
    if value == "1796162183000":
        assert "in milliseconds? in seconds it is 1796162183" in line


@pytest.mark.slow
def test_7_one_commit_builds_the_same_bytes_on_any_machine_zone_and_checkout_time(tmp_path, author):
    """Two checkouts of one commit (bank + ledger), built in other processes, time zones, folders
    and at other checkout times, with one SOURCE_DATE_EPOCH and with none: the same bytes."""
    outputs = []
    for number, (zone, mtime, epoch) in enumerate([("UTC", 1_600_000_000, "1750000000"),
                                                   ("Pacific/Chatham", time.time(), "1750000000"),
                                                   ("Asia/Kolkata", 1_700_000_000, None)]):
        checkout = tmp_path / f"machine{number}" / "repo"
        shutil.copytree(author.parent, checkout)
        for path in checkout.iterdir():
            os.utime(path, (mtime, mtime))
        env = {key: value for key, value in os.environ.items() if key != "SOURCE_DATE_EPOCH"}
        env.update(TZ=zone, PYTHONHASHSEED=str(number), **({"SOURCE_DATE_EPOCH": epoch} if epoch else {}))
        subprocess.run([sys.executable, "-m", "deckbook", "build", "--out", "dist"], cwd=checkout, env=env,
                       check=True, capture_output=True, timeout=120)
        outputs.append({path.name: path.read_bytes() for path in sorted((checkout / "dist").iterdir())})
    assert len(outputs[0]) == 4  # the deck, the booklet, SHA256SUMS, manifest.json
    assert outputs[0] == outputs[1] == outputs[2]


# -- the ledger --------------------------------------------------------------------------------
def test_a_first_build_writes_a_sorted_readable_ledger_and_says_to_commit_it(runner, tmp_path):
    bank_file = tmp_path / "questions.yaml"
    shutil.copy(BANKS / "valid" / "anki-cards.yaml", bank_file)
    result = runner.invoke(cli, ["build", str(bank_file), "--out", str(tmp_path / "dist")])
    assert result.exit_code == 0, result.output
    ledger = tmp_path / "questions.dates.toml"
    assert result.stdout.splitlines()[-1] == f"dated {ledger}: a new ledger, 5 questions dated; commit it with the bank"
    text = ledger.read_text()
    assert text.startswith("# The dates ledger of questions.yaml, written by deckbook")
    entries = [line for line in text.splitlines() if " = { date = " in line]
    assert [line.split(" ")[0] for line in entries] == sorted(q.id for q in load_bank(bank_file).questions)
    assert all(line.endswith('" }') and "2023-11-14T22:13:20Z" in line for line in entries)
    assert "[note-type]\ndate = 2023-11-14T22:13:20Z\n" in text
    again = runner.invoke(cli, ["build", str(bank_file), "--out", str(tmp_path / "dist")])
    assert "dated" not in again.stdout and ledger.read_text() == text


def test_build_check_fails_on_a_stale_or_missing_ledger_and_writes_nothing(runner, tmp_path, author):
    edit(author, "Use generators, file iteration", "Use lazy generators, file iteration")
    ledger = author.with_name("questions.dates.toml")
    before = ledger.read_bytes()
    result = runner.invoke(cli, ["build", str(author), "--check", "--out", str(tmp_path / "dist")])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        f"error: questions changed since the ledger (1 changed (large-files)): run deckbook build and commit "
        f"{ledger}; nothing was written")
    assert ledger.read_bytes() == before and not (tmp_path / "dist").exists()
    ledger.unlink()
    result = runner.invoke(cli, ["build", str(author), "--check", "--out", str(tmp_path / "dist")])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        f"error: there is no ledger {ledger}: run deckbook build and commit {ledger}; nothing was written")
    assert not ledger.exists()


def test_the_bundled_banks_committed_ledger_is_current(runner, tmp_path):
    result = runner.invoke(cli, ["build", str(BUNDLED), "--check", "--out", str(tmp_path / "dist")])
    assert result.exit_code == 0, (
        f"{result.stderr}\nthe bundled bank or the card design changed: run deckbook build and commit "
        "questions.dates.toml")


def test_removed_questions_are_named_kept_in_the_ledger_and_listed_in_the_manifest(runner, tmp_path, author):
    text = author.read_text(encoding="utf-8")
    start, end = text.index("  - id: args-kwargs"), text.index("  - id: eq-vs-is")
    author.write_text(text[:start] + text[end:], encoding="utf-8")
    result = runner.invoke(cli, ["build", str(author), "--out", str(tmp_path / "dist")])
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "note: 1 question has left the bank since the ledger: args-kwargs; learners who imported it keep "
        "its note (Anki never deletes on import), see 'Updating a deck' in deckbook's README\n")
    ledger = dates.read_ledger(author.with_name("questions.dates.toml"))
    assert "args-kwargs" in ledger.removed and "args-kwargs" not in ledger.questions
    assert ledger.removed["args-kwargs"].date == dates.read_ledger(BUNDLED.with_name(
        "questions.dates.toml")).questions["args-kwargs"].date  # its last content date, kept
    left = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ledger.removed["args-kwargs"].left))
    manifest = json.loads((tmp_path / "dist" / "manifest.json").read_text())
    assert manifest["bank"]["removed"] == [{"id": "args-kwargs", "date": left}]
    again = runner.invoke(cli, ["build", str(author), "--out", str(tmp_path / "dist")])
    assert again.stderr == ""  # said once
    assert [entry["id"] for entry in json.loads((tmp_path / "dist" / "manifest.json").read_text())
            ["bank"]["removed"]] == ["args-kwargs"]  # listed in every release after


def test_a_question_that_returns_as_it_left_keeps_its_date_and_a_changed_one_is_dated_after(
        runner, tmp_path, author):
    original = author.read_text(encoding="utf-8")
    start, end = original.index("  - id: args-kwargs"), original.index("  - id: eq-vs-is")
    ledger_file = author.with_name("questions.dates.toml")
    before = dates.read_ledger(ledger_file).questions["args-kwargs"]
    author.write_text(original[:start] + original[end:], encoding="utf-8")
    assert runner.invoke(cli, ["anki", str(author), "-o", str(tmp_path / "a.apkg")]).exit_code == 0
    left = dates.read_ledger(ledger_file).removed["args-kwargs"].left
    assert left > before.date
    author.write_text(original, encoding="utf-8")
    assert runner.invoke(cli, ["anki", str(author), "-o", str(tmp_path / "b.apkg")]).exit_code == 0
    ledger = dates.read_ledger(ledger_file)
    assert ledger.questions["args-kwargs"] == before and "args-kwargs" not in ledger.removed
    assert ledger_file.read_bytes() == BUNDLED.with_name("questions.dates.toml").read_bytes()
    author.write_text(original[:start] + original[end:], encoding="utf-8")
    assert runner.invoke(cli, ["anki", str(author), "-o", str(tmp_path / "c.apkg")]).exit_code == 0
    edit(author, "  - id: eq-vs-is", original[start:end].replace("*args", "*arguments", 1) + "  - id: eq-vs-is")
    assert runner.invoke(cli, ["anki", str(author), "-o", str(tmp_path / "d.apkg")]).exit_code == 0
    back = dates.read_ledger(ledger_file).questions["args-kwargs"]
    assert back.digest != before.digest and back.date > left


def test_a_topic_moved_to_another_place_renumbers_subdecks_but_redates_no_question(runner, tmp_path, author):
    edit(author, "  python: Python\n  ml: Machine Learning\n", "  ml: Machine Learning\n  python: Python\n")
    result = runner.invoke(cli, ["anki", str(author), "-o", str(tmp_path / "d.apkg")])
    assert result.exit_code == 0 and "dated" not in result.stdout


def test_a_bank_from_standard_input_has_one_date_and_says_what_that_costs(runner, tmp_path):
    result = runner.invoke(cli, ["anki", "-", "-o", str(tmp_path / "d.apkg")], input=BUNDLED.read_bytes())
    assert result.exit_code == 0
    assert result.stderr == (
        "<stdin>: warning: a bank from standard input has no dates ledger: every note is dated "
        "2023-11-14T22:13:20Z, so an import updates every note, replacing learners' own edits, and a "
        "rebuild in the same second is not seen as newer\n")
    checked = runner.invoke(cli, ["build", "-", "--check", "--out", str(tmp_path / "dist")], input=BUNDLED.read_bytes())
    assert checked.exit_code == 1 and checked.stderr.endswith("error: --check: 1 warning; nothing was written\n")


def test_a_ledger_that_cannot_be_written_falls_back_to_one_date_with_a_warning(runner, tmp_path, author):
    ledger = author.with_name("questions.dates.toml")
    ledger.unlink()
    ledger.mkdir()  # in the way: not a file deckbook may replace
    os.utime(author, (1_750_000_000, 1_750_000_000))
    result = runner.invoke(cli, ["anki", str(author), "-o", str(tmp_path / "d.apkg")])
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith(f"{ledger}: warning: cannot write {ledger} (it is not a regular file): "
                                    "every note is dated 2023-11-14T22:13:20Z")
    assert ledger.is_dir()


def test_without_a_ledger_or_source_date_epoch_an_absurd_bank_file_date_is_an_error(
        runner, monkeypatch, tmp_path, author):
    ledger = author.with_name("questions.dates.toml")
    ledger.unlink()
    ledger.mkdir()
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    future = time.time() + 400 * DAY
    os.utime(author, (future, future))
    result = runner.invoke(cli, ["anki", str(author), "-o", str(tmp_path / "d.apkg")])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {author}: its modification time is ")
    assert "more than a day ahead of this machine's clock" in result.stderr
    assert not (tmp_path / "d.apkg").exists()


@pytest.mark.parametrize("ledger_file", LEDGERS, ids=lambda path: path.stem)
def test_an_invalid_ledger_is_reported_at_every_problem_with_the_banks_and_nothing_is_written(
        runner, tmp_path, ledger_file):
    bank_file = tmp_path / "questions.yaml"
    shutil.copy(BANKS / "valid" / "anki-cards.yaml", bank_file)
    ledger = bank_file.with_name("questions.dates.toml")
    shutil.copy(ledger_file, ledger)
    result = runner.invoke(cli, ["build", str(bank_file), "--out", str(tmp_path / "dist")])
    assert result.exit_code == 1
    expected = [f"{ledger}:{line.removeprefix('# expect: ')}" for line in ledger_file.read_text().splitlines()
                if line.startswith("# expect: ")]
    assert expected and result.stderr.splitlines() == expected
    assert not (tmp_path / "dist").exists() and ledger.read_bytes() == ledger_file.read_bytes()


def test_the_note_digest_ignores_what_the_deck_does_not_show():
    bank = load_bank(BUNDLED)
    topic, questions = bank.sections()[0]
    moved = type(topic)(topic.id, topic.name, topic.line + 5, topic.column, ordinal="7")
    assert apkg.note_digest(bank, topic, questions[0]) == apkg.note_digest(bank, moved, questions[0])
    renamed = type(topic)(topic.id, topic.name + "!", ordinal=topic.ordinal)
    assert apkg.note_digest(bank, topic, questions[0]) != apkg.note_digest(bank, renamed, questions[0])
