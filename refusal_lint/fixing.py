"""Apply fix plans: pick -> realise with libcst -> verify -> repeat -> write atomically.

Detection attaches plans (`refusal_lint.plans`) to findings; this module is the only one that
acts on them, and the only importer of libcst (lazily: `refusal-lint check` without
`--fix` / `--diff` never loads it). Each round applies every non-overlapping plan of a file
in one libcst pass and checks, before anything is kept:

- the libcst result is byte for byte what the plans' text edits (the JSON `fix.edits`) say;
- it parses;
- linting it again shows fewer findings, at least one fewer per applied fix.

A round that fails any check leaves the file untouched and becomes an RFL901 internal-error
finding. Rounds repeat until no applicable plan is left (nested dispatches, one construct
with two findings), so a second `--fix` changes nothing.
"""

from __future__ import annotations

import difflib
import io
import os
import re
import stat
import tokenize
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from refusal_lint import api
from refusal_lint.atomic import replace_file
from refusal_lint.engine import INTERNAL_ERROR
from refusal_lint.finding import Finding
from refusal_lint.plans import SAFE, UNSAFE, Edit, applicability
from refusal_lint.plans.edits import apply_edits
from refusal_lint.settings import Settings

# Value fixes first: correcting `"refused"` can make a dispatch's RFL001 disappear.
_PRIORITY = {"RFL007": 0, "RFL008": 1}
_BOM = "\ufeff"
_NEWLINES = re.compile(r"\r\n|\r|\n")
MAX_ROUNDS = 25


@dataclass
class SourceFix:
    """The outcome of fixing one module's source."""

    source: str
    fixed: Counter[str] = field(default_factory=Counter)  # rule code -> fixes applied
    findings: list[Finding] = field(default_factory=list)  # what remains afterwards
    error: Finding | None = None  # set when the fixer failed; `source` is then unchanged
    skipped: str | None = None  # why the file was left unchanged without an error

    @property
    def count(self) -> int:
        return sum(self.fixed.values())


@dataclass
class FileFix(SourceFix):
    """`SourceFix` for a file on disk, with what happened when writing it."""

    original: str = ""
    problem: str | None = None  # why the fixed source was not written (read-only, ...)

    @property
    def changed(self) -> bool:
        return self.source != self.original


def is_applicable(finding: Finding, unsafe: bool) -> bool:
    """Has a plan `--fix` (or `--fix --unsafe-fixes`) would apply."""
    fix = finding.fix
    if fix is None or not isinstance(fix.get("plan"), dict):
        return False
    kind = applicability(fix)
    return kind == SAFE or (unsafe and kind == UNSAFE)


def fix_source(
    source: str,
    filename: str,
    settings: Settings,
    *,
    unsafe: bool = False,
    ignored: frozenset[str] = frozenset(),
) -> SourceFix:
    """Apply the applicable fixes to one module's source (no I/O)."""
    findings = _lint(source, filename, settings, ignored)
    result = SourceFix(source, findings=findings)
    for _ in range(MAX_ROUNDS):
        chosen = select([f for f in result.findings if is_applicable(f, unsafe)])
        if not chosen:
            break
        try:
            fixed = apply_round(result.source, chosen)
            after = _lint(fixed, filename, settings, ignored)
            _verify(result.findings, after, chosen)
        except _Failure as exc:
            limitation = _libcst_limitation(result.source)
            if limitation is not None:  # not a fixer bug: libcst cannot write this file back
                return SourceFix(source, findings=findings, skipped=limitation)
            return SourceFix(source, findings=findings, error=_internal(filename, chosen, exc))
        result.source, result.findings = fixed, after
        result.fixed.update(f.code for f in chosen)
    return result


def select(findings: Sequence[Finding]) -> list[Finding]:
    """The plans one round applies: no two touch the same construct (innermost first)."""

    def order(finding: Finding) -> tuple[int, int, int, int]:
        first, last = _construct(finding)
        return (_PRIORITY.get(finding.code, 2), last - first, first, finding.col)

    chosen: list[Finding] = []
    taken: list[tuple[int, int]] = []
    for finding in sorted(findings, key=order):
        first, last = _construct(finding)
        if all(last < a or first > b for a, b in taken):
            chosen.append(finding)
            taken.append((first, last))
    return chosen


def apply_round(source: str, chosen: Sequence[Finding]) -> str:
    """Realise the plans with libcst; they must agree with the plans' own text edits."""
    from refusal_lint.fixes import StalePlan, realise

    fixes = [f.fix for f in chosen if f.fix is not None]
    expected = apply_edits(source, [edit for finding in chosen for edit in _edits(finding)])
    try:
        realised = realise(source, fixes)
    except StalePlan as exc:
        raise _Failure(f"the fixer found no node to change ({exc})") from exc
    except Exception as exc:  # a libcst parse or codegen error on this file
        raise _Failure(f"libcst failed: {type(exc).__name__}: {exc}") from exc
    if realised != expected:
        raise _Failure("the libcst fix and the fix's text edits disagree")
    try:
        api.parse_quietly(realised)
    except (SyntaxError, ValueError) as exc:
        raise _Failure(f"the fixed code does not parse: {exc}") from exc
    return realised


def fix_file(
    path: Path,
    display: str,
    settings: Settings,
    *,
    unsafe: bool,
    write: bool,
    ignored: frozenset[str] = frozenset(),
) -> FileFix:
    """Fix one file; with `write`, replace it atomically if nothing changed it meanwhile."""
    try:
        data = path.read_bytes()
        encoding, text = decode(data)
    except (OSError, UnicodeDecodeError, SyntaxError, LookupError) as exc:
        return FileFix("", original="", problem=f"cannot read: {exc}")
    bom = text.startswith(_BOM)
    source = text[1:] if bom else text
    fixed = fix_source(source, display, settings, unsafe=unsafe, ignored=ignored)
    result = FileFix(
        fixed.source, fixed.fixed, fixed.findings, fixed.error, original=source,
        problem=fixed.skipped,
    )  # fmt: skip
    if write and result.changed:
        result.problem = _write_fixed(path, data, result.source, encoding, bom)
        if result.problem is not None:  # nothing was written: report the file as it is
            result.fixed = Counter()
            result.source = source
            result.findings = _lint(source, display, settings, ignored)
    return result


def decode(data: bytes) -> tuple[str, str]:
    """(encoding, text) the way Python reads a source file; the BOM is kept in the text."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    text = data.decode(encoding)
    if encoding == "utf-8-sig":
        encoding = "utf-8"
        text = text if text.startswith(_BOM) else _BOM + text
    return encoding, text


def encode(source: str, encoding: str, *, bom: bool) -> bytes:
    """`source` as the file stores it: its encoding, with the BOM it had."""
    return ((_BOM if bom else "") + source).encode(encoding)


def _write_fixed(path: Path, original: bytes, source: str, encoding: str, bom: bool) -> str | None:
    try:
        output = encode(source, encoding, bom=bom)
    except UnicodeEncodeError as exc:
        return f"the fixed code cannot be encoded as {encoding}: {exc.reason}"
    return write_atomic(path, original, output)


def write_atomic(path: Path, expected: bytes, data: bytes) -> str | None:
    """Replace `path` with `data` through a temporary file in the same directory.

    Returns why it did not (read-only, changed since it was read, an OS error) or None.
    The file keeps its permission bits; a symlink keeps pointing at the fixed file.
    """
    changed = "the file changed while it was being fixed; left as it is"
    target = path.resolve()
    try:
        info = target.stat()
        if not os.access(target, os.W_OK) or not info.st_mode & stat.S_IWUSR:
            return "the file is read-only"
        if target.read_bytes() != expected:
            return changed

        def unchanged() -> bool:  # asked again just before the rename
            return target.read_bytes() == expected

        if not replace_file(target, data, stat.S_IMODE(info.st_mode), still_valid=unchanged):
            return changed
    except OSError as exc:
        return f"cannot write: {exc.strerror or exc}"
    return None


def unified_diff(display: str, before: str, after: str) -> str:
    """A unified diff of one file's fix (line endings shown as the file has them)."""
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=f"a/{display}",
        tofile=f"b/{display}",
    )
    return "".join(line if line.endswith(("\n", "\r")) else line + "\n" for line in lines)


# ---- internals ------------------------------------------------------------------------------
class _Failure(Exception):
    """A round that must not be kept."""


def _lint(source: str, filename: str, settings: Settings, ignored: frozenset[str]) -> list[Finding]:
    return [f for f in api.check_source(source, filename, settings) if f.code not in ignored]


def _libcst_limitation(source: str) -> str | None:
    """Why libcst cannot reproduce `source` byte for byte, or None if it can.

    libcst drops a form feed in indentation and rejects some code CPython accepts; a fix
    made through it would change more than the fix, so the file is left as it is.
    """
    import libcst

    try:
        written = libcst.parse_module(source).code
    except Exception as exc:  # libcst's own parser errors
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"libcst, which applies the fixes, cannot parse it ({reason}); left as it is"
    if written == source:
        return None
    ours, theirs = source.splitlines(keepends=True), written.splitlines(keepends=True)
    pairs = enumerate(zip(ours, theirs, strict=False), start=1)
    line = next((n for n, (a, b) in pairs if a != b), min(len(ours), len(theirs)) + 1)
    why = " (it drops the form feed there)" if "\f" in "".join(ours[line - 1 : line]) else ""
    return f"libcst, which applies the fixes, would also rewrite line {line}{why}; left as it is"


def _construct(finding: Finding) -> tuple[int, int]:
    plan: dict[str, Any] = (finding.fix or {}).get("plan", {})
    first, last = plan.get("construct", (finding.line, finding.end_line or finding.line))
    return int(first), int(last)


def _verify(before: list[Finding], after: list[Finding], chosen: list[Finding]) -> None:
    """Each applied fix must remove a finding of its own kind from its construct, and
    nothing may break.

    Counted, not located: a construct can hold a second finding of the same kind that has
    no plan (two silent refusal branches, one of them only partly taken), and it stays.
    Other findings may appear: a fix can turn one problem into the next piece of advice
    (an RFL001 becomes an RFL002 once refusal is handled in the scope, a new loud default
    gets RFL009 if it does not tell refusal apart). Later rounds fix what they can of those.
    """
    broken = [f for f in after if f.code in ("RFL900", INTERNAL_ERROR[0])]
    if broken:
        raise _Failure(f"the fixed code gives {broken[0].code}: {broken[0].message}")
    edits = [edit for finding in chosen for edit in _edits(finding)]
    for finding in chosen:
        first, last = _construct(finding)
        was = _count_inside(before, finding.code, first, last)
        first, last = first + _shift(edits, first), last + _shift(edits, last + 1)
        if _count_inside(after, finding.code, first, last) >= was:
            where = f"{finding.code} finding at line {finding.line}"
            raise _Failure(f"the fix did not remove the {where}")


def _count_inside(findings: list[Finding], code: str, first: int, last: int) -> int:
    return sum(1 for f in findings if f.code == code and first <= f.line <= last)


def _edits(finding: Finding) -> list[Edit]:
    return [Edit.from_dict(e) for e in (finding.fix or {}).get("edits", [])]


def _shift(edits: list[Edit], line: int) -> int:
    """How many lines the edits that come before line `line` add (or remove)."""
    return sum(
        len(_NEWLINES.findall(e.content)) - (e.span.end_line - e.span.line)
        for e in edits
        if ((e.span.end_line, e.span.end_col) <= (line, 0) and e.span.line < line)
        or (e.span.line, e.span.col) == (e.span.end_line, e.span.end_col) == (line, 0)
    )


def _internal(filename: str, chosen: Sequence[Finding], exc: _Failure) -> Finding:
    where = ", ".join(f"{f.code} at line {f.line}" for f in chosen)
    return Finding(
        filename=filename,
        line=chosen[0].line if chosen else 1,
        col=0,
        code=INTERNAL_ERROR[0],
        name=INTERNAL_ERROR[1],
        message=(
            f"internal error in the fixer ({where}): {exc}; the file was left unchanged (this is "
            "a refusal-lint bug; please report it with this file)"
        ),
        end_line=chosen[0].line if chosen else 1,
        end_col=0,
    )
