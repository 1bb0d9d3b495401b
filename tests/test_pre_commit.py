"""The pre-commit hooks, for real: `pre-commit try-repo <this repo> refusal-lint` in a
temporary git repository fails on a file with a finding and passes on a clean one.

Slow on purpose (pre-commit builds a virtualenv and pip-installs this repository, from
PyPI's setuptools); it runs in CI. Both runs share one PRE_COMMIT_HOME, so the second
reuses the environment of the first when this repository has no uncommitted changes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HOOKS = ROOT / ".pre-commit-hooks.yaml"

BAD = """\
def answer(client, prompt):
    resp = client.messages.create(model="m", max_tokens=512, messages=prompt)
    if resp.stop_reason == "max_tokens":
        raise RuntimeError("truncated")
    return resp.content[0].text
"""
GOOD = BAD.replace(
    '        raise RuntimeError("truncated")\n',
    '        raise RuntimeError("truncated")\n'
    '    if resp.stop_reason == "refusal":\n'
    '        raise RuntimeError("refused")\n',
)


def _env(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PRE_COMMIT_HOME": str(home),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "PRE_COMMIT_COLOR": "never",
    }


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def _try_repo(
    repo: Path, home: Path, hook: str = "refusal-lint"
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), hook, "--all-files"]
    return subprocess.run(
        command, cwd=repo, env=_env(home), capture_output=True, text=True, check=False, timeout=600
    )


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("git") is None:
        pytest.fail("git is needed for the pre-commit test")
    return tmp_path_factory.mktemp("pre-commit-home")


def _project(root: Path, files: dict[str, str]) -> Path:
    root.mkdir()
    _git(root, "init", "-q")
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    _git(root, "add", ".")
    return root


def test_hooks_file_declares_both_hooks() -> None:
    text = HOOKS.read_text(encoding="utf-8")
    for hook_id, entry in (
        ("refusal-lint", "refusal-lint check --force-exclude"),
        ("refusal-lint-fix", "refusal-lint check --fix --force-exclude"),
    ):
        assert f"- id: {hook_id}\n" in text and f"entry: {entry}\n" in text
    assert text.count("types: [python]") == 2 and text.count("language: python") == 2


def test_try_repo_fails_on_a_bad_file_and_passes_on_a_good_one(tmp_path: Path, home: Path) -> None:
    bad = _project(tmp_path / "bad", {"app/llm.py": BAD, "generated/llm.py": BAD})
    (bad / "pyproject.toml").write_text(
        '[tool.refusal-lint]\nextend-exclude = ["generated/"]\n', encoding="utf-8"
    )
    _git(bad, "add", ".")
    failed = _try_repo(bad, home)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "app/llm.py:3:5: RFL001" in failed.stdout
    # --force-exclude: the configured exclude holds for files pre-commit names explicitly.
    assert "generated/llm.py" not in failed.stdout

    good = _project(tmp_path / "good", {"app/llm.py": GOOD, "notes.txt": "not python\n"})
    passed = _try_repo(good, home)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "refusal-lint" in passed.stdout and "Passed" in passed.stdout
