"""Stop-reason metrics for the ops dashboard, in one vocabulary for every provider."""

from __future__ import annotations

from collections import Counter

STOP_COUNTS: Counter[str] = Counter()

# Anthropic stop reasons in OpenAI's finish_reason vocabulary, so the dashboard can
# show a single "why did the model stop" chart.
# MISTAKE (RFL006): "refusal" has no key, and unknown reasons default to "stop". A
# refused Claude call is counted as a normal completion, so the refusal rate on the
# dashboard stays at zero whatever happens.
FINISH_REASON_MAP = {"end_turn": "stop", "max_tokens": "length", "tool_use": "tool_calls"}


def record_claude_stop(stop_reason: str) -> str:
    """Counts one Claude call under its normalized finish reason."""
    # MISTAKE (RFL006): the "stop" default turns every reason the table does not
    # know (refusal, pause_turn, model_context_window_exceeded, whatever comes next)
    # into a normal completion.
    finish_reason = FINISH_REASON_MAP.get(stop_reason, "stop")
    STOP_COUNTS[finish_reason] += 1
    return finish_reason
