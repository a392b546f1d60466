"""Where artifacts may go: only over regular files that are not inputs, one build per folder at a
time, nothing left behind by a stopped or killed build, and the mode a new file gets."""

from __future__ import annotations

import fcntl
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from conftest import BUNDLED, EPOCH
from deckbook import dates, exporters
from deckbook.bank import load_bank
from deckbook.cli import cli
from deckbook.exporters.base import ExportError, Job
from pdf_support import question

SLUG = "interview-questions-model-answers"
BIG = 4000  # questions: a build of some seconds, to stop midway


def _bank(folder: Path, count: int, name: str = "bank.yaml") -> Path:
    """A generated bank of *count* questions in two topics (libyaml writes thousands in a blink)."""
    data = {"format": 1, "title": "Generated bank", "subtitle": "Made by the output tests.",
            "topics": {"alpha": "Alpha", "beta": "Beta"},
            "questions": [question(n, ("alpha", "beta")[n % 2]) for n in range(1, count + 1)]}
    path = folder / name
    path.write_text(yaml.dump(data, Dumper=yaml.CSafeDumper, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def big_bank(tmp_path_factory) -> Path:
    return _bank(tmp_path_factory.mktemp("big"), BIG)


@pytest.fixture
def bank_file(tmp_path) -> Path:
    """The bundled bank and its dates ledger in a folder of their own (no project file beside them)."""
    folder = tmp_path / "bank"
    folder.mkdir()
    (folder / "questions.yaml").write_bytes(BUNDLED.read_bytes())
    (folder / "questions.dates.toml").write_bytes(BUNDLED.with_name("questions.dates.toml").read_bytes())
    return folder / "questions.yaml"


def _state(path: Path) -> tuple:
    """What a file is: its kind, identity and, for a regular file, its bytes."""
    info = os.lstat(path)
    data = path.read_bytes() if stat.S_ISREG(info.st_mode) else os.readlink(path) if path.is_symlink() else None
    return stat.S_IFMT(info.st_mode), info.st_ino, data


def _deckbook(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "deckbook", *map(str, args)]


def _env(tmp: Path, **more: str) -> dict[str, str]:
    """The environment of a deckbook child: its own TMPDIR, to see that nothing is left in it."""
    return {**os.environ, "TMPDIR": str(tmp), "SOURCE_DATE_EPOCH": "1700000000", **more}


# -- what may be written over ----------------------------------------------------------------
@pytest.mark.parametrize("command", ["anki", "pdf"])
def test_an_output_that_is_a_fifo_is_refused_and_stays_a_fifo(runner, bank_file, tmp_path, command):
    fifo = tmp_path / ("out.apkg" if command == "anki" else "out.pdf")
    os.mkfifo(fifo)
    before = _state(fifo)
    result = runner.invoke(cli, [command, str(bank_file), "-o", str(fifo)])
    assert result.exit_code == 1
    assert result.stderr == f"error: cannot write {fifo}: it is a named pipe (FIFO), not a regular file; " \
                            "nothing was written\n"
    assert _state(fifo) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["bank", fifo.name]


def test_dev_null_is_refused_and_stays_a_device(runner, bank_file):
    before = os.stat("/dev/null")
    result = runner.invoke(cli, ["anki", str(bank_file), "-o", "/dev/null"])
    assert result.exit_code == 2  # refused by its suffix already
    with pytest.raises(ExportError, match=r"^cannot write /dev/null: it is a character device, not a regular file$"):
        bank = dates.one_date(load_bank(bank_file), EPOCH)
        exporters.build(bank, [Job("apkg", bank, Path("/dev/null"))])
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)
    assert not [name for name in os.listdir("/dev") if name.startswith(".null.")]


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node takes root")
def test_a_device_node_named_like_an_artifact_is_refused(runner, bank_file, tmp_path):
    device = tmp_path / "deck.apkg"
    os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # another /dev/null
    before = _state(device)
    result = runner.invoke(cli, ["anki", str(bank_file), "-o", str(device)])
    assert result.exit_code == 1
    assert result.stderr == f"error: cannot write {device}: it is a character device, not a regular file; " \
                            "nothing was written\n"
    assert _state(device) == before


@pytest.mark.parametrize("points_at", ["a-file", "nothing"])
def test_a_symbolic_link_output_is_refused_and_what_it_points_at_is_left_alone(runner, bank_file, tmp_path,
                                                                               points_at):
    real = tmp_path / "real.apkg"
    if points_at == "a-file":
        real.write_bytes(b"an earlier deck")
    link = tmp_path / "deck.apkg"
    link.symlink_to(real.name)
    before = {path.name: _state(path) for path in tmp_path.iterdir()}
    result = runner.invoke(cli, ["anki", str(bank_file), "-o", str(link)])
    assert result.exit_code == 1
    assert result.stderr == (f"error: cannot write {link}: it is a symbolic link, and deckbook replaces only "
                             f"regular files; write to {real} itself, or remove the link; nothing was written\n")
    assert {path.name: _state(path) for path in tmp_path.iterdir()} == before


def _same_path(bank: Path) -> list:
    (bank.parent / "sub").mkdir()
    return ["pdf", bank, "-o", bank.parent / "sub" / ".." / bank.name]


def _hard_link(bank: Path) -> list:
    os.link(bank, bank.parent / "deck.apkg")
    return ["anki", bank, "-o", bank.parent / "deck.apkg"]


def _symbolic_link(bank: Path) -> list:
    (bank.parent / "booklet.pdf").symlink_to(bank)
    return ["pdf", bank, "-o", bank.parent / "booklet.pdf"]


def _out_folder(bank: Path) -> list:
    return ["build", bank, "--out", bank.parent]  # the bank is <slug>.pdf: the booklet's name


def _project_as_checksums(bank: Path) -> list:
    (bank.parent / "deckbook.toml").write_text('[[artifact]]\nformat = "apkg"\n', encoding="utf-8")
    (bank.parent / "dist").mkdir()
    os.link(bank.parent / "deckbook.toml", bank.parent / "dist" / "SHA256SUMS")
    return ["build", bank, "--out", bank.parent / "dist"]


def _project_as_manifest(bank: Path) -> list:
    (bank.parent / "manifest.json").write_text('out = "."\n[[artifact]]\nformat = "apkg"\n', encoding="utf-8")
    return ["build", bank, "--config", bank.parent / "manifest.json"]


INPUTS = {"same-file-other-path": (_same_path, "bank.pdf"), "hard-link": (_hard_link, "bank.yaml"),
          "symbolic-link": (_symbolic_link, "bank.yaml"), "out-folder-holding-the-bank": (_out_folder, f"{SLUG}.pdf"),
          "project-file-as-checksums": (_project_as_checksums, "questions.yaml"),
          "project-file-as-manifest": (_project_as_manifest, "questions.yaml")}


@pytest.mark.parametrize("case", INPUTS)
def test_an_input_is_never_written_over_whatever_its_name(runner, tmp_path, case):
    make, name = INPUTS[case]
    folder = tmp_path / "project"
    folder.mkdir()
    bank = folder / name
    bank.write_bytes(BUNDLED.read_bytes())  # YAML, whatever the suffix
    args = make(bank)
    before = {path: _state(path) for path in sorted(folder.rglob("*"))}
    result = runner.invoke(cli, [str(arg) for arg in args])
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("error: cannot write ")
    assert ": it is the same file as " in result.stderr
    assert result.stderr.endswith(", an input of this build; nothing was written\n")
    assert {path: _state(path) for path in sorted(folder.rglob("*"))} == before


# -- the mode of new files -------------------------------------------------------------------
@pytest.mark.parametrize("umask, mode", [(0o027, 0o640), (0o022, 0o644), (0o077, 0o600)])
def test_artifacts_get_the_mode_the_umask_gives_a_new_file(runner, bank_file, tmp_path, umask, mode):
    out = tmp_path / "dist"
    old = os.umask(umask)
    try:
        result = runner.invoke(cli, ["build", str(bank_file), "--out", str(out)])
        single = runner.invoke(cli, ["anki", str(bank_file), "-o", str(tmp_path / "one.apkg")])
    finally:
        os.umask(old)
    assert result.exit_code == 0 and single.exit_code == 0, result.stderr + single.stderr
    modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in [*out.iterdir(), tmp_path / "one.apkg"]}
    assert modes == dict.fromkeys([f"{SLUG}.apkg", f"{SLUG}.pdf", "SHA256SUMS", "manifest.json", "one.apkg"], mode)


# -- what a killed build leaves, the next one removes ----------------------------------------
def test_a_build_removes_what_a_killed_build_left_in_its_folder_and_nothing_else(runner, bank_file, tmp_path):
    out = tmp_path / "dist"
    scratch = out / ".deckbook-scratch-k2x9a_0q"
    (scratch / "deckbook-apkg-abcdefgh").mkdir(parents=True)
    (scratch / "deckbook-apkg-abcdefgh" / "collection.anki2").write_bytes(b"\0" * 4096)
    leftovers = [f".{SLUG}.apkg.deckbook-k2x9a_0q.tmp", ".other.pdf.deckbook-abcd1234.tmp",
                 f".{SLUG}.pdf.k2x9a_0q.tmp"]  # the last as deckbook 0.1 named them
    kept = ["notes.tmp", ".notes.tmp", "x.deckbook-abcdefgh.tmp", ".other.pdf.k2x9a_0q.tmp"]
    for name in leftovers + kept:
        (out / name).write_bytes(b"partial")
    (out / ".deckbook-scratch-a_link0").symlink_to(tmp_path)  # a link named like a scratch folder: kept
    result = runner.invoke(cli, ["build", str(bank_file), "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    assert sorted(path.name for path in out.iterdir()) == sorted(
        [".deckbook-scratch-a_link0", f"{SLUG}.apkg", f"{SLUG}.pdf", "SHA256SUMS", "manifest.json", *kept])


@pytest.mark.slow
def test_after_a_sigkill_the_next_build_removes_the_leftovers_and_succeeds(big_bank, tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "deckbook.toml").write_text(f'bank = "{big_bank}"\nout = "dist"\n[[artifact]]\nformat = "apkg"\n',
                                           encoding="utf-8")
    out, tmp = project / "dist", tmp_path / "tmp"
    tmp.mkdir()
    command = _deckbook("build", "--config", project / "deckbook.toml")
    process = subprocess.Popen(command, env=_env(tmp), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not list(out.glob(".deckbook-scratch-*/*/collection.anki2")) and time.monotonic() < deadline:
        assert process.poll() is None, "the build ended before its scratch database was seen"
        time.sleep(0.001)
    process.kill()
    process.wait(timeout=60)
    scratch, temp = sorted(out.iterdir())  # the killed build's: its scratch database, its deck so far
    assert scratch.name.startswith(".deckbook-scratch-") and list(scratch.glob("*/collection.anki2"))
    assert temp.name.startswith(".generated-bank.apkg.deckbook-") and temp.name.endswith(".tmp")
    done = subprocess.run(command, env=_env(tmp), capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    assert sorted(path.name for path in out.iterdir()) == ["SHA256SUMS", "generated-bank.apkg", "manifest.json"]
    _verify(out)
    assert list(tmp.iterdir()) == []


# -- one build of a folder at a time ------------------------------------------------------------
def _verify(folder: Path) -> None:
    checked = subprocess.run(["sha256sum", "--check", "--strict", "SHA256SUMS"], cwd=folder, capture_output=True,
                             text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.slow
def test_a_build_waits_for_another_build_of_its_folder_and_says_so(bank_file, tmp_path):
    out, tmp = tmp_path / "dist", tmp_path / "tmp"
    out.mkdir()
    tmp.mkdir()
    held = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(held, fcntl.LOCK_EX)  # as a build in another process holds it
        waiting = f"waiting for another deckbook build into {out} to finish\n"
        stopped = subprocess.Popen(_deckbook("anki", bank_file, "-o", out / "deck.apkg"), env=_env(tmp),
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert stopped.stderr.readline() == waiting
        stopped.send_signal(signal.SIGTERM)  # a waiting build stops at once, as a running one does
        _, stderr = stopped.communicate(timeout=60)
        assert stopped.returncode == 143, stderr
        process = subprocess.Popen(_deckbook("build", bank_file, "--out", out), env=_env(tmp),
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert process.stderr.readline() == waiting
        time.sleep(0.5)
        assert process.poll() is None
        assert list(out.iterdir()) == []
    finally:
        os.close(held)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert stderr == ""
    assert len(stdout.splitlines()) == 4
    _verify(out)


@pytest.mark.slow
def test_concurrent_builds_into_one_folder_never_mix_their_artifacts(tmp_path):
    bank = _bank(tmp_path, 4)
    out, tmp = tmp_path / "dist", tmp_path / "tmp"
    tmp.mkdir()
    for pair in range(30):
        dates = (1_700_000_000 + 2 * pair * 86_400, 1_700_000_000 + (2 * pair + 1) * 86_400)
        processes = [subprocess.Popen(_deckbook("build", bank, "--out", out), stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE, text=True,
                                      env=_env(tmp, SOURCE_DATE_EPOCH=str(date))) for date in dates]
        for process in processes:
            _, stderr = process.communicate(timeout=60)
            assert process.returncode == 0, stderr
        _verify(out)
        assert sorted(path.name for path in out.iterdir()) == [
            "SHA256SUMS", "generated-bank.apkg", "generated-bank.pdf", "manifest.json"]
    assert list(tmp.iterdir()) == []


# -- stopped builds ----------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("folder", ["earlier-build", "made-by-the-build"])
def test_a_sigterm_mid_build_keeps_earlier_artifacts_and_leaves_nothing_behind(big_bank, tmp_path, folder):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    earlier = {"generated-bank.apkg": b"earlier deck", "generated-bank.pdf": b"earlier booklet",
               "SHA256SUMS": b"earlier sums", "manifest.json": b"{}"}
    if folder == "earlier-build":
        out = tmp_path / "dist"
        out.mkdir()
        for name, data in earlier.items():
            (out / name).write_bytes(data)
    else:
        out = tmp_path / "new" / "dist"
    process = subprocess.Popen(_deckbook("build", big_bank, "--out", out), env=_env(tmp),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(4)
    deadline = time.monotonic() + 60
    while not list(out.glob(".*.deckbook-*.tmp")) and time.monotonic() < deadline:
        time.sleep(0.02)  # on a slow machine: until it writes
    assert process.poll() is None, "the build ended before it could be stopped"
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 143, stderr
    assert stderr.endswith("Aborted!\n") and "Traceback" not in stderr
    if folder == "earlier-build":
        assert {path.name: path.read_bytes() for path in out.iterdir()} == earlier
    else:
        assert list(tmp_path.iterdir()) == [tmp]
    assert list(tmp.iterdir()) == []
