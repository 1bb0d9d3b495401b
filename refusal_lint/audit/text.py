"""The terminal report: the sites as an aligned table, coverage per family, the gate."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from refusal_lint.audit import labels
from refusal_lint.audit.report import AuditReport
from refusal_lint.audit.sites import Site
from refusal_lint.output import Style

MAX_CELL = 32  # longer cells (source text, value lists) are cut with an ellipsis
TONE_COLORS = {"good": "green", "warn": "yellow", "bad": "red"}

SITE_COLUMNS: Sequence[tuple[str, Callable[[Site], str]]] = (
    ("SITE", lambda s: s.location),
    ("KIND", lambda s: s.kind),
    ("FAMILY", labels.families),
    ("WHAT", lambda s: _cut(s.text)),
    ("HANDLES", lambda s: _cut(", ".join(v for _, vs in labels.handled_values(s) for v in vs))),
    ("REFUSAL", labels.refusal),
    ("DEFAULT", labels.default),
    ("CATEGORY", labels.category),
    ("STATUS", labels.status),
    ("FINDINGS", labels.findings),
)


def render(report: AuditReport, style: Style) -> str:
    parts = [_sites_table(report.sites, style), _families_table(report, style)]
    if report.other_findings:
        parts.append(_other_findings(report, style))
    parts.append(report.headline() + "\n" + _gate_line(report, style))
    return "\n\n".join(p for p in parts if p)


def _sites_table(sites: Sequence[Site], style: Style) -> str:
    if not sites:
        return "No sites found."
    rows = [[cell(site) or labels.NONE for _, cell in SITE_COLUMNS] for site in sites]
    return _table([h for h, _ in SITE_COLUMNS], rows, style, colored=range(5, 10))


def _families_table(report: AuditReport, style: Style) -> str:
    if not report.families:
        return ""
    headers = ["FAMILY", "DISPATCH SITES"]
    rows = []
    for family in report.families:
        ratios = labels.family_ratios(family)
        if len(headers) == 2:
            headers += [label.upper() for label, _, _ in ratios]
        counts = [labels.share(part, whole) for _, part, whole in ratios]
        rows.append([family.family, str(family.dispatch_sites), *counts])
    return style("Coverage by provider family", bold=True) + "\n" + _table(headers, rows, style)


def _other_findings(report: AuditReport, style: Style) -> str:
    lines = [style("Findings outside any site", bold=True)]
    for finding in report.other_findings:
        where = f"{finding.filename}:{finding.line}:{finding.col + 1}:"
        lines.append(f"{where} {style(finding.code, fg='red', bold=True)} {finding.message}")
    return "\n".join(lines)


def _gate_line(report: AuditReport, style: Style) -> str:
    line = f"Refusal coverage: {report.gate.share:.1f}% ({report.gate.describe()})."
    if report.fail_under is None:
        return line
    verdict = "meets" if report.passed else "is below"
    tone = "green" if report.passed else "red"
    return f"{line} {style(f'{verdict} --fail-under {report.fail_under:g}%', fg=tone)}."


def _table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], style: Style, colored: range = range(0)
) -> str:
    """Left-aligned columns two spaces apart; words in `colored` columns get their tone."""
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    lines = [style(_join(headers, widths), bold=True)]
    for row in rows:
        cells = [
            _tone(cell.ljust(width), cell, style) if i in colored else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def _join(cells: Sequence[str], widths: Sequence[int]) -> str:
    return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()


def _tone(padded: str, word: str, style: Style) -> str:
    color = TONE_COLORS.get(labels.TONES.get(word, ""))
    if word.startswith("RFL"):
        color = "red"
    return style(padded, fg=color) if color else padded


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"
