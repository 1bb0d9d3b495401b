"""The one engine entry point every front end calls. No I/O beyond decoding, no printing."""

from __future__ import annotations

import ast
import codecs
import io
import tokenize
from typing import TYPE_CHECKING

from refusal_lint.finding import Finding
from refusal_lint.prefilter import (
    Blocks,
    blank_dropped,
    dropped_imports,
    prune,
    select_blocks,
    trigger_scan,
)
from refusal_lint.settings import Settings, default_settings
from refusal_lint.suppress import apply_noqa
from refusal_lint.unused_noqa import CODE as UNUSED_NOQA
from refusal_lint.unused_noqa import unused_noqa

if TYPE_CHECKING:
    from refusal_lint.fixing import SourceFix

UNPARSEABLE = ("RFL900", "unparseable-file")


def check_bytes(data: bytes, filename: str, settings: Settings | None = None) -> list[Finding]:
    """Decode `data` as Python source (PEP 263, BOM) and check it.

    A file without a trigger word is not decoded or parsed at all. Undecodable bytes and
    null bytes become one RFL900 finding instead of an exception.
    """
    settings = settings or default_settings()
    offsets = trigger_scan(settings).offsets(data)
    if not offsets:
        return []
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
    if encoding == "utf-8-sig" and data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
        offsets = [offset - len(codecs.BOM_UTF8) for offset in offsets]
    elif encoding not in ("utf-8", "utf-8-sig"):
        data = source.encode("utf-8")  # offsets below are into the UTF-8 text
        offsets = trigger_scan(settings).offsets(data)
    return _check(source, data, offsets, filename, settings, None, noqa=True)


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
    settings = settings or default_settings()
    data = source.encode("utf-8", errors="surrogatepass")
    offsets = trigger_scan(settings).offsets(data)
    if not offsets:
        return []
    return _check(source, data, offsets, filename, settings, tree, noqa=noqa)


def _check(
    source: str,
    data: bytes,
    offsets: list[int],
    filename: str,
    settings: Settings,
    tree: ast.Module | None,
    *,
    noqa: bool,
) -> list[Finding]:
    """Parse the blocks that can matter (or prune the host's tree to them) and run the rules.

    `data` is `source` as UTF-8 and `offsets` its trigger words' byte offsets.
    """
    from refusal_lint.engine import run_rules

    blocks = select_blocks(data, offsets)
    tree = _parse_partial(data, blocks, filename) if tree is None else prune(tree, blocks)
    if tree is None:  # the selected text did not parse: parse it all, then prune
        try:
            tree = prune(ast.parse(source, filename=filename, type_comments=False), blocks)
        except SyntaxError as exc:
            return _unparseable(
                filename, exc.lineno or 1, max((exc.offset or 1) - 1, 0), exc.msg, settings
            )
        except (ValueError, RecursionError, MemoryError) as exc:
            return _unparseable(filename, 1, 0, str(exc) or type(exc).__name__, settings)
    findings = run_rules(tree, source, filename, settings, None, dropped_imports(data, blocks))
    if UNUSED_NOQA in settings.enabled:  # judged before suppression, so every front end agrees
        findings = [*findings, *unused_noqa(findings, source, filename, settings.enabled)]
    if noqa:
        findings = apply_noqa(findings, source)
    return sorted(findings)


def _parse_partial(data: bytes, blocks: Blocks, filename: str) -> ast.Module | None:
    """The tree of the kept blocks alone, or None when that text does not parse."""
    if blocks.everything_kept:
        return None
    try:
        text = blank_dropped(data, blocks).decode("utf-8", errors="surrogatepass")
        return ast.parse(text, filename=filename, type_comments=False)
    except (SyntaxError, ValueError, RecursionError, MemoryError, UnicodeDecodeError):
        return None


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
