"""GitLab Code Quality report (`artifacts:reports:codequality`): a JSON array of issues.

Each issue has `description`, `check_name`, `fingerprint` (stable under line shifts),
`severity` and `location.path` (repository-relative) with `lines.begin` / `lines.end`.
"""

from __future__ import annotations

import json
from typing import Any

from refusal_lint.fingerprint import fingerprints
from refusal_lint.output import Report, Style
from refusal_lint.output.ci import Paths, level

SEVERITY = {"error": "critical", "warning": "major"}


def to_code_quality(report: Report) -> list[dict[str, Any]]:
    """The Code Quality issues as JSON-ready dicts."""
    paths = Paths()
    prints = fingerprints(report.findings, report.sources, paths.root)
    return [
        {
            "type": "issue",
            "engine_name": "refusal-lint",
            "check_name": f"{f.code} {f.name}",
            "description": f"{f.code} {f.message}",
            "categories": ["Bug Risk"],
            "fingerprint": print_,
            "severity": SEVERITY[level(f)],
            "location": {
                "path": paths(f.filename),
                "lines": {"begin": f.line, "end": f.end_line or f.line},
            },
        }
        for f, print_ in zip(report.findings, prints, strict=True)
    ]


def render(report: Report, style: Style) -> str:
    """The report as an indented JSON array (`[]` when clean)."""
    return json.dumps(to_code_quality(report), indent=2)
