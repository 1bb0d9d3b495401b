"""`refusal-lint check | rule | rules`: formats, options, exit codes (bad input: test_bad_input)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import refusal_lint
from refusal_lint import cli as cli_module
from refusal_lint import registry
from refusal_lint.output import Style

if TYPE_CHECKING:
    from conftest import Invoke, Write

FIRE = "x = 1  # FIRE\n"
pytestmark = pytest.mark.usefixtures("fake_rules", "project")


def as_json(stdout: str) -> list[dict[str, object]]:
    data = json.loads(stdout)
    assert isinstance(data, list)
    return data


# --- bad input (the full table is tests/test_bad_input.py) ---------------------------


def test_nonexistent_path_is_exit_2_naming_it(invoke: Invoke, write: Write) -> None:
    write("real.py", FIRE)
    result = invoke("check", "real.py", "missing_dir/nope.py")
    assert result.exit_code == 2
    assert "path does not exist: missing_dir/nope.py" in result.stderr
    assert result.stdout == ""


def test_unknown_config_key_is_exit_2_naming_file_and_key(invoke: Invoke, write: Write) -> None:
    write("pyproject.toml", '[tool.refusal-lint]\nselct = ["RFL899"]\n')
    write("a.py", FIRE)
    result = invoke("check", "a.py")
    assert result.exit_code == 2
    assert "pyproject.toml: unknown key 'selct'" in result.stderr
    assert "did you mean 'select'?" in result.stderr


def test_unknown_rule_in_config_is_exit_2_naming_it(invoke: Invoke, write: Write) -> None:
    write("refusal-lint.toml", 'ignore = ["RFL12345"]\n')
    write("a.py", FIRE)
    result = invoke("check", "a.py")
    assert result.exit_code == 2
    # (a close code, now RFL012, may be suggested between the two)
    assert "refusal-lint.toml: unknown rule selector 'RFL12345'" in result.stderr
    assert "in 'ignore'" in result.stderr


def test_empty_directory_is_exit_0_with_a_warning(invoke: Invoke, project: Path) -> None:
    (project / "empty").mkdir()
    result = invoke("check", "empty")
    assert result.exit_code == 0
    assert "warning: no Python files found" in result.stderr


def test_internal_error_is_exit_2_asking_for_a_bug_report(
    invoke: Invoke, write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    # outside the per-file guard (tests/test_bad_input.py covers a failure on one file)
    monkeypatch.setattr(cli_module, "_print_report", explode)
    write("a.py", FIRE)
    result = invoke("check", "a.py")
    assert result.exit_code == 2
    assert "internal error: RuntimeError: boom" in result.stderr
    assert "please report it" in result.stderr
    monkeypatch.setenv("REFUSAL_LINT_DEBUG", "1")
    with pytest.raises(RuntimeError):
        invoke("check", "a.py")


# --- output formats ------------------------------------------------------------------


def test_json_shape(invoke: Invoke, write: Write) -> None:
    write("pkg/mod.py", "def f():\n    y = 2  # FIRE # FIX\n")
    result = invoke("check", "--output-format", "json", "pkg")
    assert result.exit_code == 1
    [finding] = as_json(result.stdout)
    assert finding == {
        "code": "RFL899",
        "name": "fake-test-rule",
        "message": "fake finding",
        "filename": str(Path("pkg/mod.py")),
        "location": {"row": 2, "column": 5},
        "end_location": {"row": 2, "column": 10},
        "fix": {"message": "fake fix", "edits": []},
        "url": "https://github.com/refusal-lint/refusal-lint/blob/main/docs/rules/fake-test-rule.md",
    }


def test_json_when_clean_is_an_empty_array(invoke: Invoke, write: Write) -> None:
    write("a.py", "x = 1\n")
    result = invoke("check", "--output-format", "json", "a.py")
    assert (result.exit_code, json.loads(result.stdout)) == (0, [])


def test_full_format_shows_source_line_caret_and_summary(invoke: Invoke, write: Write) -> None:
    write("a.py", "import os\nif True:\n    value = 1  # FIRE # FIX\nz = 3  # FIRE\n")
    result = invoke("check", "a.py")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[:4] == [
        "a.py:3:5: RFL899 [*] fake finding",
        "  |",
        "3 |     value = 1  # FIRE # FIX",
        "  |     ^^^^^^^^^",
    ]
    assert "a.py:4:1: RFL899 fake finding" in lines
    assert lines[-2:] == ["Found 2 problems.", "[*] 1 fixable with --fix."]
    assert "\x1b[" not in result.stdout  # no colour when stdout is not a terminal


def test_full_format_aligns_caret_after_tabs(invoke: Invoke, write: Write) -> None:
    write("a.py", "if True:\n\tx = 1  # FIRE\n")
    result = invoke("check", "a.py")
    source, caret = result.stdout.splitlines()[2:4]
    assert source.index("x") == caret.index("^")


def test_concise_format_and_singular_summary(invoke: Invoke, write: Write) -> None:
    write("a.py", FIRE)
    result = invoke("check", "--output-format", "concise", "a.py")
    assert result.stdout.splitlines() == ["a.py:1:1: RFL899 fake finding", "Found 1 problem."]


def test_clean_run_says_all_checks_passed(invoke: Invoke, write: Write) -> None:
    write("a.py", "x = 1\n")
    result = invoke("check")
    assert (result.exit_code, result.stdout) == (0, "All checks passed!\n")


def test_quiet_prints_findings_only(invoke: Invoke, write: Write) -> None:
    write("a.py", FIRE)
    result = invoke("check", "--quiet", "--output-format", "concise", "a.py")
    assert result.stdout == "a.py:1:1: RFL899 fake finding\n"
    assert invoke("check", "-q", "--ignore", "RFL899", "a.py").stdout == ""


def test_statistics(invoke: Invoke, write: Write) -> None:
    write("a.py", FIRE * 3)
    write("b.py", "x = (\n")
    write("c.py", "def f(:\n")
    result = invoke("check", "--statistics", ".")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "3\tRFL899\tfake-test-rule",
        "2\tRFL900\tunparseable-file",
        "Found 5 problems.",
    ]
    rows = json.loads(invoke("check", "--statistics", "--output-format", "json", ".").stdout)
    assert rows[0] == {"code": "RFL899", "name": "fake-test-rule", "count": 3, "fixable": False}


def test_colour_style_is_off_unless_asked() -> None:
    assert Style(color=False)("RFL001", fg="red") == "RFL001"
    assert Style(color=True)("RFL001", fg="red").startswith("\x1b[")


# --- exit codes, selection, suppression ----------------------------------------------


def test_exit_zero(invoke: Invoke, write: Write) -> None:
    write("a.py", FIRE)
    result = invoke("check", "--exit-zero", "a.py")
    assert result.exit_code == 0
    assert "Found 1 problem." in result.stdout


def test_select_and_ignore(invoke: Invoke, write: Write) -> None:
    write("a.py", FIRE)
    assert invoke("check", "--ignore", "fake-test-rule", "a.py").exit_code == 0
    assert invoke("check", "--select", "RFL898", "a.py").exit_code == 0
    assert invoke("check", "--select", "RFL898", "--extend-select", "RFL89", "a.py").exit_code == 1
    assert invoke("check", "--select", "ALL", "--ignore", "RFL898,RFL899", "a.py").exit_code == 0


def test_noqa_comments_suppress(invoke: Invoke, write: Write) -> None:
    write(
        "a.py",
        "x = 1  # FIRE  # noqa: RFL899\ny = 2  # FIRE  # noqa\nz = 3  # FIRE # noqa: RFL001\n",
    )
    result = invoke("check", "--output-format", "concise", "a.py")
    assert result.stdout.splitlines() == ["a.py:3:1: RFL899 fake finding", "Found 1 problem."]


def test_per_file_ignores(invoke: Invoke, write: Write) -> None:
    write(
        "pyproject.toml",
        '[tool.refusal-lint.per-file-ignores]\n"tests/**" = ["fake-test-rule"]\n'
        '"legacy.py" = ["RFL900"]\n',
    )
    write("tests/test_a.py", FIRE)
    write("src/legacy.py", "def f(:\n")
    write("src/app.py", FIRE)
    result = invoke("check", "--output-format", "concise", "-q", ".")
    assert result.stdout.splitlines() == [f"{Path('src/app.py')}:1:1: RFL899 fake finding"]


def test_config_file_and_isolated(invoke: Invoke, write: Write) -> None:
    write("pyproject.toml", '[tool.refusal-lint]\nignore = ["RFL899"]\n')
    write("other.toml", 'select = ["RFL899"]\n')
    write("a.py", FIRE)
    assert invoke("check", "a.py").exit_code == 0
    assert invoke("check", "--isolated", "a.py").exit_code == 1
    assert invoke("check", "--config", "other.toml", "a.py").exit_code == 1
    missing = invoke("check", "--config", "nope.toml", "a.py")
    assert missing.exit_code == 2
    assert "nope.toml" in missing.stderr


# --- paths -------------------------------------------------------------------------------


def test_stdin_with_and_without_stdin_filename(invoke: Invoke, write: Write) -> None:
    write("pyproject.toml", '[tool.refusal-lint.per-file-ignores]\n"gen/*" = ["RFL899"]\n')
    result = invoke("check", "--output-format", "concise", "-", stdin=FIRE.encode())
    assert result.stdout.startswith("-:1:1: RFL899")
    named = invoke(
        "check",
        "--output-format",
        "concise",
        "--stdin-filename",
        "pkg/m.py",
        "-",
        stdin=FIRE.encode(),
    )
    assert named.stdout.startswith(f"{Path('pkg/m.py')}:1:1: RFL899")
    ignored = invoke("check", "--stdin-filename", "gen/m.py", "-", stdin=FIRE.encode())
    assert ignored.exit_code == 0


def test_default_skips_and_gitignore_but_explicit_files_always_run(
    invoke: Invoke, write: Write
) -> None:
    write(".gitignore", "generated/\n")
    write("generated/out.py", FIRE)
    write(".venv/lib/x.py", FIRE)
    write("build/lib/y.py", FIRE)
    write("src/app.py", FIRE)
    result = invoke("check", "--output-format", "concise", "-q", ".")
    assert result.stdout.splitlines() == [f"{Path('src/app.py')}:1:1: RFL899 fake finding"]
    explicit = invoke(
        "check", "-q", "--output-format", "concise", "build/lib/y.py", "generated/out.py"
    )
    assert len(explicit.stdout.splitlines()) == 2
    forced = invoke("check", "--force-exclude", "build/lib/y.py")
    assert forced.exit_code == 0
    assert "no Python files found" in forced.stderr


def test_force_exclude_from_config_and_exclude_patterns(invoke: Invoke, write: Write) -> None:
    write(
        "pyproject.toml", '[tool.refusal-lint]\nexclude = ["migrations/"]\nforce-exclude = true\n'
    )
    write("app/migrations/0001.py", FIRE)
    assert invoke("check", ".").exit_code == 0
    assert invoke("check", "app/migrations/0001.py").exit_code == 0
    assert invoke("check", "--no-force-exclude", "app/migrations/0001.py").exit_code == 1


def test_absolute_paths_are_shown_relative_to_the_cwd(
    invoke: Invoke, write: Write, project: Path
) -> None:
    path = write("sub/a.py", FIRE)
    result = invoke("check", "--output-format", "concise", str(path.resolve()))
    assert result.stdout.startswith(f"{Path('sub/a.py')}:1:1:")


def test_config_is_found_from_the_checked_paths(
    invoke: Invoke, write: Write, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write("repo/pyproject.toml", '[tool.refusal-lint]\nignore = ["RFL899"]\n')
    write("repo/a.py", FIRE)
    write("elsewhere/.keep")
    monkeypatch.chdir(project / "elsewhere")
    assert invoke("check", str(project / "repo")).exit_code == 0


# --- rule and rules --------------------------------------------------------------------


def test_rule_prints_docs_for_every_rule(invoke: Invoke) -> None:
    assert registry.all_rules()
    for rule in registry.all_rules():
        for key in (rule.code, rule.name):
            result = invoke("rule", key)
            assert result.exit_code == 0, key
            assert result.stdout.startswith(f"# {rule.name} ({rule.code})\n")
            assert rule.docs() in result.stdout


def test_rule_unknown_is_exit_2(invoke: Invoke) -> None:
    result = invoke("rule", "RFL999")
    assert result.exit_code == 2
    assert "unknown rule 'RFL999'" in result.stderr


def test_rules_lists_every_rule(invoke: Invoke) -> None:
    text = invoke("rules").stdout.splitlines()
    assert text[0].split() == ["CODE", "NAME", "DEFAULT", "SUMMARY"]
    assert len(text) == len(registry.all_rules()) + 1
    assert any(line.split()[:3] == ["RFL898", "fake-off-rule", "off"] for line in text)
    rows = json.loads(invoke("rules", "--output-format", "json").stdout)
    assert [r["code"] for r in rows] == [r.code for r in registry.all_rules()]
    for row in rows:
        assert set(row) == {"code", "name", "summary", "default"}
        assert isinstance(row["default"], bool)


def test_version(invoke: Invoke) -> None:
    assert invoke("--version").stdout.strip() == f"refusal-lint {refusal_lint.__version__}"


def test_python_dash_m_entry_point(project: Path) -> None:
    """The real process: exit codes and stderr as a shell sees them."""
    env = {**os.environ, "PYTHONPATH": str(Path(refusal_lint.__file__).parent.parent)}
    command = [sys.executable, "-m", "refusal_lint", "check"]
    missing = subprocess.run([*command, "nope.py"], capture_output=True, text=True, env=env)
    assert missing.returncode == 2
    assert missing.stderr.strip() == "refusal-lint: error: path does not exist: nope.py"
    (project / "a.py").write_text("x = 1\n")
    clean = subprocess.run([*command, "a.py"], capture_output=True, text=True, env=env)
    assert (clean.returncode, clean.stdout) == (0, "All checks passed!\n")
