"""Minimal reproductions of the bugs the fuzz tests (tests/test_fuzz.py) found.

Each was an RFL901 from the fixer (a fix that failed its own checks) or a fix that wrote a
comparison that can never be true; each test fails on the code before its fix.
"""

from __future__ import annotations

import textwrap

from refusal_lint.api import check_source, fix_source
from refusal_lint.finding import Finding
from refusal_lint.registry import all_rules
from refusal_lint.settings import Settings

EVERY_RULE = Settings(enabled=frozenset(rule.code for rule in all_rules()))


def _lint(source: str, settings: Settings = EVERY_RULE) -> list[Finding]:
    return check_source(textwrap.dedent(source), "app/llm.py", settings)


def _fix(source: str, settings: Settings = EVERY_RULE) -> str:
    result = fix_source(textwrap.dedent(source), "app/llm.py", settings, unsafe=True)
    assert result.error is None, result.error.message
    return result.source


def test_a_second_silent_refusal_branch_without_a_plan_does_not_fail_the_fix() -> None:
    # The fixer required no RFL005 left anywhere in the construct; the `and flag` branch
    # (no plan: only partly taken) kept one there, so the whole file became an RFL901.
    fixed = _fix(
        """\
        def answer(resp):
            if (fr := resp.stop_reason) == "refusal":
                pass
            elif (fr == "refusal") and flag: pass
        """
    )
    assert 'raise RuntimeError(f"model refused: {fr!r}")' in fixed
    assert 'elif (fr == "refusal") and flag: pass' in fixed
