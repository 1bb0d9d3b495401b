"""The audit's output formats, by name. Cheap to import: the CLI reads FORMATS at start-up."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from refusal_lint.audit.report import AuditReport
    from refusal_lint.output import Style

_MODULES = {"text": "text", "markdown": "markdown", "json": "json_report", "html": "html"}


def renderer(name: str) -> Callable[[AuditReport, Style], str]:
    """The `render` function of the format called `name` (one of FORMATS)."""
    module = importlib.import_module(f"refusal_lint.audit.{_MODULES[name]}")
    render: Callable[[AuditReport, Style], str] = module.render
    return render
