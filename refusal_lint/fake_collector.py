"""RFL012's reading of a Python test file: the fake responses and stream events it builds.

A separate pass over the tree the engine already parsed, run only on test files and only
while RFL012 is enabled. It does not ride the analyzer's walk on purpose: that walk follows
statements in control-flow order and skips what test suites are made of (decorator
arguments such as `@pytest.mark.parametrize`, parameter defaults of factory helpers,
comprehensions), and it would have to record every call's keywords and every dict's keys,
which no other rule asks for.

A fake is any call or dict literal with a stop-signal field (`Message(stop_reason=...)`,
`SimpleNamespace(finish_reason=...)`, `Mock(**{"stopReason": ...})`, `{"stop_reason":
...}`), an assignment to such a field (`resp.stop_reason = "refusal"`), a parameter default
or `parametrize` value named for one, or a recorded body in a string. A list or tuple of
two or more items, and the `yield`s of a generator function in source order, are streams.
"""

from __future__ import annotations

import ast
import re
from bisect import bisect_left
from collections.abc import Iterator, Sequence

from refusal_lint.cassettes import mentions_a_record, scan_text
from refusal_lint.catalog import Catalog
from refusal_lint.evidence import Event, EventBuilder, Evidence, FamilyIndex, family_index
from refusal_lint.model import ModuleModel, dotted

FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
# Words in a helper's name that say it builds a stream piece (`text_delta("Hi")`).
DELTA_WORDS = frozenset({"delta", "chunk"})
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
_SHORTEST_RECORD = len("stopReason:x")  # the shortest field name, a separator, a value


def collect_fakes(tree: ast.Module, catalog: Catalog, source: str | None = None) -> Evidence:
    """Every fake response and stream fixture of one test module.

    With the module's `source`, only the top-level statements (and class-level statements)
    whose lines name a stop-signal field, a refusal field or class, or a refusal value are
    walked: the rest cannot hold a fake, and test files are often long.
    """
    collector = _Collector(tree, catalog)
    roots: Sequence[ast.stmt] = tree.body
    if source is not None:
        roots = _relevant(tree.body, _lines_naming(source, collector.index.triggers))
    return collector.run(roots)


def _lines_naming(source: str, words: Sequence[str]) -> list[int]:
    """The sorted numbers of the lines where any of `words` occurs."""
    line_starts = [0, *(m.end() for m in re.finditer("\n", source))]
    lines = set()
    for word in words:
        start = 0
        while (found := source.find(word, start)) >= 0:
            lines.add(bisect_left(line_starts, found + 1))
            start = found + len(word)
    return sorted(lines)


def _relevant(stmts: list[ast.stmt], lines: list[int]) -> list[ast.stmt]:
    kept: list[ast.stmt] = []
    for stmt in stmts:
        decorators = getattr(stmt, "decorator_list", [])
        first = min([stmt.lineno, *(d.lineno for d in decorators)])
        at = bisect_left(lines, first)
        if at == len(lines) or lines[at] > (stmt.end_lineno or stmt.lineno):
            continue
        if isinstance(stmt, ast.ClassDef):
            kept.extend(_relevant(stmt.body, lines))
        else:
            kept.append(stmt)
    return kept


class _Collector:
    def __init__(self, tree: ast.Module, catalog: Catalog) -> None:
        self.model = ModuleModel(catalog)
        self.model.learn_module(tree)
        self.index: FamilyIndex = family_index(catalog)
        self.identified = self.model.identified_providers()
        self.keys: dict[int, str] = {}  # id(value) -> the keyword / dict key it sits under
        self.evidence = Evidence()

    def run(self, roots: Sequence[ast.AST]) -> Evidence:
        nodes, parents = _walk(roots)
        events: list[Event | None] = []
        for node in nodes:  # a parent comes before its children: keys are noted in time
            self._note_keys(node)
            event = self._own_event(node)
            events.append(event)
            if event is not None:
                self.evidence.add(event)
        streams = _streams(nodes, parents)
        if streams:
            inner = _subtree_events(events, parents)
            for elements in streams:
                self.evidence.add_stream([inner[i] or Event() for i in elements])
        return self.evidence

    def _note_keys(self, node: ast.AST) -> None:
        """Remember the field name each nested value sits under (`delta=Delta(text=...)`)."""
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg is not None:
                    self.keys[id(keyword.value)] = keyword.arg
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    self.keys[id(value)] = key.value

    # ---- what one node says -------------------------------------------------------------
    def _own_event(self, node: ast.AST) -> Event | None:
        """What this node itself says: a call's keywords, a dict's keys, an assignment to a
        field, a factory's defaults, a recorded body (None for any other node)."""
        if isinstance(node, ast.Constant):
            return self._text(node.value) if isinstance(node.value, (str, bytes)) else None
        if not isinstance(node, (ast.Call, ast.Dict, ast.Assign, ast.AnnAssign, *FUNCTIONS)):
            return None
        builder = EventBuilder(self.index, self.identified)
        if isinstance(node, ast.Call):
            self._call(node, builder)
        elif isinstance(node, ast.Dict):
            parent = self._parent(node)
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    self._field(builder, (*parent, key.value), value)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                path = _target_path(target)
                if path and node.value is not None:
                    self._field(builder, path, node.value)
        else:
            self._function(node, builder)
        return builder.build()

    def _parent(self, node: ast.AST) -> tuple[str, ...]:
        parent = self.keys.get(id(node))
        return (parent,) if parent is not None else ()

    def _call(self, call: ast.Call, builder: EventBuilder) -> None:
        parent = self._parent(call)
        name = (dotted(call.func) or "").rsplit(".", 1)[-1]
        builder.refusal_class(name)
        for keyword in call.keywords:
            if keyword.arg is not None:
                self._field(builder, (*parent, keyword.arg), keyword.value)
        for arg in call.args:
            self._loose(builder, arg)
        words = {w.lower() for w in _WORD.findall(name)}
        if words & DELTA_WORDS and any(_is_text(arg) for arg in call.args):
            builder.delta()

    def _function(
        self, func: ast.FunctionDef | ast.AsyncFunctionDef, builder: EventBuilder
    ) -> None:
        """Factory defaults (`def make(stop_reason="end_turn")`) and parametrize values."""
        args = func.args
        positional = [*args.posonlyargs, *args.args]
        with_default = positional[len(positional) - len(args.defaults) :]
        defaults = zip(with_default, args.defaults, strict=True)
        keyword_defaults = zip(args.kwonlyargs, args.kw_defaults, strict=True)
        for arg, default in [*defaults, *keyword_defaults]:
            if default is not None:
                self._field(builder, (arg.arg,), default)
        for decorator in func.decorator_list:
            for name, value in _parametrized(decorator):
                self._field(builder, (name,), value)
                self._loose(builder, value)

    def _field(self, builder: EventBuilder, path: tuple[str, ...], node: ast.expr) -> None:
        """A fake's field set to `node`: its stop value, if it is one, and what else it says
        (a refusal field set, output text, a delta marker)."""
        value = self.model.value_of(node)
        if value is None:
            builder.item(path, None, _present(node))
        elif value.kind == "int":  # a proto enum's number (`finish_reason=3`)
            builder.stop_value(path, self._member(path, value.text))
            builder.item(path, None, _present(node))
        else:
            builder.stop_value(path, value.text, value.enum_signal)
            builder.item(path, value.text, _present(node))

    def _member(self, path: tuple[str, ...], number: str) -> str:
        """A proto enum's number as the value its member stands for, where one fits."""
        for signal in self.index.signals(path):
            member = signal.int_to_member(int(number))
            if member is not None:
                return signal.member_value(member) or member
        return number

    def _loose(self, builder: EventBuilder, node: ast.expr) -> None:
        value = self.model.value_of(node)
        if value is not None and value.kind != "int":
            builder.loose_value(value.text, value.enum_signal)

    def _text(self, raw: str | bytes) -> Event | None:
        if len(raw) < _SHORTEST_RECORD:
            return None  # names, ids, messages: far too short to hold `field: value`
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        if not mentions_a_record(text, self.index):
            return None
        return scan_text(text, self.index, self.evidence)


# Fields whose nodes say nothing about a fake (`Load`, `Add`, `Eq`): not walked at all.
_SKIPPED_FIELDS = frozenset({"ctx", "op", "ops"})


def _walk(roots: Sequence[ast.AST]) -> tuple[list[ast.AST], list[int]]:
    """Every node, breadth first (a parent before its children), and its parent's index
    (-1 for the roots)."""
    nodes: list[ast.AST] = list(roots)
    parents = [-1] * len(nodes)
    for index, node in enumerate(nodes):  # grows while it is read
        for name in node._fields:
            if name in _SKIPPED_FIELDS:
                continue
            value = getattr(node, name, None)
            if isinstance(value, ast.AST):
                nodes.append(value)
                parents.append(index)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        nodes.append(item)
                        parents.append(index)
    return nodes, parents


def _subtree_events(events: list[Event | None], parents: list[int]) -> list[Event | None]:
    """What each node's subtree carries, children folded into parents in one pass."""
    inner = list(events)
    for index in range(len(inner) - 1, -1, -1):
        event, parent = inner[index], parents[index]
        if event is not None and parent >= 0:
            above = inner[parent]
            inner[parent] = event if above is None else above.merged(event)
    return inner


def _streams(nodes: list[ast.AST], parents: list[int]) -> list[list[int]]:
    """Ordered runs of stream events, as node indices: the items of a list or tuple
    literal, and the values a generator function yields, in source order."""
    runs: list[list[ast.expr]] = []
    yields: dict[int, list[ast.Yield]] = {}
    for index, node in enumerate(nodes):
        if isinstance(node, (ast.List, ast.Tuple)) and len(node.elts) >= 2:
            runs.append(node.elts)
        elif isinstance(node, ast.Yield) and node.value is not None:
            owner = _enclosing_function(nodes, parents, index)
            if owner is not None:
                yields.setdefault(owner, []).append(node)
    for found in yields.values():
        if len(found) >= 2:
            found.sort(key=lambda n: (n.lineno, n.col_offset))
            runs.append([n.value for n in found if n.value is not None])
    if not runs:
        return []
    wanted = {id(item) for run in runs for item in run}
    position = {id(node): i for i, node in enumerate(nodes) if id(node) in wanted}
    return [[position[id(item)] for item in run] for run in runs]


def _enclosing_function(nodes: list[ast.AST], parents: list[int], index: int) -> int | None:
    while parents[index] >= 0:
        index = parents[index]
        if isinstance(nodes[index], FUNCTIONS):
            return index
        if isinstance(nodes[index], (ast.Lambda, ast.ClassDef)):
            return None
    return None


def _parametrized(decorator: ast.expr) -> Iterator[tuple[str, ast.expr]]:
    """(argument name, value) pairs of `@pytest.mark.parametrize("names", [rows])`."""
    if not isinstance(decorator, ast.Call) or len(decorator.args) < 2:
        return
    if not (dotted(decorator.func) or "").endswith("parametrize"):
        return
    names = _argnames(decorator.args[0])
    rows = decorator.args[1]
    if not names or not isinstance(rows, (ast.List, ast.Tuple)):
        return
    for row in rows.elts:
        if isinstance(row, ast.Call) and (dotted(row.func) or "").split(".")[-1] == "param":
            values = list(row.args)  # pytest.param(values..., id=...)
        elif len(names) == 1:
            values = [row]
        elif isinstance(row, (ast.Tuple, ast.List)):
            values = row.elts
        else:
            continue
        yield from zip(names, values, strict=False)  # a short row is pytest's error to report


def _argnames(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [n.strip() for n in node.value.split(",") if n.strip()]
    if isinstance(node, (ast.List, ast.Tuple)):
        return [
            e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)
        ]
    return []


def _target_path(target: ast.expr) -> tuple[str, ...]:
    """`resp.choices[0].finish_reason` -> (..., "choices", "[]", "finish_reason")."""
    parts: list[str] = []
    node: ast.expr = target
    while True:
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Subscript):
            key = node.slice
            is_key = isinstance(key, ast.Constant) and isinstance(key.value, str)
            parts.append(str(key.value) if is_key else "[]")  # type: ignore[attr-defined]
            node = node.value
        elif isinstance(node, ast.Name):
            parts.append(node.id)
            return tuple(reversed(parts))
        else:
            return tuple(reversed(parts))


def _present(node: ast.expr) -> bool:
    """False for `None`, `""`, `False` and empty literals: a refusal field left unset."""
    if isinstance(node, ast.Constant):
        return bool(node.value)
    if isinstance(node, (ast.Dict, ast.List, ast.Tuple, ast.Set)):
        return bool(node.keys if isinstance(node, ast.Dict) else node.elts)
    return True


def _is_text(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and bool(node.value)
