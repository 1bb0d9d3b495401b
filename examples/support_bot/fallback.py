"""Drafts replies through LiteLLM when the primary provider is unavailable."""

from __future__ import annotations

import logging

import litellm

from .errors import ModelRefused, ModelTruncated

log = logging.getLogger(__name__)

FALLBACK_MODELS = ["azure/gpt-4o-mini", "gemini/gemini-2.5-flash"]


def fallback_draft(ticket_text: str) -> str:
    """A reply draft from whichever fallback model answers first."""
    for model in FALLBACK_MODELS:
        try:
            resp = litellm.completion(
                model=model,
                messages=[{"role": "user", "content": f"Draft a support reply:\n\n{ticket_text}"}],
            )
        # MISTAKE (RFL011): Azure rejects a filtered prompt with HTTP 400, which
        # LiteLLM raises as ContentPolicyViolationError. Swallowing it here skips to
        # the next model and, if every model blocks the ticket, hands the agent an
        # empty draft: nobody learns that the ticket was flagged.
        except litellm.ContentPolicyViolationError:
            continue
        choice = resp.choices[0]
        if choice.finish_reason in ("content_filter", "guardrail_intervened"):
            raise ModelRefused(model, choice.finish_reason)
        if choice.finish_reason != "stop":
            raise ModelTruncated(f"fallback draft from {model} ended with {choice.finish_reason!r}")
        return choice.message.content
    return ""


def fallback_summary(thread: list[dict[str, str]]) -> str:
    """A thread summary through LiteLLM (handled correctly)."""
    try:
        resp = litellm.completion(model=FALLBACK_MODELS[0], messages=thread)
    except litellm.ContentPolicyViolationError as exc:
        log.warning("fallback summary blocked by the content policy: %s", exc)
        raise ModelRefused("litellm", str(exc)) from exc
    choice = resp.choices[0]
    match choice.finish_reason:
        case "stop":
            return choice.message.content
        case "content_filter" | "guardrail_intervened":
            raise ModelRefused("litellm", choice.finish_reason)
        case other:
            raise ModelTruncated(f"fallback summary ended with {other!r}")
