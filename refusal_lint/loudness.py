"""Is a branch body loud (raises, warns, hands the signal on) or silent?

Two definitions from the issue, kept apart on purpose:
- a *default path* must be loud; anything that is not provably loud is silent;
- a *refusal branch* is silent only when it provably does nothing with the refusal
  (pass, continue, a constant return, a debug log); anything else is handling.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from refusal_lint.model import dotted

LOUD_LOG_METHODS = frozenset({"warning", "warn", "error", "exception", "critical", "fatal"})
QUIET_LOG_METHODS = frozenset({"debug", "info", "log", "trace"})
SCOPE_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def walk_body(stmts: list[ast.stmt]) -> Iterator[ast.AST]:
    """Every node of the statements, not descending into nested functions or classes."""
    stack: list[ast.AST] = list(reversed(stmts))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, SCOPE_NODES):
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(node))))


def is_loud_call(call: ast.Call, loud_calls: tuple[str, ...]) -> bool:
    """A warning-or-worse log, `warnings.warn`, or a configured alert function."""
    name = dotted(call.func)
    if name is None:
        return False
    receiver, _, method = name.rpartition(".")
    if method in LOUD_LOG_METHODS and _looks_like_logger(receiver):
        return True
    if name in ("warnings.warn", "warn"):
        return True
    return any(name == c or name.endswith("." + c) or c.endswith("." + name) for c in loud_calls)


def _looks_like_logger(receiver: str) -> bool:
    last = receiver.rsplit(".", 1)[-1].lower()
    return "log" in last or last in ("warnings", "console") or receiver == "logging"


def is_quiet_call(call: ast.Call) -> bool:
    """print() and debug/info logs: they tell nobody."""
    name = dotted(call.func)
    if name is None:
        return False
    if name == "print":
        return True
    receiver, _, method = name.rpartition(".")
    return method in QUIET_LOG_METHODS and _looks_like_logger(receiver)


def carries(expr: ast.AST | None, carriers: frozenset[str]) -> bool:
    """True if `expr` contains the signal, or an object it came from, as a whole value."""
    if expr is None:
        return False
    for node in ast.walk(expr):
        text = dotted(node) if isinstance(node, (ast.Name, ast.Attribute, ast.Subscript)) else None
        if text is not None and text in carriers and not _is_read_through(node, expr):
            return True
    return False


def _is_read_through(node: ast.AST, root: ast.AST) -> bool:
    """Whether `node` is only the object of a longer read (`resp` in `resp.content`)."""
    for parent in ast.walk(root):
        if isinstance(parent, (ast.Attribute, ast.Subscript)) and parent.value is node:
            if isinstance(parent, ast.Attribute) and parent.attr in ("value", "name"):
                return False
            return True
    return False


def is_loud_body(stmts: list[ast.stmt], carriers: frozenset[str], loud_calls: tuple[str, ...]) -> bool:
    """Raises, warns/alerts, or returns/yields/stores/passes on the signal."""
    for node in walk_body(stmts):
        if isinstance(node, ast.Raise):
            return True
        if isinstance(node, ast.Call):
            if is_loud_call(node, loud_calls):
                return True
            if not is_quiet_call(node) and any(
                carries(arg, carriers) for arg in [*node.args, *(k.value for k in node.keywords)]
            ):
                return True
        if isinstance(node, (ast.Return, ast.Yield, ast.YieldFrom)) and carries(node.value, carriers):
            return True
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and carries(node.value, carriers):
            return True
    return False


def is_trivially_silent(stmts: list[ast.stmt]) -> bool:
    """Only pass / ... / continue / break / constant results / print / debug logs."""
    return bool(stmts) and all(_is_trivial(stmt) for stmt in stmts)


def _is_trivial(stmt: ast.stmt) -> bool:
    if isinstance(stmt, (ast.Pass, ast.Continue, ast.Break)):
        return True
    if isinstance(stmt, ast.Return):
        return stmt.value is None or is_empty_constant(stmt.value)
    if isinstance(stmt, ast.Assign):
        return is_empty_constant(stmt.value)
    if isinstance(stmt, ast.AnnAssign):
        return stmt.value is None or is_empty_constant(stmt.value)
    if isinstance(stmt, ast.Expr):
        value = stmt.value
        if isinstance(value, ast.Constant):
            return True
        if isinstance(value, (ast.Yield, ast.Await)):
            return value.value is None or is_empty_constant(value.value)
        if isinstance(value, ast.Call):
            return is_quiet_call(value)
    return False


def is_empty_constant(expr: ast.expr) -> bool:
    """A literal constant, None, or an empty container / f-string-free literal."""
    if isinstance(expr, ast.Constant):
        return True
    if isinstance(expr, (ast.List, ast.Tuple, ast.Set)):
        return all(is_empty_constant(e) for e in expr.elts)
    if isinstance(expr, ast.Dict):
        return all(v is not None and is_empty_constant(v) for v in expr.values) and all(
            k is None or is_empty_constant(k) for k in expr.keys
        )
    if isinstance(expr, ast.Call) and not expr.args and not expr.keywords:
        return dotted(expr.func) in ("list", "dict", "tuple", "set", "str")
    return False
