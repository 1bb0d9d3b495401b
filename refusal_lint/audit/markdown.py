"""The Markdown report, to paste into a pull request or an audit document: coverage per
provider family first, then one row per site linking `path:line`."""

from __future__ import annotations

import re
from collections.abc import Sequence

from refusal_lint.audit import labels
from refusal_lint.audit.report import AuditReport
from refusal_lint.audit.sites import Site
from refusal_lint.output import Style


def render(report: AuditReport, style: Style) -> str:
    lines = ["# refusal-lint audit", "", report.headline(), "", _gate(report)]
    if report.families:
        lines += ["", "## Coverage by provider family", "", *_families(report)]
    lines += ["", "## Sites", ""]
    lines += _sites(report.sites) if report.sites else ["No sites found."]
    if report.other_findings:
        lines += ["", "## Findings outside any site", ""]
        lines += [
            f"- {_link(f.filename, f.line)} {f.code} {_cell(f.message)}"
            for f in report.other_findings
        ]
    return "\n".join(lines)


def _gate(report: AuditReport) -> str:
    text = f"**Refusal coverage: {report.gate.share:.1f}%** ({report.gate.describe()})."
    if report.fail_under is not None:
        verdict = "meets" if report.passed else "is below"
        text += f" It {verdict} the `--fail-under {report.fail_under:g}` gate."
    return text


def _families(report: AuditReport) -> list[str]:
    headers = ["Family", "Dispatch sites"]
    rows = []
    for family in report.families:
        ratios = labels.family_ratios(family)
        if len(headers) == 2:
            headers += [label for label, _, _ in ratios]
        shares = [labels.share(part, whole) for _, part, whole in ratios]
        rows.append([_cell(family.family), str(family.dispatch_sites), *shares])
    return _table(headers, rows, numeric_from=1)


def _sites(sites: Sequence[Site]) -> list[str]:
    headers = ["Site", "Kind", "Family", "What", "Handles", "Refusal", "Default", "Category"]
    headers += ["Status", "Findings"]
    rows = [
        [
            _link(site.path, site.line),
            site.kind,
            _cell(labels.families(site)),
            _code(site.text),
            _handles(site),
            _refusal(site),
            labels.default(site),
            labels.category(site),
            labels.status(site),
            _cell(", ".join(f"{f.code} {f.name}" for f in site.findings) or labels.NONE),
        ]
        for site in sites
    ]
    return _table(headers, rows)


def _handles(site: Site) -> str:
    groups = labels.handled_values(site)
    if not groups:
        return labels.NONE
    return "<br>".join(f"{key}: {', '.join(_code(v) for v in vs)}" for key, vs in groups)


def _refusal(site: Site) -> str:
    word = labels.refusal(site)
    if site.missing_refusal and word in ("no", "partial"):
        missing = site.missing_refusal
        shown = ", ".join(_code(v) for v in missing[:4])
        more = f" and {len(missing) - 4} more" if len(missing) > 4 else ""
        return f"{word} (missing {shown}{more})"
    return word


def _table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], numeric_from: int | None = None
) -> list[str]:
    aligns = [
        "---:" if numeric_from is not None and i >= numeric_from else "---"
        for i in range(len(headers))
    ]
    return [
        _row(headers),
        _row(aligns),
        *(_row(row) for row in rows),
    ]


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _link(path: str, line: int) -> str:
    """`[path:line](path#Lline)`: GitHub and GitLab open the file at that line."""
    target = path.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
    return f"[{_cell(path)}:{line}]({target}#L{line})"


def _cell(text: str) -> str:
    """Text safe inside a table cell: no pipes, no line breaks, no HTML."""
    text = " ".join(text.split())
    for char, escaped in (("\\", "\\\\"), ("|", "\\|"), ("<", "&lt;"), (">", "&gt;")):
        text = text.replace(char, escaped)
    for char in "*_[]`":
        text = text.replace(char, "\\" + char)
    return text


def _code(text: str) -> str:
    """A code span that survives backticks and pipes in the source text."""
    text = " ".join(text.split()).replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"
