"""Language detection and guarded answers via Amazon Bedrock's Converse API (boto3)."""

from __future__ import annotations

import boto3

from .errors import ModelRefused, ModelTruncated

MODEL_ID = "anthropic.claude-3-5-haiku-20241022-v1:0"
GUARDRAIL = {"guardrailIdentifier": "support-bot-guardrail", "guardrailVersion": "3"}

bedrock = boto3.client("bedrock-runtime", region_name="us-east-1")


def detect_language(text: str) -> str:
    """ISO 639-1 code of the ticket's language, used to pick a translator."""
    resp = bedrock.converse(
        modelId=MODEL_ID,
        messages=[{"role": "user", "content": [{"text": f"ISO 639-1 code only:\n\n{text}"}]}],
        inferenceConfig={"maxTokens": 5, "temperature": 0},
    )
    # MISTAKE (RFL008): this check disappears under `python -O`, and the
    # production image runs with PYTHONOPTIMIZE=1.
    assert resp["stopReason"] == "end_turn", resp["stopReason"]
    return resp["output"]["message"]["content"][0]["text"].strip()


def answer_with_guardrail(question: str) -> str:
    """Answers a public forum question behind a Bedrock guardrail (handled correctly)."""
    resp = bedrock.converse(
        modelId=MODEL_ID,
        messages=[{"role": "user", "content": [{"text": question}]}],
        guardrailConfig=GUARDRAIL,
    )
    stop_reason = resp["stopReason"]
    if stop_reason in ("guardrail_intervened", "content_filtered"):
        # The output text is the guardrail's canned "blocked" message, not an answer.
        raise ModelRefused("bedrock", resp.get("trace", {}).get("guardrail"))
    if stop_reason == "max_tokens":
        raise ModelTruncated("forum answer cut off")
    if stop_reason != "end_turn":
        raise ValueError(f"unexpected stopReason {stop_reason!r}")
    return resp["output"]["message"]["content"][0]["text"]
