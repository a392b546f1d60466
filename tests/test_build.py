"""The all-or-nothing build: artifacts appear whole, or the old ones stay untouched."""

import hashlib
import json
import re
import subprocess
from types import SimpleNamespace

import pytest

from deckbook import exporters
from deckbook.exporters.base import Written
from deckbook.cli import __version__, cli
from conftest import BUNDLED


def _fake(name, suffix, payload=b"new", error=None):
    def write(bank, out, **options):
        out.write(payload)
        if error is not None:
            raise error
        return Written((f"{name} says hello",) if name == "first" else (), {"things": 3})
    return SimpleNamespace(NAME=name, SUFFIX=suffix, write=write)


@pytest.fixture
def fake_exporters(monkeypatch):
    """Two fake exporters in the registry; returns a function that makes the second fail."""
    registry = {"first": _fake("first", ".one"), "second": _fake("second", ".two")}
    monkeypatch.setattr(exporters, "EXPORTERS", registry)

    def fail_with(error):
        registry["second"] = _fake("second", ".two", b"partial", error)
    return fail_with


def test_build_writes_every_artifact_and_prints_path_size_and_sha256(runner, tmp_path, fake_exporters):
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
    assert result.stderr == "warning: first says hello\n"
    assert (out / f"{slug}.one").stat().st_mode & 0o777 == 0o644
    assert sums.decode() == f"{digest}  {slug}.one\n{digest}  {slug}.two\n"
    checked = subprocess.run(["sha256sum", "--check", "--strict", "SHA256SUMS"], cwd=out,
                             capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert json.loads(manifest) == {
        "deckbook": __version__,
        "bank": {"title": "Interview Questions & Model Answers", "file": "questions.yaml",
                 "date": "2023-11-14T22:13:20Z", "questions": 15,
                 "topics": [{"id": "python", "name": "Python", "questions": 8},
                            {"id": "ml", "name": "Machine Learning", "questions": 3},
                            {"id": "llm", "name": "LLMs", "questions": 3},
                            {"id": "testing", "name": "Testing", "questions": 1}]},
        "artifacts": [{"file": f"{slug}.one", "format": "first", "bytes": 3, "sha256": digest, "things": 3},
                      {"file": f"{slug}.two", "format": "second", "bytes": 3, "sha256": digest, "things": 3}],
    }


def test_check_fails_on_an_exporter_warning_and_writes_nothing(runner, tmp_path, fake_exporters):
    result = runner.invoke(cli, ["build", str(BUNDLED), "--check", "--out", str(tmp_path / "dist")])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == "warning: first says hello\nerror: --check: 1 warning; nothing was written\n"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "error", [RuntimeError("exporter bug"), KeyboardInterrupt(), OSError(28, "No space left on device")],
    ids=["exporter-exception", "ctrl-c", "disk-full"],
)
def test_a_failed_build_leaves_earlier_artifacts_intact_and_no_temporary_files(
        runner, tmp_path, fake_exporters, error):
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
        assert result.exit_code == 1
        assert result.stderr == "\nAborted!\n"
    else:  # a bug keeps its traceback
        assert isinstance(result.exception, RuntimeError)


def test_an_output_folder_that_cannot_be_made_is_a_clear_error(runner, tmp_path, fake_exporters):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = runner.invoke(cli, ["build", str(BUNDLED), "--out", str(blocker / "dist")])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: cannot write {blocker / 'dist'}/")
    assert result.stderr.endswith(": Not a directory; nothing was written\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]
