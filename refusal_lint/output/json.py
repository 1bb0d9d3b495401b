"""A JSON array, one object per finding; later tools parse exactly this shape."""

from __future__ import annotations

import json
from typing import Any

from refusal_lint.finding import Finding
from refusal_lint.output import Report, Style
from refusal_lint.plans import public_fix


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    """One finding with 1-based rows and columns (`ast` columns + 1)."""
    return {
        "code": finding.code,
        "name": finding.name,
        "message": finding.message,
        "filename": finding.filename,
        "location": {"row": finding.line, "column": finding.col + 1},
        "end_location": {
            "row": finding.end_line or finding.line,
            "column": (finding.end_col if finding.end_line else finding.col) + 1,
        },
        "fix": public_fix(finding.fix),
        "url": finding.url,
    }


def render(report: Report, style: Style) -> str:
    """The whole report as an indented JSON array (`[]` when clean)."""
    return json.dumps([finding_to_dict(f) for f in report.findings], indent=2)
