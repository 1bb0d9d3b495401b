"""Fixes on a corpus of real code (issue 6, acceptance 2), in memory, never writing.

Skipped unless REFUSAL_LINT_FIX_CORPUS names one or more directories (os.pathsep between
them), e.g. the unpacked releases the result-handling issue uses:

    REFUSAL_LINT_FIX_CORPUS=/work/corpus/current python -m pytest tests/test_fix_corpus.py -s

For every file with a fix, `--fix --unsafe-fixes` semantics: the result parses, a second fix
changes nothing, and each round changes only lines of the constructs its findings flagged.
The counts (files changed, fixes per rule) are printed.
"""

from __future__ import annotations

import ast
import difflib
import os
from collections import Counter
from pathlib import Path

import pytest

from refusal_lint import api, plans
from refusal_lint.finding import Finding
from refusal_lint.fixing import apply_round, decode, fix_source, is_applicable, select
from refusal_lint.settings import Settings, default_settings

CORPUS = [Path(p) for p in os.environ.get("REFUSAL_LINT_FIX_CORPUS", "").split(os.pathsep) if p]


def _rounds_stay_inside_constructs(source: str, name: str, settings: Settings) -> list[str]:
    problems = []
    for _ in range(25):
        findings: list[Finding] = api.check_source(source, name, settings)
        chosen = select([f for f in findings if is_applicable(f, unsafe=True)])
        if not chosen:
            break
        fixed = apply_round(source, chosen)
        constructs = [f.fix["plan"]["construct"] for f in chosen if f.fix]
        matcher = difflib.SequenceMatcher(
            None, source.splitlines(), fixed.splitlines(), autojunk=False
        )
        for tag, i1, i2, _, _ in matcher.get_opcodes():
            first, last = i1 + 1, max(i2, i1 + 1)
            if tag != "equal" and not any(a <= first and last <= b + 1 for a, b in constructs):
                problems.append(f"{name}: lines {first}-{last} outside {constructs}")
        source = fixed
    return problems


@pytest.mark.skipif(not CORPUS, reason="set REFUSAL_LINT_FIX_CORPUS to a corpus directory")
def test_fixes_on_a_corpus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plans, "STRICT", True)
    settings = default_settings()
    changed, fixed, problems = 0, Counter[str](), []
    for path in sorted(p for root in CORPUS for p in root.rglob("*.py")):
        try:
            _, text = decode(path.read_bytes())
        except (OSError, UnicodeDecodeError, SyntaxError, LookupError):
            continue
        source, name = text.removeprefix("\ufeff"), str(path)
        if not any(is_applicable(f, True) for f in api.check_source(source, name, settings)):
            continue
        result = fix_source(source, name, settings, unsafe=True)
        if result.error is not None:
            problems.append(result.error.message)
            continue
        if result.source == source:
            continue
        changed += 1
        fixed.update(result.fixed)
        ast.parse(result.source)
        if fix_source(result.source, name, settings, unsafe=True).source != result.source:
            problems.append(f"{name}: a second fix changed it again")
        problems += _rounds_stay_inside_constructs(source, name, settings)
    print(f"\nfiles changed: {changed}; fixes: {dict(sorted(fixed.items()))}")
    assert not problems, "\n".join(problems)
