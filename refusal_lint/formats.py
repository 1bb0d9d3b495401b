"""The names of the output formats, apart from their renderers, so the command line can
offer them without importing any renderer."""

from __future__ import annotations

# `check --output-format`
FORMATS = ("full", "concise", "json", "json-lines", "sarif", "github", "gitlab", "junit")
# Formats read by programs: nothing but the report goes to stdout (no summary line).
MACHINE_FORMATS = frozenset({"json", "json-lines", "sarif", "gitlab", "junit"})
# `audit --output-format`
AUDIT_FORMATS = ("text", "markdown", "json", "html")
