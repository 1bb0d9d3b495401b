"""What a test suite's fake responses say, per provider family, for RFL012.

Both readers of a test suite, `fake_collector` (Python test files) and `cassettes`
(recorded JSON / YAML), describe what they find as `Event`s: one fake response or one
stream event, with the stop values it carries per provider family, the families whose
refusal it carries, and whether it is a content delta. `Evidence` sums events up per
family; an ordered run of events (a stream fixture) also tells whether a refusal arrives
after a content delta, i.e. mid-stream.

Families are the catalog's vocabulary names (`Anthropic`, `OpenAI-compatible`, `Gemini`,
...): a fake `finish_reason="content_filter"` cannot say which OpenAI-compatible SDK it
stands for, and does not need to.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from refusal_lint.catalog import Catalog, Signal
from refusal_lint.families import fit_families

# Keys under which an event carries output (streamed thinking is output the user may see).
TEXT_KEYS = frozenset({"text", "content", "partial_json", "thinking"})
# What makes an event part of a stream rather than a whole response: a `delta` (Anthropic
# events, OpenAI chunks), Bedrock's `contentBlockDelta`, Gemini's `candidates` chunks, or an
# event type such as `content_block_delta` / `response.output_text.delta`.
DELTA_KEYS = frozenset({"delta", "contentBlockDelta", "candidates"})
DELTA_TYPE = re.compile(r"^(?!.*refusal)(?:[\w.]*[._])?delta$")
# Content parts and stream events that are themselves a refusal (OpenAI Responses'
# `{"type": "refusal"}` part, `response.refusal.delta` / `.done` events).
REFUSAL_TYPE = re.compile(r"^(?:[\w.]*\.)?refusal(?:\.delta|\.done)?$")
# Parts of dotted fields (`error.code`, `stop_details.type`) too common to look for.
GENERIC_PARTS = frozenset({"error", "code", "type", "reason", "status"})
# Spellings of "no value": a fake `stop_reason=None` carries no stop value.
ABSENT = frozenset({"", "None", "none", "null", "~", "false", "False", "{}", "[]"})


@dataclass(frozen=True, eq=False)  # hashed by identity: one index per catalog
class FamilyIndex:
    """The catalog, indexed for the questions asked about a fake's fields and values."""

    catalog: Catalog
    presence: dict[str, frozenset[str]]  # presence-only field -> families it refuses for
    classes: dict[str, frozenset[str]]  # refusal class short name -> families
    refusals: dict[str, frozenset[str]]  # refusal value -> families using it
    aliases: dict[str, str]  # camelCase wire spelling (`finishReason`) -> catalog field
    keys: frozenset[str]  # last names of every signal field, wire spellings included
    # Words without which a piece of test code says nothing about a fake: field names
    # (wire spellings, distinctive dotted parts), refusal fields and classes, refusal
    # values. (A fake naming only `error.code` counts when its value is a refusal.)
    triggers: tuple[str, ...]
    # The subset that can mark a refusal: refusal values, refusal fields and classes.
    refusal_triggers: tuple[str, ...]

    def signals(self, path: tuple[str, ...]) -> tuple[Signal, ...]:
        """The stop signals a field at the end of `path` carries."""
        return self.catalog.signals_for_path(tuple(self.aliases.get(p, p) for p in path))

    def field_names(self) -> list[str]:
        """Every single-name signal field, wire spellings included (longest first)."""
        return sorted({*self.catalog.by_field, *self.aliases}, key=lambda n: (-len(n), n))


@cache
def family_index(catalog: Catalog) -> FamilyIndex:
    """The index of one catalog, built once."""
    family_of = {p.id: p.signals[0].family for p in catalog.providers if p.signals}
    presence: dict[str, set[str]] = {}
    classes: dict[str, set[str]] = {}
    for provider in catalog.providers:
        family = family_of.get(provider.id)
        if family is None:
            continue  # a wrapper with no stop signal of its own (LangChain)
        for name in provider.presence_fields:
            if name not in catalog.by_field:  # a field with values is judged by them
                presence.setdefault(name, set()).add(family)
        for dotted in provider.presence_classes:
            classes.setdefault(dotted.rsplit(".", 1)[-1], set()).add(family)
    refusals: dict[str, set[str]] = {}
    for signal in catalog.all_signals():
        for value in signal.refusal:
            refusals.setdefault(value, set()).add(signal.family)
    # Recorded JSON spells snake_case fields in camelCase (Gemini's REST `finishReason`),
    # unless that spelling is another provider's own field (Bedrock's `stopReason`).
    aliases = {_camel(f): f for f in catalog.by_field if "_" in f}
    aliases = {a: f for a, f in aliases.items() if a not in catalog.by_field}
    keys = {*catalog.by_field, *aliases, *(parts[-1] for parts in catalog.by_dotted_field)}
    dotted_parts = {part for parts in catalog.by_dotted_field for part in parts}
    distinctive = {*catalog.by_field, *aliases, *(dotted_parts - GENERIC_PARTS)}
    triggers = {*distinctive, *presence, *classes, *refusals}
    return FamilyIndex(
        catalog=catalog,
        presence={k: frozenset(v) for k, v in presence.items()},
        classes={k: frozenset(v) for k, v in classes.items()},
        refusals={k: frozenset(v) for k, v in refusals.items()},
        aliases=aliases,
        keys=frozenset(keys),
        triggers=tuple(sorted(triggers)),
        refusal_triggers=tuple(sorted({*presence, *classes, *refusals})),
    )


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


@dataclass(frozen=True)
class Event:
    """One fake response or stream event."""

    values: frozenset[tuple[str, str]] = frozenset()  # (family, stop value)
    refusals: frozenset[str] = frozenset()  # families whose refusal it carries
    marker: bool = False  # shaped like a stream delta (a `delta` key, a delta event type)
    text: bool = False  # carries output text

    @property
    def is_delta(self) -> bool:
        """A content delta: text of a stream event that does not end the stream."""
        return self.marker and self.text and not self.values and not self.refusals

    def merged(self, other: Event) -> Event:
        if not (other.values or other.refusals or other.marker or other.text):
            return self  # most nodes of a test file carry nothing
        return Event(
            self.values | other.values,
            self.refusals | other.refusals,
            self.marker or other.marker,
            self.text or other.text,
        )


def merge_all(events: Iterable[Event]) -> Event:
    merged = Event()
    for event in events:
        merged = merged.merged(event)
    return merged


class EventBuilder:
    """Collects what one fake carries, field by field."""

    def __init__(self, index: FamilyIndex, identified: frozenset[str] = frozenset()) -> None:
        self.index = index
        self.identified = identified  # providers the test file imports (reading 7)
        self.values: set[tuple[str, str]] = set()
        self.refusals: set[str] = set()
        self.marker = False
        self.text = False

    def stop_value(self, path: tuple[str, ...], value: str, signal: Signal | None = None) -> None:
        """A stop-signal field set to `value`; a value no vocabulary knows is ignored
        (reading 4: a project's own stop reasons say nothing about a provider)."""
        if value in ABSENT or (signal is None and path[-1] not in self.index.keys):
            return
        signals = (signal,) if signal is not None else self.index.signals(path)
        if not signals:
            return
        for family, refusal in _fitting(signals, value, self.identified):
            self.values.add((family, value))
            if refusal:
                self.refusals.add(family)

    def item(self, path: tuple[str, ...], value: str | None, present: bool) -> None:
        """Any field of a fake: refusal presence fields, output text, delta markers."""
        key = path[-1]
        if present and key in self.index.presence:
            self.refusals.update(self.index.presence[key])
        if key == "type" and value and REFUSAL_TYPE.match(value) and not self.index.signals(path):
            self.refusals.update(self.index.presence.get("refusal", ()))
        if key in TEXT_KEYS and value:
            self.text = True
        if key in DELTA_KEYS or (value is not None and DELTA_TYPE.match(value)):
            self.marker = True

    def refusal_class(self, name: str) -> None:
        """`RefusalStopDetails(...)`, `ResponseOutputRefusal(...)`: a refusal object."""
        self.refusals.update(self.index.classes.get(name, ()))

    def loose_value(self, value: str, signal: Signal | None = None) -> None:
        """A refusal value handed to a helper positionally (`make_message("", "refusal")`):
        no field names it, so it counts as a refusal of every family that spells it so."""
        if signal is not None:
            if value in signal.refusal:
                self.refusals.add(signal.family)
            return
        self.refusals.update(self.index.refusals.get(value, ()))

    def delta(self) -> None:
        """A helper named for stream pieces (`text_delta("Hi")`) called with text."""
        self.marker = self.text = True

    def build(self) -> Event:
        return Event(frozenset(self.values), frozenset(self.refusals), self.marker, self.text)


@lru_cache(maxsize=4096)
def _fitting(
    signals: tuple[Signal, ...], value: str, identified: frozenset[str]
) -> tuple[tuple[str, bool], ...]:
    """(family, whether `value` is its refusal) for the families `value` fits; recordings
    repeat the same few pairs thousands of times."""
    fit = fit_families(signals, [value], None, identified)
    return tuple((signal.family, value in signal.refusal) for signal in fit.families)


@dataclass(frozen=True)
class FakeSummary:
    """What a file's fakes say about one family (JSON-serializable)."""

    family: str
    values: tuple[str, ...]  # stop values the fakes carry, sorted
    refusal: bool  # some fake carries a refusal
    mid_stream: bool  # some stream fixture has a refusal after a content delta

    def to_json(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "values": list(self.values),
            "refusal": self.refusal,
            "mid_stream": self.mid_stream,
        }

    @staticmethod
    def from_json(data: dict[str, Any]) -> FakeSummary:
        return FakeSummary(
            str(data["family"]),
            tuple(str(v) for v in data["values"]),
            bool(data["refusal"]),
            bool(data["mid_stream"]),
        )


@dataclass
class _Family:
    values: set[str] = field(default_factory=set)
    refusal: bool = False
    mid_stream: bool = False


class Evidence:
    """The fakes of one file (or several), summed up per family."""

    def __init__(self) -> None:
        self._families: dict[str, _Family] = {}

    def add(self, event: Event) -> None:
        """A fake on its own: its stop values and refusals."""
        for family, value in event.values:
            self._family(family).values.add(value)
        for family in event.refusals:
            self._family(family).refusal = True

    def add_stream(self, events: Sequence[Event]) -> None:
        """An ordered run of events: a refusal after a content delta is mid-stream."""
        after_delta = False
        for event in events:
            self.add(event)
            if after_delta:
                for family in event.refusals:
                    self._family(family).mid_stream = True
            after_delta = after_delta or event.is_delta

    def summary(self) -> tuple[FakeSummary, ...]:
        return tuple(
            FakeSummary(name, tuple(sorted(f.values)), f.refusal, f.mid_stream)
            for name, f in sorted(self._families.items())
        )

    def _family(self, name: str) -> _Family:
        return self._families.setdefault(name, _Family())
