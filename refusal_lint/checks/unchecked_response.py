"""RFL003 unchecked-response."""

from __future__ import annotations

from refusal_lint.responses import UncheckedOutput
from refusal_lint.rule import Context, Rule


class UncheckedResponse(Rule):
    """
    ## What it does
    Checks functions that read the output of an LLM response — `.content[0].text`,
    `.choices[0].message.content`, `.message.parsed`, `.output_text`, `.text`,
    `["output"]["message"]["content"]`, a LangChain message's `.content` — without ever
    reading that response's stop signal (`stop_reason`, `finish_reason`,
    `message.refusal`, `status` / `incomplete_details`, `prompt_feedback`, `stopReason`).

    A response is recognised only from what the module shows: a client built from an SDK
    constructor (`anthropic.Anthropic()`, `OpenAI()`, `genai.Client()`,
    `boto3.client("bedrock-runtime")`), an imported SDK function (`litellm.completion`),
    or a method path only one SDK has (`.chat.completions.create`). Reading the signal
    anywhere in the function counts as checked; returning, yielding, storing or passing
    on the whole response hands the duty to someone else and gives no finding. A parsed
    OpenAI result (`message.parsed`) needs a `message.refusal` check in particular.

    ## Why is this bad?
    A refusal arrives as a successful response. Its output is empty (`content == []`,
    `content is None`, `output_text == ""`), partial, or a guardrail's canned "blocked"
    message, and it flows on as if it were the answer.

    ## Example
    ```python
    import anthropic

    client = anthropic.Anthropic()


    def summarize(text):
        resp = client.messages.create(
            model="claude-sonnet-4-5", max_tokens=512, messages=[{"role": "user", "content": text}]
        )
        return resp.content[0].text
    ```

    Use instead:
    ```python
    import anthropic

    client = anthropic.Anthropic()


    def summarize(text):
        resp = client.messages.create(
            model="claude-sonnet-4-5", max_tokens=512, messages=[{"role": "user", "content": text}]
        )
        if resp.stop_reason != "end_turn":
            raise RuntimeError(f"no summary: stop_reason={resp.stop_reason!r}")
        return resp.content[0].text
    ```

    ## Known limitations
    The analysis is per function: a check done by a caller or a helper that receives the
    response is not seen (passing the response to the helper is a hand-off, so no
    finding). Responses from a project's own wrapper (`self._call_llm(...)`) or received as
    parameters are not judged — even ones annotated with an SDK response type, which are
    almost always accessors whose caller owns the check — except where code binds the
    stop signal by name and never
    reads it (`text, finish_reason = await llm.chat(...)`, rule-semantics reading 10).
    Testing the signal only for truthiness (`if choice.finish_reason:`) is not a check
    (reading 18).

    Test files (`test_*.py`, `*_test.py`, `conftest.py`, `tests/`) are not checked: they
    consume fake responses and provoke errors on purpose.
    """

    code = "RFL003"
    name = "unchecked-response"
    summary = "A response's output is used without checking its stop signal"
    pylint_id = "W9703"

    def check_unchecked_response(self, fact: UncheckedOutput, ctx: Context) -> None:
        if ctx.is_test_file:
            return  # tests consume fake responses and provoke errors on purpose
        if fact.parsed:
            message = (
                f"parsed output of `{fact.text}` is used without checking "
                "`message.refusal`: a refusal gives `parsed = None`"
            )
        elif not fact.providers:
            message = (
                f"`{fact.text}` is used but the stop signal bound beside it is never read "
                "(a refusal or truncation passes as output)"
            )
        else:
            message = (
                f"output of `{fact.text}` is used without checking its stop signal "
                "(a refusal passes as output)"
            )
        ctx.report(self, fact.node, message)
