"""The deckbook command end to end: validation, usage, the build and its safety."""

import json
import subprocess
import sys

import jsonschema
import pytest
import yaml

from deckbook.cli import __version__, cli
from conftest import BUNDLED, INVALID, ROOT, VALID, WARNINGS, expected_lines




@pytest.mark.parametrize("command", ["validate", "build"])
@pytest.mark.parametrize("bank_file", INVALID, ids=lambda path: path.stem)
def test_invalid_bank_reports_every_problem_and_writes_nothing(runner, bank_file, command, tmp_path):
    out = tmp_path / "dist"
    args = [command, str(bank_file)] + (["--out", str(out)] if command == "build" else [])
    result = runner.invoke(cli, args)
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines() == expected_lines(bank_file)
    assert result.stdout == ""
    assert not out.exists()


def test_every_invalid_bank_expects_at_least_one_error():
    assert len(INVALID) >= 25
    for bank_file in INVALID:
        assert expected_lines(bank_file), bank_file


@pytest.mark.parametrize("bank_file", [*VALID, BUNDLED], ids=lambda path: path.stem)
def test_valid_bank_validates_with_a_summary_and_no_problems(runner, bank_file):
    result = runner.invoke(cli, ["validate", str(bank_file)])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith(f"{bank_file}: valid: ")


def test_bundled_bank_has_fifteen_questions_in_four_topics(runner):
    result = runner.invoke(cli, ["validate", str(BUNDLED)])
    assert result.stdout == (f"{BUNDLED}: valid: 15 questions in 4 topics "
                             "(Python 8, Machine Learning 3, LLMs 3, Testing 1)\n")


def test_bank_defaults_to_questions_yaml_in_the_working_folder(runner, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = runner.invoke(cli, ["validate"])
    assert result.exit_code == 0
    assert result.stdout.startswith("questions.yaml: valid: 15 questions")


def test_dash_reads_the_bank_from_standard_input(runner):
    good = runner.invoke(cli, ["validate", "-"], input=BUNDLED.read_bytes())
    assert good.exit_code == 0
    assert good.stdout.startswith("<stdin>: valid: 15 questions")
    bad = runner.invoke(cli, ["validate", "-"], input=b"title: [unclosed\n")
    assert bad.exit_code == 1
    assert bad.stderr.startswith("<stdin>:2:1: error: YAML syntax: ")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "1:1: error: the file is empty; a bank needs title, topics and questions"),
        (b"\n  \n", "1:1: error: the file is empty; a bank needs title, topics and questions"),
        (b"title: x\xff\n", "1:9: error: byte 0xff is not UTF-8; save the file as UTF-8"),
        (b"title: caf\xc3\xa9\nanswer: \xe9\n", "2:9: error: byte 0xe9 is not UTF-8; save the file as UTF-8"),
        (b"title: T\ntopics: {a: A}\nquestions:\n- {id: q, topic: a, question: Q, answer: '"
         + b"x" * 5_000_000 + b"'}\n",
         "4:42: error: 'answer' of question 'q' is 5,000,000 characters long; the limit is 100,000"),
        (b"x" * (64 * 1024 * 1024 + 1),
         "1:1: error: the file is larger than 64 MiB; a bank is a text file"),
        (b"\t- nope", "1:1: error: YAML syntax: a tab character; YAML indents with spaces only"),
    ],
    ids=["empty", "blank", "bad-byte", "bad-byte-after-non-ascii", "five-mb-field", "too-big", "tab"],
)
def test_unreadable_input_is_one_precise_error(runner, data, expected):
    result = runner.invoke(cli, ["validate", "-"], input=data)
    assert result.exit_code == 1
    assert result.stderr == f"<stdin>:{expected}\n"


def test_columns_count_characters_not_bytes(runner):
    data = "title: Ünïcödé\ntopics: {α: Alpha}\nquestions: []\n".encode()
    result = runner.invoke(cli, ["validate", "-"], input=data)
    assert result.stderr.splitlines() == [
        "<stdin>:2:10: error: topic id 'α' may only have lowercase letters, digits and hyphens "
        "(1 to 64); try 'topic'",
        "<stdin>:3:12: error: questions is empty; add at least one",
    ]


def test_legal_but_suspicious_bank_warns_and_exits_zero(runner, tmp_path):
    bank_file = tmp_path / "warn.yaml"
    bank_file.write_text(
        "title: Warnings\ntopics:\n  a: A\n  b: B\nquestions:\n"
        "  - {id: one, topic: a, question: What is X?, answer: One.}\n"
        "  - {id: two, topic: a, question: what is  x?, answer: Two.}\n")
    result = runner.invoke(cli, ["validate", str(bank_file)])
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        f"{bank_file}:4:3: warning: topic 'b' has no questions; its subdeck and section stay empty",
        f"{bank_file}:7:35: warning: question 'two' asks the same as 'one' on line 6",
    ]
    dated = runner.invoke(cli, ["anki", str(bank_file), "-o", str(tmp_path / "deck.apkg")])  # writes the ledger
    assert dated.exit_code == 0
    checked = runner.invoke(cli, ["build", str(bank_file), "--check", "--out", str(tmp_path / "out")])
    assert checked.exit_code == 1
    assert checked.stderr.splitlines()[-1] == "error: --check: 2 warnings; nothing was written"
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "args",
    [["validate", "no-such-file.yaml"], ["frobnicate"], ["build", "--bogus"], ["anki", str(BUNDLED)],
     ["pdf", str(BUNDLED), "-o", "x.pdf", "--page-size", "a5"]],
    ids=["missing-file", "unknown-command", "unknown-option", "anki-without-output", "bad-page-size"],
)
def test_usage_errors_exit_two(runner, args, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, args)
    assert result.exit_code == 2
    assert "Usage: " in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_version_is_the_package_version(runner):
    assert runner.invoke(cli, ["--version"]).stdout == f"deckbook, version {__version__}\n"


@pytest.mark.parametrize("command", [[], ["validate"], ["build"], ["anki"], ["pdf"], ["schema"]])
def test_every_command_has_help_with_an_example(runner, command):
    result = runner.invoke(cli, [*command, "--help"])
    assert result.exit_code == 0
    assert "Example:\n" in result.stdout
    assert "    deckbook " in result.stdout


@pytest.mark.slow
def test_cli_py_runs_as_a_script_like_the_installed_command(runner, monkeypatch):
    script = subprocess.run([sys.executable, "cli.py", "validate", "questions.yaml"], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    assert script.returncode == 0, script.stderr
    monkeypatch.chdir(ROOT)
    assert script.stdout == runner.invoke(cli, ["validate", "questions.yaml"]).stdout
    assert script.stdout.startswith("questions.yaml: valid: 15 questions in 4 topics")
    usage = subprocess.run([sys.executable, "cli.py", "nope"], cwd=ROOT, capture_output=True, text=True,
                           check=False)
    assert usage.returncode == 2
    assert usage.stderr.startswith("Usage: deckbook ")


def test_schema_command_prints_the_schema_file_the_bank_points_at(runner):
    printed = runner.invoke(cli, ["schema"]).stdout
    assert json.loads(printed) == json.loads((ROOT / "questions.schema.json").read_text())
    assert (ROOT / "questions.schema.json").read_text() == printed
    first_line = BUNDLED.read_text().splitlines()[0]
    assert first_line == "# yaml-language-server: $schema=./questions.schema.json"


def _schema_verdict(bank_file):
    for line in bank_file.read_bytes().decode("utf-8", "replace").splitlines():
        if line.startswith("# schema: "):
            return line.removeprefix("# schema: ").split()[0]
    assert not bank_file.read_bytes(), f"{bank_file} needs a '# schema: accepts|rejects|skip' line"
    return "skip"


@pytest.mark.parametrize("bank_file", [*VALID, BUNDLED, *WARNINGS, *INVALID], ids=lambda path: path.stem)
def test_schema_and_validator_agree_on_every_corpus_bank(bank_file):
    verdict = "accepts" if bank_file not in INVALID else _schema_verdict(bank_file)
    if verdict == "skip":
        pytest.skip("not a YAML document: no schema applies")
    validator = jsonschema.Draft202012Validator(json.loads((ROOT / "questions.schema.json").read_text()))
    errors = list(validator.iter_errors(yaml.safe_load(bank_file.read_text(encoding="utf-8-sig"))))
    assert (not errors) == (verdict == "accepts"), [error.message for error in errors]
