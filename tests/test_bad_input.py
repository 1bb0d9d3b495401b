"""Issue 9, "never crash, never corrupt": the bad-input table, one test per row.

Every row runs the real command (in-process through click, or as a subprocess where
processes matter) and checks the exit code (0 clean, 1 findings, 2 usage / config /
internal error, 130 interrupted), that the message names the file and the problem, and,
for `--fix` rows, that no byte of a file is lost: a file is either untouched or exactly
the fixed text. Nothing here may end in a traceback (`catch_exceptions=False`).
"""

from __future__ import annotations

import ast
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from click.testing import Result

import refusal_lint
from refusal_lint import api, discovery, fixing, runner
from refusal_lint.analyzer import Analyzer
from refusal_lint.checks.missing_refusal_branch import MissingRefusalBranch
from refusal_lint.facts import Dispatch
from refusal_lint.rule import Context

if TYPE_CHECKING:
    from conftest import Invoke, Write

pytestmark = pytest.mark.usefixtures("project")
PACKAGE_PARENT = str(Path(refusal_lint.__file__).resolve().parent.parent)

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
GUARD_LINE = 2  # where GUARD's RFL001 is reported


def findings(result: Result) -> list[dict[str, Any]]:
    data = json.loads(result.stdout)
    assert isinstance(data, list)
    return data


def rows(result: Result, filename: str) -> list[tuple[str, int, str]]:
    """(code, row, message) of one file's findings in a JSON report."""
    return [
        (f["code"], f["location"]["row"], f["message"])
        for f in findings(result)
        if f["filename"] == filename
    ]


def lint(invoke: Invoke, *args: str, stdin: bytes | None = None) -> Result:
    result = invoke("check", "--output-format", "json", *args, stdin=stdin)
    assert "Traceback" not in result.stderr
    return result


def no_temporary_files(directory: Path) -> bool:
    return not [p for p in directory.rglob("*") if p.name.endswith(".refusal-lint")]


def cli_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "refusal_lint", *args]


def cli_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": PACKAGE_PARENT, "NO_COLOR": "1"}


# ---- files that do not parse or decode ------------------------------------------------------


def test_syntax_error_is_rfl900_at_the_error_and_other_files_still_run(
    invoke: Invoke, write: Write
) -> None:
    # near a stop signal: only the blocks that can matter are parsed (docs/performance.md)
    broken = write("a_broken.py", "x = 1\ndef f(:\n    return resp.stop_reason\n")
    write("b_guard.py", GUARD)
    result = lint(invoke, ".")
    assert result.exit_code == 1
    [(code, row, message)] = rows(result, "a_broken.py")
    assert (code, row) == ("RFL900", 2)
    assert message == "cannot parse file: invalid syntax"
    assert [r[:2] for r in rows(result, "b_guard.py")] == [("RFL001", GUARD_LINE)]
    before = broken.read_bytes()
    assert invoke("check", "--fix", ".").exit_code == 1
    assert broken.read_bytes() == before


@pytest.mark.parametrize(
    ("data", "row", "problem"),
    [
        (b"x = 1\ny = '\x00'\n", 2, "file contains null bytes"),
        (b"x = 1\ny = 2\nz = '\xff'\n", 3, "cannot decode file: 'utf-8' codec can't decode"),
        (b"# -*- coding: klingon -*-\n", 1, "cannot decode file: unknown encoding: klingon"),
    ],
    ids=["null-bytes", "undecodable-bytes", "unknown-codec"],
)
def test_null_and_undecodable_bytes_are_rfl900_and_fix_keeps_every_byte(
    invoke: Invoke, write: Write, data: bytes, row: int, problem: str
) -> None:
    bad = write("bad.py", data + GUARD.encode())
    result = lint(invoke, "bad.py")
    assert result.exit_code == 1
    [(code, found_row, message)] = rows(result, "bad.py")
    assert (code, found_row) == ("RFL900", row)
    assert problem in message
    invoke("check", "--fix", "bad.py")
    assert bad.read_bytes() == data + GUARD.encode()


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (PNG + bytes(range(256)) * 64, None),
        (PNG + bytes(range(256)) * 64 + b"stop_reason", "file contains null bytes"),
        (PNG[:8] + bytes(range(128, 256)) * 64 + b"stop_reason", "cannot decode file"),
    ],
    ids=["no-trigger-word", "null-bytes", "undecodable"],
)
def test_binary_file_named_py_is_skipped_or_rfl900(
    invoke: Invoke, write: Write, data: bytes, problem: str | None
) -> None:
    """Bytes without a trigger word are never decoded; with one, they are RFL900."""
    image = write("logo.py", data)
    write("guard.py", GUARD)
    result = lint(invoke, ".")
    assert result.exit_code == 1
    found = rows(result, "logo.py")
    if problem is None:
        assert found == []
    else:
        [(code, _, message)] = found
        assert code == "RFL900" and problem in message
    assert rows(result, "guard.py")[0][0] == "RFL001"
    invoke("check", "--fix", ".")
    assert image.read_bytes() == data


# ---- encodings, line endings, whitespace ----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "encode"),
    [
        ("utf-8-bom", lambda text: b"\xef\xbb\xbf" + text.encode()),
        ("latin-1", lambda text: ("# -*- coding: latin-1 -*-\n# café\n" + text).encode("latin-1")),
        ("crlf", lambda text: text.replace("\n", "\r\n").encode()),
        ("lone-cr", lambda text: text.replace("\n", "\r").encode()),
    ],
)  # fmt: skip
def test_bom_coding_cookie_and_line_endings_are_linted_and_kept_by_fix(
    invoke: Invoke, write: Write, name: str, encode: Any
) -> None:
    path = write("guard.py", encode(GUARD))
    offset = 2 if name == "latin-1" else 0  # the cookie and comment lines come first
    result = lint(invoke, "guard.py")
    assert result.exit_code == 1
    assert [r[:2] for r in rows(result, "guard.py")] == [("RFL001", GUARD_LINE + offset)]
    fixed = invoke("check", "--fix", "guard.py")
    assert fixed.exit_code == 0, fixed.stdout + fixed.stderr
    assert path.read_bytes() == encode(GUARD_FIXED)


def test_mixed_line_endings_are_linted_and_every_original_line_survives_fix(
    invoke: Invoke, write: Write
) -> None:
    lines = GUARD.splitlines(keepends=True)
    mixed = "x = 1\r\n" + lines[0].replace("\n", "\r\n") + "".join(lines[1:])
    path = write("mixed.py", mixed.encode())
    result = lint(invoke, "mixed.py")
    assert [r[:2] for r in rows(result, "mixed.py")] == [("RFL001", GUARD_LINE + 1)]
    assert invoke("check", "--fix", "mixed.py").exit_code == 0
    after = path.read_bytes().decode()
    kept = after.splitlines(keepends=True)
    assert all(line in kept for line in mixed.splitlines(keepends=True))
    assert after.replace("\r\n", "\n") == "x = 1\n" + GUARD_FIXED  # inserted lines, nothing lost


def test_tabs_are_linted_and_fixed_with_the_file_s_own_indentation(
    invoke: Invoke, write: Write
) -> None:
    path = write("tabs.py", GUARD.replace("    ", "\t"))
    result = lint(invoke, "tabs.py")
    assert [r[:2] for r in rows(result, "tabs.py")] == [("RFL001", GUARD_LINE)]
    assert invoke("check", "--fix", "tabs.py").exit_code == 0
    assert path.read_text(encoding="utf-8") == GUARD_FIXED.replace("    ", "\t")


def test_form_feed_on_its_own_line_is_linted_and_fixed(invoke: Invoke, write: Write) -> None:
    path = write("feed.py", "import os\n\f\n" + GUARD)
    result = lint(invoke, "feed.py")
    assert [r[:2] for r in rows(result, "feed.py")] == [("RFL001", GUARD_LINE + 2)]
    assert invoke("check", "--fix", "feed.py").exit_code == 0
    assert path.read_text(encoding="utf-8") == "import os\n\f\n" + GUARD_FIXED


DROPS_FEED = "(it drops the form feed there)"


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        (GUARD.replace("    return", "\f    return"), f"would also rewrite line 4 {DROPS_FEED}"),
        (GUARD.replace("    if", "\f    if"), "cannot parse it"),
    ],
    ids=["rewritten-by-libcst", "rejected-by-libcst"],
)  # fmt: skip
def test_form_feed_in_indentation_is_linted_and_fix_leaves_the_file_as_it_is(
    invoke: Invoke, write: Write, source: str, problem: str
) -> None:
    path = write("feed.py", source)
    result = lint(invoke, "feed.py")
    assert [r[:2] for r in rows(result, "feed.py")] == [("RFL001", GUARD_LINE)]
    fixed = invoke("check", "--fix", "feed.py")
    assert fixed.exit_code == 1  # the finding remains; not 2: this is no internal error
    assert "RFL901" not in fixed.stdout
    assert f"cannot fix feed.py: libcst, which applies the fixes, {problem}" in fixed.stderr
    assert path.read_text(encoding="utf-8") == source


def test_empty_file_is_clean(invoke: Invoke, write: Write) -> None:
    empty = write("empty.py", b"")
    result = invoke("check", "empty.py")
    assert (result.exit_code, result.stdout) == (0, "All checks passed!\n")
    assert invoke("check", "--fix", "empty.py").exit_code == 0
    assert empty.read_bytes() == b""


# ---- size and depth -------------------------------------------------------------------------


def test_20_mb_generated_file_is_linted_to_its_last_line(invoke: Invoke, write: Write) -> None:
    comment = "# generated: " + "x" * 66 + "\n"  # cheap to parse, yet every byte is read
    count = 20 * 1024 * 1024 // len(comment)
    write("generated.py", comment * count + GUARD)
    started = time.perf_counter()
    result = lint(invoke, "generated.py")
    assert result.exit_code == 1
    assert [r[:2] for r in rows(result, "generated.py")] == [("RFL001", count + GUARD_LINE)]
    assert time.perf_counter() - started < 60  # generous: ~1 s on a quiet machine


DEPTH = 1000
NESTED_EXPRESSIONS = {
    "parentheses": "x = " + "(" * DEPTH + "1" + ")" * DEPTH,
    "lists": "x = " + "[" * DEPTH + "]" * DEPTH,
    "attributes": "x = resp" + ".a" * DEPTH,
    "calls": "x = f" + "()" * DEPTH,
    "conditional-expressions": "x = " + " if resp.stop_reason else ".join(["1"] * DEPTH),
    "unary-minus": "x = " + "-" * DEPTH + "1",
    "lambdas": "x = " + "lambda: " * DEPTH + "resp.stop_reason",
}
NESTED_BLOCKS = {
    "if-blocks": "".join(" " * i + "if x:\n" for i in range(DEPTH)) + " " * DEPTH + "pass",
    "elif-chain": "if resp.stop_reason == 'v0':\n    pass\n"
    + "".join(f"elif resp.stop_reason == 'v{i}':\n    pass\n" for i in range(1, DEPTH)),
    "99-blocks": "".join(" " * i + "for x in y:\n" for i in range(99)) + " " * 99 + "pass",
}


@pytest.mark.parametrize("prefix", [*NESTED_EXPRESSIONS.values(), *NESTED_BLOCKS.values()],
                         ids=[*NESTED_EXPRESSIONS, *NESTED_BLOCKS])  # fmt: skip
def test_1000_deep_nesting_is_rfl900_or_a_normal_result_never_a_crash(
    invoke: Invoke, write: Write, prefix: str
) -> None:
    """CPython refuses some of these itself (too many nested parentheses, too many levels
    of indentation); others parse but are too deep for the analyzer's recursion."""
    write("deep.py", prefix + "\n" + GUARD)
    result = lint(invoke, "deep.py")
    assert result.exit_code == 1
    found = rows(result, "deep.py")
    codes = {code for code, _, _ in found}
    assert codes in ({"RFL900"}, {"RFL001"}), found
    if codes == {"RFL900"}:
        [(_, _, message)] = found
        assert message.startswith(("cannot parse file: ", "cannot analyse file: "))
    else:  # analysed: the finding after the deep part is at the right line
        assert found[0][1] == prefix.count("\n") + 1 + GUARD_LINE


@pytest.mark.parametrize(
    ("error", "problem"),
    [
        (RecursionError("maximum recursion depth exceeded"), "code nested too deeply"),
        (MemoryError(), "out of memory"),
    ],
)
def test_recursion_or_memory_error_in_the_analyzer_is_rfl900_and_the_run_goes_on(
    invoke: Invoke, write: Write, monkeypatch: pytest.MonkeyPatch, error: Exception, problem: str
) -> None:
    real_run = Analyzer.run

    def run(self: Analyzer) -> Any:
        if "'deep'" in ast.dump(self.tree.body[0]):  # only a_deep.py starts with `deep = 1`
            raise error
        return real_run(self)

    monkeypatch.setattr(Analyzer, "run", run)
    write("a_deep.py", "deep = 1\n" + GUARD)
    write("b_guard.py", GUARD)
    result = lint(invoke, ".")
    assert result.exit_code == 1  # a resource limit, not a bug to report (exit 2)
    [(code, row, message)] = rows(result, "a_deep.py")
    assert (code, row) == ("RFL900", 1)
    assert message.startswith(f"cannot analyse file: {problem}")
    assert [r[:2] for r in rows(result, "b_guard.py")] == [("RFL001", GUARD_LINE)]


@pytest.mark.parametrize(
    ("stage", "message"),
    [
        ("read", "cannot read file: out of memory"),
        ("check", "cannot analyse file: out of memory (the file is too large or too deeply"),
    ],
)
def test_file_too_large_for_the_memory_left_is_rfl900_and_the_run_goes_on(
    invoke: Invoke, write: Write, monkeypatch: pytest.MonkeyPatch, stage: str, message: str
) -> None:
    real_read, real_check = runner._read, api.check_bytes

    def read_bytes(path: str) -> bytes:
        if stage == "read" and os.path.basename(path) == "huge.py":
            raise MemoryError
        return real_read(path)

    def check_bytes(data: bytes, filename: str, *args: Any, **kwargs: Any) -> Any:
        if stage == "check" and filename == "huge.py":
            raise MemoryError  # decoding, say: outside the analyzer's own guard
        return real_check(data, filename, *args, **kwargs)

    monkeypatch.setattr(runner, "_read", read_bytes)
    monkeypatch.setattr(api, "check_bytes", check_bytes)
    write("huge.py", GUARD)
    write("small.py", GUARD)
    result = invoke("check", "--output-format", "concise", ".")
    assert result.exit_code == 1
    assert f"huge.py:1:1: RFL900 {message}" in result.stdout
    assert "small.py:2:5: RFL001" in result.stdout


# ---- failures inside the engine -------------------------------------------------------------


def test_exception_in_one_rule_on_one_file_is_rfl901_and_everything_else_runs(
    invoke: Invoke, write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = MissingRefusalBranch.check_dispatch

    def fails_on_a(self: MissingRefusalBranch, dispatch: Dispatch, ctx: Context) -> None:
        if ctx.filename == "a.py":
            raise KeyError("boom")
        real(self, dispatch, ctx)

    monkeypatch.setattr(MissingRefusalBranch, "check_dispatch", fails_on_a)
    silent = 'def g(resp):\n    if resp.stop_reason == "refusal":\n        return None\n'
    write("a.py", GUARD + silent)
    write("b.py", GUARD)
    result = invoke("check", "--output-format", "concise", ".")
    assert result.exit_code == 2  # CI notices
    assert (
        "a.py:1:1: RFL901 internal error in RFL001: KeyError: 'boom' (this is a "
        "refusal-lint bug; please report it with this file)"
    ) in result.stdout
    assert "a.py:6:5: RFL005" in result.stdout  # the other rules still ran on a.py
    assert "b.py:2:5: RFL001" in result.stdout  # and RFL001 on the other file


def test_exception_anywhere_in_the_engine_on_one_file_is_rfl901_and_other_files_run(
    invoke: Invoke, write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = api.check_bytes

    def fails_on_a(data: bytes, filename: str, *args: Any, **kwargs: Any) -> Any:
        if filename == "a.py":
            raise RuntimeError("boom\nsecond line")
        return real(data, filename, *args, **kwargs)

    monkeypatch.setattr(api, "check_bytes", fails_on_a)
    write("a.py", GUARD)
    write("b.py", GUARD)
    result = invoke("check", "--output-format", "concise", ".")
    assert result.exit_code == 2
    assert (
        "a.py:1:1: RFL901 internal error in the engine: RuntimeError: boom (this is a "
        "refusal-lint bug; please report it with this file)\n"
    ) in result.stdout
    assert "b.py:2:5: RFL001" in result.stdout


def test_exception_in_the_engine_on_one_file_leaves_the_audit_of_the_others_whole(
    invoke: Invoke, write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = api.audit_bytes

    def fails_on_a(data: bytes, filename: str, *args: Any, **kwargs: Any) -> Any:
        if filename == "a.py":
            raise RuntimeError("boom")
        return real(data, filename, *args, **kwargs)

    monkeypatch.setattr(api, "audit_bytes", fails_on_a)
    write("a.py", GUARD)
    write("b.py", GUARD)
    result = invoke("audit", "--output-format", "json", ".")
    assert result.exit_code == 2  # the report is incomplete: CI notices
    report = json.loads(result.stdout)
    assert (report["summary"]["files"], report["summary"]["sites"]) == (2, 1)
    [failure] = report["other_findings"]
    assert (failure["path"], failure["code"]) == ("a.py", "RFL901")
    assert failure["message"].startswith("internal error in the engine: RuntimeError: boom")


# ---- paths ----------------------------------------------------------------------------------


def test_directory_named_x_py_is_walked_not_read(invoke: Invoke, write: Write) -> None:
    write("x.py/inner.py", GUARD)
    for target in (".", "x.py"):
        result = lint(invoke, target)
        assert result.exit_code == 1
        assert [(f["filename"], f["code"]) for f in findings(result)] == [
            ("x.py/inner.py", "RFL001")
        ]


def test_symlink_loop_is_rfl900_naming_it(invoke: Invoke, project: Path, write: Write) -> None:
    try:
        (project / "loop_a.py").symlink_to(project / "loop_b.py")
        (project / "loop_b.py").symlink_to(project / "loop_a.py")
    except OSError:
        pytest.skip("cannot create symlinks here")
    write("guard.py", GUARD)
    for args in ((".",), ("loop_a.py", "guard.py")):
        result = invoke("check", "--output-format", "concise", *args)
        assert result.exit_code == 1
        assert "loop_a.py:1:1: RFL900 cannot read file: Too many levels of symbolic links" in (
            result.stdout
        )
        assert "guard.py:2:5: RFL001" in result.stdout


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_named_py_in_a_walked_directory_is_skipped_not_read_forever(
    invoke: Invoke, project: Path, write: Write
) -> None:
    os.mkfifo(project / "pipe.py")
    write("guard.py", GUARD)
    result = lint(invoke, ".")  # reading the FIFO would block until a writer appears
    assert [(f["filename"], f["code"]) for f in findings(result)] == [("guard.py", "RFL001")]


def _refuse_to_read(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Reading `name` fails with EACCES (chmod 000 does not stop root, which CI may be)."""
    real, real_read = Path.read_bytes, runner._read

    def read_bytes(self: Path) -> bytes:
        if self.name == name:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    def read(path: str) -> bytes:  # how the runner reads a file to lint
        if os.path.basename(path) == name:
            raise PermissionError(13, "Permission denied", path)
        return real_read(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    monkeypatch.setattr(runner, "_read", read)


@pytest.mark.parametrize("how", ["chmod-000", "read-fails"])
def test_unreadable_file_is_rfl900_and_the_run_goes_on(
    invoke: Invoke, write: Write, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    locked = write("locked.py", GUARD)
    write("open.py", GUARD)
    if how == "chmod-000":
        if os.name != "posix" or os.geteuid() == 0:
            pytest.skip("root (or a non-POSIX system) reads a chmod 000 file anyway")
        locked.chmod(0)
    else:
        _refuse_to_read(monkeypatch, "locked.py")
    try:
        result = invoke("check", "--output-format", "concise", ".")
        fixed = invoke("check", "--fix", "--output-format", "concise", ".")
    finally:
        locked.chmod(0o644)
    assert result.exit_code == 1
    assert "locked.py:1:1: RFL900 cannot read file: Permission denied" in result.stdout
    assert "open.py:2:5: RFL001" in result.stdout
    assert fixed.exit_code == 1  # open.py fixed, locked.py still reported
    assert locked.read_text(encoding="utf-8") == GUARD


def _vanishing(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    """`path` is deleted right after discovery listed it."""
    real = discovery.python_files

    def listed_then_deleted(*args: Any, **kwargs: Any) -> list[str]:
        listed = real(*args, **kwargs)
        path.unlink()
        return listed

    monkeypatch.setattr(discovery, "python_files", listed_then_deleted)


def test_path_that_vanishes_before_it_is_read_is_rfl900(
    invoke: Invoke, write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    _vanishing(monkeypatch, write("gone.py", GUARD))
    write("stays.py", GUARD)
    result = invoke("check", "--output-format", "concise", ".")
    assert result.exit_code == 1
    assert "gone.py:1:1: RFL900 cannot read file: No such file or directory" in result.stdout
    assert "stays.py:2:5: RFL001" in result.stdout


def test_path_that_vanishes_before_fix_writes_is_reported_and_not_recreated(
    invoke: Invoke, write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    gone = write("gone.py", GUARD)
    stays = write("stays.py", GUARD)
    real = fixing.fix_file

    def delete_first(path: Path, *args: Any, **kwargs: Any) -> fixing.FileFix:
        if path.name == "gone.py":
            path.unlink()
        return real(path, *args, **kwargs)

    monkeypatch.setattr(fixing, "fix_file", delete_first)
    result = invoke("check", "--fix", "--output-format", "concise", ".")
    assert result.exit_code == 1  # gone.py keeps its finding from the lint
    assert "cannot fix gone.py: cannot read: [Errno 2] No such file or directory" in result.stderr
    assert "gone.py:2:5: RFL001" in result.stdout
    assert not gone.exists()
    assert stays.read_text(encoding="utf-8") == GUARD_FIXED


# ---- --fix and files that change under it ---------------------------------------------------


def test_read_only_file_under_fix_is_reported_and_left_intact(invoke: Invoke, write: Write) -> None:
    locked = write("locked.py", GUARD)
    locked.chmod(0o444)
    try:
        result = invoke("check", "--fix", "--output-format", "concise", "locked.py")
    finally:
        locked.chmod(0o644)
    assert result.exit_code == 1
    assert "cannot fix locked.py: the file is read-only" in result.stderr
    assert "locked.py:2:5: RFL001" in result.stdout
    assert locked.read_text(encoding="utf-8") == GUARD


def test_file_edited_between_read_and_write_under_fix_keeps_the_edit(
    invoke: Invoke, write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    guard = write("guard.py", GUARD)
    edited = GUARD + "# saved from the editor meanwhile\n"
    real = fixing.fix_source

    def edit_meanwhile(*args: Any, **kwargs: Any) -> fixing.SourceFix:
        result = real(*args, **kwargs)
        guard.write_text(edited, encoding="utf-8")
        return result

    monkeypatch.setattr(fixing, "fix_source", edit_meanwhile)
    result = invoke("check", "--fix", "guard.py")
    assert result.exit_code == 1
    assert (
        "cannot fix guard.py: the file changed while it was being fixed; left as it is"
        in result.stderr
    )
    assert guard.read_text(encoding="utf-8") == edited
    assert no_temporary_files(guard.parent)


def test_fixed_code_the_file_s_encoding_cannot_hold_is_reported_not_written(
    invoke: Invoke, write: Write
) -> None:
    template = "refusal-branch = 'raise RuntimeError(\"refusé ✂\")'"
    write("pyproject.toml", f"[tool.refusal-lint.fix]\n{template}\n")
    source = "# -*- coding: latin-1 -*-\n" + GUARD
    guard = write("guard.py", source.encode("latin-1"))
    result = invoke("check", "--fix", "guard.py")
    assert result.exit_code == 1
    assert "cannot fix guard.py: the fixed code cannot be encoded as iso-8859-1" in result.stderr
    assert guard.read_bytes() == source.encode("latin-1")


def test_two_processes_fixing_the_same_tree_at_once_never_corrupt_it(project: Path) -> None:
    files = [project / f"m{i:02d}.py" for i in range(40)]
    for path in files:
        path.write_text(GUARD, encoding="utf-8")
    runs = [
        subprocess.Popen(
            cli_command("check", "--fix", "."),
            cwd=project,
            env=cli_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=300) for run in runs]
    for run, (_, stderr) in zip(runs, outputs, strict=True):
        assert run.returncode in (0, 1), stderr  # 1: a file the other run changed first
        assert "Traceback" not in stderr and "internal error" not in stderr
    assert {path.read_text(encoding="utf-8") for path in files} == {GUARD_FIXED}
    assert no_temporary_files(project)


# ---- Ctrl-C ---------------------------------------------------------------------------------


def test_keyboard_interrupt_exits_130_with_one_line(
    invoke: Invoke, write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(api, "check_bytes", interrupted)
    write("guard.py", GUARD)
    result = invoke("check", ".")
    assert result.exit_code == 130
    assert result.stderr == "refusal-lint: interrupted\n"
    assert result.stdout == ""


def test_keyboard_interrupt_while_fix_writes_leaves_the_file_whole(
    invoke: Invoke, write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    guard = write("guard.py", GUARD)

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt  # after the temporary file is written, before the rename

    monkeypatch.setattr(os, "fsync", interrupted)
    result = invoke("check", "--fix", "guard.py")
    assert (result.exit_code, result.stderr) == (130, "refusal-lint: interrupted\n")
    assert guard.read_text(encoding="utf-8") == GUARD
    assert no_temporary_files(guard.parent)


@pytest.mark.parametrize("count", [1, 3])
def test_ctrl_c_that_the_fixer_loses_still_ends_the_run_with_130(
    invoke: Invoke, write: Write, monkeypatch: pytest.MonkeyPatch, count: int
) -> None:
    """libcst, interrupted mid-way, once raised a KeyError instead: the interrupt was lost,
    and reported as an internal error (exit 2) while the run went on."""
    import refusal_lint.fixes

    def loses_the_interrupt(source: str, plans: Any) -> str:
        try:
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C, delivered here
            time.sleep(5)
        except KeyboardInterrupt:
            raise KeyError("IndentedBlock") from None
        raise AssertionError("SIGINT was not delivered")

    monkeypatch.setattr(refusal_lint.fixes, "realise", loses_the_interrupt)
    files = [write(f"m{i}.py", GUARD) for i in range(count)]
    result = invoke("check", "--fix", ".")
    assert (result.exit_code, result.stderr) == (130, "refusal-lint: interrupted\n")
    assert "RFL901" not in result.stdout
    assert all(path.read_text(encoding="utf-8") == GUARD for path in files)


def test_keyboard_interrupt_while_writing_a_baseline_leaves_no_half_file(
    invoke: Invoke, write: Write, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write("guard.py", GUARD)

    def interrupted(source: Any, target: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    result = invoke("check", "--write-baseline", "baseline.json", ".")
    assert result.exit_code == 130
    assert not (project / "baseline.json").exists()
    assert no_temporary_files(project)


def test_sigint_during_fix_on_a_big_tree_exits_130_and_every_file_is_whole(
    project: Path,
) -> None:
    files = [project / f"m{i:03d}.py" for i in range(300)]
    for path in files:
        path.write_text(GUARD, encoding="utf-8")
    run = subprocess.Popen(
        cli_command("check", "--fix", "."),
        cwd=project,
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not any(p.read_text(encoding="utf-8") != GUARD for p in files):
        assert run.poll() is None and time.monotonic() < deadline, "no file was ever fixed"
        time.sleep(0.02)
    run.send_signal(signal.SIGINT)  # mid-run: the first files are fixed, most are not
    stdout, stderr = run.communicate(timeout=60)
    assert run.returncode == 130, stdout + stderr
    assert stderr == "refusal-lint: interrupted\n"
    contents = [p.read_text(encoding="utf-8") for p in files]
    assert set(contents) <= {GUARD, GUARD_FIXED}  # never half-written
    assert contents.count(GUARD) > 0
    assert no_temporary_files(project)


def _children(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are forked on Linux")
def test_ctrl_c_while_worker_processes_lint_exits_130_with_one_line(project: Path) -> None:
    """Ctrl-C reaches the whole process group: the workers must not print tracebacks."""
    module = "".join(GUARD.replace("summarize", f"summarize_{i}") + "\n" for i in range(600))
    for i in range(2 * runner.PARALLEL_BYTES // len(module) + 2):  # enough to use workers
        (project / f"m{i:03d}.py").write_text(module, encoding="utf-8")
    run = subprocess.Popen(
        cli_command("check", "--no-cache", "--jobs", "2", "."),
        cwd=project,
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a shell gives a command
    )
    deadline = time.monotonic() + 120
    while not _children(run.pid):
        assert run.poll() is None and time.monotonic() < deadline, "no worker ever started"
        time.sleep(0.02)
    time.sleep(0.2)  # the workers are linting
    os.killpg(run.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
    stdout, stderr = run.communicate(timeout=60)
    assert (run.returncode, stderr, stdout) == (130, "refusal-lint: interrupted\n", "")


# ---- stdin ----------------------------------------------------------------------------------


def test_empty_stdin_is_clean_and_fix_echoes_nothing(invoke: Invoke) -> None:
    result = invoke("check", "-", stdin=b"")
    assert (result.exit_code, result.stdout) == (0, "All checks passed!\n")
    fixed = invoke("check", "--fix", "-", stdin=b"")
    assert (fixed.exit_code, fixed.stdout_bytes) == (0, b"")


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"x = '\xff'\n" + GUARD.encode(), "cannot decode file"),
        (b"\xff\xfe" + GUARD.encode("utf-16-le"), None),  # no trigger word in these bytes
    ],
    ids=["latin-1-byte", "utf-16"],
)
def test_stdin_that_is_not_utf8_is_rfl900_and_fix_echoes_it_byte_for_byte(
    invoke: Invoke, data: bytes, problem: str | None
) -> None:
    result = lint(invoke, "--stdin-filename", "editor.py", "-", stdin=data)
    found = rows(result, "editor.py")
    if problem is None:
        assert (result.exit_code, found) == (0, [])
    else:
        assert result.exit_code == 1
        [(code, _, message)] = found
        assert code == "RFL900" and message.startswith(f"cannot parse file: {problem}")
    fixed = invoke("check", "--fix", "-", stdin=data)
    assert fixed.exit_code == result.exit_code
    assert fixed.stdout_bytes == data  # an editor replacing its buffer loses nothing


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: ("# -*- coding: latin-1 -*-\n# café\n" + text).encode("latin-1"),
        lambda text: b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode(),
    ],
    ids=["latin-1-cookie", "bom-and-crlf"],
)
def test_stdin_fix_answers_in_the_input_s_own_encoding(invoke: Invoke, encode: Any) -> None:
    fixed = invoke("check", "--fix", "-", stdin=encode(GUARD))
    assert fixed.exit_code == 0, fixed.stderr
    assert fixed.stdout_bytes == encode(GUARD_FIXED)


def test_stdin_excluded_by_force_exclude_is_echoed_under_fix(invoke: Invoke) -> None:
    args = ("check", "--fix", "--force-exclude", "--stdin-filename", "build/gen.py", "-")
    fixed = invoke(*args, stdin=GUARD.encode())
    assert fixed.exit_code == 0
    assert fixed.stdout_bytes == GUARD.encode()


# ---- configuration and options --------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b'[tool.refusal-lint]\nselect = ["RFL001"\nignore = []\n', "invalid TOML: Unclosed array"),
        (b"\xff\xfe[tool.refusal-lint]\n", "invalid TOML: not UTF-8 (invalid start byte"),
        (b"x = " + b"[" * 5000 + b"]" * 5000 + b"\n", "invalid TOML: nested too deeply"),
    ],
    ids=["syntax", "not-utf8", "too-deep"],
)
def test_malformed_toml_config_is_exit_2_naming_the_file(
    invoke: Invoke, write: Write, data: bytes, problem: str
) -> None:
    write("pyproject.toml", data)
    write("guard.py", GUARD)
    result = invoke("check", "guard.py")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"refusal-lint: error: pyproject.toml: {problem}")
    assert result.stderr.count("\n") == 1 and result.stdout == ""


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('select = "RFL001"', "invalid value for 'select': expected a list of non-empty strings"),
        ('force-exclude = "yes"', "invalid value for 'force-exclude': expected true or false"),
        ("exclude = [1, 2]", "invalid value for 'exclude': expected a list of non-empty strings"),
    ],
)
def test_config_value_of_the_wrong_type_is_exit_2_naming_file_and_key(
    invoke: Invoke, write: Write, line: str, problem: str
) -> None:
    write("pyproject.toml", f"[tool.refusal-lint]\n{line}\n")
    write("guard.py", GUARD)
    result = invoke("check", "guard.py")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"refusal-lint: error: pyproject.toml: {problem}")
    assert result.stdout == ""


@pytest.mark.parametrize("option", ["--select", "--extend-select", "--ignore"])
def test_unknown_rule_code_on_the_command_line_is_exit_2_naming_it(
    invoke: Invoke, write: Write, option: str
) -> None:
    write("guard.py", GUARD)
    result = invoke("check", option, "RFL001,RFL777", "guard.py")
    assert result.exit_code == 2
    assert result.stderr == (
        "refusal-lint: error: unknown rule selector 'RFL777' (did you mean 'RFL007'?) "
        f"in {option}\n"
    )
    assert result.stdout == ""
