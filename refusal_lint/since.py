"""`--since REV`: keep only findings whose construct overlaps lines changed since REV.

"Changed" is what `git diff REV` shows against the working tree, so commits after REV,
staged and unstaged edits all count, plus every line of untracked (not ignored) files. A
finding is kept when any line of its span (`line`..`end_line`: the whole `if` chain or
`match`, not only its first line) was added or modified, or when lines were deleted inside
it or right after its last line (a deleted final `elif` changes the chain). Works from any
subdirectory of the work tree (git runs in the current directory's repository).
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass

from refusal_lint.finding import Finding

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(?P<start>\d+)(?:,(?P<count>\d+))? @@")


class SinceError(Exception):
    """Not in a git repository, git missing, or an unknown revision."""


def _git(args: list[str], cwd: str) -> str:
    try:
        out = subprocess.run(
            ["git", "-c", "core.quotePath=false", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            check=False,
        )
    except FileNotFoundError as exc:
        raise SinceError("--since needs git, which is not installed or not on PATH") from exc
    if out.returncode != 0:
        raise SinceError(out.stderr.strip().splitlines()[0] if out.stderr.strip() else "git failed")
    return out.stdout


@dataclass(frozen=True)
class ChangedLines:
    """Changed line numbers per real path; `None` means the whole file (untracked)."""

    files: dict[str, frozenset[int] | None]

    def touches(self, finding: Finding) -> bool:
        """Whether the finding's span overlaps a changed line of its file."""
        if finding.filename in ("", "-"):
            return True  # stdin without a name: nothing to compare with
        lines = self.files.get(os.path.realpath(finding.filename), frozenset())
        if lines is None:
            return True
        end = max(finding.end_line, finding.line)
        return any(line in lines for line in range(finding.line, end + 1))


def _unquote(path: str) -> str:
    if path.startswith('"') and path.endswith('"'):
        return path[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
    return path


def parse_diff(diff: str) -> dict[str, set[int]]:
    """Changed lines of the new side of a `git diff --unified=0`, per repo-relative path."""
    changed: dict[str, set[int]] = {}
    current: set[int] | None = None
    for line in diff.splitlines():
        if line.startswith("+++ "):
            target = _unquote(line[4:].rstrip("\t"))
            current = None if target == "/dev/null" else changed.setdefault(target[2:], set())
            continue
        match = _HUNK.match(line)
        if match is None or current is None:
            continue
        start = int(match.group("start"))
        count = int(match.group("count") or "1")
        if count == 0:  # lines deleted after line `start`: a construct ending there changed
            current.add(max(start, 1))
        else:
            current.update(range(start, start + count))
    return changed


def changed_lines(rev: str, cwd: str | None = None) -> ChangedLines:
    """What changed since `rev` in the work tree containing `cwd` (default: cwd)."""
    here = cwd or os.getcwd()
    try:
        top = _git(["rev-parse", "--show-toplevel"], here).strip()
    except SinceError as exc:
        raise SinceError(f"--since needs a git repository: {exc}") from exc
    try:
        _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], top)
    except SinceError as exc:
        raise SinceError(f"--since: unknown git revision {rev!r}") from exc
    # No external diff or textconv program: .gitattributes in the checkout may name one.
    diff = _git(
        ["diff", "--no-color", "--no-ext-diff", "--no-textconv", "--unified=0", rev, "--"], top
    )
    untracked = _git(["ls-files", "--others", "--exclude-standard", "-z"], top)
    files: dict[str, frozenset[int] | None] = {
        os.path.realpath(os.path.join(top, path)): frozenset(lines)
        for path, lines in parse_diff(diff).items()
    }
    for path in filter(None, untracked.split("\0")):
        files[os.path.realpath(os.path.join(top, path))] = None
    return ChangedLines(files)


def only_changed(findings: Iterable[Finding], changed: ChangedLines) -> list[Finding]:
    """The findings whose construct overlaps a changed line."""
    return [f for f in findings if changed.touches(f)]
