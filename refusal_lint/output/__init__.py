"""Report formats for `refusal-lint check`: full (default), concise, json, json-lines,
sarif, github, gitlab, junit, and statistics.

Each format module has `render(report, style) -> str`; the CLI prints the result. Only the
CLI imports this package: the engine and the plugin front ends never format output.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import click

from refusal_lint.finding import Finding
from refusal_lint.formats import FORMATS, MACHINE_FORMATS  # noqa: F401  (re-exported)
from refusal_lint.plans import applicability


@dataclass(frozen=True)
class Report:
    """The result of one run: sorted findings plus the sources they point into."""

    findings: Sequence[Finding]
    # display filename -> source text, for the context lines of the full format
    sources: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Style:
    """ANSI styling, a no-op unless colour is on (terminal and NO_COLOR unset)."""

    color: bool = False
    # `--unsafe-fixes`: unsafe fixes are applicable too, so they get the `[*]` mark
    unsafe_fixes: bool = False

    def __call__(self, text: str, **styles: Any) -> str:
        return click.style(text, **styles) if self.color else text


def summary(findings: Sequence[Finding], *, unsafe_fixes: bool = False) -> str:
    """`Found N problems.` plus how many `--fix` fixes and how many only
    `--fix --unsafe-fixes` does, or `All checks passed!`."""
    if not findings:
        return "All checks passed!"
    count = len(findings)
    lines = [f"Found {count} problem{'' if count == 1 else 's'}."]
    kinds = [applicability(f.fix) for f in findings]
    safe, unsafe = kinds.count("safe"), kinds.count("unsafe")
    if unsafe_fixes and safe + unsafe:
        lines.append(f"[*] {safe + unsafe} fixable with --fix --unsafe-fixes.")
        return "\n".join(lines)
    if safe:
        lines.append(f"[*] {safe} fixable with --fix.")
    if unsafe:
        more = " more" if safe else ""
        lines.append(f"{unsafe}{more} fixable only with --fix --unsafe-fixes.")
    return "\n".join(lines)


def fix_mark(finding: Finding, style: Style) -> str:
    """`[*] ` for a finding the current `--fix` (or `--unsafe-fixes`) would fix."""
    kind = applicability(finding.fix)
    return "[*] " if kind == "safe" or (kind == "unsafe" and style.unsafe_fixes) else ""


def header(finding: Finding, style: Style) -> str:
    """`path:line:col: CODE [*] message` with a 1-based column."""
    fix = fix_mark(finding, style)
    location = style(f"{finding.filename}:{finding.line}:{finding.col + 1}:", bold=True)
    return f"{location} {style(finding.code, fg='red', bold=True)} {fix}{finding.message}"


def renderer(name: str) -> Callable[[Report, Style], str]:
    """The `render` function of the format called `name` (one of FORMATS)."""
    import importlib

    module = "json_lines" if name == "json-lines" else name
    render: Callable[[Report, Style], str] = importlib.import_module(
        f"refusal_lint.output.{module}"
    ).render
    return render
