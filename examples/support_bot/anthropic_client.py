"""Drafts and summarises support replies with Claude (Anthropic Messages API)."""

from __future__ import annotations

import logging

import anthropic

from .errors import ModelRefused, ModelTruncated

log = logging.getLogger(__name__)

MODEL = "claude-sonnet-4-5"
SYSTEM = "You are a friendly support agent for Acme Cloud. Answer in plain language."

client = anthropic.Anthropic()


def draft_reply(ticket_text: str) -> str:
    """A first draft of the reply to one ticket."""
    resp = client.messages.create(
        model=MODEL,
        max_tokens=1024,
        system=SYSTEM,
        messages=[{"role": "user", "content": ticket_text}],
    )
    # MISTAKE (RFL001): only truncation is checked. When Claude refuses, stop_reason
    # is "refusal", the check below does not fire, and whatever text came back is
    # sent to the customer as the draft.
    if resp.stop_reason == "max_tokens":
        raise ModelTruncated(f"draft for ticket cut off at {resp.usage.output_tokens} tokens")
    return resp.content[0].text


def summarize_thread(thread: list[dict[str, str]]) -> str:
    """A two-line summary of a ticket thread for the agent dashboard.

    Handled correctly: every stop reason has a branch, refusal raises its own
    exception, and anything new raises instead of passing as a summary.
    """
    resp = client.messages.create(model=MODEL, max_tokens=300, system=SYSTEM, messages=thread)
    match resp.stop_reason:
        case "end_turn" | "stop_sequence":
            return resp.content[0].text
        case "max_tokens":
            raise ModelTruncated("summary cut off")
        case "refusal":
            raise ModelRefused("anthropic", resp.stop_details)
        case _:
            raise ValueError(f"unexpected stop_reason {resp.stop_reason!r}")


def suggest_tags(ticket_text: str) -> list[str]:
    """Up to five help-centre tags for a ticket, shown to the agent as suggestions."""
    resp = client.messages.create(
        model="claude-haiku-4-5",
        max_tokens=100,
        system="Answer with up to five comma-separated help-centre tags, nothing else.",
        messages=[{"role": "user", "content": ticket_text}],
    )
    # MISTAKE (RFL003): the text is used without looking at stop_reason. A refused
    # ticket comes back as partial text or an empty content list, and a truncated
    # answer as half a tag; both are suggested to the agent as if they were tags.
    tags = resp.content[0].text.split(",")
    return [tag.strip() for tag in tags if tag.strip()][:5]


async def stream_reply(aclient: anthropic.AsyncAnthropic, ticket_text: str) -> str:
    """Streams a reply to the live-chat widget (handled correctly)."""
    parts: list[str] = []
    async with aclient.messages.stream(
        model=MODEL,
        max_tokens=1024,
        system=SYSTEM,
        messages=[{"role": "user", "content": ticket_text}],
    ) as stream:
        async for text in stream.text_stream:
            parts.append(text)
        final = await stream.get_final_message()
    if final.stop_reason == "refusal":
        log.warning("live chat reply refused: %s", final.stop_details)
        raise ModelRefused("anthropic", final.stop_details)
    if final.stop_reason not in ("end_turn", "stop_sequence"):
        raise ModelTruncated(f"live chat reply ended with {final.stop_reason!r}")
    return "".join(parts)
