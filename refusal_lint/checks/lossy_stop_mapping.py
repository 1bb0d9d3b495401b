"""RFL006 lossy-stop-mapping."""

from __future__ import annotations

import ast

from refusal_lint.checks._text import family_names, format_values
from refusal_lint.facts import Branch, Dispatch
from refusal_lint.loudness import carries
from refusal_lint.model import dotted
from refusal_lint.rule import Context, Rule
from refusal_lint.tables import (
    LookupFact,
    TableFact,
    TableGroup,
    spans_stop_meanings,
    success_value,
)


class LossyStopMapping(Rule):
    """
    ## What it does
    Checks code that translates one provider's stop values into another vocabulary (a
    wrapper's own `FinishReason`, OpenAI's `finish_reason`, a status) for two ways of
    losing a refusal:

    - a **table** keyed by at least two stop values of one provider (`{"end_turn": "stop",
      "max_tokens": "length"}`, `{types.FinishReason.STOP: ..., types.FinishReason.SAFETY:
      ...}`) that has no key for that provider's refusal value(s), or maps one to a success
      value. A *translation function*, an `if` chain or `match` whose every branch only
      returns (or assigns) a constant, is a table too;
    - a **lookup** into such a table, or of a stop signal in any mapping, whose default is
      a success value: `MAP.get(reason, "stop")`, `MAP.get(reason) or "end_turn"`,
      `MAP[reason] if reason in MAP else FinishReason.STOP`, or a translation function
      whose `else` / fall-through returns one. This holds even when the table maps
      refusal.

    A multi-provider table (one map for Anthropic, Gemini and Bedrock values) is judged
    per provider: each group of keys that fits one vocabulary must cover its refusal
    values. The table and its lookup are separate findings.

    ## Why is this bad?
    After the translation the refusal is gone: the caller sees `"stop"` (or no reason at
    all) and treats the refused, empty or partial output as a normal answer. A success
    default does the same to every value the table does not list: pause values such as
    Anthropic's `pause_turn`, context-window stops, and every value a new model adds.

    ## Example
    ```python
    STOP_REASON_TO_FINISH_REASON = {
        "end_turn": "stop",
        "stop_sequence": "stop",
        "max_tokens": "length",
        "tool_use": "tool_calls",
    }


    def finish_reason(message):
        return STOP_REASON_TO_FINISH_REASON[message.stop_reason]
    ```

    Use instead:
    ```python
    STOP_REASON_TO_FINISH_REASON = {
        "end_turn": "stop",
        "stop_sequence": "stop",
        "max_tokens": "length",
        "tool_use": "tool_calls",
        "refusal": "content_filter",
    }


    def finish_reason(message):
        return STOP_REASON_TO_FINISH_REASON.get(message.stop_reason, "unknown")
    ```

    ## Provider shapes
    Gemini (google-genai) tables are often keyed by enum members; every refusal value
    (`SAFETY`, `RECITATION`, `BLOCKLIST`, `PROHIBITED_CONTENT`, `SPII`, `IMAGE_SAFETY`,
    `MODEL_ARMOR`, …) needs a key, not only `SAFETY`:
    ```python
    from google.genai import types

    GEMINI_TO_OPENAI = {
        types.FinishReason.STOP: "stop",
        types.FinishReason.MAX_TOKENS: "length",
        types.FinishReason.SAFETY: "content_filter",  # RECITATION, SPII, ... are lost
    }
    ```

    Bedrock Converse has two refusal values, `guardrail_intervened` and
    `content_filtered`; a table with one of them still loses the other:
    ```python
    CONVERSE_TO_FINISH = {
        "end_turn": "stop",
        "max_tokens": "length",
        "tool_use": "tool_calls",
        "content_filtered": "content_filter",  # guardrail_intervened is lost
    }
    ```

    OpenAI-compatible finish reasons need `content_filter`; a translation function is
    judged like a table, and its fall-through `return` is its default:
    ```python
    def to_anthropic(finish_reason: str) -> str:
        if finish_reason == "stop":
            return "end_turn"
        if finish_reason == "length":
            return "max_tokens"
        return "end_turn"  # content_filter, and anything new, becomes end_turn
    ```

    A lookup defaulting to a success value is lossy even when the table maps refusal:
    `STOP_TO_FINISH.get(message.stop_reason, "stop")`, `MAP.get(reason) or "end_turn"`.
    Default to a value the caller cannot mistake for success (`"unknown"`, `None` that is
    handled later), pass the raw value through (`MAP.get(reason, reason)`: a table used
    only that way is not lossy), or raise.

    Families without a refusal value are exempt: where the module imports Mistral,
    Ollama, vLLM or uses Cohere v2 values, `{"stop": ..., "length": ...}` is theirs.

    ## Options
    - `extra-signal-fields`: more names that carry a stop signal; a lookup keyed by one is
      judged even when its table is defined in another module.

    ## Known limitations
    Families with no refusal value (Mistral, Cohere v2, Ollama, vLLM) never get this rule.
    A table is a dict literal whose values are constants (strings, enum members, names);
    a dict of handlers or objects is not one. Its keys are matched exactly as spelled, so
    a table keyed by lower-cased Gemini values is not recognised; integer keys (legacy
    Google proto enums) are not read. A success value assigned before an `if` chain that
    only sometimes overwrites it is not seen as a default. Names are resolved within one
    module: a table imported from another module is judged there, and a lookup here is
    judged only when its key reads a stop signal.
    """

    code = "RFL006"
    name = "lossy-stop-mapping"
    summary = "A stop-value translation table or lookup drops refusals or defaults to success"
    pylint_id = "W9706"

    def check_table(self, table: TableFact, ctx: Context) -> None:
        problems = []
        if not table.pass_through_only:  # reading 16: unmapped values are carried on
            for group, missing in table.missing:
                problems.append(
                    f"has no key for {_families(group)} refusal value(s) {format_values(missing)}"
                )
        if problems:
            ctx.report(self, table.node, f"stop-value table {'; '.join(problems)}")

    def check_lookup(self, lookup: LookupFact, ctx: Context) -> None:
        if lookup.default_kind != "success" or not lookup.judged:
            return
        lost = "pause values and any value a new model adds"
        if lookup.table is None or lookup.table.missing:
            lost = "refusal, pause values and any value a new model adds"
        ctx.report(
            self,
            lookup.node,
            f"`{lookup.text}` defaults to success value {lookup.success_value}: "
            f"{lost} pass as a normal completion",
        )

    def check_dispatch(self, dispatch: Dispatch, ctx: Context) -> None:
        if not dispatch.translation or not dispatch.refusal_values:
            return
        if dispatch.no_refusal_family or not _is_table_like(dispatch):
            return  # reading 7; or a fix-up of the signal itself, not a translation
        problems = []
        missing = () if _passes_through(dispatch) else dispatch.missing_refusal
        if missing:
            problems.append(
                f"has no branch for {family_names(dispatch)} refusal value(s) "
                f"{format_values(missing)}"
            )
        default = _success_default(dispatch, ctx)
        if default is not None:
            problems.append(f"defaults to success value {default}")
        if problems:
            why = ""
            if default is not None:
                why = ": pause values and any value a new model adds pass as a normal completion"
            ctx.report(
                self,
                dispatch.node,
                f"translation of `{dispatch.subject.text}` {', and '.join(problems)}{why}",
            )


def _is_table_like(dispatch: Dispatch) -> bool:
    """Like a table: keys of two stop meanings, translated into something other than the
    subject itself (`if r in ("tool_calls", "function_call"): choice.finish_reason = "stop"`
    rewrites the signal, it does not translate it)."""
    values = [v for b in dispatch.branches if not b.negated for v in b.values]
    if not any(spans_stop_meanings(values, family) for family in dispatch.families):
        return False
    targets = {
        dotted(target)
        for b in dispatch.branches
        for stmt in b.body
        if isinstance(stmt, ast.Assign)
        for target in stmt.targets
    }
    return not targets & (dispatch.subject.signal_texts | {dispatch.subject.text})


def _families(group: TableGroup) -> str:
    names = list(dict.fromkeys(s.family for s in group.lacking))
    if len(names) > 2:
        return f"{names[0]} / {names[1]} / …"
    return " / ".join(names)


def _success_result(body: list[ast.stmt], ctx: Context) -> str | None:
    """The success value a one-statement branch returns or assigns."""
    if len(body) != 1:
        return None
    stmt = body[0]
    if isinstance(stmt, (ast.Return, ast.Assign)) and stmt.value is not None:
        return success_value(stmt.value, ctx.catalog)
    return None


def _success_default(dispatch: Dispatch, ctx: Context) -> str | None:
    """A success value for the values no branch names (reading 15)."""
    if dispatch.default is not None:
        return _default_body(dispatch.default, ctx)
    value_branches = [b for b in dispatch.branches if b.values and not b.negated]
    returns = all(b.body and isinstance(b.body[-1], ast.Return) for b in value_branches)
    if returns and dispatch.fallthrough:
        return _success_result(dispatch.fallthrough[:1], ctx)
    return None


def _default_body(branch: Branch, ctx: Context) -> str | None:
    return _success_result(branch.body, ctx)


def _passes_through(dispatch: Dispatch) -> bool:
    """The default hands the subject on unchanged (`else: reason = stop_reason`, `return
    str(r).lower()`): unmapped values, refusal included, are carried onward (reading 16)."""
    if dispatch.default is not None:
        body = dispatch.default.body
    elif dispatch.fallthrough and isinstance(dispatch.fallthrough[0], ast.Return):
        body = dispatch.fallthrough[:1]
    else:
        return False
    last = body[-1] if body else None
    if not isinstance(last, (ast.Return, ast.Assign)):
        return False
    signal = dispatch.subject.signal_texts
    return carries(last.value, signal, signal)
