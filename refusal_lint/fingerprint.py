"""Fingerprints of findings that survive unrelated edits and line shifts.

A finding's fingerprint hashes its code, its file (relative to the repository root, so it
does not depend on the directory the check ran from), the name of the enclosing `def` /
`class` and the whitespace-normalized text of its first line, plus an occurrence index
among findings with the same key. Line numbers are left out on purpose: inserting lines
above a finding does not change it; editing the flagged line does. Used by the baseline
(`--baseline`), SARIF `partialFingerprints` and GitLab's Code Quality `fingerprint`.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from refusal_lint.finding import Finding

VERSION = "v1"
_SCOPE = re.compile(r"^(?P<indent>\s*)(?:async\s+)?(?:def|class)\s+(?P<name>\w+)")


def repo_root(start: Path | None = None) -> Path:
    """The git work tree containing `start` (default: cwd), else `start` itself."""
    here = Path(os.path.abspath(start or Path.cwd()))
    for directory in (here, *here.parents):
        if (directory / ".git").exists():
            return directory
    return here


def project_path(filename: str, root: Path) -> str:
    """`filename` (as reported) relative to `root` in POSIX form; absolute if outside it."""
    absolute = Path(os.path.abspath(filename))
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:
        return absolute.as_posix()


def _normalized(text: str) -> str:
    return " ".join(text.split())


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip())


def enclosing_scope(lines: Sequence[str], line: int) -> str:
    """Dotted names of the `def` / `class` blocks around 1-based `line` (text only, no parse)."""
    if not 1 <= line <= len(lines):
        return ""
    names: list[str] = []
    limit = _indent(lines[line - 1])
    for text in reversed(lines[: line - 1]):
        if limit == 0:
            break
        if not text.strip():
            continue
        match = _SCOPE.match(text)
        if match and len(match.group("indent")) < limit:
            names.append(match.group("name"))
            limit = len(match.group("indent"))
    return ".".join(reversed(names))


def fingerprint_key(finding: Finding, lines: Sequence[str], path: str) -> str:
    """Everything but the occurrence index: code, path, scope and the line's text."""
    text = lines[finding.line - 1] if 1 <= finding.line <= len(lines) else ""
    scope = enclosing_scope(lines, finding.line)
    return "\0".join((VERSION, finding.code, path, scope, _normalized(text)))


def fingerprints(
    findings: Sequence[Finding], sources: Mapping[str, str], root: Path | None = None
) -> list[str]:
    """One fingerprint per finding, in the order given (sort findings first for stability)."""
    root = root or repo_root()
    split: dict[str, list[str]] = {}
    seen: dict[str, int] = {}
    result = []
    for finding in findings:
        if finding.filename not in split:
            split[finding.filename] = sources.get(finding.filename, "").splitlines()
        key = fingerprint_key(
            finding, split[finding.filename], project_path(finding.filename, root)
        )
        index = seen.get(key, 0)
        seen[key] = index + 1
        # surrogateescape: a file name that is not UTF-8 (b"\xff.py") still gets a print
        data = f"{key}\0{index}".encode("utf-8", "surrogateescape")
        result.append(hashlib.sha256(data).hexdigest()[:32])
    return result
