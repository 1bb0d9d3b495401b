"""RFL011 swallowed-policy-error."""

from __future__ import annotations

from refusal_lint.responses import PolicyHandler
from refusal_lint.rule import Context, Rule


class SwallowedPolicyError(Rule):
    """
    ## What it does
    Checks `except` clauses that catch a provider's policy or block exception —
    `ContentPolicyViolationError` (LiteLLM), `ContentFilterFinishReasonError` (OpenAI
    `parse()`), `BlockedPromptException` / `StopCandidateException` (google-generativeai),
    `ResponseValidationError` (Vertex AI), `ModelRefusalError` (LangChain), OpenAI /
    Azure `BadRequestError` around a completion call — or a bare / `Exception` handler
    around a response-returning call, and whose body is silent: it neither raises, nor
    logs at warning or above, nor hands the exception on.

    ## Why is this bad?
    Where a flagged request surfaces as an error rather than a response, swallowing the
    error is the same silent drop as ignoring `stop_reason == "refusal"`: the caller gets
    an empty or default answer and no one learns that the model refused.

    ## Example
    ```python
    import litellm


    def answer(messages):
        try:
            resp = litellm.completion(model="gpt-4o", messages=messages)
        except litellm.ContentPolicyViolationError:
            return ""
        return resp
    ```

    Use instead:
    ```python
    import logging

    import litellm

    log = logging.getLogger(__name__)


    def answer(messages):
        try:
            resp = litellm.completion(model="gpt-4o", messages=messages)
        except litellm.ContentPolicyViolationError:
            log.warning("request blocked by the provider's content policy")
            raise
        return resp
    ```

    ## Known limitations
    A handler that stores or returns the exception object counts as handing it on. A
    broad `except Exception:` is judged only when its `try` body is a response-returning
    call (at most three statements); catching `BadRequestError` is judged only there too.

    Test files (`test_*.py`, `*_test.py`, `conftest.py`, `tests/`) are not checked: they
    consume fake responses and provoke errors on purpose.
    """

    code = "RFL011"
    name = "swallowed-policy-error"
    summary = "An except clause silently swallows a provider's refusal / policy error"
    pylint_id = "W9711"

    def check_policy_handler(self, fact: PolicyHandler, ctx: Context) -> None:
        if ctx.is_test_file:
            return  # tests consume fake responses and provoke errors on purpose
        if fact.silent:
            ctx.report(
                self,
                fact.node,
                f"`except {fact.caught}` around an LLM call swallows a refusal or policy "
                "block silently",
            )
