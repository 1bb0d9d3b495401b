"""RFL009 refusal-not-distinguished (off by default)."""

from __future__ import annotations

from refusal_lint.checks._text import describe, format_values
from refusal_lint.facts import Dispatch
from refusal_lint.rule import Context, Rule


class RefusalNotDistinguished(Rule):
    """
    ## What it does
    Checks stop-signal dispatches with no refusal branch whose default path is loud: a
    refusal is caught, but only as "unexpected stop value", together with every other
    unknown value. Off by default; enable it with `extend-select = ["RFL009"]`.

    ## Why is this bad?
    Refusals are a product signal of their own (a policy boundary, a prompt to rephrase,
    a fallback model to try, a per-category metric). Lumped into a generic error they page
    the wrong people and cannot be counted.

    ## Example
    ```python
    def answer(resp):
        if resp.stop_reason != "end_turn":
            raise ValueError(f"unexpected stop reason {resp.stop_reason!r}")
        return resp.content[0].text
    ```

    Use instead:
    ```python
    def answer(resp):
        if resp.stop_reason == "refusal":
            raise RuntimeError(f"model refused: {resp.stop_details}")
        if resp.stop_reason != "end_turn":
            raise ValueError(f"unexpected stop reason {resp.stop_reason!r}")
        return resp.content[0].text
    ```
    """

    code = "RFL009"
    name = "refusal-not-distinguished"
    summary = "Refusal reaches only a generic loud default, not a branch of its own"
    default_enabled = False
    pylint_id = "W9709"

    def check_dispatch(self, dispatch: Dispatch, ctx: Context) -> None:
        if dispatch.translation or dispatch.rewrite or not dispatch.refusal_values:
            return
        if dispatch.no_refusal_family:
            return
        if dispatch.handles_refusal:
            return
        loud = dispatch.default.loud if dispatch.default else dispatch.continuation_loud
        if loud:
            ctx.report(
                self,
                dispatch.node,
                f"{describe(dispatch)} sends refusal value(s) "
                f"{format_values(dispatch.missing_refusal)} to a generic error path; "
                "give refusal a branch of its own",
            )
