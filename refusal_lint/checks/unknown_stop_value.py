"""RFL007 unknown-stop-value."""

from __future__ import annotations

from refusal_lint.facts import ComparisonFact, Value
from refusal_lint.families import closest, never_equal, normalize, vocabulary
from refusal_lint.plans.simple import plan_value
from refusal_lint.rule import Context, Rule


class UnknownStopValue(Rule):
    """
    ## What it does
    Checks comparisons of a stop signal with a value that no provider emits for that
    field — `"refused"`, `"content-filter"`, `"max_token"`, `"End_turn"` — and comparisons
    that can never be true for the SDK in use, such as a string compared with the
    `finish_reason` of the legacy `google-generativeai` / `vertexai` SDKs, whose proto
    enums are integers. The message suggests the closest known value.

    A value is judged when the comparison (or its dispatch) also uses a value from a
    provider's vocabulary and the value is a near miss of a known one (a typo, a wrong
    separator, a mixed-case spelling). Project-internal vocabularies — a race's
    `finish_reason == "dnf"`, MCP sampling's `endTurn` — are left alone (rule-semantics
    reading 4), and so is a value that another provider emits, since code that normalizes
    several providers compares with their values on purpose, and so are the values of a
    list that also holds a plainly project-specific value (`"unknown"`).

    A key one typo away from a signal field, compared with that field's own values
    (`body.get("amazon-bedrock-guardrailAssessment") == "GUARDRAIL_INTERVENED"`), can
    never match either and is reported the same way.

    ## Why is this bad?
    A misspelled value never matches, so its branch is dead code and the value it meant to
    catch — often the refusal — falls through to the default path.

    ## Example
    ```python
    def check(resp):
        if resp.stop_reason == "refused":
            raise RuntimeError("refused")
        if resp.stop_reason == "max_tokens":
            raise RuntimeError("truncated")
        return resp.content[0].text
    ```

    Use instead:
    ```python
    def check(resp):
        if resp.stop_reason == "refusal":
            raise RuntimeError("refused")
        if resp.stop_reason == "max_tokens":
            raise RuntimeError("truncated")
        return resp.content[0].text
    ```

    ## Fix safety
    | Value | Fix | Safety |
    |---|---|---|
    | a plain string with exactly one close known value | that value, same quotes | unsafe (1) |
    | several close values, f-strings, mistyped keys, int enums | none | |

    1. The branch the typo kept dead starts to run for the corrected value: what that value
       does changes, which is the point, but is a guess until someone reads it.

    ## Known limitations
    The vocabulary is the union over every provider that uses the field name, so a value
    valid for one provider is accepted for all. A lone comparison with an unknown value
    (`if resp.stop_reason == "refused":` and nothing else) gives no finding, because
    nothing shows it is meant as a provider's value. Values computed at run time are not
    judged.
    """

    code = "RFL007"
    name = "unknown-stop-value"
    summary = "A stop signal is compared with a value no provider emits"
    pylint_id = "W9707"
    fixable = True

    def check_comparison(self, comparison: ComparisonFact, ctx: Context) -> None:
        subject = comparison.subject
        if subject.misspelled_field:
            ctx.report(
                self,
                comparison.node,
                f"`{subject.field}` never holds {comparison.values[0].text!r}: that is a value "
                f"of `{subject.misspelled_field}`; did you mean `{subject.misspelled_field}`?",
            )
            return
        vocab = vocabulary(subject.signals, subject.case)
        if not self._speaks_a_vocabulary(comparison, vocab):
            return  # project-internal values (rule-semantics reading 4)
        if self._mixes_vocabularies(comparison, vocab, ctx):
            return
        for value in comparison.values:
            if value.kind == "int":
                continue
            text = normalize(value.text, subject.case)
            if text in vocab:
                if self._never_matches(value, text, comparison, ctx):
                    self._report_proto_enum(comparison, value, text, ctx)
                continue
            suggestion = closest(text, vocab)
            if suggestion is None or self._other_vocabulary(text, ctx):
                continue
            if self._never_matches(value, suggestion, comparison, ctx):
                # The corrected string would still never match: no fix, name the member.
                self._report_proto_enum(comparison, value, suggestion, ctx)
                continue
            ctx.report(
                self,
                value.node,
                f"`{subject.text}` is compared with {value.text!r}, which no provider emits "
                f"for `{subject.field}`; did you mean {suggestion!r}?",
                fix=plan_value(value, comparison, ctx),
            )

    @staticmethod
    def _speaks_a_vocabulary(comparison: ComparisonFact, vocab: dict[str, str]) -> bool:
        """The comparison's dispatch (or the comparison itself) uses a known value."""
        if comparison.dispatch is not None:
            return bool(comparison.dispatch.families)
        case = comparison.subject.case
        return any(normalize(v.text, case) in vocab for v in comparison.values)

    @staticmethod
    def _mixes_vocabularies(
        comparison: ComparisonFact, vocab: dict[str, str], ctx: Context
    ) -> bool:
        """`r not in ("stop", "function_calls", "unknown")`: a list holding a value that is
        no near miss of anything is a project's own vocabulary mixed in on purpose, and its
        near misses may be that vocabulary's too."""
        case = comparison.subject.case
        for value in comparison.values:
            text = normalize(value.text, case)
            foreign = text not in vocab and not ctx.catalog_knows(text)
            if value.kind == "str" and foreign and closest(text, vocab) is None:
                return True
        return False

    @staticmethod
    def _other_vocabulary(text: str, ctx: Context) -> bool:
        """A value another provider emits exactly as spelled: code that normalizes several
        vocabularies compares with it on purpose."""
        return ctx.catalog_knows(text)

    def _report_proto_enum(
        self, comparison: ComparisonFact, value: Value, member: str, ctx: Context
    ) -> None:
        ctx.report(
            self,
            value.node,
            f"`{comparison.subject.text}` is an integer proto enum in the SDK this module "
            f"imports: comparing it with the string {value.text!r} is never true; "
            f"compare with `FinishReason.{member}` or `.name`",
        )

    @staticmethod
    def _never_matches(value: Value, text: str, comparison: ComparisonFact, ctx: Context) -> bool:
        """Comparing with the string `text` (the value as normalized, or the value it is a
        near miss of) is never true."""
        if value.kind != "str":
            return False
        return never_equal(comparison.subject, text, ctx.identified_providers)
