"""GitHub Actions workflow commands: each finding becomes an annotation on the PR diff.

`::warning file=src/app.py,line=12,endLine=12,col=5,endColumn=9,title=RFL001 …::RFL001 …`

Paths are relative to the repository root (GitHub matches annotations to the checkout's
files by that path). GitHub shows at most 10 annotations of each level per step; when more
were printed, a warning on stderr says so (the rest are only in the log; SARIF upload shows
them all).
"""

from __future__ import annotations

from collections import Counter

import click

from refusal_lint.finding import Finding
from refusal_lint.output import Report, Style
from refusal_lint.output.ci import Paths, level

ANNOTATION_LIMIT = 10


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def command(finding: Finding, path: str) -> str:
    """One `::warning`/`::error` workflow command (1-based, inclusive columns)."""
    end_line = finding.end_line or finding.line
    props: dict[str, object] = {"file": path, "line": finding.line, "endLine": end_line}
    if end_line == finding.line:  # GitHub reads columns only on single-line annotations
        end_col = finding.end_col if finding.end_line else finding.col
        props["col"] = finding.col + 1
        props["endColumn"] = max(end_col, finding.col + 1)
    props["title"] = f"{finding.code} {finding.name}"
    joined = ",".join(f"{key}={_property(str(value))}" for key, value in props.items())
    return f"::{level(finding)} {joined}::{_data(f'{finding.code} {finding.message}')}"


def limit_warnings(findings: list[Finding] | tuple[Finding, ...]) -> list[str]:
    """What to say on stderr about annotations GitHub will not show."""
    counts = Counter(level(f) for f in findings)
    return [
        f"GitHub shows at most {ANNOTATION_LIMIT} {kind} annotations per step; {count} were "
        f"printed, so {count - ANNOTATION_LIMIT} appear only in this log (upload SARIF with "
        "--output-format sarif to see every finding on the pull request)"
        for kind, count in sorted(counts.items())
        if count > ANNOTATION_LIMIT
    ]


def render(report: Report, style: Style) -> str:
    """One workflow command per finding; warns on stderr past GitHub's per-step limit."""
    paths = Paths()
    for message in limit_warnings(list(report.findings)):
        click.echo(f"refusal-lint: warning: {message}", err=True)
    return "\n".join(command(f, paths(f.filename)) for f in report.findings)
