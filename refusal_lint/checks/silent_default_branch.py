"""RFL002 silent-default-branch."""

from __future__ import annotations

from refusal_lint.checks._text import describe, format_values
from refusal_lint.facts import Dispatch
from refusal_lint.plans.dispatch import plan_dispatch
from refusal_lint.rule import Context, Rule


class SilentDefaultBranch(Rule):
    """
    ## What it does
    Checks stop-signal dispatches that handle refusal explicitly but whose explicit
    default (`else`, `case _`, a capture pattern, or the body of a `!=` / `not in` guard)
    is silent: `pass`, `...`, `continue`, `break`, returning a constant or the model's
    output, a debug/info log or `print`.

    A `!=` / `not in` guard's body is an explicit default too (it takes every value the
    guard does not name), except for a guard that names only refusal values
    (`if r != "refusal": return {}`): its body answers "not a refusal", which stays true for
    every value a new model adds.

    A default is loud when it raises, logs at warning or above, calls `warnings.warn` or a
    configured `loud-calls` function, or returns / stores / passes on the stop signal (the
    caller then owns it). The code after a dispatch with no explicit default is its success
    path and is never judged by this rule.

    ## Why is this bad?
    Providers add stop values with new model generations (`pause_turn`,
    `model_context_window_exceeded`, `compaction`, Gemini's `IMAGE_*`). A silent default
    turns every one of them into a normal completion, with no trace anywhere.

    ## Example
    ```python
    def route(message):
        match message.stop_reason:
            case "end_turn":
                return message.content[0].text
            case "refusal":
                raise RuntimeError("refused")
            case _:
                pass
    ```

    Use instead:
    ```python
    def route(message):
        match message.stop_reason:
            case "end_turn":
                return message.content[0].text
            case "refusal":
                raise RuntimeError("refused")
            case _:
                raise ValueError(f"unhandled stop reason: {message.stop_reason!r}")
    ```

    ## Fix safety
    A fix is *safe* when it changes behaviour only for refusal values and values no
    provider documents, only inside the flagged dispatch: every success value (a normal
    completion or a tool call) and every value the code already handles behaves as before.
    No fix ever changes a success value; `check --diff` shows a fix before it is applied.

    | Default | Fix | Safety |
    |---|---|---|
    | a no-op body (`pass`, `...`), no success value reaches it | loud body | (1) |
    | a body that does something, no success value reaches it | loud body | unsafe (2) |
    | reached by a success value | none (3) | |

    1. Safe when only refusal and unknown values reach the default; unsafe when another
       known value does (`pause_turn`, `None`): it raises for that value too.
    2. Replacing `continue`, `break`, `return <value>` or a log line changes what callers
       get for every value that reaches it.
    3. Raising there would break success; a branch for refusal values that still reach it
       would leave the default silent. (RFL001's fix adds such branches.)

    The loud body is `raise ValueError(f"unhandled stop reason: {...!r}")`; set your own
    statement with `default-branch` in `[tool.refusal-lint.fix]`.

    ## Options
    - `loud-calls`: functions that make a default loud (e.g. `metrics.increment`).

    ## Known limitations
    When a dispatch has no refusal branch at all, RFL001 is reported instead (one finding
    per dispatch). With partial refusal coverage (Gemini `SAFETY` handled, `SPII` not) the
    message names the refusal values that still reach the silent default.
    """

    code = "RFL002"
    name = "silent-default-branch"
    summary = "A dispatch handles refusal but its explicit default branch is silent"
    pylint_id = "W9702"
    fixable = True

    def check_dispatch(self, dispatch: Dispatch, ctx: Context) -> None:
        default = dispatch.default
        if dispatch.translation or dispatch.rewrite or not dispatch.refusal_values:
            return
        if dispatch.no_refusal_family:
            return
        if default is None or default.loud:
            return
        if default.guard and default.values <= set(dispatch.refusal_values):
            return  # `if r != "refusal": return {}` only tells refusal from the rest
        if not dispatch.handles_refusal:
            return  # no refusal branch at all: RFL001's finding
        missing = dispatch.missing_refusal
        message = (
            f"the default branch of {describe(dispatch)} is silent: new stop values are dropped"
        )
        if missing:
            message += f"; refusal value(s) {format_values(missing)} still reach it"
        fix = plan_dispatch(dispatch, ctx, refusal_branch=False)
        ctx.report(self, default.node, message, fix=fix)
