"""`check --fix / --unsafe-fixes / --diff / --fix-only`: the CLI side of fixing.

Runs after linting, on the files with an applicable fix only, so a plain `check` never gets
here and never imports libcst. Each file is fixed by `refusal_lint.fixing.fix_file`; its
findings in the run are replaced by what remains after the fix.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import click

from refusal_lint import interrupt
from refusal_lint.config import ignored_codes
from refusal_lint.discovery import display_path
from refusal_lint.finding import Finding

if TYPE_CHECKING:
    from refusal_lint.cli import _Run

_BOM = "\ufeff"


@dataclass
class FixSummary:
    fixed: int = 0  # fixes applied (or, with --diff, that would be)
    files: int = 0  # files changed (or that would be)
    diffs: list[str] = field(default_factory=list)

    def line(self, diff: bool) -> str:
        verb = "Would fix" if diff else "Fixed"
        if not self.fixed:
            return "No fixes available." if diff else "No fixes applied."
        return (
            f"{verb} {self.fixed} problem{'' if self.fixed == 1 else 's'} "
            f"in {self.files} file{'' if self.files == 1 else 's'}."
        )


def fix_files(
    run: _Run, files: Sequence[Path], *, unsafe: bool, diff: bool, warn: Callable[[str], None]
) -> FixSummary:
    """Fix (or, with `diff`, only diff) every file with an applicable fix."""
    from refusal_lint.fixing import fix_file, is_applicable, unified_diff

    summary = FixSummary()
    wanted = {f.filename for f in run.findings if is_applicable(f, unsafe)}
    for path in files:
        interrupt.check()  # a Ctrl-C the previous file's fixer lost
        display = display_path(path)
        if display not in wanted:
            continue
        ignored = ignored_codes(path, run.settings, run.project.root)
        result = fix_file(
            path, display, run.settings, unsafe=unsafe, write=not diff, ignored=ignored
        )
        if result.problem is not None:
            warn(f"cannot fix {display}: {result.problem}")
            if not result.original:
                continue  # not even read: its findings stay as linted
        remaining = result.findings + ([result.error] if result.error else [])
        _replace_findings(run, display, remaining)
        if result.changed and result.problem is None:
            summary.fixed += result.count
            summary.files += 1
            if diff:
                summary.diffs.append(unified_diff(display, result.original, result.source))
            run.sources[display] = result.source
    interrupt.check()  # lost while fixing the last file: no report of that file's "error"
    return summary


def fix_stdin(
    run: _Run, display: str, *, unsafe: bool, diff: bool, warn: Callable[[str], None]
) -> FixSummary:
    """`-` with --fix prints the fixed source (with --diff, its diff) on stdout.

    The output is in the input's own encoding, BOM and line endings. Input that was not
    linted (--force-exclude), cannot be decoded or cannot be fixed is echoed byte for byte:
    an editor that replaces its buffer with the output never loses text.
    """
    from refusal_lint.fixing import decode, encode, fix_source, unified_diff

    data = run.stdin if run.stdin is not None else sys.stdin.buffer.read()
    summary = FixSummary()
    try:
        encoding, text = decode(data)
    except (UnicodeDecodeError, SyntaxError, LookupError):
        text = None  # reported as RFL900 already
    if run.stdin is None or text is None or "\x00" in text:
        _echo(data, diff)
        return summary
    bom, source = text.startswith(_BOM), text.removeprefix(_BOM)
    path = Path(display) if display != "-" else None
    ignored = ignored_codes(path, run.settings, run.project.root) if path else frozenset()
    result = fix_source(source, display, run.settings, unsafe=unsafe, ignored=ignored)
    _replace_findings(run, display, result.findings + ([result.error] if result.error else []))
    if result.skipped is not None:
        warn(f"cannot fix {display}: {result.skipped}")
    try:
        fixed = encode(result.source, encoding, bom=bom)
    except UnicodeEncodeError as exc:
        warn(f"cannot fix {display}: the fixed code cannot be encoded as {encoding}: {exc.reason}")
        _echo(data, diff)
        return summary
    if result.source != source:
        summary.fixed, summary.files = result.count, 1
        if diff:
            summary.diffs.append(unified_diff(display, source, result.source))
    _echo(fixed, diff)
    return summary


def _echo(data: bytes, diff: bool) -> None:
    """Write `data` to stdout as bytes (unless only the diff is wanted)."""
    if diff:
        return
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def run_fixes(
    run: _Run,
    files: Sequence[Path],
    stdin: str | None,
    *,
    unsafe: bool,
    diff: bool,
    fix_only: bool,
    quiet: bool,
    exit_zero: bool,
    warn: Callable[[str], None],
    machine: bool = False,
) -> int | None:
    """Fix, then the exit code when the command ends here (--diff, --fix-only, stdin), or
    None when the remaining findings are to be reported as usual (--fix; with a `machine`
    output format the fix count goes to stderr, keeping stdout parseable)."""
    summary = fix_files(run, files, unsafe=unsafe, diff=diff, warn=warn)
    if stdin is not None:
        done = fix_stdin(run, stdin, unsafe=unsafe, diff=diff, warn=warn)
        summary.fixed += done.fixed
        summary.files += done.files
        summary.diffs += done.diffs
    failed = any(f.code == "RFL901" for f in run.findings)
    if diff or fix_only or stdin is not None:  # no report follows: say what failed
        for finding in run.findings:
            if finding.code == "RFL901":
                warn(f"{finding.filename}:{finding.line}: {finding.message}")
    if diff:
        report(summary, diff=True, quiet=quiet)
        return 2 if failed else (1 if summary.diffs else 0)
    if fix_only or (stdin is not None and not files):
        if stdin is None:
            report(summary, diff=False, quiet=quiet)
        return 2 if failed else (1 if run.findings and not exit_zero and not fix_only else 0)
    if not quiet:
        click.echo(summary.line(diff=False), err=machine)
    return None


def report(summary: FixSummary, *, diff: bool, quiet: bool) -> None:
    """Print the diffs (stdout) and what was fixed (stderr with --diff, else stdout)."""
    for text in summary.diffs:
        click.echo(text, nl=False)
    if not quiet:
        click.echo(summary.line(diff), err=diff)


def _replace_findings(run: _Run, display: str, remaining: list[Finding]) -> None:
    run.findings[:] = [f for f in run.findings if f.filename != display] + remaining
