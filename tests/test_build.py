"""The all-or-nothing build: artifacts appear whole, or the old ones stay untouched."""

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from conftest import BUNDLED as SHIPPED
from deckbook import __version__, dates, exporters
from deckbook.cli import cli
from deckbook.diagnostics import Diagnostic
from deckbook.exporters.base import Written

HELLO = Diagnostic("questions.yaml", 13, 5, "first says hello", "warning")


def _fake(name, suffix, payload=b"new", error=None):
    def write(bank, out, **options):
        out.write(payload)
        if error is not None:
            raise error
        return Written((HELLO,) if name == "apkg" else (), {"things": 3})
    return SimpleNamespace(NAME=name, SUFFIX=suffix, OPTIONS=(), write=write)


@pytest.fixture
def BUNDLED(tmp_path_factory):
    """The bundled bank alone in a folder: no project file beside it, so build writes the
    default pair, the deck and the booklet."""
    folder = tmp_path_factory.mktemp("bank")
    (folder / "questions.yaml").write_bytes(SHIPPED.read_bytes())
    (folder / "questions.dates.toml").write_bytes(SHIPPED.with_name("questions.dates.toml").read_bytes())
    return folder / "questions.yaml"


@pytest.fixture
def fake_exporters(monkeypatch):
    """The two default exporters faked in the registry; returns a function that makes the second fail."""
    registry = {"apkg": _fake("apkg", ".one"), "booklet": _fake("booklet", ".two")}
    monkeypatch.setattr(exporters, "EXPORTERS", registry)

    def fail_with(error):
        registry["booklet"] = _fake("booklet", ".two", b"partial", error)
    return fail_with


def test_build_writes_every_artifact_and_prints_path_size_and_sha256(runner, BUNDLED, tmp_path, fake_exporters):
    out = tmp_path / "new" / "dist"
    result = runner.invoke(cli, ["build", str(BUNDLED), "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    slug = "interview-questions-model-answers"
    assert sorted(p.name for p in out.iterdir()) == ["SHA256SUMS", f"{slug}.one", f"{slug}.two", "manifest.json"]
    digest = hashlib.sha256(b"new").hexdigest()
    sums = (out / "SHA256SUMS").read_bytes()
    manifest = (out / "manifest.json").read_bytes()
    assert result.stdout.splitlines() == [
        f"wrote {out / (slug + '.one')}  3 bytes  sha256 {digest}",
        f"wrote {out / (slug + '.two')}  3 bytes  sha256 {digest}",
        f"wrote {out / 'SHA256SUMS'}  {len(sums)} bytes  sha256 {hashlib.sha256(sums).hexdigest()}",
        f"wrote {out / 'manifest.json'}  {len(manifest):,} bytes  sha256 {hashlib.sha256(manifest).hexdigest()}",
    ]
    assert result.stderr == "questions.yaml:13:5: warning: first says hello\n"
    umask = os.umask(0)
    os.umask(umask)
    assert (out / f"{slug}.one").stat().st_mode & 0o777 == 0o666 & ~umask  # as any new file
    assert sums.decode() == f"{digest}  {slug}.one\n{digest}  {slug}.two\n"
    checked = subprocess.run(["sha256sum", "--check", "--strict", "SHA256SUMS"], cwd=out,
                             capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert json.loads(manifest) == {
        "deckbook": __version__,
        "bank": {"title": "Interview Questions & Model Answers", "namespace": "interview-questions",
                 "file": "questions.yaml",
                 "date": _latest_date(BUNDLED), "questions": 15,
                 "topics": [{"id": "python", "name": "Python", "questions": 8},
                            {"id": "ml", "name": "Machine Learning", "questions": 3},
                            {"id": "llm", "name": "LLMs", "questions": 3},
                            {"id": "testing", "name": "Testing", "questions": 1}],
                 "removed": []},
        "artifacts": [{"file": f"{slug}.one", "format": "apkg", "bytes": 3, "sha256": digest, "things": 3,
                       "questions": 15},
                      {"file": f"{slug}.two", "format": "booklet", "bytes": 3, "sha256": digest, "things": 3,
                       "questions": 15}],
    }


def _latest_date(bank_file):
    """The latest question date of *bank_file*'s committed ledger, as the manifest writes it."""
    ledger = dates.read_ledger(dates.ledger_path(bank_file))
    latest = max(entry.date for entry in ledger.questions.values())
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(latest))


def test_check_fails_on_an_exporter_warning_and_writes_nothing(runner, BUNDLED, tmp_path, fake_exporters):
    result = runner.invoke(cli, ["build", str(BUNDLED), "--check", "--out", str(tmp_path / "dist")])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == ("questions.yaml:13:5: warning: first says hello\n"
                             "error: --check: 1 warning; nothing was written\n")
    assert not (tmp_path / "dist").exists()


@pytest.mark.parametrize(
    "error", [RuntimeError("exporter bug"), KeyboardInterrupt(), OSError(28, "No space left on device")],
    ids=["exporter-exception", "ctrl-c", "disk-full"],
)
def test_a_failed_build_leaves_earlier_artifacts_intact_and_no_temporary_files(
        runner, BUNDLED, tmp_path, fake_exporters, error):
    assert runner.invoke(cli, ["build", str(BUNDLED), "--out", str(tmp_path)]).exit_code == 0
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    fake_exporters(error)
    result = runner.invoke(cli, ["build", str(BUNDLED), "--out", str(tmp_path)])
    assert result.exit_code != 0
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    if isinstance(error, OSError):
        assert result.exit_code == 1
        assert re.fullmatch(r"error: cannot write .*\.two: No space left on device; nothing was written\n",
                            result.stderr)
    elif isinstance(error, KeyboardInterrupt):
        assert result.exit_code == 130
        assert result.stderr == "\nAborted!\n"
    else:  # a bug keeps its traceback
        assert isinstance(result.exception, RuntimeError)


def test_an_output_folder_that_cannot_be_made_is_a_clear_error(runner, BUNDLED, tmp_path, fake_exporters):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = runner.invoke(cli, ["build", str(BUNDLED), "--out", str(blocker / "dist")])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: cannot write {blocker / 'dist'}/")
    assert result.stderr.endswith(": Not a directory; nothing was written\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


# -- the command line's own refusals ---------------------------------------------------------
@pytest.mark.parametrize("args, expected", [
    (["anki", "-o", "deck.pdf"], "'deck.pdf' does not end in .apkg; deckbook anki writes .apkg files: "
                                 "try 'deck.apkg'"),
    (["pdf", "-o", "deck.apkg"], "'deck.apkg' does not end in .pdf; deckbook pdf writes .pdf files: "
                                 "try 'deck.pdf'"),
    (["pdf", "-o", "booklet"], "'booklet' does not end in .pdf"),
], ids=["anki-pdf", "pdf-apkg", "pdf-none"])
def test_an_output_with_the_wrong_suffix_is_refused_naming_the_right_one(runner, BUNDLED, tmp_path, monkeypatch,
                                                                         args, expected):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, [args[0], str(BUNDLED), *args[1:]])
    assert result.exit_code == 2
    assert expected in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_page_size_is_accepted_in_any_case(runner, BUNDLED, tmp_path):
    result = runner.invoke(cli, ["pdf", str(BUNDLED), "-o", str(tmp_path / "b.pdf"), "--page-size", "A4"])
    assert result.exit_code == 0, result.stderr
    result = runner.invoke(cli, ["pdf", str(BUNDLED), "-o", str(tmp_path / "c.pdf"), "--page-size", "Letter",
                                 "--layout", "Cards"])
    assert result.exit_code == 0, result.stderr


def test_a_folder_holding_another_banks_artifacts_is_refused(runner, BUNDLED, tmp_path, fake_exporters):
    out = tmp_path / "dist"
    assert runner.invoke(cli, ["build", str(BUNDLED), "--out", str(out)]).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    other = tmp_path / "other.yaml"
    other.write_text(BUNDLED.read_text(encoding="utf-8")
                     .replace("title: Interview Questions & Model Answers", "title: Another Bank")
                     .replace("namespace: interview-questions", "namespace: another-bank"), encoding="utf-8")
    result = runner.invoke(cli, ["build", str(other), "--out", str(out)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {out} holds the artifacts of another bank, "
                                    "'Interview Questions & Model Answers' (")
    assert result.stderr.endswith("nothing was written\n")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert runner.invoke(cli, ["build", str(BUNDLED), "--out", str(out)]).exit_code == 0  # its own: fine


# -- interrupted builds: Ctrl-C and SIGTERM ---------------------------------------------------
def _big_bank(folder: Path, count: int = 1500) -> Path:
    from pdf_support import question, write_bank
    return write_bank(folder / "big.yaml", [question(n, ("alpha", "beta")[n % 2]) for n in range(1, count + 1)])


@pytest.mark.slow
@pytest.mark.parametrize("signum, status", [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["term", "int"])
def test_a_signal_mid_build_removes_temporary_files_and_keeps_earlier_artifacts(tmp_path, signum, status):
    bank_file = _big_bank(tmp_path)
    out = tmp_path / "dist"
    out.mkdir()
    earlier = {"generated-bank.apkg": b"earlier deck", "generated-bank.pdf": b"earlier booklet",
               "SHA256SUMS": b"earlier sums"}
    for name, data in earlier.items():
        (out / name).write_bytes(data)
    process = subprocess.Popen([sys.executable, "-m", "deckbook", "build", str(bank_file), "--out", str(out)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not list(out.glob(".*.tmp")) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert process.poll() is None, "the build ended before it could be interrupted"
    process.send_signal(signum)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == status, stderr
    assert "Traceback" not in stderr
    assert stderr.endswith("Aborted!\n")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == earlier


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.1, 0.2])
def test_ctrl_c_during_start_up_exits_130_without_a_traceback(BUNDLED, tmp_path, delay):
    process = subprocess.Popen([sys.executable, "-m", "deckbook", "build", str(BUNDLED), "--out",
                                str(tmp_path / "dist")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
