"""Audits the files `check` would lint: same discovery, same config, one walk per file."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TextIO

import click

from refusal_lint import api
from refusal_lint.audit.report import AuditReport
from refusal_lint.audit.sites import Site, attach_findings
from refusal_lint.config import ProjectConfig, ignored_codes
from refusal_lint.discovery import display_path, python_files
from refusal_lint.finding import Finding
from refusal_lint.limits import failure_findings
from refusal_lint.settings import Settings

# Below this many files a run is quick enough that a progress bar is only noise.
PROGRESS_MIN_FILES = 200


def show_progress(count: int, stream: TextIO) -> bool:
    """A progress bar only for a large tree, and only where a person watches (a tty)."""
    return count > PROGRESS_MIN_FILES and stream.isatty()


def audit_paths(
    paths: Sequence[Path],
    settings: Settings,
    project: ProjectConfig,
    *,
    on_error: Callable[[Path, OSError], None] | None,
    progress: TextIO,
) -> AuditReport:
    """Audit every Python file under `paths` that `check` would lint."""
    names = python_files(
        list(paths),
        root=project.root,
        exclude=project.exclude,
        extend_exclude=project.extend_exclude,
        respect_gitignore=project.respect_gitignore,
        force_exclude=project.force_exclude,
        on_error=on_error,
    )
    files = [Path(name) for name in names]
    sites: list[Site] = []
    other: list[Finding] = []
    for path in _iterate(files, progress):
        file_sites, leftover = audit_file(path, settings, project)
        sites.extend(file_sites)
        other.extend(leftover)
    sites.sort(key=lambda s: (s.path, s.line, s.column, s.kind))
    return AuditReport(files=len(files), sites=sites, other_findings=sorted(other))


def audit_file(
    path: Path, settings: Settings, project: ProjectConfig
) -> tuple[list[Site], list[Finding]]:
    """One file's sites with their findings, and the findings that belong to no site."""
    display = display_path(path)
    ignored = ignored_codes(path, settings, project.root)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return [], _unreadable(display, exc, settings, ignored)
    try:
        audit = api.audit_bytes(data, display, settings)
    except Exception as exc:  # one file never stops the audit: its RFL900 / RFL901
        return [], [f for f in failure_findings(display, exc, settings) if f.code not in ignored]
    findings = [f for f in audit.findings if f.code not in ignored]
    return audit.sites, attach_findings(audit.sites, findings)


def _unreadable(
    display: str, exc: OSError, settings: Settings, ignored: frozenset[str]
) -> list[Finding]:
    """RFL900 for a file that cannot be read, as `check` reports it."""
    code, name = api.UNPARSEABLE
    if code not in settings.enabled or code in ignored:
        return []
    message = f"cannot read file: {exc.strerror or exc}"
    return [Finding(display, 1, 0, code, name, message, 1, 0)]


def _iterate(files: list[Path], stream: TextIO) -> Iterator[Path]:
    if not show_progress(len(files), stream):
        yield from files
        return
    with click.progressbar(files, label="auditing", file=stream, show_pos=True) as bar:
        yield from bar
