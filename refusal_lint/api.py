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
    from refusal_lint.fixing import SourceFix

UNPARSEABLE = ("RFL900", "unparseable-file")


def check_bytes(data: bytes, filename: str, settings: Settings | None = None) -> list[Finding]:
    """Decode `data` as Python source (PEP 263, BOM) and check it.

    Undecodable bytes and null bytes become one RFL900 finding instead of an exception.
    """
    settings = settings or default_settings()
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
    if source.startswith("\ufeff"):
        source = source[1:]
    return check_source(source, filename, settings)


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
        try:
            tree = ast.parse(source, filename=filename, type_comments=False)
        except SyntaxError as exc:
            return _unparseable(
                filename, exc.lineno or 1, max((exc.offset or 1) - 1, 0), exc.msg, settings
            )
        except (ValueError, RecursionError, MemoryError) as exc:
            return _unparseable(filename, 1, 0, str(exc) or type(exc).__name__, settings)
    findings = run_rules(tree, source, filename, settings)
    if UNUSED_NOQA in settings.enabled:  # judged before suppression, so every front end agrees
        findings = [*findings, *unused_noqa(findings, source, filename, settings.enabled)]
    if noqa:
        findings = apply_noqa(findings, source)
    return sorted(findings)


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
