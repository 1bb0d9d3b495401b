"""RFL004 unchecked-stream."""

from __future__ import annotations

from refusal_lint.responses import StreamLoop
from refusal_lint.rule import Context, Rule


class UncheckedStream(Rule):
    """
    ## What it does
    Checks loops that consume an LLM stream — `create(..., stream=True)`,
    `messages.stream(...)` and its `text_stream`, `converse_stream(...)["stream"]`,
    `generate_content_stream`, `chat_stream`, LiteLLM / LangChain `.stream` — and
    accumulate, yield or print its text, in a function that never checks the stream's
    terminal signal: the `message_delta` event's `delta.stop_reason`, the last chunk's
    `finish_reason`, `get_final_message().stop_reason`, `messageStop.stopReason`, or the
    Responses API's `response.incomplete` / `response.refusal.*` events.

    ## Why is this bad?
    A refusal can arrive mid-stream, after part of the answer was already produced. The
    partial text must be discarded and the turn reset, so the end of the stream has to be
    looked at; otherwise the fragment is kept, shown or stored as a complete answer.

    ## Example
    ```python
    from openai import OpenAI

    client = OpenAI()


    def stream_answer(messages):
        stream = client.chat.completions.create(model="gpt-4o", messages=messages, stream=True)
        text = ""
        for chunk in stream:
            text += chunk.choices[0].delta.content or ""
        return text
    ```

    Use instead:
    ```python
    from openai import OpenAI

    client = OpenAI()


    def stream_answer(messages):
        stream = client.chat.completions.create(model="gpt-4o", messages=messages, stream=True)
        text = ""
        for chunk in stream:
            text += chunk.choices[0].delta.content or ""
            if chunk.choices[0].finish_reason == "content_filter":
                raise RuntimeError("answer withheld by the content filter")
        return text
    ```

    ## Known limitations
    Any read of a stop-signal field in the function counts as a check, wherever it is.
    Noticing that the stream ended (`if chunk.choices[0].finish_reason: break`) is not a
    check (rule-semantics reading 18). Yielding whole chunks or events hands them, and
    their stop signal, to the consumer: no finding. Streams obtained from a project's own
    wrapper are not judged.

    Test files (`test_*.py`, `*_test.py`, `conftest.py`, `tests/`) are not checked: they
    consume fake responses and provoke errors on purpose.
    """

    code = "RFL004"
    name = "unchecked-stream"
    summary = "A stream's text is consumed without checking how the stream ended"
    pylint_id = "W9704"

    def check_stream_loop(self, fact: StreamLoop, ctx: Context) -> None:
        if ctx.is_test_file:
            return  # tests consume fake responses and provoke errors on purpose
        ctx.report(
            self,
            fact.node,
            f"loop over `{fact.text}` uses the streamed text but never checks how the stream "
            "ended (a mid-stream refusal keeps its partial text)",
        )
