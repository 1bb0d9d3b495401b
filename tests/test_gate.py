"""The pull-request gate: `--baseline` / `--write-baseline` round trip and `--since REV`
in temporary git repositories, with the real rules."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from refusal_lint.cli import cli
from refusal_lint.since import parse_diff

ROOT = Path(__file__).resolve().parent.parent


def bug(name: str, reason: str = "max_tokens") -> str:
    """A function with one RFL001 finding on its third line (the `if`, spanning two lines)."""
    return (
        f"def {name}(client, prompt):\n"
        '    resp = client.messages.create(model="m", max_tokens=512, messages=prompt)\n'
        f'    if resp.stop_reason == "{reason}":\n'
        '        raise RuntimeError("truncated")\n'
        "    return resp.content[0].text\n"
    )


CLEAN = "def helper(values):\n    return sorted(values)\n"


def check(*args: str) -> Result:
    try:
        runner = CliRunner(mix_stderr=False)  # type: ignore[call-arg]  # click < 8.2
    except TypeError:
        runner = CliRunner()
    return runner.invoke(cli, ["check", "--output-format", "json", *args], catch_exceptions=False)


def found(result: Result) -> set[tuple[str, int, str]]:
    return {(f["filename"], f["location"]["row"], f["code"]) for f in json.loads(result.stdout)}


# ---- baseline ---------------------------------------------------------------------------


@pytest.fixture
def legacy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of examples/ (ten findings) as the current directory."""
    project = tmp_path / "legacy"
    shutil.copytree(ROOT / "examples", project)
    monkeypatch.chdir(project)
    return project


def _prepend(path: Path, text: str) -> None:
    path.write_text(text + path.read_text(encoding="utf-8"), encoding="utf-8")


def test_baseline_round_trip(legacy: Path) -> None:
    written = check("--write-baseline", "baseline.json", ".")
    assert written.exit_code == 0 and written.stdout == ""
    assert "wrote 10 finding(s) to baseline baseline.json" in written.stderr
    data = json.loads((legacy / "baseline.json").read_text(encoding="utf-8"))
    assert data["tool"] == "refusal-lint" and len(data["findings"]) == 10
    assert all(entry["path"].startswith("support_bot/") for entry in data["findings"])

    # Unrelated edits: every finding moves down, a clean function is added, lines deleted.
    for path in (legacy / "support_bot").glob("*.py"):
        _prepend(path, '"""Module docs added later."""\n\nimport logging\n\n')
    metrics = legacy / "support_bot" / "metrics.py"
    metrics.write_text(metrics.read_text(encoding="utf-8") + "\n\n" + CLEAN, encoding="utf-8")
    shifted = check(".")
    assert shifted.exit_code == 1 and len(found(shifted)) == 10  # still there without baseline
    gated = check("--baseline", "baseline.json", ".")
    assert gated.exit_code == 0, gated.stdout
    assert found(gated) == set()
    assert "10 finding(s) hidden by baseline" in gated.stderr

    # A new bug, even one that looks like an old one, is reported alone.
    anthropic = legacy / "support_bot" / "anthropic_client.py"
    anthropic.write_text(
        anthropic.read_text(encoding="utf-8") + "\n\n" + bug("draft_reply_v2"), encoding="utf-8"
    )
    new_line = len(anthropic.read_text(encoding="utf-8").splitlines()) - 2
    gated = check("--baseline", "baseline.json", ".")
    assert gated.exit_code == 1
    assert found(gated) == {("support_bot/anthropic_client.py", new_line, "RFL001")}


def test_editing_a_flagged_line_makes_its_finding_new(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.py").write_text(bug("a") + "\n\n" + bug("b"), encoding="utf-8")
    assert check("--write-baseline", "b.json", ".").exit_code == 0
    edited = bug("b").replace(
        'resp.stop_reason == "max_tokens"', '"max_tokens" == resp.stop_reason'
    )
    (tmp_path / "app.py").write_text(bug("a") + "\n\n" + edited, encoding="utf-8")
    assert found(check("--baseline", "b.json", ".")) == {("app.py", 10, "RFL001")}


def test_identical_findings_are_counted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two identical lines in one scope: the baseline hides as many as it recorded."""
    monkeypatch.chdir(tmp_path)
    twice = bug("a").replace("    return resp.content[0].text\n", "") * 1
    body = twice + twice.splitlines(keepends=True)[2] + '        raise RuntimeError("x")\n'
    (tmp_path / "app.py").write_text(body, encoding="utf-8")
    assert len(found(check("."))) == 1
    assert check("--write-baseline", "b.json", ".").exit_code == 0
    (tmp_path / "app.py").write_text(bug("a") + "\n\n" + bug("a"), encoding="utf-8")
    # Two findings with the same key and scope name now; one was recorded.
    assert len(found(check("--baseline", "b.json", "."))) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read baseline"),
        ("{not json", "is not valid JSON"),
        ('{"findings": []}', "is not a refusal-lint baseline"),
        ('{"tool": "refusal-lint", "findings": [{"code": "RFL001"}]}', "needs a string"),
    ],
    ids=["missing", "not-json", "not-ours", "no-fingerprint"],
)
def test_unusable_baseline_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str | None, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.py").write_text(bug("a"), encoding="utf-8")
    if content is not None:
        (tmp_path / "b.json").write_text(content, encoding="utf-8")
    result = check("--baseline", "b.json", ".")
    assert result.exit_code == 2
    assert result.stderr.startswith("refusal-lint: error: ") and message in result.stderr


# ---- --since ----------------------------------------------------------------------------


def git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    out = subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repo with two old bugs committed as `base`, one more commit, and live edits."""
    root = tmp_path / "repo"
    (root / "src" / "pkg").mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    (root / "src" / "pkg" / "old.py").write_text(
        bug("old") + "\n\n" + bug("kept"), encoding="utf-8"
    )
    (root / "src" / "pkg" / "later.py").write_text(CLEAN, encoding="utf-8")
    (root / ".gitignore").write_text("ignored.py\n", encoding="utf-8")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "base")
    git(root, "tag", "base")
    # Committed after base: a new bug appended to later.py.
    (root / "src" / "pkg" / "later.py").write_text(
        CLEAN + "\n\n" + bug("committed"), encoding="utf-8"
    )
    git(root, "commit", "-q", "-am", "later")
    # Uncommitted: an edit inside the first old bug's `if` chain (its raise line).
    old = root / "src" / "pkg" / "old.py"
    old.write_text(
        old.read_text(encoding="utf-8").replace('"truncated")', '"cut")', 1), encoding="utf-8"
    )
    # Untracked and ignored files, each with a bug.
    (root / "src" / "pkg" / "new.py").write_text(bug("untracked"), encoding="utf-8")
    (root / "src" / "pkg" / "ignored.py").write_text(bug("ignored"), encoding="utf-8")
    return root


def test_since_reports_only_changed_constructs_from_a_subdirectory(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo / "src" / "pkg")
    everything = found(check("."))
    assert ("old.py", 10, "RFL001") in everything  # the untouched old bug exists
    result = check("--since", "base", ".")
    assert result.exit_code == 1
    assert found(result) == {
        ("later.py", 7, "RFL001"),  # committed after base
        ("old.py", 3, "RFL001"),  # its raise line (inside the if) was edited, uncommitted
        ("new.py", 3, "RFL001"),  # untracked
    }


def test_since_head_sees_only_uncommitted_work(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    assert found(check("--since", "HEAD", "src")) == {
        ("src/pkg/old.py", 3, "RFL001"),
        ("src/pkg/new.py", 3, "RFL001"),
    }


def test_since_deleted_lines_inside_a_construct_count(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo)
    git(repo, "stash", "-u", "-q")
    old = repo / "src" / "pkg" / "old.py"
    lines = old.read_text(encoding="utf-8").splitlines(keepends=True)
    old.write_text("".join(lines[:1] + lines[2:]), encoding="utf-8")  # delete `resp = ...`
    assert found(check("--since", "HEAD", ".")) == set()  # the gap is before the `if`
    old.write_text("".join(lines[:4] + lines[5:]), encoding="utf-8")  # delete the `return`
    assert found(check("--since", "HEAD", ".")) == {("src/pkg/old.py", 3, "RFL001")}


def test_since_outside_a_git_repository_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    (tmp_path / "app.py").write_text(bug("a"), encoding="utf-8")
    result = check("--since", "HEAD", ".")
    assert result.exit_code == 2
    assert result.stderr.startswith("refusal-lint: error: --since needs a git repository")


def test_since_unknown_revision_is_a_clear_error(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo)
    result = check("--since", "no-such-branch", ".")
    assert result.exit_code == 2
    assert "unknown git revision 'no-such-branch'" in result.stderr


def test_parse_diff_reads_hunks() -> None:
    diff = (
        "diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n"
        "@@ -3 +3 @@\n-x\n+y\n@@ -10,2 +10,0 @@\n-a\n-b\n@@ -20,0 +19,3 @@\n+1\n+2\n+3\n"
        "diff --git a/gone.py b/gone.py\n--- a/gone.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n"
    )
    assert parse_diff(diff) == {"a.py": {3, 10, 19, 20, 21}}


def test_since_and_baseline_combine(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    assert check("--since", "base", "--write-baseline", "b.json", ".").exit_code == 0
    recorded = json.loads((repo / "b.json").read_text(encoding="utf-8"))["findings"]
    assert len(recorded) == 3
    assert found(check("--since", "base", "--baseline", "b.json", ".")) == set()
