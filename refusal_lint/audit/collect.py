"""Turns one module's `Facts` into audit sites: no analysis of its own beyond reading them.

Dispatches whose values belong to no provider vocabulary (rule-semantics reading 4) and
dispatches that only rewrite the signal before the real one are not sites; everything
else the walk found is: dispatches and translations, refusal-field checks, tables and
lookups, response calls, loops over streams and policy-error handlers.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Sequence

from refusal_lint.analyzer import Facts
from refusal_lint.audit.sites import VALUE_KEYS, Position, Site
from refusal_lint.catalog import Catalog, Signal
from refusal_lint.facts import Dispatch, RefusalCheck
from refusal_lint.families import normalize
from refusal_lint.loudness import walk_body
from refusal_lint.responses import PolicyHandler, ResponseCall, StreamLoop
from refusal_lint.tables import LookupFact, TableFact

# `except Exception` around a call names no provider: the module's SDKs are the candidates.
GENERIC_CATCHES = frozenset({"Exception", "BaseException", "bare except"})
MAX_TEXT = 60
# What a lookup's default makes of a value its table lacks (reading 15 and 16): a success
# value hides it, the value itself or a non-success marker carries it on, no default
# (`TABLE[r]` raising KeyError, `.get(r)` giving None) depends on the caller.
LOOKUP_DEFAULT_LOUD: dict[str, bool | None] = {
    "success": False,
    "pass-through": True,
    "other": True,
    "none": None,
}


def collect_sites(facts: Facts, path: str, catalog: Catalog) -> list[Site]:
    """Every site of one module, in source order."""
    collector = _Collector(path, catalog, facts.identified)
    sites = [
        *(collector.dispatch(d) for d in facts.dispatches if d.families and not d.rewrite),
        *(collector.refusal_check(c) for c in facts.refusal_checks),
        *(collector.table(t, facts.lookups) for t in facts.tables),
        *(collector.lookup(x) for x in facts.lookups if x.table is None and x.judged),
        *(collector.response_call(c) for c in facts.response_calls),
        *(collector.stream_loop(loop) for loop in facts.consuming_loops),
        *(collector.policy_handler(h) for h in facts.policy_handlers),
    ]
    return sorted(sites, key=lambda s: (s.line, s.column, s.kind))


class _Collector:
    def __init__(self, path: str, catalog: Catalog, identified: frozenset[str]) -> None:
        self.path = path
        self.catalog = catalog
        self.identified = identified

    # ---- dispatches ---------------------------------------------------------------------
    def dispatch(self, dispatch: Dispatch) -> Site:
        judged = bool(dispatch.refusal_values) and not dispatch.no_refusal_family
        handles = dispatch.handles_refusal if judged else None
        default = dispatch.default
        site = self._site(
            "translation" if dispatch.translation else "dispatch",
            dispatch.node,
            dispatch.subject.text,
            [s.provider for s in dispatch.families],
            members=dispatch.members,
        )
        site.values = group_values(
            dispatch.handled_values,
            (*dispatch.families, *dispatch.subject.signals),
            dispatch.subject.case,
            dispatch.refusal_values,
        )
        site.handles_refusal = handles
        site.missing_refusal = dispatch.missing_refusal if judged else ()
        site.loud_default = default.loud if default else dispatch.continuation_loud
        if handles:
            bodies = [b.body for b in dispatch.refusal_branches]
            site.reads_category = self._reads_category(bodies, site.providers)
        return site

    def refusal_check(self, check: RefusalCheck) -> Site:
        words = set(re.findall(r"\w+", check.text))
        candidates = [
            p.id
            for p in self.catalog.providers
            if words & {f.rsplit(".", 1)[-1] for f in p.presence_fields}
            or words & {c.rsplit(".", 1)[-1] for c in p.presence_classes}
        ]
        site = self._site("refusal-check", check.node, check.text, self._narrow(candidates))
        site.handles_refusal = True
        site.status = "silent" if check.trivially_silent else "acts"
        site.reads_category = self._reads_category([check.body], site.providers)
        return site

    # ---- tables -------------------------------------------------------------------------
    def table(self, table: TableFact, lookups: Sequence[LookupFact]) -> Site:
        signals = tuple(dict.fromkeys(s for g in table.groups for s in g.families))
        site = self._site("table", table.node, _short(table.node), [s.provider for s in signals])
        judged = table.judged
        refusal = tuple(dict.fromkeys(v for g in judged for v in g.refusal_values))
        site.values = group_values(table.keys, signals, None, refusal)
        if judged:
            site.handles_refusal = any(key in refusal for key in table.keys)
            site.missing_refusal = tuple(dict.fromkeys(v for g in judged for v in g.missing))
        uses = [x for x in lookups if x.table is table]
        site.loud_default = _lookups_loud(uses)
        site.anchors = (*site.anchors, *(_start(x.node) for x in uses))
        return site

    def lookup(self, lookup: LookupFact) -> Site:
        signals = lookup.subject.signals if lookup.subject else ()
        site = self._site("lookup", lookup.node, lookup.text, [s.provider for s in signals])
        site.loud_default = LOOKUP_DEFAULT_LOUD.get(lookup.default_kind)
        return site

    # ---- responses ----------------------------------------------------------------------
    def response_call(self, call: ResponseCall) -> Site:
        site = self._site("response-call", call.node, call.text, list(call.providers))
        site.status = call.status
        if call.output is not None:
            site.anchors = (*site.anchors, _start(call.output))
        return site

    def stream_loop(self, loop: StreamLoop) -> Site:
        text = f"for ... in {loop.text}"
        site = self._site("stream-loop", loop.node, text, list(loop.providers))
        site.status = "checked" if loop.checked else "unchecked"
        return site

    def policy_handler(self, handler: PolicyHandler) -> Site:
        site = self._site(
            "policy-handler",
            handler.node,
            f"except {handler.caught}" if handler.caught != "bare except" else "except:",
            self._narrow(self._catchers(handler.caught)),
        )
        site.status = "silent" if handler.silent else "loud"
        return site

    def _catchers(self, caught: str) -> list[str]:
        """Providers whose SDK raises the caught exception (or makes the guarded call)."""
        if caught in GENERIC_CATCHES:
            return [p.id for p in self.catalog.providers if p.responses and p.id in self.identified]
        return [
            surface.provider
            for surface in self.catalog.surfaces()
            if caught in surface.policy_exceptions or caught in surface.request_exceptions
        ]

    # ---- shared -------------------------------------------------------------------------
    def _site(
        self,
        kind: str,
        node: ast.AST,
        text: str,
        providers: Iterable[str],
        members: Sequence[ast.stmt] = (),
    ) -> Site:
        """A site at `node`, spanning it (or the statements of a dispatch)."""
        spans = [node, *members]
        start = min(_start(n) for n in spans)
        end = max(_end(n) for n in spans)
        ordered = tuple(dict.fromkeys(providers))
        line, column = _start(node)
        return Site(
            path=self.path,
            kind=kind,
            text=text,
            start=start,
            end=end,
            line=line,
            column=column,
            families=tuple(dict.fromkeys(self.catalog.provider(p).family for p in ordered)),
            providers=ordered,
            anchors=(_start(node),),
        )

    def _narrow(self, candidates: Iterable[str]) -> list[str]:
        """The candidates the module imports, or all of them when it imports none."""
        found = list(dict.fromkeys(candidates))
        return [p for p in found if p in self.identified] or found

    def _reads_category(
        self, bodies: Sequence[list[ast.stmt]], providers: Sequence[str]
    ) -> bool | None:
        """Whether a refusal branch reads why the model refused; None when none of the
        providers reports a category (or there is no branch to read it in)."""
        names = self._category_names(providers)
        if not names or not bodies:
            return None
        return any(_reads_names(body, names) for body in bodies)

    def _category_names(self, providers: Sequence[str]) -> frozenset[str]:
        """`stop_details.category` -> {"stop_details", "category"}, over the providers."""
        names: set[str] = set()
        for provider_id in providers:
            field = self.catalog.provider(provider_id).refusal_category_field
            if field:
                names.update(field.split("."))
                names.add("category")
        return frozenset(names)


def group_values(
    values: Iterable[str],
    signals: Sequence[Signal],
    case: str | None,
    refusal: Sequence[str] = (),
) -> dict[str, tuple[str, ...]]:
    """Values by meaning (refusal, truncation, ...) in the first signal that knows them;
    `refusal` adds the configured spellings (extra-refusal-values)."""
    meaning: dict[str, str] = {normalize(v, case): "refusal" for v in refusal}
    for signal in signals:
        for group, members in signal.groups.items():
            for member in members:
                meaning.setdefault(normalize(member, case), group)
    grouped: dict[str, list[str]] = {key: [] for key in VALUE_KEYS}
    for value in sorted(values):
        grouped[meaning.get(normalize(value, case), "unknown")].append(value)
    return {key: tuple(found) for key, found in grouped.items() if found}


def _lookups_loud(lookups: Sequence[LookupFact]) -> bool | None:
    """A table's default path, from its lookups: silent if any default hides a value."""
    if not lookups:
        return None
    kinds = [LOOKUP_DEFAULT_LOUD.get(x.default_kind) for x in lookups]
    if False in kinds:
        return False
    if None in kinds:
        return None
    return True


def _reads_names(body: list[ast.stmt], names: frozenset[str]) -> bool:
    """`.stop_details`, `["category"]`, `.get("category")`, a `category` variable."""
    for node in walk_body(body):
        if isinstance(node, ast.Attribute) and node.attr in names:
            return True
        if isinstance(node, ast.Constant) and node.value in names:
            return True
        if isinstance(node, ast.Name) and ("category" in node.id or node.id in names):
            return True
    return False


def _start(node: ast.AST) -> Position:
    return getattr(node, "lineno", 1), getattr(node, "col_offset", 0)


def _end(node: ast.AST) -> Position:
    line, column = _start(node)
    return (
        getattr(node, "end_lineno", None) or line,
        getattr(node, "end_col_offset", None) or column,
    )


def _short(node: ast.AST) -> str:
    text = " ".join(ast.unparse(node).split())
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 3] + "..."
