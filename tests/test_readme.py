"""The README shows only commands that work, and CI runs the README's own test command."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import BUNDLED, ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _blocks(language):
    return re.findall(rf"^```{language}\n(.*?)^```", README, flags=re.MULTILINE | re.DOTALL)


def test_ci_runs_the_readme_test_command():
    setup = _blocks("bash")[0].splitlines()
    assert len(setup) == 2
    assert setup[1] in _blocks("bash")[-1].splitlines()
    assert setup[1] in (ROOT / ".ci" / "run").read_text().splitlines()


@pytest.fixture
def checkout(tmp_path):
    """A git repository holding the bundled bank and project file, like a user's bank repository."""
    shutil.copy(BUNDLED, tmp_path / "questions.yaml")
    shutil.copy(ROOT / "deckbook.toml", tmp_path / "deckbook.toml")
    shutil.copy(ROOT / "questions.dates.toml", tmp_path / "questions.dates.toml")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-C", str(tmp_path)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "questions.yaml", "deckbook.toml", "questions.dates.toml"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "bank"], check=True)
    return tmp_path


@pytest.mark.slow
@pytest.mark.parametrize("script", _blocks("sh"), ids=lambda block: block.splitlines()[0])
def test_every_usage_command_in_the_readme_works_as_shown(script, checkout):
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(["bash", "-c", f"set -e -o pipefail\n{script}"], cwd=checkout, env=env,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


@pytest.mark.slow
def test_the_readme_error_transcript_is_what_deckbook_prints():
    transcript = _blocks("console")[0].splitlines()
    command = transcript[0].removeprefix("$ ")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(["bash", "-c", command], cwd=ROOT, env=env, capture_output=True, text=True,
                            check=False)
    assert result.stdout + result.stderr + f"$ echo $?\n{result.returncode}\n" == "\n".join(transcript[1:]) + "\n"
