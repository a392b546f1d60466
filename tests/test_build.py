"""The all-or-nothing build: artifacts appear whole, or the old ones stay untouched."""

import hashlib
import re
from types import SimpleNamespace

import pytest

import exporters
from cli import cli
from conftest import BUNDLED


def _fake(name, suffix, payload=b"new", error=None):
    def write(bank, out, **options):
        out.write(payload)
        if error is not None:
            raise error
        return (f"{name} says hello",) if name == "first" else ()
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
    assert sorted(p.name for p in out.iterdir()) == [f"{slug}.one", f"{slug}.two"]
    digest = hashlib.sha256(b"new").hexdigest()
    assert result.stdout.splitlines() == [
        f"wrote {out / (slug + '.one')}  3 bytes  sha256 {digest}",
        f"wrote {out / (slug + '.two')}  3 bytes  sha256 {digest}",
    ]
    assert result.stderr == "warning: first says hello\n"
    assert (out / f"{slug}.one").stat().st_mode & 0o777 == 0o644


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
