"""The one engine entry point every front end calls. No I/O beyond decoding, no printing."""

from __future__ import annotations

import ast
import io
import tokenize
from typing import TYPE_CHECKING

from refusal_lint.finding import Finding
from refusal_lint.settings import Settings, default_settings
from refusal_lint.suppress import apply_noqa
from refusal_lint.unused_noqa import CODE as UNUSED_NOQA
from refusal_lint.unused_noqa import unused_noqa

if TYPE_CHECKING:
    from refusal_lint.audit.sites import FileAudit
    from refusal_lint.fixing import SourceFix

UNPARSEABLE = ("RFL900", "unparseable-file")


def check_bytes(data: bytes, filename: str, settings: Settings | None = None) -> list[Finding]:
    """Decode `data` as Python source (PEP 263, BOM) and check it.

    Undecodable bytes and null bytes become one RFL900 finding instead of an exception.
    """
    settings = settings or default_settings()
    source = _decode(data, filename, settings)
    if isinstance(source, list):
        return source
    return check_source(source, filename, settings)


def _decode(data: bytes, filename: str, settings: Settings) -> str | list[Finding]:
    """The source text, or the RFL900 finding (if enabled) saying why there is none."""
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        return _unparseable(filename, line, 0, "file contains null bytes", settings)
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        source = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line, col = _position(data, exc.start)
        return _unparseable(filename, line, col, f"cannot decode file: {exc}", settings)
    except (SyntaxError, LookupError) as exc:
        line = getattr(exc, "lineno", None) or 1
        return _unparseable(filename, line, 0, f"cannot decode file: {exc}", settings)
    return source.removeprefix("\ufeff")


def check_source(
    source: str,
    filename: str,
    settings: Settings | None = None,
    tree: ast.Module | None = None,
    *,
    noqa: bool = True,
) -> list[Finding]:
    """Check one module's source; findings sorted by position.

    `tree` lets a front end that already parsed the file (flake8) skip the parse; it is
    never mutated. With `noqa`, `# noqa` / `# noqa: RFL001` comments suppress findings.
    """
    from refusal_lint.engine import run_rules

    settings = settings or default_settings()
    if tree is None:
        parsed = _parse(source, filename, settings)
        if isinstance(parsed, list):
            return parsed
        tree = parsed
    findings = run_rules(tree, source, filename, settings)
    return _reported(findings, source, filename, settings, noqa=noqa)


def _parse(source: str, filename: str, settings: Settings) -> ast.Module | list[Finding]:
    """The module's tree, or the RFL900 finding (if enabled) saying why there is none."""
    try:
        return ast.parse(source, filename=filename, type_comments=False)
    except SyntaxError as exc:
        column = max((exc.offset or 1) - 1, 0)
        return _unparseable(filename, exc.lineno or 1, column, exc.msg, settings)
    except (ValueError, RecursionError, MemoryError) as exc:
        return _unparseable(filename, 1, 0, str(exc) or type(exc).__name__, settings)


def _reported(
    findings: list[Finding], source: str, filename: str, settings: Settings, *, noqa: bool
) -> list[Finding]:
    """The findings a front end reports: RFL902 added, `# noqa` applied, sorted."""
    if UNUSED_NOQA in settings.enabled:  # judged before suppression, so every front end agrees
        findings = [*findings, *unused_noqa(findings, source, filename, settings.enabled)]
    if noqa:
        findings = apply_noqa(findings, source)
    return sorted(findings)


def audit_bytes(data: bytes, filename: str, settings: Settings | None = None) -> FileAudit:
    """`check_bytes` for `refusal-lint audit`: the findings plus the module's sites."""
    from refusal_lint.audit.sites import FileAudit

    settings = settings or default_settings()
    source = _decode(data, filename, settings)
    if isinstance(source, list):
        return FileAudit(filename, [], source)
    return audit_source(source, filename, settings)


def audit_source(source: str, filename: str, settings: Settings | None = None) -> FileAudit:
    """The findings `check_source` reports and the sites `audit` lists, from one walk.

    Findings are not attached to sites yet: the caller first drops the codes its
    per-file ignores name (`audit.sites.attach_findings`).
    """
    from refusal_lint.audit.collect import collect_sites
    from refusal_lint.audit.sites import FileAudit
    from refusal_lint.catalog import load_catalog
    from refusal_lint.engine import analyze

    settings = settings or default_settings()
    tree = _parse(source, filename, settings)
    if isinstance(tree, list):
        return FileAudit(filename, [], tree)
    catalog = load_catalog()
    analysis = analyze(tree, source, filename, settings, catalog)
    findings = _reported(analysis.findings, source, filename, settings, noqa=True)
    facts = analysis.facts
    sites = collect_sites(facts, filename, catalog) if facts is not None else []
    return FileAudit(filename, sites, findings)


def fix_source(
    source: str, filename: str, settings: Settings | None = None, *, unsafe: bool = False
) -> SourceFix:
    """Apply the safe fixes (with `unsafe`, all fixes) to one module's source, no I/O.

    Returns the fixed source, the fixes applied per rule, the findings that remain, and an
    RFL901 finding (with the source unchanged) if a fix failed its checks. Imports libcst.
    """
    from refusal_lint.fixing import fix_source as fix

    return fix(source, filename, settings or default_settings(), unsafe=unsafe)


def _position(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and 0-based column of a byte offset."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    return data.count(b"\n", 0, offset) + 1, offset - line_start


def _unparseable(
    filename: str, line: int, col: int, reason: str, settings: Settings
) -> list[Finding]:
    if UNPARSEABLE[0] not in settings.enabled:
        return []
    code, name = UNPARSEABLE
    return [
        Finding(
            filename=filename,
            line=line,
            col=col,
            code=code,
            name=name,
            message=f"cannot parse file: {reason}",
            end_line=line,
            end_col=col,
        )
    ]
