"""Loads the provider catalog (rules/catalog/*.toml) into frozen, indexed lookups.

The catalog is the only place that knows vendors; the engine asks it questions such as
"which signals does a field named `finish_reason` carry?" and never names a provider itself.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from refusal_lint.data import data_root

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

VALUE_GROUPS = ("refusal", "truncation", "complete", "tool", "pause", "error", "other")


class CatalogError(Exception):
    """A catalog file is missing, malformed or inconsistent."""


@dataclass(frozen=True)
class Signal:
    """One stop-signal field of one provider, with its vocabulary grouped by meaning."""

    provider: str
    provider_name: str
    family: str  # short vocabulary name for messages ("Anthropic", "OpenAI-compatible")
    name: str
    fields: tuple[str, ...]
    value_type: str
    groups: dict[str, tuple[str, ...]] = field(hash=False, compare=False)
    enum_classes: tuple[str, ...] = ()
    enum_members: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    int_values: dict[str, int] = field(default_factory=dict, hash=False, compare=False)

    @property
    def refusal(self) -> tuple[str, ...]:
        return self.groups.get("refusal", ())

    @property
    def values(self) -> frozenset[str]:
        return frozenset(v for vs in self.groups.values() for v in vs)

    def group_of(self, value: str) -> str | None:
        for group, values in self.groups.items():
            if value in values:
                return group
        return None

    def member_value(self, member: str) -> str | None:
        """The value an enum member of this signal's enum class stands for."""
        if member in self.enum_members:
            return self.enum_members[member]
        if member in self.values:
            return member
        return None

    def int_to_member(self, number: int) -> str | None:
        for name, value in self.int_values.items():
            if value == number:
                return name
        return None


@dataclass(frozen=True)
class ResponseSurface:
    """One API surface of a provider: how its responses are obtained and read."""

    provider: str
    name: str
    clients: tuple[str, ...] = ()
    session_methods: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()
    stream_methods: tuple[str, ...] = ()
    functions: tuple[str, ...] = ()
    stream_functions: tuple[str, ...] = ()
    distinctive: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    parsed_outputs: tuple[str, ...] = ()
    stream_outputs: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()
    policy_exceptions: tuple[str, ...] = ()
    request_exceptions: tuple[str, ...] = ()
    response_types: tuple[str, ...] = ()
    stream_types: tuple[str, ...] = ()
    collection_methods: tuple[str, ...] = ()
    http_paths: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResponseIndex:
    """Dict lookups for the per-call questions of the response tracker."""

    functions: dict[str, tuple[str, ResponseSurface]]  # dotted name -> (kind, surface)
    constructors: dict[str, tuple[tuple[str, ResponseSurface], ...]]  # -> (service, surface)
    distinctive: tuple[tuple[str, str, ResponseSurface], ...]  # (".path", kind, surface)
    http_paths: tuple[tuple[str, ResponseSurface], ...] = ()  # (URL part, surface)

    @staticmethod
    def build(surfaces: tuple[ResponseSurface, ...]) -> ResponseIndex:
        functions: dict[str, tuple[str, ResponseSurface]] = {}
        constructors: dict[str, list[tuple[str, ResponseSurface]]] = {}
        distinctive: list[tuple[str, str, ResponseSurface]] = []
        http_paths = tuple((p, s) for s in surfaces for p in s.http_paths)
        for surface in surfaces:
            functions.update((f, ("response", surface)) for f in surface.functions)
            functions.update((f, ("stream", surface)) for f in surface.stream_functions)
            for client in surface.clients:
                target, _, service = client.partition(":")
                constructors.setdefault(target, []).append((service, surface))
            for path in surface.distinctive:
                kind = "stream" if path in surface.stream_methods else "response"
                distinctive.append(("." + path, kind, surface))
        return ResponseIndex(
            functions=functions,
            constructors={k: tuple(v) for k, v in constructors.items()},
            distinctive=tuple(distinctive),
            http_paths=http_paths,
        )


@dataclass(frozen=True)
class Provider:
    """One provider file: identity, its signals and what else later rules need."""

    id: str
    display_name: str
    imports: tuple[str, ...]
    signals: tuple[Signal, ...]
    presence_fields: tuple[str, ...]
    presence_classes: tuple[str, ...]
    call_sites: tuple[str, ...]
    text_accessors: tuple[str, ...]
    exceptions: tuple[str, ...]
    refusal_category_field: str
    responses: tuple[ResponseSurface, ...] = ()
    family: str = ""  # the vocabulary's short name, shared by compatible providers

    @property
    def has_refusal(self) -> bool:
        return any(s.refusal for s in self.signals)


@dataclass(frozen=True)
class Catalog:
    """All providers, indexed for the questions the engine asks on every file."""

    providers: tuple[Provider, ...]
    by_field: dict[str, tuple[Signal, ...]] = field(hash=False, compare=False)
    by_dotted_field: dict[tuple[str, ...], tuple[Signal, ...]] = field(hash=False, compare=False)
    presence_fields: frozenset[str] = frozenset()
    presence_dotted: frozenset[tuple[str, ...]] = frozenset()
    presence_classes: frozenset[str] = frozenset()
    enum_classes: dict[str, tuple[tuple[str, Signal], ...]] = field(
        default_factory=dict, hash=False, compare=False
    )

    def provider(self, provider_id: str) -> Provider:
        for provider in self.providers:
            if provider.id == provider_id:
                return provider
        raise KeyError(provider_id)

    def signals_for_path(self, path: tuple[str, ...]) -> tuple[Signal, ...]:
        """Signals carried by an access path such as ("resp", "incomplete_details", "reason")."""
        found: list[Signal] = []
        for length in (3, 2):
            if len(path) >= length:
                found.extend(self.by_dotted_field.get(path[-length:], ()))
        found.extend(self.by_field.get(path[-1], ()) if path else ())
        return tuple(dict.fromkeys(found))

    def is_presence_path(self, path: tuple[str, ...]) -> bool:
        if not path:
            return False
        if path[-1] in self.presence_fields:
            return True
        return any(path[-n:] in self.presence_dotted for n in (2, 3) if len(path) >= n)

    def trigger_words(self) -> tuple[str, ...]:
        """Words at least one of which every file with a possible finding contains.

        Every subject is read through a signal field, a refusal field, a refusal class or a
        provider enum; every known response comes from an SDK constructor, an SDK function,
        an SDK-only method path, a provider URL or an SDK stream type (and every policy
        handler names an SDK exception). A file without any of these words cannot hold a
        finding. The words are as narrow as that argument allows: the prefilter runs on
        every file and each word is one more pass over its bytes.
        """
        cached: tuple[str, ...] | None = self.__dict__.get("_trigger_words")
        if cached is None:
            words = set(self.by_field) | set(self.presence_fields)
            words.update(_dotted_trigger(parts) for parts in self.by_dotted_field)
            words.update(_dotted_trigger(parts) for parts in self.presence_dotted)
            words.update(self.presence_classes)
            words.update(self.enum_classes)
            for provider in self.providers:
                for surface in provider.responses:
                    words.update(_surface_triggers(surface, provider.imports))
            # A word containing another is redundant (the scan finds the shorter in both),
            # except a call `Name(`, which the scan matches only as a whole identifier.
            cached = tuple(
                sorted(
                    w for w in words if w.endswith("(") or not any(o != w and o in w for o in words)
                )
            )
            object.__setattr__(self, "_trigger_words", cached)
        return cached

    def signal_field_names(self) -> frozenset[str]:
        """Every last path segment that can carry a signal (for prefilters and docs)."""
        names = set(self.by_field)
        names.update(key[-1] for key in self.by_dotted_field)
        return frozenset(names)

    def known_anywhere(self, value: str) -> bool:
        """Whether any provider emits this exact value for any field."""
        return value in self.all_values

    @property
    def all_values(self) -> frozenset[str]:
        cached: frozenset[str] | None = self.__dict__.get("_all_values")
        if cached is None:
            cached = frozenset(v for s in self.all_signals() for v in s.values)
            object.__setattr__(self, "_all_values", cached)
        return cached

    def response_index(self) -> ResponseIndex:
        """Surfaces indexed by the names calls are matched on (built once per catalog)."""
        cached: ResponseIndex | None = self.__dict__.get("_response_index")
        if cached is None:
            cached = ResponseIndex.build(tuple(self.surfaces()))
            object.__setattr__(self, "_response_index", cached)
        return cached

    def surfaces(self) -> Iterator[ResponseSurface]:
        for provider in self.providers:
            yield from provider.responses

    def all_signals(self) -> Iterator[Signal]:
        for provider in self.providers:
            yield from provider.signals


# Names too common in unrelated code to stand for an SDK function or stream type on their
# own: the module they come from (or a subscript, for stream types) narrows them.
_GENERIC_NAMES = frozenset({"Stream", "AsyncStream", "generate", "chat"})
# Constructor names common outside any SDK (`httpx.Client()`, `LLM()`): the SDK module's
# name, which every file calling them imports, is the narrower word.
_GENERIC_CONSTRUCTORS = frozenset({"Client", "AsyncClient", "ClientV2", "AsyncClientV2", "LLM"})
_GENERIC_PARTS = frozenset({"error", "code", "type", "status", "reason", "result", "action"})


def _dotted_trigger(parts: tuple[str, ...]) -> str:
    """`incomplete_details.reason` -> `incomplete_details`; `error.code` -> `error.code`."""
    longest = max(parts, key=len)
    return ".".join(parts) if longest in _GENERIC_PARTS else longest


def _surface_triggers(surface: ResponseSurface, imports: tuple[str, ...]) -> set[str]:
    """Words every file obtaining a response of this surface contains."""
    words: set[str] = set()
    roots = {root.rsplit(".", 1)[-1] for root in imports}
    for dotted in surface.clients:  # constructors are called by name: `Router(...)`
        constructor, _, service = dotted.partition(":")
        name = constructor.rsplit(".", 1)[-1]
        if service:  # `boto3.client("bedrock-runtime")`: only the literal service counts
            words.add(service)
        elif name in _GENERIC_CONSTRUCTORS:  # `genai.Client()`: the import names the SDK
            words.add(constructor.split(".")[-2])
        else:
            words.add(name + "(")
    for dotted in (*surface.functions, *surface.stream_functions):
        name = dotted.rsplit(".", 1)[-1]
        if name in _GENERIC_NAMES or len(name) < 6:  # `ollama.chat`: the module names it
            words.update(roots or {dotted.split(".", 1)[0]})
        else:
            words.add(name + "(")
    for path in surface.distinctive:
        words.add(".".join(path.split(".")[-2:]))
    words.update(surface.http_paths)
    for name in surface.stream_types:
        words.add(name + "[" if name in _GENERIC_NAMES else name)
    words.update(surface.policy_exceptions)
    return words


@cache
def load_catalog() -> Catalog:
    """The packaged catalog, parsed once per process."""
    folder = data_root() / "catalog"
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".toml")), key=lambda f: f.name)
    if not files:
        raise CatalogError(f"no catalog files found in {folder}")
    providers = []
    for entry in files:
        try:
            data = tomllib.loads(entry.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise CatalogError(f"{entry.name}: {exc}") from exc
        providers.append(_provider(data, entry.name))
    return build_catalog(providers)


def build_catalog(providers: Iterable[Provider]) -> Catalog:
    """Index providers for lookups by field name, dotted path and enum class."""
    providers = tuple(providers)
    by_field: dict[str, list[Signal]] = {}
    by_dotted: dict[tuple[str, ...], list[Signal]] = {}
    enum_classes: dict[str, list[tuple[str, Signal]]] = {}
    presence_plain: set[str] = set()
    presence_dotted: set[tuple[str, ...]] = set()
    presence_classes: set[str] = set()
    for provider in providers:
        for signal in provider.signals:
            for name in signal.fields:
                parts = tuple(name.split("."))
                if len(parts) == 1:
                    by_field.setdefault(name, []).append(signal)
                else:
                    by_dotted.setdefault(parts, []).append(signal)
            for dotted in signal.enum_classes:
                short = dotted.rsplit(".", 1)[-1]
                enum_classes.setdefault(short, []).append((dotted, signal))
        for name in provider.presence_fields:
            parts = tuple(name.split("."))
            (presence_plain.add(name) if len(parts) == 1 else presence_dotted.add(parts))
        presence_classes.update(c.rsplit(".", 1)[-1] for c in provider.presence_classes)
    return Catalog(
        providers=providers,
        by_field={k: tuple(v) for k, v in by_field.items()},
        by_dotted_field={k: tuple(v) for k, v in by_dotted.items()},
        presence_fields=frozenset(presence_plain),
        presence_dotted=frozenset(presence_dotted),
        presence_classes=frozenset(presence_classes),
        enum_classes={k: tuple(v) for k, v in enum_classes.items()},
    )


def _strings(data: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CatalogError(f"{where}: `{key}` must be a list of strings")
    return tuple(value)


def _provider(data: dict[str, Any], filename: str) -> Provider:
    provider_id = data.get("id")
    if not isinstance(provider_id, str):
        raise CatalogError(f"{filename}: missing `id`")
    display = str(data.get("display_name", provider_id))
    family = str(data.get("family", display))
    signals = tuple(
        _signal(raw, provider_id, display, family, f"{filename} signal {i}")
        for i, raw in enumerate(data.get("signals", []))
    )
    presence = data.get("presence", [])
    presence_fields: list[str] = []
    presence_classes: list[str] = []
    for i, raw in enumerate(presence):
        presence_fields.extend(_strings(raw, "fields", f"{filename} presence {i}"))
        presence_classes.extend(_strings(raw, "classes", f"{filename} presence {i}"))
    return Provider(
        id=provider_id,
        display_name=display,
        imports=_strings(data, "imports", filename),
        signals=signals,
        presence_fields=tuple(presence_fields),
        presence_classes=tuple(presence_classes),
        call_sites=_strings(data, "call_sites", filename),
        text_accessors=_strings(data, "text_accessors", filename),
        exceptions=_strings(data, "exceptions", filename),
        refusal_category_field=str(data.get("refusal_category_field", "")),
        responses=tuple(
            _surface(raw, provider_id, f"{filename} responses {i}")
            for i, raw in enumerate(data.get("responses", []))
        ),
        family=family,
    )


_SURFACE_LISTS = (
    "clients",
    "session_methods",
    "methods",
    "stream_methods",
    "functions",
    "stream_functions",
    "distinctive",
    "outputs",
    "parsed_outputs",
    "stream_outputs",
    "checks",
    "policy_exceptions",
    "request_exceptions",
    "response_types",
    "stream_types",
    "collection_methods",
    "http_paths",
)


def _surface(raw: dict[str, Any], provider: str, where: str) -> ResponseSurface:
    unknown = set(raw) - {"name", *_SURFACE_LISTS}
    if unknown:
        raise CatalogError(f"{where}: unknown keys {sorted(unknown)}")
    lists = {key: _strings(raw, key, where) for key in _SURFACE_LISTS}
    return ResponseSurface(provider=provider, name=str(raw.get("name", "")), **lists)


def _signal(raw: dict[str, Any], provider: str, display: str, family: str, where: str) -> Signal:
    groups = {g: _strings(raw, g, where) for g in VALUE_GROUPS if g in raw}
    return Signal(
        provider=provider,
        provider_name=display,
        family=family,
        name=str(raw.get("name", "")),
        fields=_strings(raw, "fields", where),
        value_type=str(raw.get("value_type", "str")),
        groups=groups,
        enum_classes=_strings(raw, "enum_classes", where),
        enum_members={str(k): str(v) for k, v in raw.get("enum_members", {}).items()},
        int_values={str(k): int(v) for k, v in raw.get("int_values", {}).items()},
    )
