"""Where responses come from and how they are used: facts for RFL003, RFL004 and RFL011.

A response is known only from what the module shows locally (rule-semantics reading 19):
a client built from an SDK constructor (`anthropic.Anthropic()`, `boto3.client(
"bedrock-runtime")`), an imported SDK function (`litellm.completion`), or a method path
distinctive of one SDK (`.chat.completions.create`). A response received from a project's
own wrapper or as a parameter is not judged. The tracker rides the analyzer's single walk:
`on_stmt` sees every statement before its expressions, `on_node` every expression node.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass, field

from refusal_lint.catalog import Catalog, ResponseSurface
from refusal_lint.facts import Subject
from refusal_lint.loudness import carries, is_loud_body, walk_body
from refusal_lint.model import ModuleModel, dotted

COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
_CHAINS = frozenset({ast.Attribute, ast.Subscript, ast.Call})
# Calls that only look at a value: passing a response to them is not handing it on.
# (`cast` and `json.loads` hand back what they were given: no hand-off either.)
LOOKING_CALLS = frozenset(
    {"print", "len", "str", "repr", "isinstance", "hasattr", "getattr", "type", "bool", "id"}
    | {"cast", "loads"}
)
CONSUMING_METHODS = frozenset({"append", "extend", "write", "put", "send", "join", "update"})
# Events of OpenAI's Responses stream that announce how it ended.
TERMINAL_EVENT_WORDS = ("refusal", "incomplete", "failed")


@dataclass
class Response:
    """One response-returning call and what its function does with the result."""

    call: ast.Call | ast.arg  # the call that returned it, or an annotated parameter
    surfaces: tuple[ResponseSurface, ...]
    stream: bool = False
    first_output: ast.AST | None = None
    parsed_output: ast.AST | None = None  # an output that needs a refusal-field check
    checked: bool = False
    refusal_checked: bool = False
    escaped: bool = False
    looped: bool = False


@dataclass(frozen=True)
class Tracked:
    """What a name holds: a client, or a response (or part of one) at an access path."""

    kind: str  # "client", "response", "stream"
    surfaces: tuple[ResponseSurface, ...]
    response: Response | None = None
    path: tuple[str, ...] = ()

    def extended(self, tokens: tuple[str, ...]) -> Tracked:
        if not tokens:
            return self
        return Tracked(self.kind, self.surfaces, self.response, self.path + tokens)


@dataclass
class UncheckedOutput:
    """RFL003's fact: an output read with no stop-signal check in the function."""

    node: ast.AST
    text: str
    providers: tuple[str, ...]
    parsed: bool = False  # a parsed output read without a refusal-field check


@dataclass
class StreamLoop:
    """A loop consuming a stream's text; RFL004's fact when it has no terminal-signal check."""

    node: ast.For | ast.AsyncFor
    text: str
    providers: tuple[str, ...]
    checked: bool = False  # the function reads how the stream ended


# What a function does with a response (ResponseCall.status), for `audit`.
RESPONSE_STATUSES = ("checked", "unchecked", "handed-on", "streamed", "unread")


@dataclass
class ResponseCall:
    """A response-returning call and how its function treats the result (for `audit`).

    `status` is one of RESPONSE_STATUSES: the stop signal (or refusal field) is read, the
    output is read without that check (RFL003, reported at `output`), the response is
    returned or passed on, consumed by a stream loop (RFL004's), or its output never read.
    """

    node: ast.Call | ast.arg
    text: str
    providers: tuple[str, ...]
    status: str
    output: ast.AST | None = None


@dataclass
class PolicyHandler:
    """RFL011's fact: an `except` for a provider's policy error (or around a call)."""

    node: ast.ExceptHandler
    caught: str
    silent: bool


@dataclass
class _Scope:
    names: dict[str, Tracked] = field(default_factory=dict)
    responses: list[Response] = field(default_factory=list)
    # (loop, iterable text, surfaces, whether the items are text themselves)
    loops: list[tuple[ast.For | ast.AsyncFor, str, tuple[ResponseSurface, ...], bool]] = field(
        default_factory=list
    )
    signal_read: bool = False
    # reading 10: `text, finish_reason = ...` -> signal name, output names, statement
    bound_signals: list[tuple[str, frozenset[str], ast.stmt]] = field(default_factory=list)
    loads: dict[str, list[ast.Name]] = field(default_factory=dict)


class ResponseTracker:
    def __init__(self, model: ModuleModel, catalog: Catalog) -> None:
        self.model = model
        self.catalog = catalog
        self.unchecked: list[UncheckedOutput] = []
        self.loops: list[StreamLoop] = []  # the unchecked ones (RFL004)
        self.consuming_loops: list[StreamLoop] = []  # every loop consuming a stream's text
        self.calls: list[ResponseCall] = []
        self.handlers: list[PolicyHandler] = []
        # Providers the module obtains a stream from (RFL012 asks for mid-stream tests).
        self.streamed: set[str] = set()
        self._scopes: list[_Scope] = [_Scope()]
        self._class_attrs: list[dict[str, Tracked]] = []
        self._seen: set[int] = set()
        self._calls: dict[int, Tracked | None] = {}
        self._factories: dict[str, Tracked] = {}
        self._index = catalog.response_index()
        self._peeking = False
        self._truthy_only: set[int] = set()
        # Plain names only: the last part of a dotted field (`error.code`, `stop_reason.type`)
        # is far too common to count as a check on its own.
        self._check_fields = frozenset(
            {f for s in catalog.surfaces() for f in s.checks}
            | set(catalog.by_field)
            | catalog.presence_fields
        )
        # Read on anything (not a tracked response), only distinctive names count:
        # `logger.error(...)` or `job.status` say nothing about a stream's end.
        self._signal_fields = frozenset(catalog.by_field) | catalog.presence_fields
        self._policy = {e for s in catalog.surfaces() for e in s.policy_exceptions}
        self._request = {e for s in catalog.surfaces() for e in s.request_exceptions}

    def learn_factories(self, tree: ast.Module) -> None:
        """Module functions that return an SDK client (`def get_client(): return OpenAI()`)."""
        for stmt in tree.body:
            if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            made: dict[str, Tracked] = {}
            for node in _statements(stmt.body):
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                    found = self._client_of(node.value)
                    if found is not None:
                        made.update({dotted(t) or "": found for t in node.targets})
                if isinstance(node, ast.Return) and node.value is not None:
                    value = node.value
                    found = self._client_of(value) if isinstance(value, ast.Call) else None
                    found = found or made.get(dotted(value) or "")
                    if found is not None:
                        self._factories[stmt.name] = found

    def _client_of(self, call: ast.Call) -> Tracked | None:
        """The client an SDK constructor call makes (no side effects, unlike classify)."""
        name = dotted(call.func)
        if name is None:
            return None
        resolved = self.model.resolve(name)
        surfaces = tuple(
            surface
            for service, surface in self._index.constructors.get(resolved, ())
            if self._service_matches(service, call)
        )
        if surfaces:  # `OpenAI()` serves both Chat Completions and Responses
            return Tracked("client", surfaces)
        return self._factories.get(name)

    # ---- scopes -------------------------------------------------------------------------
    def enter_function(self, func: ast.FunctionDef | ast.AsyncFunctionDef | None = None) -> None:
        self._scopes.append(_Scope())
        if func is not None:
            self._bind_annotated(func.args)

    def _bind_annotated(self, args: ast.arguments) -> None:
        """Parameters annotated with an SDK stream type are known streams (reading 19)."""
        for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
            if arg.annotation is None:
                continue
            found = self._annotated_kind(arg.annotation)
            # A parameter typed as a response is read by accessors, loggers and guardrail
            # scanners whose caller owns the check; a stream parameter is consumed here.
            if found is not None and found[0] == "stream":
                kind, surface = found
                self.streamed.add(surface.provider)
                response = Response(arg, (surface,), stream=kind == "stream")
                if kind == "response":
                    self.scope.responses.append(response)
                self.scope.names[arg.arg] = Tracked(kind, (surface,), response)

    def _annotated_kind(self, annotation: ast.expr) -> tuple[str, ResponseSurface] | None:
        node = annotation.value if isinstance(annotation, ast.Subscript) else annotation
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text: str | None = node.value.split("[", 1)[0]
        else:
            text = dotted(node)
        if not text:
            return None
        resolved = self.model.resolve(text)
        short = resolved.rsplit(".", 1)[-1]
        for provider in self.catalog.providers:
            if not any(resolved.startswith(root + ".") for root in provider.imports):
                continue
            for surface in provider.responses:
                if short in surface.response_types:
                    return "response", surface
                if short in surface.stream_types:
                    return "stream", surface
        return None

    def exit_function(self) -> None:
        self._close(self._scopes.pop())

    def enter_class(self) -> None:
        self._class_attrs.append({})

    def exit_class(self) -> None:
        self._class_attrs.pop()

    def finish(self) -> None:
        self._close(self._scopes[0])

    @property
    def scope(self) -> _Scope:
        return self._scopes[-1]

    def lookup(self, text: str) -> Tracked | None:
        if text in self.scope.names:
            return self.scope.names[text]
        if text.startswith("self.") and self._class_attrs:
            return self._class_attrs[-1].get(text)
        return self._scopes[0].names.get(text)

    # ---- classification -----------------------------------------------------------------
    def classify_call(self, call: ast.Call) -> Tracked | None:
        """What a call returns: a client, a response or a stream (None if unknown)."""
        key = id(call)
        if key not in self._calls:
            self._calls[key] = self._classify(call)
        return self._calls[key]

    def peek_call(self, call: ast.Call) -> Tracked | None:
        """Like classify_call, but records nothing: for looking ahead into a block."""
        self._peeking = True
        try:
            return self._classify(call)
        finally:
            self._peeking = False

    def _classify(self, call: ast.Call) -> Tracked | None:
        name = dotted(call.func)
        if name is None or "()" in name:  # `anthropic.Anthropic().messages.create(...)`
            return self._classify_chained(call) or (self._distinctive(name, call) if name else None)
        http = self._http_call(name, call)
        if http is not None:
            return http
        resolved = self.model.resolve(name)
        function = self._index.functions.get(resolved)
        if function is not None:
            return self._made(function[0], (function[1],), call)
        client = self._client_of(call)
        if client is not None:
            return client
        found = self._method_call(name, call)
        if found is not None:
            return found
        return self._distinctive(name, call)

    def _http_call(self, name: str, call: ast.Call) -> Tracked | None:
        """`httpx.post("https://api.anthropic.com/v1/messages", ...)`: the JSON is a response."""
        if name.rsplit(".", 1)[-1] not in ("post", "request"):
            return None
        url = call.args[1] if name.endswith("request") and len(call.args) > 1 else None
        url = url or (call.args[0] if call.args else None)
        for keyword in call.keywords:
            if keyword.arg == "url":
                url = keyword.value
        texts = [n.value for n in ast.walk(url) if isinstance(n, ast.Constant)] if url else []
        text = "".join(t for t in texts if isinstance(t, str))
        surfaces = tuple(surface for path, surface in self._index.http_paths if path in text)
        if not surfaces:
            return None
        return self._made("response", surfaces, call)

    def _classify_chained(self, call: ast.Call) -> Tracked | None:
        """`anthropic.Anthropic().messages.create(...)`: a method on an inline client."""
        func = call.func
        parts: list[str] = []
        while isinstance(func, ast.Attribute):
            parts.append(func.attr)
            func = func.value
        if not isinstance(func, ast.Call) or not parts:
            return None
        inner = self.classify_call(func)
        if inner is None or inner.kind != "client":
            return None
        return self._on_client(inner, ".".join(reversed(parts)), call)

    @staticmethod
    def _service_matches(service: str, call: ast.Call) -> bool:
        """`boto3.client("bedrock-runtime")`: the first argument picks the service."""
        if not service:
            return True
        first = call.args[0] if call.args else None
        for keyword in call.keywords:
            if keyword.arg == "service_name":
                first = keyword.value
        return isinstance(first, ast.Constant) and first.value == service

    def _method_call(self, name: str, call: ast.Call) -> Tracked | None:
        parts = name.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            receiver = self.lookup(".".join(parts[:cut]))
            if receiver is not None and receiver.kind == "client":
                return self._on_client(receiver, ".".join(parts[cut:]), call)
        return None

    def _on_client(self, client: Tracked, method: str, call: ast.Call) -> Tracked | None:
        for surface in client.surfaces:
            if method in surface.methods:
                return self._made("response", (surface,), call)
            if method in surface.stream_methods:
                return self._made("stream", (surface,), call)
            if method in surface.collection_methods:
                return self._made("collection", (surface,), call)
            if method in surface.session_methods:
                return Tracked("client", (surface,))
        return None

    def _distinctive(self, name: str, call: ast.Call) -> Tracked | None:
        for suffix, kind, surface in self._index.distinctive:
            if name.endswith(suffix):
                return self._made(kind, (surface,), call)
        return None

    def _made(self, kind: str, surfaces: tuple[ResponseSurface, ...], call: ast.Call) -> Tracked:
        streaming = any(
            k.arg == "stream" and isinstance(k.value, ast.Constant) and k.value.value is True
            for k in call.keywords
        )
        if streaming:
            kind = "stream"
        response = Response(call, surfaces, stream=kind == "stream")
        if not self._peeking:
            self.scope.responses.append(response)
            if response.stream:
                self.streamed.update(s.provider for s in surfaces)
        return Tracked(kind, surfaces, response)

    def track_expr(self, node: ast.expr) -> Tracked | None:
        """What an expression holds: a tracked name, an access into one, or a call's result.

        Reading through `.get("k")`, `["k"]`, `.read()` and `json.loads(...)` keeps the
        access path, so `json.loads(resp["body"].read())["content"]` is the body's content.
        """
        tokens: list[str] = []
        while True:
            node = _unwrap(node)
            if isinstance(node, (ast.Name, ast.Attribute)):
                text = dotted(node)
                tracked = self.lookup(text) if text is not None else None
                if tracked is not None:
                    return tracked.extended(tuple(reversed(tokens)))
            if isinstance(node, ast.Attribute):
                tokens.append(node.attr)
                node = node.value
            elif isinstance(node, ast.Subscript):
                key = node.slice
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    tokens.append(key.value)
                else:
                    tokens.append("[]")
                node = node.value
            elif isinstance(node, ast.Call):
                made = self.classify_call(node)
                if made is not None:
                    return made.extended(tuple(reversed(tokens)))
                inner = self._read_through(node, tokens)
                if inner is None:
                    return None
                node = inner
            else:
                return None

    @staticmethod
    def _read_through(call: ast.Call, tokens: list[str]) -> ast.expr | None:
        """The object a call reads from, recording the read in `tokens`."""
        callee = dotted(call.func)
        if callee in ("json.loads", "cast", "typing.cast") and call.args:
            return call.args[-1]  # cast(T, x) and json.loads(x) hold what x holds
        if not isinstance(call.func, ast.Attribute):
            return None
        method = call.func.attr
        first = call.args[0] if call.args else None
        if method == "get" and isinstance(first, ast.Constant) and isinstance(first.value, str):
            tokens.append(first.value)
        elif method not in ("read", "json"):  # `resp["body"].read()` is still the body
            tokens.append(method + "()")
        return call.func.value

    # ---- statements ---------------------------------------------------------------------
    def on_stmt(self, stmt: ast.stmt) -> None:
        """Before the statement's expressions are read."""
        if isinstance(stmt, (ast.If, ast.While, ast.Assert)):
            self._mark_truthiness(stmt.test)

    def after_stmt(self, stmt: ast.stmt) -> None:
        """After its expressions were read, before nested blocks: bindings take effect."""
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            self._on_assign(stmt)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            for item in stmt.items:
                if isinstance(item.optional_vars, ast.Name):
                    self._bind(item.optional_vars.id, item.context_expr)
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            self._on_for(stmt)
        elif isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
            self._on_try(stmt)  # type: ignore[arg-type]
        self._escape_returned_call(stmt)
        if self._has_tracked():
            self._find_escapes(stmt)

    def _escape_returned_call(self, stmt: ast.stmt) -> None:
        """`return client.messages.create(...)`: the caller owns the response it gets."""
        value: ast.expr | None = None
        if isinstance(stmt, ast.Return):
            value = stmt.value
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, (ast.Yield, ast.YieldFrom)):
            value = stmt.value.value
        value = _unwrap(value) if value is not None else None
        tracked = self._calls.get(id(value)) if isinstance(value, ast.Call) else None
        if tracked is not None and tracked.response is not None:
            tracked.response.escaped = True

    def _on_assign(self, stmt: ast.Assign | ast.AnnAssign) -> None:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        if stmt.value is None or len(targets) != 1:
            return
        target = targets[0]
        if isinstance(target, ast.Tuple):
            self._bind_tuple(target, stmt)
            return
        text = dotted(target)
        if text is None:
            return
        if not self._bind(text, stmt.value):
            self.scope.names.pop(text, None)

    def _bind(self, name: str, value: ast.expr) -> bool:
        tracked = self.track_expr(value)
        if tracked is None:
            return False
        if name.startswith("self.") and self._class_attrs and tracked.kind == "client":
            self._class_attrs[-1][name] = tracked
        elif len(self._scopes) == 1 or tracked.kind != "client" or "." not in name:
            self.scope.names[name] = tracked
        return True

    def _bind_tuple(self, target: ast.Tuple, stmt: ast.stmt) -> None:
        """Reading 10: `text, finish_reason = ...` binds the stop signal by name."""
        names = [e.id for e in target.elts if isinstance(e, ast.Name)]
        signals = [n for n in names if n in self.catalog.signal_field_names()]
        if signals and len(names) > len(signals):
            outputs = frozenset(n for n in names if n not in signals)
            self.scope.bound_signals.append((signals[0], outputs, stmt))

    def _on_for(self, stmt: ast.For | ast.AsyncFor) -> None:
        iterable = _unwrap(stmt.iter)
        tracked = self.track_expr(iterable)
        if tracked is None:
            return
        if tracked.kind == "collection" and not tracked.path and isinstance(stmt.target, ast.Name):
            # `for entry in client.messages.batches.results(...)`: each item is a result
            self.scope.names[stmt.target.id] = tracked.extended(("[]",))
            return
        if tracked.kind == "response" and not tracked.path and tracked.response is not None:
            # Only a stream is iterable: `for chunk in client.chat.completions.create(...)`
            # with `stream=True` passed through **kwargs.
            tracked.response.stream = True
            self.streamed.update(s.provider for s in tracked.surfaces)
            tracked = Tracked("stream", tracked.surfaces, tracked.response)
        if tracked.kind == "stream" or _names_a_stream(tracked.path):
            if tracked.response is not None:
                tracked.response.looped = True
            text = ast.unparse(stmt.iter)[:60]
            self.scope.loops.append((stmt, text, tracked.surfaces, _text_items(tracked)))
            return
        if tracked.kind == "response" and isinstance(stmt.target, ast.Name):
            item = Tracked("response", tracked.surfaces, tracked.response, (*tracked.path, "[]"))
            self.scope.names[stmt.target.id] = item

    def _on_try(self, stmt: ast.Try) -> None:
        around_call: bool | None = None  # computed only when a handler needs it
        for handler in stmt.handlers:
            caught = self._caught(handler, around_call=False)
            if caught is None and self._may_catch_call_errors(handler):
                if around_call is None:
                    around_call = self._around_call(stmt)
                caught = self._caught(handler, around_call)
            if caught is not None:
                self.handlers.append(PolicyHandler(handler, caught, self._silent(handler)))

    def _may_catch_call_errors(self, handler: ast.ExceptHandler) -> bool:
        if handler.type is None:
            return True
        kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        names = {(dotted(k) or "").rsplit(".", 1)[-1] for k in kinds}
        return bool(names & (self._request | {"Exception", "BaseException"}))

    def _around_call(self, stmt: ast.Try) -> bool:
        """The try body is (at most three statements around) a response-returning call."""
        if len(stmt.body) > 3:
            return False
        calls = [n for n in walk_body(stmt.body) if isinstance(n, ast.Call)]
        return any((t := self.peek_call(c)) is not None and t.kind != "client" for c in calls)

    def _caught(self, handler: ast.ExceptHandler, around_call: bool) -> str | None:
        if handler.type is None:
            return "bare except" if around_call else None
        kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        names = [(dotted(k) or "").rsplit(".", 1)[-1] for k in kinds]
        for name in names:
            if name in self._policy or (around_call and name in self._request):
                return name
        for name in names:
            if around_call and name in ("Exception", "BaseException"):
                return name
        return None

    @staticmethod
    def _silent(handler: ast.ExceptHandler) -> bool:
        name = handler.name or "__no_exception_name__"
        holder = Subject(
            key=name,
            text=name,
            field="",
            signals=(),
            carriers=frozenset({name}),
            names=frozenset({name}),
        )
        return not is_loud_body(handler.body, holder, ())

    def _mark_truthiness(self, test: ast.expr) -> None:
        """Reading 18: `if x.finish_reason:` / `is None` notices the end, not how."""
        for part in _truth_parts(test):
            self._truthy_only.add(id(part))

    # ---- expressions --------------------------------------------------------------------
    def on_name_load(self, node: ast.Name) -> None:
        """A name read: `on_node` for the most common node, without its type tests."""
        self.scope.loads.setdefault(node.id, []).append(node)

    def on_node(self, node: ast.AST) -> None:
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                self.on_name_load(node)
            return
        if type(node) not in _CHAINS:
            if isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
                self._bind(node.target.id, node.value)
            elif isinstance(node, COMPREHENSIONS):
                self._on_comprehension(node)
            elif isinstance(node, ast.Compare):
                self._on_event_compare(node)
            return
        if id(node) in self._seen or not isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
            return
        self._mark_inner(node)
        if self._reads_signal_field(node) and id(node) not in self._truthy_only:
            self.scope.signal_read = True
        tracked = self.track_expr(node)
        if tracked is None or tracked.response is None or tracked.kind == "client":
            return
        self._record_read(tracked, node)

    def _record_read(self, tracked: Tracked, node: ast.AST) -> None:
        response = tracked.response
        assert response is not None
        if any(token in self.catalog.presence_fields for token in tracked.path):
            # `if message.refusal:` is a refusal branch (reading 2), truthiness and all.
            response.checked = response.refusal_checked = True
            return
        if any(token in self._check_fields for token in tracked.path):
            if id(node) not in self._truthy_only:  # reading 18: noticing the end is no check
                response.checked = True
            return
        for surface in tracked.surfaces:
            if _matches(tracked.path, surface.parsed_outputs):
                response.parsed_output = response.parsed_output or node
            if _matches(tracked.path, surface.outputs):
                response.first_output = response.first_output or node
                return

    def _reads_output(self, tracked: Tracked) -> bool:
        return any(_matches(tracked.path, s.outputs) for s in tracked.surfaces)

    def _reads_signal_field(self, node: ast.AST) -> bool:
        for inner in _chain_nodes(node):
            if isinstance(inner, ast.Attribute) and inner.attr in self._signal_fields:
                return True
            if isinstance(inner, ast.Subscript):
                key = inner.slice
                if isinstance(key, ast.Constant) and key.value in self._signal_fields:
                    return True
            if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute):
                first = inner.args[0] if inner.args else None
                is_get = inner.func.attr == "get" and isinstance(first, ast.Constant)
                if is_get and first.value in self._signal_fields:  # type: ignore[union-attr]
                    return True
        return False

    def _on_event_compare(self, node: ast.Compare) -> None:
        """`event.type == "response.incomplete"` tells how a Responses stream ended."""
        for side in [node.left, *node.comparators]:
            value = side.value if isinstance(side, ast.Constant) else None
            if isinstance(value, str) and _is_terminal_event(value):
                self.scope.signal_read = True

    def _on_comprehension(self, node: ast.AST) -> None:
        """`"".join(b.text for b in resp.content)`: the element reads the output."""
        generators = getattr(node, "generators", [])
        bound: list[str] = []
        for generator in generators:
            tracked = self.track_expr(generator.iter)
            target = generator.target
            if tracked is not None and tracked.response and isinstance(target, ast.Name):
                self.scope.names[target.id] = tracked.extended(("[]",))
                bound.append(target.id)
        if not bound:
            return
        for child in ast.walk(node):
            if child is not node and not isinstance(child, COMPREHENSIONS):
                self.on_node(child)
        for name in bound:
            self.scope.names.pop(name, None)

    def _mark_inner(self, node: ast.AST) -> None:
        for inner in _chain_nodes(node):
            self._seen.add(id(inner))

    # ---- escapes ------------------------------------------------------------------------
    def _has_tracked(self) -> bool:
        return any(t.response is not None for t in self.scope.names.values())

    def _find_escapes(self, stmt: ast.stmt) -> None:
        """A response returned, yielded, stored or passed on is someone else's duty."""
        # Handing on the text (`return text`) is not handing on the response.
        names = {
            n: t
            for n, t in self.scope.names.items()
            if t.response is not None and not self._reads_output(t)
        }
        whole = frozenset(names)
        for expr in _escape_points(stmt):
            for name, tracked in names.items():
                if carries(expr, frozenset({name})):
                    assert tracked.response is not None
                    tracked.response.escaped = True
        for node in _header_nodes(stmt):
            if isinstance(node, ast.Call) and _hands_on(node, whole):
                for name, tracked in names.items():
                    if _passes(node, name):
                        assert tracked.response is not None
                        tracked.response.escaped = True

    # ---- results ------------------------------------------------------------------------
    def _close(self, scope: _Scope) -> None:
        for response in scope.responses:
            self._judge_response(response)
        for loop, text, surfaces, text_items in scope.loops:
            if _consumes_text(loop, text_items):
                providers = tuple(dict.fromkeys(s.provider for s in surfaces))
                fact = StreamLoop(loop, text, providers, checked=scope.signal_read)
                self.consuming_loops.append(fact)
                if not fact.checked:
                    self.loops.append(fact)
        for signal, outputs, stmt in scope.bound_signals:
            if any(n.lineno > stmt.lineno for n in scope.loads.get(signal, [])):
                continue
            uses = [n for o in outputs for n in scope.loads.get(o, []) if n.lineno >= stmt.lineno]
            if uses:
                first = min(uses, key=lambda n: (n.lineno, n.col_offset))
                self.unchecked.append(UncheckedOutput(first, first.id, ()))

    def _judge_response(self, response: Response) -> None:
        providers = tuple(dict.fromkeys(s.provider for s in response.surfaces))
        origin = response.call
        text = (
            origin.arg if isinstance(origin, ast.arg) else ast.unparse(origin.func)[:60] + "(...)"
        )
        status, output, parsed = _response_status(response)
        self.calls.append(ResponseCall(origin, text, providers, status, output))
        if status == "unchecked" and output is not None:
            self.unchecked.append(UncheckedOutput(output, text, providers, parsed=parsed))


def _response_status(response: Response) -> tuple[str, ast.AST | None, bool]:
    """A ResponseCall status; for "unchecked", the output read RFL003 reports and whether
    it is a parsed output read without a refusal-field check."""
    if response.looped:
        return "streamed", None, False  # consumed by a stream loop: RFL004's to judge
    if response.escaped:
        return "handed-on", None, False  # returned, stored or passed on: the caller's duty
    if response.first_output is not None and not response.checked:
        return "unchecked", response.first_output, False
    if response.parsed_output is not None and not response.refusal_checked:
        return "unchecked", response.parsed_output, True
    if response.checked or response.refusal_checked:
        return "checked", None, False
    return "unread", None, False


def _statements(stmts: list[ast.stmt]) -> Iterable[ast.stmt]:
    """Every statement of a body, nested blocks included, without reading expressions."""
    stack = list(reversed(stmts))
    while stack:
        stmt = stack.pop()
        yield stmt
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for name in ("body", "orelse", "finalbody"):
            stack.extend(reversed(getattr(stmt, name, [])))
        for handler in getattr(stmt, "handlers", []):
            stack.extend(reversed(handler.body))
        for case in getattr(stmt, "cases", []):
            stack.extend(reversed(case.body))


def _is_terminal_event(event_type: str) -> bool:
    return event_type.startswith("response.") and any(
        word in event_type for word in TERMINAL_EVENT_WORDS
    )


def _unwrap(node: ast.expr) -> ast.expr:
    while isinstance(node, (ast.Await, ast.NamedExpr)):
        node = node.value
    return node


def _names_a_stream(path: tuple[str, ...]) -> bool:
    """`stream.text_stream`, `response["stream"]` (ConverseStream), `resp.body` events."""
    return bool(path) and path[-1] in ("text_stream", "stream")


def _matches(path: tuple[str, ...], patterns: Iterable[str]) -> bool:
    for pattern in patterns:
        tokens = _pattern_tokens(pattern)
        if tuple(path[: len(tokens)]) == tokens:
            return True
    return False


def _pattern_tokens(pattern: str) -> tuple[str, ...]:
    """ "choices[].message.content" -> ("choices", "[]", "message", "content")."""
    tokens: list[str] = []
    for part in pattern.split("."):
        while part.endswith("[]"):
            part = part[:-2]
            if part:
                tokens.append(part)
            tokens.append("[]")
            part = ""
        if part:
            tokens.append(part)
    return tuple(tokens)


def _chain_nodes(node: ast.AST) -> list[ast.AST]:
    found: list[ast.AST] = []
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        found.append(node)
        node = node.func if isinstance(node, ast.Call) else node.value
    found.append(node)
    return found


def _truth_parts(test: ast.expr) -> list[ast.AST]:
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _truth_parts(test.operand)
    if isinstance(test, ast.BoolOp):
        return [p for v in test.values for p in _truth_parts(v)]
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        right = test.comparators[0]
        if isinstance(right, ast.Constant) and right.value is None:
            return [test.left]
        return []
    return [test] if isinstance(test, (ast.Attribute, ast.Subscript, ast.Call)) else []


def _escape_points(stmt: ast.stmt) -> list[ast.expr]:
    """Expressions whose value leaves the function or lands in an object or container."""
    found: list[ast.expr] = []
    if isinstance(stmt, ast.Return) and stmt.value is not None:
        found.append(stmt.value)
    is_yield = isinstance(stmt, ast.Expr) and isinstance(stmt.value, (ast.Yield, ast.YieldFrom))
    if is_yield and stmt.value.value is not None:  # type: ignore[attr-defined]
        found.append(stmt.value.value)  # type: ignore[attr-defined]
    if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        container = isinstance(stmt.value, (ast.Dict, ast.List, ast.Tuple, ast.Set, ast.Call))
        if container or any(isinstance(t, (ast.Attribute, ast.Subscript)) for t in targets):
            found.append(stmt.value)
    return found


def _header_nodes(stmt: ast.stmt) -> list[ast.AST]:
    if isinstance(stmt, (ast.If, ast.While)):
        roots: list[ast.AST] = [stmt.test]
    elif isinstance(stmt, (ast.For, ast.AsyncFor)):
        roots = [stmt.iter]
    elif isinstance(stmt, (ast.With, ast.AsyncWith)):
        roots = [i.context_expr for i in stmt.items]
    elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Try)) or (
        type(stmt).__name__ in ("TryStar", "Match")
    ):
        roots = []
    else:
        roots = [stmt]
    return [n for root in roots for n in ast.walk(root)]


def _hands_on(call: ast.Call, names: frozenset[str]) -> bool:
    """A call taking a response as an argument, other than one that only looks at it."""
    callee = dotted(call.func) or ""
    if callee.rsplit(".", 1)[-1] in LOOKING_CALLS or "log" in callee.lower():
        return False
    return any(_passes(call, name) for name in names)


def _passes(call: ast.Call, name: str) -> bool:
    args = [*call.args, *(k.value for k in call.keywords)]
    return any(isinstance(a, ast.Name) and a.id == name for a in args) or any(
        isinstance(a, ast.Starred) and isinstance(a.value, ast.Name) and a.value.id == name
        for a in args
    )


def _text_items(tracked: Tracked) -> bool:
    return bool(tracked.path) and tracked.path[-1] == "text_stream"


def _consumes_text(loop: ast.For | ast.AsyncFor, text_items: bool) -> bool:
    """The loop body accumulates, yields, prints or forwards what the items hold.

    Names assigned from the item inside the body carry it too (`delta = chunk.choices[0]
    .delta`, `piece = delta.content or ""`). Yielding a whole event or chunk hands it, and
    its stop signal, to the consumer; only looking at it (`isinstance`, `len`) is not use.
    """
    target = dotted(loop.target) if isinstance(loop.target, ast.Name) else None
    if target is None:
        return False
    tainted = {target}
    for node in walk_body(loop.body):
        value: ast.AST | None = None
        if isinstance(node, ast.Assign) and _mentions_any(node.value, tainted):
            tainted.update(
                n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name)
            )
        elif isinstance(node, ast.AugAssign):
            value = node.value
        elif isinstance(node, (ast.Yield, ast.YieldFrom)):
            whole = isinstance(node.value, ast.Name) and node.value.id == target
            value = None if whole and not text_items else node.value
        elif isinstance(node, ast.Call):
            callee = dotted(node.func) or ""
            looking = callee.rsplit(".", 1)[-1] in LOOKING_CALLS and callee != "print"
            if not looking and "log" not in callee.lower():
                value = ast.Tuple(
                    elts=[*node.args, *(k.value for k in node.keywords)], ctx=ast.Load()
                )
        if value is not None and _mentions_any(value, tainted):
            return True
    return False


def _mentions_any(node: ast.AST, names: set[str]) -> bool:
    return any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(node))
