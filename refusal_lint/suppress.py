"""`# noqa` handling shared by every front end."""

from __future__ import annotations

import re

from refusal_lint.finding import Finding

# flake8's grammar: a bare noqa comment, or one with a colon and codes; case-insensitive.
NOQA_RE = re.compile(r"#\s*noqa(?::[\s]?(?P<codes>[A-Z][0-9A-Z]*(?:[,\s]+[A-Z][0-9A-Z]*)*))?", re.I)


def noqa_codes(line: str) -> frozenset[str] | None:
    """None if the line has no noqa; an empty set for a bare noqa (suppresses all)."""
    if "#" not in line:
        return None
    match = NOQA_RE.search(line)
    if match is None:
        return None
    codes = match.group("codes")
    if not codes:
        return frozenset()
    return frozenset(c.upper() for c in re.split(r"[,\s]+", codes) if c)


def is_suppressed(finding: Finding, lines: list[str]) -> bool:
    """True when the finding's line carries a noqa that covers its code."""
    if not 1 <= finding.line <= len(lines):
        return False
    codes = noqa_codes(lines[finding.line - 1])
    if codes is None:
        return False
    return not codes or any(finding.code.startswith(c) for c in codes)


def apply_noqa(findings: list[Finding], source: str) -> list[Finding]:
    """Drop findings suppressed by a noqa comment on their reported line."""
    if "noqa" not in source.lower() or not findings:
        return findings
    lines = source.splitlines()
    return [f for f in findings if not is_suppressed(f, lines)]
