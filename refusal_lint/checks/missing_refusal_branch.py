"""RFL001 missing-refusal-branch."""

from __future__ import annotations

from refusal_lint.checks._text import describe, family_names, format_values
from refusal_lint.facts import Dispatch
from refusal_lint.plans.dispatch import plan_dispatch
from refusal_lint.rule import Context, Rule


class MissingRefusalBranch(Rule):
    """
    ## What it does
    Checks `if`/`elif` chains, `match` statements, runs of guard clauses and `!=` /
    `not in` guards over a stop signal (`stop_reason`, `finish_reason`, `stopReason`,
    `block_reason`, …) that have no branch for the provider's refusal value(s) and whose
    default path is silent.

    The default path is the explicit `else` / `case _` / guard body or, when there is
    none, the code after the dispatch (the *success path* of the guard-clause idiom).
    The provider family is inferred from the field and the values compared: `end_turn`
    is Anthropic's vocabulary (refusal: `'refusal'`), `stop` / `length` OpenAI-compatible
    (`'content_filter'`), `STOP` / `MAX_TOKENS` Gemini (`SAFETY`, `PROHIBITED_CONTENT`, …),
    `stopReason` Bedrock Converse (`'guardrail_intervened'`, `'content_filtered'`).

    ## Why is this bad?
    A refusal reaches the caller as a *successful* response. Without its own branch it
    falls into the default path and is used as if it were an answer: empty or partial
    output becomes "no finding" instead of "no answer", and error monitoring never sees it.

    ## Example
    ```python
    def answer(client, prompt):
        resp = client.messages.create(model="claude-sonnet-4-5", max_tokens=512, messages=prompt)
        if resp.stop_reason == "max_tokens":
            raise RuntimeError("truncated")
        return resp.content[0].text
    ```

    Use instead:
    ```python
    def answer(client, prompt):
        resp = client.messages.create(model="claude-sonnet-4-5", max_tokens=512, messages=prompt)
        if resp.stop_reason == "max_tokens":
            raise RuntimeError("truncated")
        if resp.stop_reason == "refusal":
            raise RuntimeError(f"model refused: {resp.stop_details}")
        return resp.content[0].text
    ```

    ## Fix safety
    A fix is *safe* when it changes behaviour only for refusal values and values no
    provider documents, only inside the flagged dispatch: every success value (a normal
    completion or a tool call) and every value the code already handles behaves as before.
    No fix ever changes a success value; `check --diff` shows a fix before it is applied.

    | Dispatch | Fix | Safety |
    |---|---|---|
    | no default, a success value falls through | refusal branch (1) | safe (2) |
    | no default, every success value has a branch | loud `else:` / `case _:` (3) | safe |
    | a no-op default (`pass`, `...`) | loud default (3) or refusal branch | safe |
    | a default that does something (`return ""`) | loud default or refusal branch (4) | unsafe |
    | int enums, a `!=` guard among the arms | none | |

    1. `elif` / `case` / `if` for the missing refusal values that raises, right before the
       code after the dispatch (the success path).
    2. Unsafe when a body of a run of `if`s may rebind the subject before the new `if`.
    3. Only when no other documented value (`pause_turn`, `None`, ...) reaches it; otherwise
       the fix is the refusal branch, and RFL002's (unsafe) fix then offers the default.
    4. A loud default body when no success value reaches the default, else a refusal branch
       before it. Replacing `continue`, `break`, `return <value>` or a log line is unsafe:
       callers then get an exception where they got that result.

    The branch raises `RuntimeError(f"model refused: ...")` (for Anthropic naming
    `stop_details`), the default `ValueError(f"unhandled stop reason: {...!r}")`; set your
    own statements in `[tool.refusal-lint.fix]` (`default-branch`, `refusal-branch`).

    ## Options
    - `extra-signal-fields`: more attribute / key names that carry a stop signal.
    - `extra-refusal-values`: your own spellings of a refusal value.
    - `loud-calls`: functions that make a default path loud (e.g. `sentry_sdk.capture_message`).

    ## Known limitations
    Families with no refusal value (Mistral, Cohere v2, Ollama, vLLM) never get this rule;
    where the module's imports do not identify one of them, `stop` / `length` is read as
    OpenAI-compatible. A refusal handled by a dispatch over the same subject elsewhere in
    the same function counts as handled, wherever it is. Refusals that only surface as
    ordinary model text cannot be seen by any field check.
    """

    code = "RFL001"
    name = "missing-refusal-branch"
    summary = "A stop-signal dispatch has no refusal branch and its default path is silent"
    pylint_id = "W9701"
    fixable = True

    def check_dispatch(self, dispatch: Dispatch, ctx: Context) -> None:
        if dispatch.translation or dispatch.rewrite or not dispatch.refusal_values:
            return
        if dispatch.no_refusal_family:
            return
        missing = dispatch.missing_refusal
        if not missing:
            return
        handled_some = dispatch.handles_refusal
        if dispatch.default is not None:
            if dispatch.default.loud or handled_some:
                return  # loud: fine (RFL009); partly handled: RFL002 reports the default
            where = "its default branch is silent"
        else:
            if dispatch.continuation_loud:
                return
            where = "they fall through to the success path"
        ctx.report(
            self,
            dispatch.node,
            f"{describe(dispatch)} has no branch for {family_names(dispatch)} refusal "
            f"value(s) {format_values(missing)}: {where}",
            fix=plan_dispatch(dispatch, ctx),
        )
