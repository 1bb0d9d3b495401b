"""`check --fix / --unsafe-fixes / --diff / --fix-only` on real files.

Writes are atomic and keep permission bits; a read-only file or one that changes while it is
being fixed is reported and skipped; CRLF, tabs, a BOM, a coding cookie and non-ASCII text
survive; output that would not parse leaves the file untouched with an RFL901 finding; and a
plain `check` never imports libcst.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from refusal_lint import api, fixing, plans
from refusal_lint.plans.edits import apply_edits
from refusal_lint.settings import default_settings

if TYPE_CHECKING:
    from conftest import Invoke, Write

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.usefixtures("project")

GUARD = textwrap.dedent(
    """\
    def summarize(resp):
        if resp.stop_reason == "max_tokens":
            raise RuntimeError("truncated")
        return resp.content[0].text
    """
)
GUARD_FIXED = textwrap.dedent(
    """\
    def summarize(resp):
        if resp.stop_reason == "max_tokens":
            raise RuntimeError("truncated")
        elif resp.stop_reason == "refusal":
            raise RuntimeError(f"model refused: {getattr(resp, 'stop_details', None)!r}")
        return resp.content[0].text
    """
)
# RFL005 only: its fix is unsafe
SILENT_REFUSAL = textwrap.dedent(
    """\
    def text_of(resp):
        if resp.stop_reason == "refusal":
            return None
        return resp.content[0].text
    """
)


@pytest.fixture(autouse=True)
def strict_plans(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plans, "STRICT", True)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---- the command ------------------------------------------------------------------------------


def test_fix_writes_the_safe_fix_and_reports_what_remains(invoke: Invoke, write: Write) -> None:
    guard = write("guard.py", GUARD)
    silent = write("silent.py", SILENT_REFUSAL)
    result = invoke("check", "--fix", ".")
    assert guard.read_text(encoding="utf-8") == GUARD_FIXED
    assert silent.read_text(encoding="utf-8") == SILENT_REFUSAL  # unsafe: left alone
    assert "Fixed 1 problem in 1 file." in result.stdout
    assert "silent.py:2:5: RFL005 the branch" in result.stdout  # no [*]: unsafe
    assert "1 fixable only with --fix --unsafe-fixes." in result.stdout
    assert result.exit_code == 1
    again = invoke("check", "--fix", ".")
    assert "No fixes applied." in again.stdout
    assert guard.read_text(encoding="utf-8") == GUARD_FIXED


def test_unsafe_fixes(invoke: Invoke, write: Write) -> None:
    silent = write("silent.py", SILENT_REFUSAL)
    marked = invoke("check", "--unsafe-fixes", ".")
    assert "RFL005 [*] the branch" in marked.stdout
    assert "[*] 1 fixable with --fix --unsafe-fixes." in marked.stdout
    assert silent.read_text(encoding="utf-8") == SILENT_REFUSAL  # no --fix: nothing written
    result = invoke("check", "--fix", "--unsafe-fixes", ".")
    assert "raise RuntimeError" in silent.read_text(encoding="utf-8")
    assert result.stdout.splitlines()[-1] == "All checks passed!"
    assert result.exit_code == 0


def test_text_output_marks_safe_fixes_and_counts_both(invoke: Invoke, write: Write) -> None:
    write("guard.py", GUARD)
    write("silent.py", SILENT_REFUSAL)
    result = invoke("check", "--output-format", "concise", ".")
    lines = result.stdout.splitlines()
    assert any(line.startswith("guard.py:2:5: RFL001 [*] ") for line in lines)
    assert any(line.startswith("silent.py:2:5: RFL005 the branch") for line in lines)
    assert lines[-2:] == [
        "[*] 1 fixable with --fix.",
        "1 more fixable only with --fix --unsafe-fixes.",
    ]


def test_diff_writes_nothing_and_exits_1(invoke: Invoke, write: Write) -> None:
    guard = write("guard.py", GUARD)
    before = digest(guard)
    result = invoke("check", "--diff", ".")
    assert result.exit_code == 1
    assert digest(guard) == before
    assert result.stdout.startswith("--- a/guard.py\n+++ b/guard.py\n@@ ")
    assert '+    elif resp.stop_reason == "refusal":\n' in result.stdout
    assert "Would fix 1 problem in 1 file." in result.stderr
    write("guard.py", GUARD_FIXED)
    clean = invoke("check", "--diff", ".")
    assert clean.exit_code == 0 and clean.stdout == ""


def test_fix_keeps_json_output_parseable(invoke: Invoke, write: Write) -> None:
    write("guard.py", GUARD)
    write("silent.py", SILENT_REFUSAL)
    result = invoke("check", "--fix", "--output-format", "json", ".")
    [finding] = json.loads(result.stdout)
    assert finding["code"] == "RFL005"
    assert "Fixed 1 problem in 1 file." in result.stderr


def test_fix_only_reports_just_the_count(invoke: Invoke, write: Write) -> None:
    write("guard.py", GUARD)
    write("silent.py", SILENT_REFUSAL)
    result = invoke("check", "--fix-only", ".")
    assert result.stdout == "Fixed 1 problem in 1 file.\n"
    assert result.exit_code == 0


def test_stdin_fix_prints_the_fixed_source(invoke: Invoke) -> None:
    result = invoke("check", "--fix", "-", stdin=GUARD.encode())
    assert result.stdout == GUARD_FIXED
    diff = invoke("check", "--diff", "-", stdin=GUARD.encode())
    assert diff.exit_code == 1 and "+    elif resp.stop_reason" in diff.stdout


def test_json_fix_field_is_what_fix_applies(invoke: Invoke, write: Write) -> None:
    guard = write("guard.py", GUARD)
    result = invoke("check", "--output-format", "json", ".")
    [finding] = json.loads(result.stdout)
    fix = finding["fix"]
    assert set(fix) == {"applicability", "message", "edits"}
    assert fix["applicability"] == "safe"
    assert fix["message"] == "Add a branch for 'refusal' that raises"
    [edit] = fix["edits"]
    assert edit["location"] == edit["end_location"] == {"row": 4, "column": 1}
    edits = [plans.Edit.from_dict(e) for e in fix["edits"]]
    assert apply_edits(GUARD, edits) == GUARD_FIXED
    invoke("check", "--fix", ".")
    assert guard.read_text(encoding="utf-8") == GUARD_FIXED


def test_configured_templates(invoke: Invoke, write: Write) -> None:
    write(
        "pyproject.toml",
        "[tool.refusal-lint.fix]\n"
        "refusal-branch = 'log.warning(\"refused: %s\", {subject}); raise Refused({subject})'\n",
    )
    guard = write("guard.py", GUARD)
    invoke("check", "--fix", ".")
    assert guard.read_text(encoding="utf-8") == GUARD_FIXED.replace(
        "raise RuntimeError(f\"model refused: {getattr(resp, 'stop_details', None)!r}\")",
        'log.warning("refused: %s", resp.stop_reason); raise Refused(resp.stop_reason)',
    )


@pytest.mark.parametrize(
    "template", ["if x: raise ValueError()", "raise ValueError(\n)", "raise (", "x = 1\ny = 2"]
)
def test_a_bad_template_is_a_config_error(invoke: Invoke, write: Write, template: str) -> None:
    write("pyproject.toml", f"[tool.refusal-lint.fix]\ndefault-branch = {json.dumps(template)}\n")
    write("guard.py", GUARD)
    result = invoke("check", "--fix", ".")
    assert result.exit_code == 2
    assert "invalid value for 'fix'" in result.stderr


def test_check_diff_on_examples_leaves_them_untouched(invoke: Invoke) -> None:
    """Acceptance 3: a readable diff, and every file byte for byte as it was."""
    examples = ROOT / "examples"
    files = sorted(examples.rglob("*"))
    before = {p: digest(p) for p in files if p.is_file()}
    result = invoke("check", "--diff", "--unsafe-fixes", str(examples))
    assert result.exit_code == 1
    assert {p: digest(p) for p in files if p.is_file()} == before
    assert "--- a/" in result.stdout and "\n+" in result.stdout and "\n@@ " in result.stdout
    assert "Would fix" in result.stderr


def test_plain_check_does_not_import_libcst(tmp_path: Path) -> None:
    (tmp_path / "guard.py").write_text(GUARD, encoding="utf-8")
    script = (
        "import sys\n"
        "from refusal_lint.cli import main\n"
        "try:\n"
        f"    main(['check', '--output-format', 'json', {str(tmp_path)!r}])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('libcst' in sys.modules, 'refusal_lint.fixes' in sys.modules)\n"
    )
    plain = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert plain.stdout.splitlines()[-1] == "False False", plain.stderr
    fixing_script = script.replace("'--output-format', 'json'", "'--diff'")
    with_fix = subprocess.run([sys.executable, "-c", fixing_script], capture_output=True, text=True)
    assert with_fix.stdout.splitlines()[-1] == "True True", with_fix.stderr


# ---- files: atomic, permissions, read-only, changed, encodings --------------------------------


def test_write_keeps_permission_bits_and_leaves_no_temporary_file(
    invoke: Invoke, write: Write
) -> None:
    guard = write("guard.py", GUARD)
    guard.chmod(0o640)
    invoke("check", "--fix", ".")
    assert guard.read_text(encoding="utf-8") == GUARD_FIXED
    assert stat.S_IMODE(guard.stat().st_mode) == 0o640
    assert sorted(p.name for p in guard.parent.iterdir()) == ["guard.py"]


def test_write_goes_through_a_temporary_file_in_the_same_directory(
    write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    guard = write("guard.py", GUARD)
    replaced: list[tuple[str, str]] = []
    real_replace = os.replace

    def spy(source: Any, target: Any) -> None:
        replaced.append((str(source), str(target)))
        real_replace(source, target)

    monkeypatch.setattr(fixing.os, "replace", spy)
    result = fixing.fix_file(guard, "guard.py", default_settings(), unsafe=False, write=True)
    assert result.problem is None
    [(temporary, target)] = replaced
    assert Path(temporary).parent == guard.resolve().parent and target == str(guard.resolve())


def test_read_only_file_is_reported_and_the_run_goes_on(invoke: Invoke, write: Write) -> None:
    locked = write("a_locked.py", GUARD)
    open_file = write("b_open.py", GUARD)
    locked.chmod(0o444)
    try:
        result = invoke("check", "--fix", ".")
    finally:
        locked.chmod(0o644)
    assert locked.read_text(encoding="utf-8") == GUARD
    assert open_file.read_text(encoding="utf-8") == GUARD_FIXED
    assert "cannot fix a_locked.py: the file is read-only" in result.stderr
    assert "a_locked.py:2:5: RFL001 [*]" in result.stdout  # still reported, unfixed
    assert "Fixed 1 problem in 1 file." in result.stdout


def test_a_file_that_cannot_be_read_for_fixing_keeps_its_findings(
    invoke: Invoke, write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    write("guard.py", GUARD)
    monkeypatch.setattr(
        fixing, "fix_file", lambda *a, **k: fixing.FileFix("", problem="cannot read: gone")
    )
    result = invoke("check", "--fix", ".")
    assert "cannot fix guard.py: cannot read: gone" in result.stderr
    assert "guard.py:2:5: RFL001" in result.stdout
    assert result.exit_code == 1


def test_file_changed_while_fixing_is_skipped(
    write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    guard = write("guard.py", GUARD)
    real = fixing.fix_source

    def meanwhile(*args: Any, **kwargs: Any) -> fixing.SourceFix:
        result = real(*args, **kwargs)
        guard.write_text(GUARD + "# edited meanwhile\n", encoding="utf-8")
        return result

    monkeypatch.setattr(fixing, "fix_source", meanwhile)
    result = fixing.fix_file(guard, "guard.py", default_settings(), unsafe=False, write=True)
    assert result.problem == "the file changed while it was being fixed; left as it is"
    assert guard.read_text(encoding="utf-8") == GUARD + "# edited meanwhile\n"


@pytest.mark.parametrize(
    ("name", "transform"),
    [
        ("crlf", lambda text: text.replace("\n", "\r\n").encode()),
        ("bom", lambda text: b"\xef\xbb\xbf" + text.encode()),
        ("tabs", lambda text: text.replace("    ", "\t").encode()),
        ("latin-1", lambda text: ("# -*- coding: latin-1 -*-\n# café\n" + text).encode("latin-1")),
        ("non-ascii", lambda text: text.replace('"truncated"', '"tronqué ✂"').encode()),
    ],
)
def test_encodings_line_endings_and_indentation_survive(
    invoke: Invoke, write: Write, name: str, transform: Any
) -> None:
    path = write("guard.py", transform(GUARD))
    result = invoke("check", "--fix", ".")
    assert "Fixed 1 problem in 1 file." in result.stdout, result.stdout + result.stderr
    assert path.read_bytes() == transform(GUARD_FIXED)
    invoke("check", "--fix", ".")
    assert path.read_bytes() == transform(GUARD_FIXED)  # idempotent


def test_output_that_does_not_parse_leaves_the_file_untouched(
    invoke: Invoke, write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    import refusal_lint.fixes

    guard = write("guard.py", GUARD)
    broken = GUARD.replace("return", "return (")
    monkeypatch.setattr(refusal_lint.fixes, "realise", lambda source, plans: broken)
    monkeypatch.setattr(fixing, "apply_edits", lambda source, edits: broken)
    result = invoke("check", "--fix", ".")
    assert guard.read_text(encoding="utf-8") == GUARD
    assert result.exit_code == 2
    assert "RFL901 internal error in the fixer (RFL001 at line 2)" in result.stdout
    assert "does not parse" in result.stdout


def test_a_libcst_result_that_disagrees_with_the_edits_is_not_written(
    invoke: Invoke, write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    import refusal_lint.fixes

    guard = write("guard.py", GUARD)
    real = refusal_lint.fixes.realise
    monkeypatch.setattr(
        refusal_lint.fixes, "realise", lambda source, plans: real(source, plans) + "\n"
    )
    result = invoke("check", "--fix", ".")
    assert guard.read_text(encoding="utf-8") == GUARD
    assert "the libcst fix and the fix's text edits disagree" in result.stdout
    assert result.exit_code == 2


def test_several_fixes_and_nested_dispatches_in_one_file() -> None:
    source = textwrap.dedent(
        """\
        def step(message):
            if message.stop_reason == "tool_use":
                follow_up = run_tools(message)
                if follow_up.stop_reason == "max_tokens":
                    raise RuntimeError("tool follow-up truncated")
                return follow_up.content[0].text
            return message.content[0].text


        def check(resp):
            assert resp.stop_reason == "end_turn"
            return resp.content[0].text
        """
    )
    result = fixing.fix_source(source, "app.py", default_settings())
    assert result.error is None
    assert result.fixed == {"RFL001": 2, "RFL008": 1}
    assert result.source.count("elif ") == 2 and "raise AssertionError" in result.source
    assert fixing.fix_source(result.source, "app.py", default_settings()).fixed == {}
    assert api.fix_source(source, "app.py").source == result.source  # the library entry


def test_plain_api_check_carries_plans_without_libcst() -> None:
    script = (
        "import sys\n"
        "from refusal_lint import api\n"
        f"[finding] = api.check_source({GUARD!r}, 'a.py')\n"
        "fix = finding.fix\n"
        "print(fix['applicability'], fix['plan']['kind'], 'libcst' in sys.modules)\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert run.stdout.strip() == "safe add-elif False", run.stderr
