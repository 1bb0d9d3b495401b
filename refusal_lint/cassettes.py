"""RFL012's reading of recorded responses: cassettes beside the tests (`*.json`, `*.yaml`)
and recorded bodies held in strings of a test file.

Recordings nest: a VCR cassette holds HTTP interactions whose bodies are JSON documents or
server-sent-event streams, escaped inside strings. JSON is parsed with `json` and walked
like the Python fakes: every object is a fake, every list of two or more items an ordered
stream, and a string that holds a document is read in turn. Anything else (YAML, a body
that is not valid JSON) gets a tolerant text scan: no YAML parser is needed at runtime, and
the result does not depend on whether one is installed. The scan unescapes the text, cuts
it into interactions at `request:` keys and reads each one's `field: value` pairs as one
fake; an interaction whose body has several `data:` lines is also a stream of those events.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from refusal_lint.evidence import (
    DELTA_KEYS,
    DELTA_TYPE,
    TEXT_KEYS,
    Event,
    EventBuilder,
    Evidence,
    FamilyIndex,
    merge_all,
)

_Q = "[\"']?"
_INTERACTION = re.compile(rf"{_Q}request{_Q}\s*:")
_DATA = "data:"
_SSE_BOUNDARY = ("event:", "id:", "retry:")
# A non-empty text value (`"text": "Hi"`, YAML's `text: Hi`).
_TEXT = re.compile(
    rf"(?<![\w-]){_Q}(?:{'|'.join(sorted(TEXT_KEYS))}){_Q}\s*:\s*(?:[\"'][^\"'\s]|[A-Za-z])"
)


def mentions_a_record(text: str, index: FamilyIndex) -> bool:
    """Cheap test before a scan: a recorded body names a stop-signal or refusal field."""
    return _keys_of(index).mentioned.search(text) is not None


def scan_text(text: str, index: FamilyIndex, evidence: Evidence) -> Event:
    """Read one recorded document (JSON, SSE or any text) into `evidence`; returns what the
    document carries as a whole, for a stream that holds it as one event."""
    stripped = text.strip()
    if stripped[:1] in ("{", "["):
        try:
            return _walk(json.loads(stripped), (), index, evidence)
        except (ValueError, RecursionError):
            pass  # not JSON after all, or absurdly nested: the text scan copes
    return _scan_plain(text, index, evidence)


def scan_cassette(data: bytes, index: FamilyIndex) -> Evidence:
    """The fakes of one cassette file."""
    evidence = Evidence()
    text = data.decode("utf-8", "replace")
    if mentions_a_record(text, index):
        scan_text(text, index, evidence)
    return evidence


# ---- parsed JSON ------------------------------------------------------------------------
def _walk(value: Any, path: tuple[str, ...], index: FamilyIndex, evidence: Evidence) -> Event:
    if isinstance(value, dict):
        builder = EventBuilder(index)
        nested = Event()
        for key, item in value.items():
            key = str(key)
            if isinstance(item, (dict, list)) or (isinstance(item, str) and _holds_document(item)):
                nested = nested.merged(_walk(item, (key,), index, evidence))
            text = item if isinstance(item, str) else None
            if text is not None:
                builder.stop_value((*path[-1:], key), text)
            builder.item((*path[-1:], key), text, bool(item))
        own = builder.build()
        evidence.add(own)
        return own.merged(nested)
    if isinstance(value, list):
        events = [_walk(item, path, index, evidence) for item in value]
        if len(events) >= 2:
            evidence.add_stream(events)
        return merge_all(events)
    if isinstance(value, str) and _holds_document(value) and mentions_a_record(value, index):
        return scan_text(value, index, evidence)
    return Event()


def _holds_document(text: str) -> bool:
    stripped = text.lstrip()
    return stripped[:1] in ("{", "[") or _DATA in text


# ---- plain text -------------------------------------------------------------------------
def _scan_plain(text: str, index: FamilyIndex, evidence: Evidence) -> Event:
    text = _unescape(text)
    found = []
    for segment in _INTERACTION.split(text):
        # Event order matters only to a refusal: a stream without one is read as text.
        if any(word in segment for word in index.refusal_triggers):
            payloads = _sse_payloads(segment)
            if len(payloads) >= 2:
                evidence.add_stream([_payload_event(p, index, evidence) for p in payloads])
        event = _text_event(segment, index)
        evidence.add(event)
        found.append(event)
    return merge_all(found)


def _unescape(text: str) -> str:
    """Bodies escaped inside JSON or YAML strings (once or more), as the server sent them."""
    while "\\\\" in text:
        text = text.replace("\\\\", "\\")
    for escaped, plain in (("\\n", "\n"), ('\\"', '"'), ("\\'", "'"), ("\\/", "/")):
        text = text.replace(escaped, plain)
    return text


def _sse_payloads(segment: str) -> list[str]:
    """The `data:` payloads of a server-sent-event stream, in order (a payload folded over
    several lines by YAML is joined again)."""
    payloads: list[str] = []
    current: list[str] | None = None
    for line in segment.splitlines():
        stripped = line.strip()
        if stripped.startswith(_DATA):
            if current is not None:
                payloads.append(" ".join(current))
            current = [stripped[len(_DATA) :].strip()]
        elif not stripped or stripped.startswith(_SSE_BOUNDARY):
            if current is not None:
                payloads.append(" ".join(current))
            current = None
        elif current is not None:
            current.append(stripped)
    if current is not None:
        payloads.append(" ".join(current))
    return payloads


def _payload_event(payload: str, index: FamilyIndex, evidence: Evidence) -> Event:
    for candidate in (payload, payload.rstrip("'\" ")):
        try:
            return _walk(json.loads(candidate), (), index, evidence)
        except (ValueError, RecursionError):
            continue
    return _text_event(payload, index)


def _text_event(text: str, index: FamilyIndex) -> Event:
    """The `field: value` pairs of a text, as one fake.

    Keys are found with `str.find` and only then matched with small anchored patterns: a
    recorded cassette runs to megabytes, and a regex alternation over every field name
    would be tried at every character.
    """
    keys = _keys_of(index)
    builder = EventBuilder(index)
    for word in keys.fields:
        for value in _values(text, word):
            builder.stop_value((word,), value)
    for parent, children in keys.nested:
        for inner in _nested(text, parent):
            for child in children:
                for value in _values(inner, child):
                    builder.stop_value((parent, child), value)
    for word in keys.presence:
        for end in _key_ends(text, word):
            after = text[end : end + 8]
            builder.item((word,), None, bool(after) and not after.startswith(_UNSET))
    builder.text = bool(_TEXT.search(text))
    builder.marker = _has_delta_marker(text)
    return builder.build()


_SEPARATOR = re.compile(r"[\"']?\s*[:=]\s*")
_SCALAR = re.compile(r"[\"']?([\w.\-]+)")
_MAPPING = re.compile(r"[\"']?\s*:\s*[{\n]")
_UNSET = ("null", "None", "~", '""', "''", "false", "{}", "[]", ",", "}")
_NESTED_REACH = 300  # how far a nested key may sit from its parent's key


def _key_ends(text: str, word: str) -> Iterator[int]:
    """Where the value after `word` used as a key starts: `word` is not the tail of a
    longer name, and a `:` or `=` follows it (after a closing quote, if any)."""
    start = 0
    while (found := text.find(word, start)) >= 0:
        start = found + len(word)
        separator = _SEPARATOR.match(text, start)
        if separator is not None and not _continues_a_name(text, found):
            yield separator.end()


def _continues_a_name(text: str, found: int) -> bool:
    return found > 0 and (text[found - 1].isalnum() or text[found - 1] in "_-")


def _values(text: str, word: str) -> Iterator[str]:
    for end in _key_ends(text, word):
        value = _SCALAR.match(text, end)
        if value is not None:
            yield value.group(1)


def _nested(text: str, parent: str) -> Iterator[str]:
    """The text of each mapping under `parent` (`"incomplete_details": {...}` or YAML's
    indented block), up to its first nested or closing brace."""
    start = 0
    while (found := text.find(parent, start)) >= 0:
        start = found + len(parent)
        mapping = _MAPPING.match(text, start)
        if mapping is None or _continues_a_name(text, found):
            continue
        window = text[mapping.end() : mapping.end() + _NESTED_REACH]
        cut = min((i for i in (window.find("{"), window.find("}")) if i >= 0), default=None)
        yield window[:cut]


def _has_delta_marker(text: str) -> bool:
    """A `delta` / `contentBlockDelta` / `candidates` key, or a delta event type."""
    if any(True for word in DELTA_KEYS for _ in _key_ends(text, word)):
        return True
    start = 0
    while (found := text.find("delta", start)) >= 0:
        start = found + 5
        if not found or text[found - 1] not in "._" or text[start : start + 1].isalnum():
            continue
        begin = found
        while begin and (text[begin - 1].isalnum() or text[begin - 1] in "._"):
            begin -= 1
        if DELTA_TYPE.match(text[begin:start]):
            return True
    return False


@dataclass(frozen=True)
class _Keys:
    mentioned: re.Pattern[str]  # any name a record must mention to be read at all
    fields: tuple[str, ...]  # stop-signal fields, wire spellings included
    nested: tuple[tuple[str, tuple[str, ...]], ...]  # parent -> children of dotted fields
    presence: tuple[str, ...]  # refusal presence fields (`refusal`, `stop_details`)


@cache
def _keys_of(index: FamilyIndex) -> _Keys:
    children: dict[str, list[str]] = {}
    for parts in index.catalog.by_dotted_field:
        if len(parts) == 2:
            children.setdefault(parts[0], []).append(parts[1])
    nested = tuple((parent, tuple(sorted(kids))) for parent, kids in sorted(children.items()))
    fields = tuple(index.field_names())
    presence = tuple(sorted(index.presence))
    words = dict.fromkeys((*fields, *presence, *children))
    return _Keys(re.compile("|".join(map(re.escape, words))), fields, nested, presence)
