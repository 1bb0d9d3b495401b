"""Before/after snapshots of every fix: the case books' ```py fixed blocks.

Each `py fixed` block is what `refusal-lint check --fix --unsafe-fixes` makes of the `py`
block before it (markers stripped). The runner checks that output, and that it parses, is
clean for the book's rule, is left alone by a second fix (idempotent), and differs from the
original only inside the constructs the findings flagged.
"""

from __future__ import annotations

import ast
import difflib
import re

import pytest
from test_case_books import CASES, MARKER, Case, case_ids

from refusal_lint import fixes, plans
from refusal_lint.api import check_source
from refusal_lint.finding import Finding
from refusal_lint.fixing import fix_source
from refusal_lint.registry import all_rules, default_codes, get_rule
from refusal_lint.settings import Settings

FIX_CASES = [case for case in CASES if case.fixed is not None]
STRIP = re.compile(r"[ \t]*" + MARKER.pattern)


@pytest.fixture(autouse=True)
def strict_plans(monkeypatch: pytest.MonkeyPatch) -> None:
    """A planning bug fails the test instead of silently dropping a fix."""
    monkeypatch.setattr(plans, "STRICT", True)


def strip_markers(source: str) -> str:
    return "".join(STRIP.sub("", line) for line in source.splitlines(keepends=True))


def settings_of(case: Case) -> Settings:
    rule = get_rule(case.book)
    assert rule is not None
    return Settings(
        enabled=frozenset(default_codes()) | {rule.code},
        **dict(case.settings),  # type: ignore[arg-type]
    )


def planned(case: Case) -> list[Finding]:
    """The findings of the original that carry a fix plan."""
    findings = check_source(strip_markers(case.source), case.filename, settings_of(case))
    return [f for f in findings if f.fix is not None and "plan" in f.fix]


def _diff(expected: str, actual: str) -> str:
    return "".join(
        difflib.unified_diff(
            expected.splitlines(keepends=True), actual.splitlines(keepends=True), "book", "fix"
        )
    )


@pytest.mark.parametrize("case", FIX_CASES, ids=case_ids(FIX_CASES))
def test_fixed_block_is_what_fix_makes(case: Case) -> None:
    result = fix_source(strip_markers(case.source), case.filename, settings_of(case), unsafe=True)
    assert result.error is None, result.error.message
    assert case.fixed is not None
    assert result.source == case.fixed, f"{case.location}\n{_diff(case.fixed, result.source)}"


@pytest.mark.parametrize("case", FIX_CASES, ids=case_ids(FIX_CASES))
def test_fixed_block_parses_is_clean_and_stable(case: Case) -> None:
    assert case.fixed is not None
    ast.parse(case.fixed)
    left = check_source(case.fixed, case.filename, settings_of(case))
    assert not [f for f in left if f.name == case.book], f"{case.location}: {left}"
    again = fix_source(case.fixed, case.filename, settings_of(case), unsafe=True)
    assert again.source == case.fixed, f"{case.location}: a second fix changed the code"


@pytest.mark.parametrize("case", FIX_CASES, ids=case_ids(FIX_CASES))
def test_fix_touches_only_flagged_constructs(case: Case) -> None:
    assert case.fixed is not None
    constructs = [f.fix["plan"]["construct"] for f in planned(case) if f.fix]
    assert constructs, f"{case.location}: no finding has a fix"
    before = strip_markers(case.source).splitlines()
    after = case.fixed.splitlines()
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        if tag == "equal":
            continue
        first, last = i1 + 1, max(i2, i1 + 1)  # 1-based lines of the original touched
        where = f"{case.location}: lines {first}-{last} changed outside {constructs}"
        assert any(a <= first and last <= b + 1 for a, b in constructs), where


def test_every_fix_kind_and_fixable_rule_has_a_snapshot() -> None:
    kinds = {f.fix["plan"]["kind"] for case in FIX_CASES for f in planned(case) if f.fix}
    assert kinds == set(fixes.KINDS)
    books = {case.book for case in FIX_CASES}
    assert books == {rule.name for rule in all_rules() if rule.fixable}
    safety = {f.fix["applicability"] for case in FIX_CASES for f in planned(case) if f.fix}
    assert safety == {"safe", "unsafe"}
