"""One line per finding: `path:line:col: CODE message`."""

from __future__ import annotations

from refusal_lint.output import Report, Style, header


def render(report: Report, style: Style) -> str:
    """The findings, one per line (the summary is printed by the caller)."""
    return "\n".join(header(finding, style) for finding in report.findings)
