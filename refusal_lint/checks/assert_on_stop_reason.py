"""RFL008 assert-on-stop-reason."""

from __future__ import annotations

from refusal_lint.facts import AssertFact
from refusal_lint.plans.simple import plan_assert
from refusal_lint.rule import Context, Rule


class AssertOnStopReason(Rule):
    """
    ## What it does
    Checks `assert` statements that test a stop signal outside test files. Test files are
    `test_*.py`, `*_test.py`, `conftest.py` and anything under a `tests/` folder;
    `examples/` and `docs/` are not test folders.

    ## Why is this bad?
    Python removes `assert` statements under `python -O`, so the check that kept a refusal
    from being used as an answer silently disappears in optimized deployments; without
    `-O` it raises a bare `AssertionError` that names no refusal.

    ## Example
    ```python
    def answer(resp):
        assert resp.stop_reason == "end_turn"
        return resp.content[0].text
    ```

    Use instead:
    ```python
    def answer(resp):
        if resp.stop_reason != "end_turn":
            raise RuntimeError(f"unexpected stop reason: {resp.stop_reason!r}")
        return resp.content[0].text
    ```

    ## Fix safety
    | Assert | Fix | Safety |
    |---|---|---|
    | alone on its line(s) | `if not <test>:` / `raise AssertionError(<message>)` | safe (1) |
    | sharing a line (`x = 1; assert ...`, `if a: assert b`) | none | |

    1. The same exception with the same message, evaluated in the same order, whenever the
       assert would have failed; it is no longer removed by `python -O`. The test keeps
       `not` (it is not rewritten to `!=`), so objects with their own `__eq__` behave alike.
    """

    code = "RFL008"
    name = "assert-on-stop-reason"
    summary = "An assert checks a stop signal outside tests (removed under python -O)"
    pylint_id = "W9708"
    fixable = True

    def check_assert(self, fact: AssertFact, ctx: Context) -> None:
        if not ctx.is_test_file:
            ctx.report(
                self,
                fact.node,
                f"`assert` on `{fact.subject.text}` is removed under `python -O`; "
                "raise an exception instead",
                fix=plan_assert(fact, ctx),
            )
