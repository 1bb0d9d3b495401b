"""Classifies tickets and suggests canned replies with OpenAI models."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from openai import OpenAI
from pydantic import BaseModel

from .errors import ModelRefused, ModelTruncated

log = logging.getLogger(__name__)
client = OpenAI()


class TicketLabels(BaseModel):
    category: str  # billing | outage | account | other
    urgency: int  # 1 (low) .. 4 (page someone)


def classify_ticket(ticket_text: str) -> TicketLabels | None:
    """Structured labels for routing; None means "could not classify"."""
    completion = client.chat.completions.parse(
        model="gpt-4o-2024-08-06",
        messages=[
            {"role": "system", "content": "Label the support ticket."},
            {"role": "user", "content": ticket_text},
        ],
        response_format=TicketLabels,
    )
    message = completion.choices[0].message
    # MISTAKE (RFL005): the refusal is noticed and then thrown away. The router
    # treats None as "unclassified" and files the ticket under "other", so a
    # refused ticket quietly lands in the low-priority queue.
    if message.refusal:
        log.debug("classifier refused: %s", message.refusal)
        return None
    return message.parsed


def suggest_macro(ticket_text: str, macros: list[str]) -> str:
    """Picks the canned reply ("macro") that best fits the ticket."""
    completion = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[
            {"role": "system", "content": "Answer with one macro name from: " + ", ".join(macros)},
            {"role": "user", "content": ticket_text},
        ],
    )
    choice = completion.choices[0]
    finish_reason = choice.finish_reason
    if finish_reason == "stop":
        return (choice.message.content or "").strip()
    elif finish_reason == "length":
        raise ModelTruncated("macro suggestion cut off")
    # MISTAKE (RFL007): OpenAI spells it "content_filter". This branch never
    # matches; filtered completions reach the generic error below instead of
    # being counted as refusals.
    elif finish_reason == "content-filter":
        raise ModelRefused("openai", finish_reason)
    else:
        raise ValueError(f"unexpected finish_reason {finish_reason!r}")


def answer_faq(question: str) -> str:
    """Answers a help-centre question with the Responses API (handled correctly)."""
    response = client.responses.create(model="gpt-4.1", input=question)
    for item in response.output:
        if item.type == "message":
            for part in item.content:
                if part.type == "refusal":
                    raise ModelRefused("openai", part.refusal)
    if response.incomplete_details is not None:
        if response.incomplete_details.reason == "content_filter":
            raise ModelRefused("openai", "content_filter")
        raise ModelTruncated(f"FAQ answer incomplete: {response.incomplete_details.reason}")
    return response.output_text


def stream_live_answer(question: str) -> Iterator[str]:
    """Streams an answer to the help-centre chat widget, token by token."""
    stream = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[
            {"role": "system", "content": "You answer questions about Acme Cloud billing."},
            {"role": "user", "content": question},
        ],
        stream=True,
    )
    # MISTAKE (RFL004): the loop never looks at the last chunk's finish_reason. When
    # the content filter stops the answer half-way ("content_filter") or it runs out
    # of tokens ("length"), the widget shows the fragment as a complete answer.
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            yield chunk.choices[0].delta.content


def stream_status_update(incident: str) -> Iterator[str]:
    """Streams a status-page update; a filtered or cut-off update is withdrawn."""
    stream = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": f"A short status-page update for:\n{incident}"}],
        stream=True,
    )
    for chunk in stream:
        if not chunk.choices:
            continue
        choice = chunk.choices[0]
        if choice.delta.content:
            yield choice.delta.content
        if choice.finish_reason == "content_filter":
            raise ModelRefused("openai", "content_filter")
        if choice.finish_reason == "length":
            raise ModelTruncated("status update cut off")
