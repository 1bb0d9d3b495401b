"""RFL902 unused-noqa: `# noqa: RFL…` codes that suppress nothing.

Computed from the findings *before* suppression (a code is used when a finding of it, or
of a code it prefixes, is on the comment's line), so it gives the same answer whether the
caller applies `# noqa` itself (CLI, pylint) or leaves that to its host (flake8). Only
`RFL` codes are judged: other tools' codes and bare `# noqa` belong to those tools. A code
of a rule that did not run (disabled in this configuration) is not judged either, since
its finding could not have appeared; a code naming no rule at all is reported. Nor is the
code of a project-level rule (RFL012): its findings come from all files together, after
this file's are known, so no single file can tell that such a directive is unused.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterable, Iterator

from refusal_lint.finding import Finding
from refusal_lint.suppress import NOQA_RE

CODE = "RFL902"
NAME = "unused-noqa"
PREFIX = "RFL"


def _comments(source: str) -> Iterator[tokenize.TokenInfo]:
    """The comment tokens of `source` (noqa inside a string literal is not a directive)."""
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                yield token
    except (tokenize.TokenError, SyntaxError):
        return


def _codes(comment: str) -> list[str]:
    match = NOQA_RE.search(comment)
    if match is None or not match.group("codes"):
        return []
    return [c.upper() for c in re.split(r"[,\s]+", match.group("codes")) if c]


def _verdict(code: str, on_line: set[str], enabled: frozenset[str], known: set[str]) -> str:
    """'' when `code` is used or cannot be judged, else why it is unused."""
    if not code.startswith(PREFIX) or CODE.startswith(code):
        return ""  # another tool's code, or one that would silence this very report
    if any(found.startswith(code) for found in on_line):
        return ""
    covered = {c for c in known if c.startswith(code)}
    if not covered:
        return "unknown"
    return "unused" if covered & enabled else ""


def unused_noqa(
    findings: Iterable[Finding], source: str, filename: str, enabled: frozenset[str]
) -> list[Finding]:
    """One RFL902 finding per `# noqa` comment with RFL codes that suppress nothing."""
    if "noqa" not in source.lower():
        return []
    from refusal_lint.registry import all_rules

    known = {rule.code for rule in all_rules()}
    enabled -= {rule.code for rule in all_rules() if rule.project_level}
    by_line: dict[int, set[str]] = {}
    for finding in findings:
        by_line.setdefault(finding.line, set()).add(finding.code)
    reports: list[Finding] = []
    for token in _comments(source):
        line = token.start[0]
        verdicts = {
            code: _verdict(code, by_line.get(line, set()), enabled, known)
            for code in _codes(token.string)
        }
        unused = [code for code, verdict in verdicts.items() if verdict == "unused"]
        unknown = [code for code, verdict in verdicts.items() if verdict == "unknown"]
        if unused or unknown:
            reports.append(_report(filename, token, unused, unknown))
    return reports


def _report(
    filename: str, token: tokenize.TokenInfo, unused: list[str], unknown: list[str]
) -> Finding:
    parts = []
    if unused:
        parts.append(f"no {', '.join(unused)} finding on this line")
    if unknown:
        parts.append(f"unknown code{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}")
    return Finding(
        filename=filename,
        line=token.start[0],
        col=token.start[1],
        code=CODE,
        name=NAME,
        message=f"unused `noqa` directive: {'; '.join(parts)}",
        end_line=token.end[0],
        end_col=token.end[1],
    )
