"""RFL002 silent-default-branch."""

from __future__ import annotations

from refusal_lint.checks._text import describe, format_values
from refusal_lint.facts import Dispatch
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
        ctx.report(self, default.node, message)
