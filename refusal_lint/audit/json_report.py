"""The JSON report: the audit's sites and coverage as `schema.json` documents them."""

from __future__ import annotations

import json
from typing import Any, cast

from refusal_lint.audit.report import AuditReport
from refusal_lint.output import Style


def render(report: AuditReport, style: Style) -> str:
    return json.dumps(report.to_dict(), indent=2)


def schema() -> dict[str, Any]:
    """The JSON Schema of the report, shipped in the package."""
    from importlib import resources

    text = resources.files("refusal_lint.audit").joinpath("schema.json").read_text("utf-8")
    return cast(dict[str, Any], json.loads(text))
