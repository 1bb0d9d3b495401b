"""Normalization tables: dict literals keyed by stop values, and lookups into them (RFL006).

Filled during the analyzer's single walk through three hooks: `on_node` for every
expression node, `on_assign` for assignments, and `finish` once the module is read.

A *table* is a dict literal whose keys (string literals, module constants or provider
enum members) include at least two values of one stop-signal vocabulary with at least two
meanings (say `end_turn` and `max_tokens`), and whose values are constants: the shape of a
translation from one vocabulary to another (rule-semantics 14). Its keys are fitted to
the catalog like a dispatch's values: the signals with the most key hits, the module's
imported providers first; keys the best fit does not explain are fitted again, so a
multi-provider table (LiteLLM's) is judged per provider.

A *lookup* is `TABLE.get(key, default)`, `dict.get(TABLE, key, default)`,
`TABLE.get(key) or default` or `TABLE[key] if key in TABLE else default`, where the key
reads a stop signal or TABLE is a known table (a literal, or a name or attribute bound to
one anywhere in the module). Its default is classified: a success value (reading 15), the
key itself (pass-through, reading 16), or anything else.

Names are resolved when the module has been read, so a table may be defined after the
function that uses it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass, field

from refusal_lint.catalog import Catalog, Signal
from refusal_lint.facts import Subject, Value
from refusal_lint.families import fit_families
from refusal_lint.model import ModuleModel, dotted

# Generic words for "finished normally", besides every catalog `complete` value.
SUCCESS_WORDS = frozenset(
    {"complete", "completed", "success", "succeeded", "successful", "ok", "finished", "normal"}
)
# Calls that wrap a table literal without changing it: `MappingProxyType({...})`.
TABLE_WRAPPERS = frozenset({"MappingProxyType", "frozendict", "immutabledict", "dict", "Final"})
# Calls that keep a key's identity: `str(reason)`, `reason.lower()`.
KEY_CONVERTERS = frozenset({"str", "cast"})
KEY_METHODS = frozenset({"lower", "upper", "casefold", "strip", "rstrip", "lstrip"})
KEY_ATTRS = frozenset({"value", "name"})
COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.Lambda)
MAX_TEXT = 60
# The node types a table, a lookup or a use of a table name can start with.
INTERESTING = frozenset(
    {ast.Dict, ast.Call, ast.BoolOp, ast.IfExp, ast.Name, ast.Attribute, *COMPREHENSIONS}
)
# Value groups that say how the model stopped (error / other codes do not).
STOP_MEANINGS = frozenset({"refusal", "truncation", "complete", "tool", "pause"})


@dataclass(frozen=True)
class TableGroup:
    """The part of a table's keys that one provider vocabulary explains."""

    families: tuple[Signal, ...]  # the best-fitting signals (several when tied)
    lacking: tuple[Signal, ...]  # the families `missing` is reported for (closest gap)
    hits: tuple[str, ...]  # the table's keys in their vocabulary
    refusal_values: tuple[str, ...]  # their refusal values, most shared first
    missing: tuple[str, ...]  # refusal values with no key, for the closest family
    judged: bool  # False for a family without a refusal value (reading 7)


@dataclass
class TableFact:
    """A dict literal keyed by stop values of one or more provider vocabularies."""

    node: ast.Dict
    keys: tuple[str, ...]
    groups: tuple[TableGroup, ...]
    # Every use of the table is a pass-through lookup (reading 16): not lossy at the literal.
    pass_through_only: bool = False

    @property
    def judged(self) -> tuple[TableGroup, ...]:
        return tuple(g for g in self.groups if g.judged)

    @property
    def missing(self) -> tuple[tuple[TableGroup, tuple[str, ...]], ...]:
        return tuple((g, g.missing) for g in self.judged if g.missing)


@dataclass
class LookupFact:
    """A lookup of a stop value in a table, with a default for the keys it lacks."""

    node: ast.expr  # the `.get` call, the `or` expression or the conditional expression
    key: ast.expr
    default: ast.expr | None
    default_kind: str  # "success", "pass-through", "none" (no default / None) or "other"
    success_value: str | None  # the success value the default stands for
    subject: Subject | None  # the stop signal the key reads, if any
    table: TableFact | None = None
    # A refusal-bearing vocabulary is involved (reading 7: families without one never fire).
    judged: bool = False

    @property
    def text(self) -> str:
        """The lookup's source, shortened, for messages."""
        return _short(self.node)


@dataclass
class _Binding:
    scope: int
    name: str  # a Name target, or the attribute of `self.name = {...}`
    attribute: bool
    module_level: bool
    table: _Candidate


@dataclass
class _Candidate:
    """A dict literal that may be a table; becomes a TableFact if its keys fit."""

    node: ast.Dict
    values: list[Value]
    stop: bool = True  # False: a dict literal that is known not to be a table
    uses: list[str] = field(default_factory=list)  # "pass-through" / "other"
    fact: TableFact | None = None


@dataclass
class _Receiver:
    kind: str  # "dict", "name" or "attr"
    scope: int = 0
    name: str = ""
    node: ast.Dict | None = None


@dataclass
class _PendingLookup:
    fact: LookupFact
    receiver: _Receiver | None


@dataclass
class TableCollector:
    model: ModuleModel
    tables: list[TableFact] = field(default_factory=list)
    lookups: list[LookupFact] = field(default_factory=list)
    _candidates: dict[int, _Candidate] = field(default_factory=dict)
    _bindings: list[_Binding] = field(default_factory=list)
    _pending: list[_PendingLookup] = field(default_factory=list)
    # Name / Attribute nodes that are a lookup's receiver, with the lookup's default kind.
    _receivers: dict[int, str] = field(default_factory=dict)
    # (name-or-attr, is_attribute) -> (scope, use kind) of every load of it.
    _loads: dict[tuple[str, bool], list[tuple[int, str]]] = field(default_factory=dict)
    _scopes: list[dict[str, Subject]] = field(default_factory=list)  # keeps scope ids unique
    _scope_ids: set[int] = field(default_factory=set)
    _module_scope: int | None = None
    _folded: set[int] = field(default_factory=set)  # `.get` calls read with their `or`

    # ---- hooks --------------------------------------------------------------------------
    def on_name_load(self, node: ast.Name, aliases: dict[str, Subject]) -> None:
        """A name read: `on_node` for the most common node, without its type tests."""
        use = (self._scope(aliases), self._receivers.get(id(node), "other"))
        self._loads.setdefault((node.id, False), []).append(use)

    def on_node(self, node: ast.AST, aliases: dict[str, Subject]) -> None:
        """Every expression node of every statement, in source order."""
        kind = type(node)
        if kind not in INTERESTING:
            if isinstance(node, ast.stmt) and node.col_offset == 0:
                self._module_scope = self._scope(aliases)
            return
        scope = self._scope(aliases)
        if kind is ast.Name or kind is ast.Attribute:  # the common case, kept short
            if type(node.ctx) is ast.Load:  # type: ignore[attr-defined]
                name = node.id if kind is ast.Name else node.attr  # type: ignore[attr-defined]
                use = (scope, self._receivers.get(id(node), "other"))
                self._loads.setdefault((name, kind is ast.Attribute), []).append(use)
            return
        if issubclass(kind, COMPREHENSIONS):  # the analyzer does not descend into these
            for inner in ast.walk(node):
                if inner is not node:
                    self._visit(inner, aliases, scope)
            return
        self._visit(node, aliases, scope)

    def on_assign(self, stmt: ast.Assign | ast.AnnAssign, aliases: dict[str, Subject]) -> None:
        """Every assignment statement, after its expressions were scanned."""
        value = _unwrap_table(stmt.value)
        if value is None:
            return
        candidate = self._candidates.get(id(value))
        if candidate is None:  # a dict of something else: lookups into it are not judged
            candidate = self._candidates.setdefault(id(value), _Candidate(value, [], stop=False))
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        scope = self._scope(aliases)
        for target in targets:
            if isinstance(target, ast.Name):
                binding = _Binding(scope, target.id, False, stmt.col_offset == 0, candidate)
            elif isinstance(target, ast.Attribute):
                binding = _Binding(scope, target.attr, True, False, candidate)
            else:
                continue
            self._bindings.append(binding)

    def finish(self) -> None:
        """The whole module has been read."""
        identified = self.model.identified_providers()
        for candidate in self._candidates.values():
            candidate.fact = self._fit(candidate, identified) if candidate.stop else None
        for name in {b.name for b in self._bindings}:
            for attribute in (False, True):
                for scope, kind in self._loads.get((name, attribute), ()):
                    for candidate in self._resolve(scope, name, attribute):
                        candidate.uses.append(kind)
        for pending in self._pending:
            fact = pending.fact
            candidates = self._resolve_receiver(pending.receiver)
            if pending.receiver is not None and pending.receiver.kind == "dict":
                for candidate in candidates:
                    candidate.uses.append(fact.default_kind)
            tables = [c.fact for c in candidates if c.fact is not None]
            fact.table = tables[0] if tables else None
            if fact.table is None and (fact.subject is None or candidates):
                continue  # a dict this module defines, but not a stop table
            fact.judged = _lookup_judged(fact, identified)
            self.lookups.append(fact)
        for candidate in self._candidates.values():
            if candidate.fact is None:
                continue
            uses = candidate.uses
            candidate.fact.pass_through_only = bool(uses) and all(u == "pass-through" for u in uses)
            self.tables.append(candidate.fact)
        self.tables.sort(key=lambda t: (t.node.lineno, t.node.col_offset))
        self.lookups.sort(key=lambda f: (f.node.lineno, f.node.col_offset))

    # ---- walking --------------------------------------------------------------------------
    def _scope(self, aliases: dict[str, Subject]) -> int:
        scope = id(aliases)
        if self._scopes and self._scopes[-1] is aliases:
            return scope
        if scope not in self._scope_ids:
            self._scope_ids.add(scope)
            self._scopes.append(aliases)  # alive until the module is done: ids stay unique
        return scope

    def _visit(self, node: ast.AST, aliases: dict[str, Subject], scope: int) -> None:
        if isinstance(node, ast.Dict):
            self._dict(node)
        elif isinstance(node, ast.Call):
            self._call(node, aliases, scope)
        elif isinstance(node, ast.BoolOp):
            self._or_default(node, aliases, scope)
        elif isinstance(node, ast.IfExp):
            self._conditional(node, aliases, scope)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            use = (scope, self._receivers.get(id(node), "other"))
            self._loads.setdefault((node.id, False), []).append(use)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            use = (scope, self._receivers.get(id(node), "other"))
            self._loads.setdefault((node.attr, True), []).append(use)

    def _dict(self, node: ast.Dict) -> None:
        values: list[Value] = []
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None:
                continue
            resolved = self.model.value_of(key)
            if resolved is None:
                continue
            if not _constant_like(value, self.model.constants):
                return  # a dict of objects or handlers, not a translation
            values.append(resolved)
        if len(values) >= 2:
            self._candidates[id(node)] = _Candidate(node, values)

    def _call(self, node: ast.Call, aliases: dict[str, Subject], scope: int) -> None:
        func = node.func
        if not isinstance(func, ast.Attribute) or func.attr != "get" or node.keywords:
            return
        if id(node) in self._folded:
            return  # `TABLE.get(key) or default`: read as one lookup
        args = list(node.args)
        receiver_node: ast.expr = func.value
        if dotted(func) == "dict.get" and len(args) in (2, 3):
            receiver_node, args = args[0], args[1:]
        if len(args) not in (1, 2):
            return
        key = args[0]
        default = args[1] if len(args) == 2 else None
        self._lookup(node, receiver_node, key, default, aliases, scope)

    def _or_default(self, node: ast.BoolOp, aliases: dict[str, Subject], scope: int) -> None:
        """`TABLE.get(key) or "stop"`: the `or` supplies the default."""
        if not isinstance(node.op, ast.Or) or len(node.values) != 2:
            return
        call, default = node.values
        if not (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and call.func.attr == "get"
            and len(call.args) in (1, 2)
            and not call.keywords
        ):
            return
        if len(call.args) == 2 and not _is_none(call.args[1]):
            return
        self._folded.add(id(call))
        self._lookup(node, call.func.value, call.args[0], default, aliases, scope)

    def _conditional(self, node: ast.IfExp, aliases: dict[str, Subject], scope: int) -> None:
        """`TABLE[key] if key in TABLE else "stop"`."""
        test, body = node.test, node.body
        if not (
            isinstance(test, ast.Compare)
            and len(test.ops) == 1
            and isinstance(test.ops[0], ast.In)
            and isinstance(body, ast.Subscript)
        ):
            return
        table_text = _text(test.comparators[0])
        if _text(body.value) != table_text or _text(body.slice) != _text(test.left):
            return
        self._lookup(node, body.value, body.slice, node.orelse, aliases, scope)

    def _lookup(
        self,
        node: ast.expr,
        receiver_node: ast.expr,
        key: ast.expr,
        default: ast.expr | None,
        aliases: dict[str, Subject],
        scope: int,
    ) -> None:
        core = _key_core(key)
        subject = self.model.subject_of(core, aliases) or self.model.subject_of(key, aliases)
        receiver = self._receiver(receiver_node, scope)
        if subject is None and receiver is None:
            return
        kind, success = self._default_kind(default, key, core, subject)
        for use in _receiver_nodes(node, receiver_node):
            self._receivers.setdefault(id(use), kind)
        fact = LookupFact(
            node=node,
            key=key,
            default=default,
            default_kind=kind,
            success_value=success,
            subject=subject,
        )
        self._pending.append(_PendingLookup(fact, receiver))

    def _receiver(self, node: ast.expr, scope: int) -> _Receiver | None:
        if isinstance(node, ast.Dict):
            return _Receiver("dict", node=node)
        if isinstance(node, ast.Name):
            return _Receiver("name", scope=scope, name=node.id)
        if isinstance(node, ast.Attribute):
            return _Receiver("attr", name=node.attr)
        return None

    def _default_kind(
        self, default: ast.expr | None, key: ast.expr, core: ast.expr, subject: Subject | None
    ) -> tuple[str, str | None]:
        if default is None or _is_none(default):
            return "none", None
        texts = {t for t in (_text(core), _text(key)) if t}
        if subject is not None:
            texts |= subject.signal_texts
        if any(_text(n) in texts for n in ast.walk(default)):
            return "pass-through", None
        success = self.success_value(default)
        if success is not None:
            return "success", success
        return "other", None

    def success_value(self, expr: ast.expr) -> str | None:
        """The success value `expr` stands for: `"stop"`, `"end_turn"`, `FinishReason.STOP`."""
        return success_value(expr, self.model.catalog, self.model)

    # ---- resolution -------------------------------------------------------------------------
    def _resolve(self, scope: int, name: str, attribute: bool) -> list[_Candidate]:
        """The tables a loaded name or attribute may stand for."""
        named = [b for b in self._bindings if b.name == name]
        if attribute:  # `self.MAP`, `Provider.MAP`: class attributes and `self.x = {...}`
            return [b.table for b in named if b.attribute or not self._local(b)]
        plain = [b for b in named if not b.attribute]
        local = [b.table for b in plain if b.scope == scope]
        return local or [b.table for b in plain if not self._local(b)]

    def _local(self, binding: _Binding) -> bool:
        """A plain name bound inside a function (not at module or class level)."""
        return (
            not binding.attribute
            and not binding.module_level
            and binding.scope != self._module_scope
        )

    def _resolve_receiver(self, receiver: _Receiver | None) -> list[_Candidate]:
        if receiver is None:
            return []
        if receiver.kind == "dict":
            assert receiver.node is not None
            node = receiver.node
            return [self._candidates.setdefault(id(node), _Candidate(node, [], stop=False))]
        return self._resolve(receiver.scope, receiver.name, receiver.kind == "attr")

    def _fit(self, candidate: _Candidate, identified: frozenset[str]) -> TableFact | None:
        groups = fit_table(candidate.values, self.model.catalog, identified)
        if not groups:
            return None
        keys = tuple(dict.fromkeys(v.text for v in candidate.values))
        return TableFact(candidate.node, keys, groups)


def fit_table(
    values: Iterable[Value], catalog: Catalog, identified: frozenset[str]
) -> tuple[TableGroup, ...]:
    """The vocabularies a table's keys come from, best fit first.

    Each round fits the keys not yet explained to the signals with the most hits (the
    module's providers first, reading 7); a round needs at least two keys of two meanings
    (`end_turn` + `max_tokens`, not `max_tokens` + `max_completion_tokens`).
    """
    values = list(values)
    enum_signals = tuple(dict.fromkeys(v.enum_signal for v in values if v.enum_signal))
    candidates = enum_signals or tuple(s for s in catalog.all_signals() if s.values)
    keys = {v.text for v in values}
    if not _mostly_stop_values(keys, catalog):
        return ()
    remaining = set(keys) - {"null"}
    groups: list[TableGroup] = []
    while len(remaining) >= 2:
        fit = fit_families(candidates, remaining, None, identified)
        fitting = [s for s in fit.families if spans_stop_meanings(remaining, s)]
        if not fitting:
            break
        # Families tied on different keys (Anthropic's and Gemini's in one map) are judged
        # apart; families tied on the same keys (OpenAI and LiteLLM) together.
        parts: dict[frozenset[str], list[Signal]] = {}
        for signal in fitting:
            parts.setdefault(frozenset(remaining & signal.values), []).append(signal)
        for hits, part in parts.items():
            groups.append(_group(part, hits, keys, fit.refusal_values, identified, candidates))
        remaining -= {v for s in fit.families for v in s.values}
    return tuple(groups)


def _group(
    part: list[Signal],
    hits: frozenset[str],
    keys: set[str],
    order: tuple[str, ...],
    identified: frozenset[str],
    candidates: tuple[Signal, ...],
) -> TableGroup:
    """One vocabulary's share of a table: which of its refusal values have no key."""
    bearers = [s for s in part if s.refusal]
    refusal = [s.refusal for s in bearers]
    named = any(s.provider in identified for s in part)
    judged = bool(refusal) and not (named and any(not s.refusal for s in part))
    if judged and not named:
        # Reading 7: an imported family without a refusal value that speaks these keys
        # wins over the shared vocabulary (an Ollama module's {"stop": ..., ...}).
        speakers = [s for s in candidates if s.provider in identified and hits & s.values]
        judged = not speakers or any(s.refusal for s in speakers)
    values = tuple(
        dict.fromkeys(
            [*(v for v in order if any(v in r for r in refusal)), *(v for r in refusal for v in r)]
        )
    )
    missing: tuple[str, ...] = ()
    lacking: tuple[Signal, ...] = ()
    gaps = [tuple(v for v in family if v not in keys) for family in refusal]
    if judged and all(gaps):
        fewest = min(len(gap) for gap in gaps)
        closest = {v for gap in gaps if len(gap) == fewest for v in gap}
        missing = tuple(v for v in values if v in closest)
        lacking = tuple(s for s, gap in zip(bearers, gaps, strict=True) if len(gap) == fewest)
    return TableGroup(
        families=tuple(part),
        lacking=lacking,
        hits=tuple(sorted(hits)),
        refusal_values=values,
        missing=missing,
        judged=judged,
    )


def _mostly_stop_values(keys: set[str], catalog: Catalog) -> bool:
    """At least half of the keys are stop values some provider emits (any case)."""
    known = {v.lower() for v in catalog.all_values}
    return 2 * sum(1 for k in keys if k.lower() in known) >= len(keys)


def spans_stop_meanings(keys: Iterable[str], signal: Signal) -> bool:
    """Keys with two of the signal's stop meanings (complete + truncation, refusal + tool):
    `max_tokens` + `max_completion_tokens`, or error codes, make no stop table."""
    meanings = {signal.group_of(k) for k in keys if k in signal.values}
    return len(meanings & STOP_MEANINGS) >= 2


def _lookup_judged(fact: LookupFact, identified: frozenset[str]) -> bool:
    """Whether the lookup speaks a vocabulary with a refusal value (reading 7)."""
    if fact.table is not None:
        return bool(fact.table.judged)
    if fact.subject is None:
        return False
    signals = [s for s in fact.subject.signals if s.values]
    named = [s for s in signals if s.provider in identified]
    if named:
        return all(s.refusal for s in named)
    return any(s.refusal for s in signals)


def success_value(expr: ast.expr, catalog: Catalog, model: ModuleModel | None = None) -> str | None:
    """The success value an expression stands for, as shown in messages, or None.

    A string literal (or, given the module, a constant) among the catalog's `complete`
    values or the generic success words (`"stop"`, `"end_turn"`, `"STOP"`, `"completed"`,
    `"ok"`), or an enum member named like one (`FinishReason.STOP`, `Status.COMPLETE`,
    `Result.OK`) or, given the module, standing for one.
    """
    if isinstance(expr, ast.Attribute) and expr.attr == "value":
        expr = expr.value
    words = _success_words(catalog)
    if isinstance(expr, ast.Constant):
        if isinstance(expr.value, str) and _squash(expr.value) in words:
            return repr(expr.value)
        return None
    if isinstance(expr, ast.Name):
        text = model.constants.get(expr.id) if model is not None else None
        return repr(text) if text is not None and _squash(text) in words else None
    if isinstance(expr, ast.Attribute):
        owner = dotted(expr.value)
        if owner is None or not owner.rsplit(".", 1)[-1][:1].isupper():
            return None
        value = model.value_of(expr) if model is not None else None
        named = expr.attr.isupper() and _squash(expr.attr) in words
        if named or (value is not None and _squash(value.text) in words):
            return f"{owner.rsplit('.', 1)[-1]}.{expr.attr}"
    return None


def _success_words(catalog: Catalog) -> frozenset[str]:
    cached: frozenset[str] | None = _SUCCESS_CACHE.get(id(catalog))
    if cached is None:
        complete = {v.lower() for s in catalog.all_signals() for v in s.groups.get("complete", ())}
        words = (complete - {"none", "null", ""}) | SUCCESS_WORDS
        cached = frozenset(_squash(w) for w in words)
        _SUCCESS_CACHE[id(catalog)] = cached
    return cached


_SUCCESS_CACHE: dict[int, frozenset[str]] = {}


# ---- expression helpers -----------------------------------------------------------------------
def _receiver_nodes(node: ast.expr, receiver: ast.expr) -> list[ast.expr]:
    """The loads of a table that a lookup makes: its receiver, and `in TABLE` in a test."""
    found = [receiver]
    if isinstance(node, ast.IfExp) and isinstance(node.test, ast.Compare):
        found.append(node.test.comparators[0])
    return found


def _unwrap_table(value: ast.expr | None) -> ast.Dict | None:
    """The dict literal an assigned value is, looking through `MappingProxyType({...})`."""
    while isinstance(value, ast.Call) and len(value.args) == 1 and not value.keywords:
        name = dotted(value.func)
        if name is None or name.rsplit(".", 1)[-1] not in TABLE_WRAPPERS:
            return None
        value = value.args[0]
    return value if isinstance(value, ast.Dict) else None


def _constant_like(node: ast.expr, constants: dict[str, str]) -> bool:
    """A dict value a translation table holds: a literal, a constant or an enum member (a
    function or an object makes a dict of handlers, not a translation)."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Name):
        return node.id in constants or node.id.isupper()
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return all(_constant_like(e, constants) for e in node.elts)
    if isinstance(node, ast.Attribute):
        if node.attr == "value":
            return _constant_like(node.value, constants)
        owner = dotted(node.value)
        return owner is not None and owner.rsplit(".", 1)[-1][:1].isupper()
    return False


def _key_core(key: ast.expr) -> ast.expr:
    """The expression a lookup key is made from: `x` in `str(x or "").lower()`."""
    while True:
        if isinstance(key, (ast.Await, ast.NamedExpr)):
            key = key.value
        elif isinstance(key, ast.BoolOp) and isinstance(key.op, ast.Or):
            key = key.values[0]
        elif isinstance(key, ast.IfExp):
            key = key.body
        elif isinstance(key, ast.Attribute) and key.attr in KEY_ATTRS:
            key = key.value
        elif (
            isinstance(key, ast.Call)
            and isinstance(key.func, ast.Attribute)
            and key.func.attr in KEY_METHODS
            and not key.args
        ):
            key = key.func.value
        elif (
            isinstance(key, ast.Call)
            and len(key.args) in (1, 2)
            and (dotted(key.func) or "").rsplit(".", 1)[-1] in KEY_CONVERTERS
        ):
            key = key.args[-1]
        else:
            return key


def _squash(text: str) -> str:
    """`end_turn`, `endTurn` and `END-TURN` alike."""
    return text.lower().replace("_", "").replace("-", "")


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _text(node: ast.AST) -> str:
    if isinstance(node, (ast.Name, ast.Attribute, ast.Subscript, ast.Call)):
        text = dotted(node)
        if text is not None:
            return text
    if isinstance(node, ast.expr):
        return ast.dump(node, annotate_fields=False)
    return ""


def _short(node: ast.AST) -> str:
    text = " ".join(ast.unparse(node).split())
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 3] + "..."
