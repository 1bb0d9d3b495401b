"""RFL901: an exception inside the engine or one rule is a finding, never a crash."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from refusal_lint.api import check_source
from refusal_lint.checks.silent_refusal_branch import SilentRefusalBranch
from refusal_lint.facts import Dispatch
from refusal_lint.rule import Context
from refusal_lint.settings import Settings, default_settings

SOURCE = """\
def answer(resp):
    if resp.stop_reason == "max_tokens":
        raise RuntimeError("truncated")
    return resp.content[0].text
"""


def _explode(self: object, dispatch: Dispatch, ctx: Context) -> None:
    raise KeyError("boom")


def test_failing_rule_is_reported_and_others_still_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(SilentRefusalBranch, "check_dispatch", _explode)
    findings = check_source(SOURCE, "app.py", default_settings())
    codes = [f.code for f in findings]
    assert "RFL901" in codes
    assert "RFL001" in codes  # the other rules' findings survive
    internal = next(f for f in findings if f.code == "RFL901")
    assert "RFL005" in internal.message and "KeyError" in internal.message


def test_reported_even_when_not_selected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(SilentRefusalBranch, "check_dispatch", _explode)
    settings = Settings(enabled=frozenset({"RFL005"}))
    assert [f.code for f in check_source(SOURCE, "app.py", settings)] == ["RFL901"]


def test_analyzer_failure_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    from refusal_lint import analyzer

    def broken_run(self: object) -> None:
        raise ValueError("walk failed")

    monkeypatch.setattr(analyzer.Analyzer, "run", broken_run)
    findings = check_source(SOURCE, "app.py", default_settings())
    assert [f.code for f in findings] == ["RFL901"]
    assert "analyzer" in findings[0].message


def test_cli_exits_2_on_internal_error(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(SOURCE, encoding="utf-8")
    script = (
        "import sys\n"
        "from refusal_lint.checks.silent_refusal_branch import SilentRefusalBranch\n"
        "def boom(self, d, c): raise KeyError('boom')\n"
        "SilentRefusalBranch.check_dispatch = boom\n"
        "from refusal_lint.cli import main\n"
        "sys.argv = ['refusal-lint', 'check', sys.argv[1]]\n"
        "main()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "app.py")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "RFL901" in result.stdout
    assert "RFL001" in result.stdout
