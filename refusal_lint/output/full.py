"""The default format: each finding's header, then its source line with a caret under it.

app.py:12:8: RFL001 `stop_reason` dispatch has no branch for 'refusal'
   |
12 |     if resp.stop_reason == "end_turn":
   |        ^^^^^^^^^^^^^^^^
"""

from __future__ import annotations

from refusal_lint.finding import Finding
from refusal_lint.output import Report, Style, header


def _context(finding: Finding, source: str | None, style: Style) -> list[str]:
    if source is None:
        return []
    lines = source.splitlines()
    if not 1 <= finding.line <= len(lines):
        return []
    text = lines[finding.line - 1]
    # Tabs expand to different widths in the terminal: expand them so the caret lines up.
    start = len(text[: finding.col].expandtabs())
    same_line = finding.end_line in (0, finding.line)
    end = len(text[: finding.end_col].expandtabs()) if same_line else len(text.expandtabs())
    width = max(end - start, 1)
    number = str(finding.line)
    gutter = style(" " * len(number) + " |", fg="blue", bold=True)
    return [
        gutter,
        f"{style(number + ' |', fg='blue', bold=True)} {text.expandtabs()}".rstrip(),
        f"{gutter} {' ' * start}{style('^' * width, fg='red', bold=True)}",
    ]


def render(report: Report, style: Style) -> str:
    """Every finding with context, separated by blank lines (summary printed by the caller)."""
    blocks = []
    for finding in report.findings:
        context = _context(finding, report.sources.get(finding.filename), style)
        blocks.append("\n".join([header(finding, style), *context]))
    return "\n\n".join(blocks)
