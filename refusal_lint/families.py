"""Which provider vocabulary a dispatch speaks, from its field and the values it compares.

Readings 4 and 7 of rule-semantics.md: a dispatch none of whose values belongs to a
provider vocabulary is project-internal and judged by nobody; a family without a refusal
value (Mistral, Ollama, vLLM, Cohere v2) is used only where the module's imports identify
it, and then it wins over the shared `stop`/`length` vocabulary.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from refusal_lint.catalog import Signal
from refusal_lint.facts import Subject


@dataclass(frozen=True)
class Fit:
    families: tuple[Signal, ...]
    refusal_values: tuple[str, ...]
    family_refusals: tuple[tuple[str, ...], ...]
    no_refusal_family: bool


def normalize(value: str, case: str | None) -> str:
    if case == "lower":
        return value.lower()
    if case == "upper":
        return value.upper()
    return value


def never_equal(subject: Subject, text: str, identified: frozenset[str]) -> bool:
    """Comparing the subject with the string `text` is never true: an SDK this module
    imports gives the field as an integer proto enum, and none gives it as that string
    (compared as the subject's case folding sees it)."""
    if subject.as_name:
        return False
    wanted = normalize(text, subject.case)
    as_str = {
        s.provider
        for s in subject.signals
        if s.value_type == "str" and any(normalize(v, subject.case) == wanted for v in s.values)
    }
    as_int = {s.provider for s in subject.signals if s.value_type == "int_enum"}
    return bool(identified & as_int) and not identified & as_str


def vocabulary(signals: Iterable[Signal], case: str | None = None) -> dict[str, str]:
    """Normalized value -> provider spelling, over the given signals."""
    vocab: dict[str, str] = {}
    for signal in signals:
        for value in signal.values:
            vocab.setdefault(normalize(value, case), value)
    return vocab


def fit_families(
    signals: tuple[Signal, ...],
    values: Iterable[str],
    case: str | None,
    identified: frozenset[str],
    extra_refusal: tuple[str, ...] = (),
) -> Fit:
    """The families whose vocabulary best explains the compared values."""
    compared = {normalize(v, case) for v in values if v != "null"}
    scored: list[tuple[int, Signal]] = []
    for signal in signals:
        known = {normalize(v, case) for v in signal.values}
        hits = len(compared & known)
        if hits:
            scored.append((hits, signal))
    if not scored:
        return Fit((), (), (), False)
    best = max(h for h, _ in scored)
    fitting = [s for h, s in scored if h == best]
    named = [s for s in fitting if s.provider in identified]
    # When nothing in the module names a family, one without a refusal value cannot be
    # assumed (reading 7 says `stop`/`length` then means OpenAI-compatible).
    fitting = named or [s for s in fitting if s.refusal] or fitting
    no_refusal = any(not s.refusal for s in fitting) and bool(named)
    # Most widely shared refusal spellings first: they lead the message.
    counts: dict[str, int] = {}
    for signal in fitting:
        for value in signal.refusal:
            key = normalize(value, case)
            counts[key] = counts.get(key, 0) + 1
    refusal = sorted(counts, key=lambda v: -counts[v])
    extra = [normalize(v, case) for v in extra_refusal if normalize(v, case) not in counts]
    per_family = tuple(
        tuple(normalize(v, case) for v in signal.refusal) + tuple(extra)
        for signal in fitting
        if signal.refusal
    )
    if refusal:
        refusal += extra
    return Fit(tuple(fitting), tuple(refusal), per_family, no_refusal)


def closest(value: str, vocab: dict[str, str]) -> str | None:
    """The known spelling a mistyped value most likely meant, if one is close enough."""
    squashed = {_squash(k): v for k, v in vocab.items()}
    if _squash(value) in squashed:
        return squashed[_squash(value)]
    matches = difflib.get_close_matches(value.lower(), [k.lower() for k in vocab], n=1, cutoff=0.7)
    if not matches:
        return None
    lowered = {k.lower(): v for k, v in vocab.items()}
    return lowered[matches[0]]


def _squash(value: str) -> str:
    return value.lower().replace("-", "_").replace(" ", "_")
