"""Translates replies for international customers with Gemini (google-genai SDK)."""

from __future__ import annotations

import logging

from google import genai
from google.genai import types

from .errors import ModelRefused, ModelTruncated

log = logging.getLogger(__name__)

MODEL = "gemini-2.5-flash"
client = genai.Client()


def translate_reply(text: str, language: str) -> str:
    """The reply translated into the customer's language."""
    response = client.models.generate_content(
        model=MODEL,
        contents=f"Translate this support reply into {language}:\n\n{text}",
        config=types.GenerateContentConfig(temperature=0.2),
    )
    candidate = response.candidates[0]
    if candidate.finish_reason == types.FinishReason.STOP:
        return response.text
    elif candidate.finish_reason == types.FinishReason.SAFETY:
        raise ModelRefused("gemini", candidate.safety_ratings)
    else:
        # MISTAKE (RFL002): PROHIBITED_CONTENT, BLOCKLIST, SPII, MAX_TOKENS and
        # every reason Google adds later end up here, and the customer gets an
        # empty translation with no trace in the logs.
        return ""


def detect_sentiment(text: str) -> str:
    """"positive" / "neutral" / "negative" for the dashboard (handled correctly)."""
    response = client.models.generate_content(
        model=MODEL,
        contents=f"One word, positive, neutral or negative:\n\n{text}",
    )
    if response.prompt_feedback and response.prompt_feedback.block_reason:
        raise ModelRefused("gemini", response.prompt_feedback.block_reason)
    candidate = response.candidates[0]
    match candidate.finish_reason:
        case types.FinishReason.STOP:
            return response.text.strip().lower()
        case types.FinishReason.MAX_TOKENS:
            raise ModelTruncated("sentiment cut off")
        case (
            types.FinishReason.SAFETY
            | types.FinishReason.PROHIBITED_CONTENT
            | types.FinishReason.BLOCKLIST
            | types.FinishReason.SPII
        ):
            raise ModelRefused("gemini", candidate.finish_reason)
        case other:
            log.error("unexpected Gemini finish_reason %s", other)
            raise ModelRefused("gemini", other)
