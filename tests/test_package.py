"""deckbook installs one import name, and its modules keep to their architecture."""

import shutil
import subprocess
import sys
import zipfile

import pytest

from conftest import ROOT


@pytest.mark.slow
def test_the_wheel_holds_one_top_level_package_and_its_metadata(tmp_path):
    source = tmp_path / "source"  # the tracked files, as a clone has them
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, tracked.decode().split("\0")):
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir",
                    str(tmp_path), str(source)], check=True, capture_output=True)
    wheel, = tmp_path.glob("deckbook-*.whl")
    tops = {name.split("/", 1)[0] for name in zipfile.ZipFile(wheel).namelist()}
    assert tops == {"deckbook", wheel.name.split("-py3")[0] + ".dist-info"}
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"deckbook/cli.py", "deckbook/exporters/apkg.py", "deckbook/styles/booklet.toml",
            "deckbook/styles/card.css"} <= names
    assert not any(name.startswith(("deckbook/tests/", "deckbook/benchmarks/")) for name in names)


@pytest.mark.slow
def test_installed_deckbook_is_importable_and_its_modules_are_not_top_level_names(tmp_path):
    probe = ("import importlib.util, deckbook.cli\n"
             "print([name for name in ('cli', 'bank', 'markup', 'release', 'exporters', 'styles')"
             " if importlib.util.find_spec(name)])")
    found = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True,
                           check=True)
    assert found.stdout == "[]\n"


@pytest.mark.slow
def test_a_users_own_markup_module_does_not_shadow_deckbooks(tmp_path):
    (tmp_path / "markup.py").write_text("raise ImportError('the user markup module')\n")
    (tmp_path / "bank.py").write_text("raise ImportError('the user bank module')\n")
    (tmp_path / "questions.yaml").write_bytes((ROOT / "questions.yaml").read_bytes())
    result = subprocess.run([sys.executable, "-m", "deckbook", "validate"], cwd=tmp_path,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("questions.yaml: valid: 15 questions")
