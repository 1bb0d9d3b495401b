"""RFL005 silent-refusal-branch."""

from __future__ import annotations

from refusal_lint.checks._text import format_values
from refusal_lint.facts import Dispatch, RefusalCheck
from refusal_lint.plans.refusal import plan_refusal_body, plan_refusal_check
from refusal_lint.rule import Context, Rule


class SilentRefusalBranch(Rule):
    """
    ## What it does
    Checks branches taken on a refusal whose body does nothing with it: only `pass`,
    `...`, `continue`, `break`, a debug/info log or `print`, or returning, yielding or
    assigning a constant, `None`, or an empty string / list / dict / tuple.

    A refusal branch is a value branch for a refusal value (`case "refusal":`,
    `if finish_reason == "content_filter":`) or a truthiness test of a refusal field
    (`if message.refusal:`, `if response.prompt_feedback.block_reason:`,
    `isinstance(part, ResponseOutputRefusal)`).

    ## Why is this bad?
    The refusal was noticed and then thrown away: the caller receives "nothing found"
    instead of "no answer", which is the exact bug the branch was written to prevent.

    ## Example
    ```python
    def extract(completion):
        message = completion.choices[0].message
        if message.refusal:
            return None
        return message.parsed
    ```

    Use instead:
    ```python
    def extract(completion):
        message = completion.choices[0].message
        if message.refusal:
            raise RuntimeError(f"model refused: {message.refusal}")
        return message.parsed
    ```

    ## Fix safety
    | Branch | Fix | Safety |
    |---|---|---|
    | only refusal values, a trivial body | its body raises (1) | unsafe (2) |
    | `if message.refusal:`, or the `else` printing it | its body raises (1) | unsafe (2) |
    | also other values, or extra conditions | none | |

    1. `raise RuntimeError(f"model refused: {...!r}")` naming the refusal (for Anthropic its
       `stop_details`); `refusal-branch` in `[tool.refusal-lint.fix]` sets your own.
    2. Only refusal changes, but callers got a constant (`None`, `""`) they may already
       treat as "refused"; now they get an exception.

    ## Known limitations
    Anything beyond the trivial bodies above counts as handling: raising, logging at
    warning or above, rerouting to another model, or returning an object that carries the
    refusal. Whether the caller of a constant-returning helper treats the constant as
    "refused" cannot be seen from one function.
    """

    code = "RFL005"
    name = "silent-refusal-branch"
    summary = "A branch taken on a refusal discards it silently"
    pylint_id = "W9705"
    fixable = True

    def check_dispatch(self, dispatch: Dispatch, ctx: Context) -> None:
        if dispatch.translation:
            return  # a table in code: RFL006 judges what refusal maps to
        refusal = set(dispatch.refusal_values)
        for branch in dispatch.refusal_branches:
            values = [v for v in dispatch.refusal_values if v in branch.silent_values & refusal]
            if values:
                ctx.report(
                    self,
                    branch.node,
                    f"the branch for refusal value(s) {format_values(values)} of "
                    f"`{dispatch.subject.text}` discards the refusal silently",
                    fix=plan_refusal_body(dispatch, branch, ctx),
                )

    def check_refusal_check(self, check: RefusalCheck, ctx: Context) -> None:
        if check.trivially_silent:
            ctx.report(
                self,
                check.node,
                f"the branch taken when `{check.text}` discards the refusal silently",
                fix=plan_refusal_check(check, ctx),
            )
