"""The one engine entry point every front end calls. No I/O beyond decoding, no printing.

Every path runs the same steps: the trigger scan (a file without a trigger word is not
decoded or parsed), the block selection (only the statements that can matter are parsed,
or kept from a host's tree), one walk, the rules, then RFL902 and `# noqa`.
"""

from __future__ import annotations

import ast
import codecs
import io
import tokenize
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from refusal_lint.finding import Finding
from refusal_lint.limits import RESOURCE_ERRORS, resource_reason
from refusal_lint.limits import UNPARSEABLE as UNPARSEABLE  # re-exported: front ends use it
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
    from refusal_lint.audit.sites import FileAudit
    from refusal_lint.fixing import SourceFix
    from refusal_lint.project import FileSummary
    from refusal_lint.rule import Rule


@dataclass(frozen=True)
class _Module:
    """A module ready for the walk: its text, the tree of the blocks that can matter, and
    the modules imported in the blocks left out."""

    source: str
    tree: ast.Module
    dropped_imports: frozenset[str]


def check_bytes(data: bytes, filename: str, settings: Settings | None = None) -> list[Finding]:
    """Decode `data` as Python source (PEP 263, BOM) and check it.

    A file without a trigger word is not decoded or parsed at all. Undecodable bytes and
    null bytes become one RFL900 finding instead of an exception.
    """
    settings = settings or default_settings()
    module = _module_from_bytes(data, filename, settings)
    if not isinstance(module, _Module):
        return module
    return _run(module, filename, settings, noqa=True)


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
    module = _module_from_source(source, filename, settings, tree)
    if not isinstance(module, _Module):
        return module
    return _run(module, filename, settings, noqa=noqa)


def audit_bytes(data: bytes, filename: str, settings: Settings | None = None) -> FileAudit:
    """`check_bytes` for `refusal-lint audit`: the findings plus the module's sites."""
    settings = settings or default_settings()
    return _audit(_module_from_bytes(data, filename, settings), filename, settings)


def audit_source(source: str, filename: str, settings: Settings | None = None) -> FileAudit:
    """The findings `check_source` reports and the sites `audit` lists, from one walk.

    Findings are not attached to sites yet: the caller first drops the codes its
    per-file ignores name (`audit.sites.attach_findings`).
    """
    settings = settings or default_settings()
    return _audit(_module_from_source(source, filename, settings, None), filename, settings)


@dataclass(frozen=True)
class FileCheck:
    """One file's findings and its summary for the enabled project-level rule (RFL012):
    None when the file says nothing to it, or no such rule is enabled."""

    findings: list[Finding]
    summary: FileSummary | None = None


def lint_bytes(data: bytes, filename: str, settings: Settings | None = None) -> FileCheck:
    """`check_bytes` plus the file's summary for project-level rules: the per-file half of
    RFL012, which `refusal-lint check` judges over all files (a summary is plain data, so
    it is cached and computed in worker processes like findings)."""
    settings = settings or default_settings()
    rule = _project_rule(settings)
    if rule is None:
        return FileCheck(check_bytes(data, filename, settings))
    if _is_test(filename, settings):
        return _test_file(
            _decoded(data), filename, settings, lambda: check_bytes(data, filename, settings)
        )
    return _module_with_sites(
        _module_from_bytes(data, filename, settings), filename, settings, rule
    )


def lint_source(source: str, filename: str, settings: Settings | None = None) -> FileCheck:
    """`check_source` plus the file's summary for project-level rules (see `lint_bytes`)."""
    settings = settings or default_settings()
    rule = _project_rule(settings)
    if rule is None:
        return FileCheck(check_source(source, filename, settings))
    if _is_test(filename, settings):
        return _test_file(
            source, filename, settings, lambda: check_source(source, filename, settings)
        )
    module = _module_from_source(source, filename, settings, None)
    return _module_with_sites(module, filename, settings, rule)


def _project_rule(settings: Settings) -> type[Rule] | None:
    from refusal_lint.registry import all_rules

    enabled = (r for r in all_rules() if r.project_level and r.code in settings.enabled)
    return next(enabled, None)


def _is_test(filename: str, settings: Settings) -> bool:
    from refusal_lint.project import SuiteLayout

    return SuiteLayout.of(settings).is_test(filename)


def _module_with_sites(
    module: _Module | list[Finding], filename: str, settings: Settings, rule: type[Rule]
) -> FileCheck:
    """A module's findings and its dispatch sites, from one walk."""
    from refusal_lint.catalog import load_catalog
    from refusal_lint.engine import analyze, internal_error
    from refusal_lint.project import summarize_module

    if not isinstance(module, _Module):
        return FileCheck(module)
    catalog = load_catalog()
    analysis = analyze(
        module.tree, module.source, filename, settings, catalog, None, module.dropped_imports
    )
    findings = analysis.findings
    summary = None
    if analysis.facts is not None:
        try:
            summary = summarize_module(analysis.facts, module.source, catalog, rule.code)
        except Exception as exc:  # a bug in the summary must not stop the run (RFL901)
            findings = [*findings, internal_error(filename, module.tree, rule.code, _why(exc))]
    return FileCheck(_reported(findings, module.source, filename, settings, noqa=True), summary)


def _test_file(
    source: str | None, filename: str, settings: Settings, check: Callable[[], list[Finding]]
) -> FileCheck:
    """A test file's findings and its fakes. Fakes are read from the whole tree: one need
    not name any of the engine's trigger words (`make_chunk("", "content_filter")`), so the
    file is parsed whole and the engine gets that tree pruned to its own blocks."""
    from refusal_lint.catalog import load_catalog
    from refusal_lint.engine import internal_error
    from refusal_lint.project import names_a_fake, summarize_tests

    catalog = load_catalog()
    if source is None or not names_a_fake(source, catalog):
        return FileCheck(check())
    try:
        tree = parse_quietly(source, filename)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return FileCheck(check())  # the engine reports what is wrong with it (RFL900)
    findings = check_source(source, filename, settings, tree)
    try:
        return FileCheck(findings, summarize_tests(tree, source, catalog))
    except Exception as exc:  # a bug in the summary must not stop the run (RFL901)
        rule = _project_rule(settings)
        code = rule.code if rule is not None else "the project summary"
        return FileCheck([*findings, internal_error(filename, tree, code, _why(exc))])


def _decoded(data: bytes) -> str | None:
    """`data` as text by PEP 263, BOM dropped; None when it cannot be (RFL900's to say)."""
    if b"\x00" in data:
        return None
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding).removeprefix("\ufeff")
    except (UnicodeDecodeError, SyntaxError, LookupError):
        return None


def _why(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}"[:200] if text else type(exc).__name__


def _audit(module: _Module | list[Finding], filename: str, settings: Settings) -> FileAudit:
    from refusal_lint.audit.collect import collect_sites
    from refusal_lint.audit.sites import FileAudit
    from refusal_lint.catalog import load_catalog
    from refusal_lint.engine import analyze

    if not isinstance(module, _Module):
        return FileAudit(filename, [], module)
    catalog = load_catalog()
    analysis = analyze(
        module.tree, module.source, filename, settings, catalog, None, module.dropped_imports
    )
    findings = _reported(analysis.findings, module.source, filename, settings, noqa=True)
    facts = analysis.facts
    sites = collect_sites(facts, filename, catalog) if facts is not None else []
    return FileAudit(filename, sites, findings)


def _run(module: _Module, filename: str, settings: Settings, *, noqa: bool) -> list[Finding]:
    from refusal_lint.engine import run_rules

    findings = run_rules(
        module.tree, module.source, filename, settings, None, module.dropped_imports
    )
    return _reported(findings, module.source, filename, settings, noqa=noqa)


def _reported(
    findings: list[Finding], source: str, filename: str, settings: Settings, *, noqa: bool
) -> list[Finding]:
    """The findings a front end reports: RFL902 added, `# noqa` applied, sorted."""
    if UNUSED_NOQA in settings.enabled:  # judged before suppression, so every front end agrees
        findings = [*findings, *unused_noqa(findings, source, filename, settings.enabled)]
    if noqa:
        findings = apply_noqa(findings, source)
    return sorted(findings)


def _module_from_bytes(data: bytes, filename: str, settings: Settings) -> _Module | list[Finding]:
    """Scan, decode and parse a file's bytes; [] for a file without a trigger word."""
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
    source = source.removeprefix("\ufeff")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
        offsets = [offset - len(codecs.BOM_UTF8) for offset in offsets]
    if encoding not in ("utf-8", "utf-8-sig"):
        data = source.encode("utf-8")  # the offsets below are into the UTF-8 text
        offsets = trigger_scan(settings).offsets(data)
    return _parse(source, data, offsets, filename, settings, None)


def _module_from_source(
    source: str, filename: str, settings: Settings, tree: ast.Module | None
) -> _Module | list[Finding]:
    data = source.encode("utf-8", errors="surrogatepass")
    offsets = trigger_scan(settings).offsets(data)
    if not offsets:
        return []
    return _parse(source, data, offsets, filename, settings, tree)


def _parse(
    source: str,
    data: bytes,
    offsets: list[int],
    filename: str,
    settings: Settings,
    tree: ast.Module | None,
) -> _Module | list[Finding]:
    """The tree of the blocks that can matter (a host's `tree` pruned to them), or RFL900.

    `data` is `source` as UTF-8 and `offsets` its trigger words' byte offsets.
    """
    scan = trigger_scan(settings)
    # Stop-value tables matter wherever they are, trigger word or not (RFL006).
    offsets = sorted([*offsets, *scan.table_offsets(data)])
    blocks = select_blocks(data, offsets, [anchor.text for anchor in scan.anchors])
    tree = _parse_partial(data, blocks, filename) if tree is None else prune(tree, blocks)
    if tree is None:  # the selected text did not parse: parse it all, then prune
        try:
            tree = prune(parse_quietly(source, filename), blocks)
        except SyntaxError as exc:
            column = max((exc.offset or 1) - 1, 0)
            return _unparseable(filename, exc.lineno or 1, column, exc.msg, settings)
        except (ValueError, *RESOURCE_ERRORS) as exc:
            return _unparseable(filename, 1, 0, str(exc) or resource_reason(exc), settings)
    return _Module(source, tree, dropped_imports(data, blocks))


def _parse_partial(data: bytes, blocks: Blocks, filename: str) -> ast.Module | None:
    """The tree of the kept blocks alone, or None when that text does not parse."""
    if blocks.everything_kept:
        return None
    try:
        text = blank_dropped(data, blocks).decode("utf-8", errors="surrogatepass")
        return parse_quietly(text, filename)
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


def parse_quietly(source: str, filename: str = "<unknown>") -> ast.Module:
    """`ast.parse` without the compiler's warnings about the code (`"\\."` is an invalid
    escape, `x is 1`): they are the user's business, would be printed on Python >= 3.12,
    and under `-W error` would turn valid code into a SyntaxError (RFL900)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(source, filename=filename, type_comments=False)


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
