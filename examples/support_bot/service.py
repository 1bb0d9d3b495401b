"""Ties the providers together for one incoming ticket. No model stop signals are
read here, so refusal-lint has nothing to say about this module."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import requests

from . import anthropic_client, bedrock_client, gemini_client, openai_client
from .errors import ModelError

log = logging.getLogger(__name__)


@dataclass
class Ticket:
    id: int
    text: str
    cancel_reason: str | None = None


def handle(ticket: Ticket) -> str | None:
    if ticket.cancel_reason == "fraud":
        return None
    labels = openai_client.classify_ticket(ticket.text)
    language = bedrock_client.detect_language(ticket.text)
    try:
        reply = anthropic_client.draft_reply(ticket.text)
    except ModelError:
        log.warning("escalating ticket %s to a human", ticket.id)
        return None
    if language != "en":
        reply = gemini_client.translate_reply(reply, language)
    status = requests.post(
        f"https://helpdesk.example.com/api/tickets/{ticket.id}/draft",
        json={"body": reply, "labels": labels.model_dump() if labels else None},
        timeout=10,
    ).status_code
    if status != 200:
        log.error("helpdesk rejected draft for %s: HTTP %s", ticket.id, status)
    return reply
