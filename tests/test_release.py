"""Release artifacts: reproducible bytes, the repository's workflows, the action, the hook."""

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from conftest import BUNDLED, ROOT
from deckbook import dates

BIN = Path(sys.executable).parent
DEFAULT_TZ_LOCALE = {"TZ": "UTC", "LC_ALL": "C", "LANG": "C"}


def _build(folder: Path, env: dict[str, str], *args: str) -> dict[str, bytes]:
    """Run the installed deckbook in its own process in *folder*; every output file's bytes."""
    full = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", **env}
    for key in [key for key, value in full.items() if value is None]:
        del full[key]
    subprocess.run(["deckbook", "build", "questions.yaml", "--out", "dist", *args], cwd=folder, env=full,
                   check=True, capture_output=True)
    return {path.name: path.read_bytes() for path in sorted((folder / "dist").iterdir())}


def _copy(folder: Path, mtime: int | None = None, ledger: bool = True) -> Path:
    """The bundled bank (and its dates ledger, with *ledger*) in *folder*, modified at *mtime*."""
    folder.mkdir(parents=True)
    shutil.copy(BUNDLED, folder / "questions.yaml")
    if ledger:
        shutil.copy(BUNDLED.with_name("questions.dates.toml"), folder / "questions.dates.toml")
    if mtime is not None:
        for path in folder.iterdir():
            os.utime(path, (mtime, mtime))
    return folder


def _latest(folder: Path) -> str:
    """The latest question date in *folder*'s ledger, as manifest.json writes it."""
    ledger = dates.read_ledger(folder / "questions.dates.toml")
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(max(e.date for e in ledger.questions.values())))


@pytest.mark.slow
def test_same_bank_and_source_date_epoch_build_the_same_bytes_anywhere(tmp_path):
    first = _build(_copy(tmp_path / "a", 1_600_000_000),
                   {"SOURCE_DATE_EPOCH": "1750000000", **DEFAULT_TZ_LOCALE})
    second = _build(_copy(tmp_path / "somewhere" / "else", 1_700_000_000),
                    {"SOURCE_DATE_EPOCH": "1750000000", "TZ": "Pacific/Kiritimati", "LC_ALL": "C.UTF-8",
                     "LANG": "C.UTF-8", "PYTHONHASHSEED": "12345"})
    assert sorted(first) == ["SHA256SUMS", "interview-questions-model-answers.apkg",
                             "interview-questions-model-answers.pdf", "manifest.json"]
    assert first == second


@pytest.mark.slow
def test_with_a_current_ledger_neither_the_clock_nor_file_dates_matter(tmp_path):
    env = {"SOURCE_DATE_EPOCH": None, **DEFAULT_TZ_LOCALE}
    first = _build(_copy(tmp_path / "a", 1_700_000_000), env)
    checked_out_later = _build(_copy(tmp_path / "b", 1_800_000_000), {**env, "TZ": "Asia/Kolkata"})
    dated = _build(_copy(tmp_path / "c"), {**env, "SOURCE_DATE_EPOCH": "1750000000"})
    assert first == checked_out_later == dated
    assert f'"date": "{_latest(tmp_path / "a")}"'.encode() in first["manifest.json"]
    assert (tmp_path / "a" / "questions.dates.toml").read_bytes() == BUNDLED.with_name(
        "questions.dates.toml").read_bytes()  # current: not rewritten


@pytest.mark.slow
def test_the_repositorys_workflows_pass_actionlint():
    workflows = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
    assert [path.name for path in workflows] == ["ci.yml", "release.yml"]
    result = subprocess.run([BIN / "actionlint", "-no-color", *map(str, workflows)], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_actionlint_would_catch_a_broken_workflow(tmp_path):
    broken = (ROOT / ".github" / "workflows" / "release.yml").read_text().replace(
        "${{ github.ref_name }}", "${{ github.ref_nmae }}")
    (tmp_path / "release.yml").write_text(broken)
    result = subprocess.run([BIN / "actionlint", "-no-color", "release.yml"], cwd=tmp_path,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert "ref_nmae" in result.stdout


def test_the_release_workflow_builds_on_tags_and_attaches_artifacts_and_checksums():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "release.yml").read_text())
    assert workflow[True] == {"push": {"tags": ["v*"]}}  # YAML 1.1 reads the key 'on' as True
    script = "\n".join(step.get("run", "") for step in workflow["jobs"]["release"]["steps"])
    assert 'SOURCE_DATE_EPOCH="$(git log -1 --format=%ct)"' in script
    attached = re.search(r"dist/\*\.apkg dist/\*\.pdf dist/SHA256SUMS dist/manifest\.json", script)
    assert attached
    assert "deckbook build --config deckbook.toml --out dist" in script


@pytest.mark.slow
def test_the_release_attaches_all_four_artifacts_of_the_project_file(tmp_path):
    """The release's build line, run in a copy of the repository: its globs take every artifact."""
    repo = _copy(tmp_path / "repo")
    shutil.copy(ROOT / "deckbook.toml", repo / "deckbook.toml")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run(["bash", "-e", "-c", "deckbook build --config deckbook.toml --out dist"], cwd=repo, env=env,
                   check=True, capture_output=True)
    globbed = sorted({path.name for pattern in ("*.apkg", "*.pdf", "SHA256SUMS", "manifest.json")
                      for path in (repo / "dist").glob(pattern)})
    slug = "interview-questions-model-answers"
    assert globbed == ["SHA256SUMS", f"{slug}-cards.pdf", f"{slug}-worksheet.pdf", f"{slug}.apkg", f"{slug}.pdf",
                       "manifest.json"]


@pytest.mark.slow
def test_the_composite_actions_build_step_runs_as_github_would(tmp_path):
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    step = next(step for step in action["runs"]["steps"] if step.get("id") == "build")
    repo = _copy(tmp_path / "repo")
    shutil.copy(ROOT / "deckbook.toml", repo / "deckbook.toml")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-C", str(repo)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "bank", "--date", "@1700000000"], check=True,
                   env={**os.environ, "GIT_COMMITTER_DATE": "@1700000000"})
    outputs = tmp_path / "github_output"
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "GITHUB_OUTPUT": str(outputs),
           "CONFIG": "deckbook.toml", "BANK": "", "OUT": "out", "PAGE_SIZE": "Letter", "CHECK": "true",
           "RUNNER_TEMP": str(tmp_path)}
    env.pop("SOURCE_DATE_EPOCH")
    subprocess.run(["bash", "-e", "-c", step["run"]], cwd=repo, env=env, check=True, capture_output=True)
    slug = "interview-questions-model-answers"
    artifacts = [f"out/{slug}.apkg", f"out/{slug}.pdf", f"out/{slug}-cards.pdf", f"out/{slug}-worksheet.pdf",
                 "out/SHA256SUMS", "out/manifest.json"]
    assert outputs.read_text().splitlines() == [f"apkg=out/{slug}.apkg", f"pdf=out/{slug}.pdf",
                                                 "files<<DECKBOOK_EOF", *artifacts, "DECKBOOK_EOF"]
    assert f'"date": "{_latest(repo)}"'.encode() in (repo / "out" / "manifest.json").read_bytes()
    declared = set(action["inputs"])
    used = set(re.findall(r"inputs\.([\w-]+)", (ROOT / "action.yml").read_text()))
    assert used == declared


@pytest.mark.slow
def test_the_pre_commit_hook_is_valid_and_checks_every_changed_bank(runner, tmp_path):
    manifest = ROOT / ".pre-commit-hooks.yaml"
    subprocess.run([BIN / "pre-commit", "validate-manifest", str(manifest)], check=True)
    (hook,) = yaml.safe_load(manifest.read_text())
    pattern = re.compile(hook["files"])
    assert [name for name in ("questions.yaml", "banks/questions-ml.yml", "notes.yaml", "questions.md")
            if pattern.search(name)] == ["questions.yaml", "banks/questions-ml.yml"]
    good = _copy(tmp_path / "good") / "questions.yaml"
    bad = ROOT / "tests" / "banks" / "invalid" / "bad-id.yaml"
    result = subprocess.run([*hook["entry"].split(), str(good), str(bad)], capture_output=True, text=True,
                            env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}, check=False)
    assert result.returncode == 1
    assert result.stdout.startswith(f"{good}: valid: 15 questions")
    assert result.stderr.startswith(f"{bad}:6:9: error: id 'Eq_vs_Is'")


def _readme_yaml(first_line: str) -> str:
    blocks = re.findall(r"^```yaml\n(.*?)^```", (ROOT / "README.md").read_text(), re.MULTILINE | re.DOTALL)
    (block,) = [block for block in blocks if block.startswith(first_line + "\n")]
    return block


@pytest.mark.slow
def test_the_readmes_workflow_for_other_repositories_passes_actionlint(tmp_path):
    workflow = tmp_path / "deck.yml"
    workflow.write_text(_readme_yaml("# .github/workflows/deck.yml"))
    step = next(step for step in yaml.safe_load(workflow.read_text())["jobs"]["build"]["steps"]
                if step.get("id") == "deckbook")
    assert set(step["with"]) <= set(yaml.safe_load((ROOT / "action.yml").read_text())["inputs"])
    result = subprocess.run([BIN / "actionlint", "-no-color", str(workflow)], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_the_readmes_pre_commit_config_is_valid_and_names_the_hook(tmp_path):
    config = tmp_path / ".pre-commit-config.yaml"
    config.write_text(_readme_yaml("# .pre-commit-config.yaml"))
    subprocess.run([BIN / "pre-commit", "validate-config", str(config)], check=True, capture_output=True)
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert yaml.safe_load(config.read_text())["repos"][0]["hooks"] == [{"id": hook["id"]}]
