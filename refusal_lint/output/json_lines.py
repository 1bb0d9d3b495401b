"""JSON Lines: one compact JSON object per finding (the `json` format's objects)."""

from __future__ import annotations

import json

from refusal_lint.output import Report, Style
from refusal_lint.output.json import finding_to_dict


def render(report: Report, style: Style) -> str:
    """One line per finding; empty output when clean."""
    return "\n".join(json.dumps(finding_to_dict(f)) for f in report.findings)
