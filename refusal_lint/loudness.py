"""Is a branch body loud (raises, warns, hands the signal on) or silent?

Two definitions from the issue, kept apart on purpose:
- a *default path* must be loud; anything that is not provably loud is silent;
- a *refusal branch* is silent only when it provably does nothing with the refusal
  (pass, continue, a constant return, a debug log); anything else is handling.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from refusal_lint.facts import Dispatch, Subject
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


def carries(
    expr: ast.AST | None, carriers: frozenset[str], signal: frozenset[str] = frozenset()
) -> bool:
    """True if `expr` hands on a carrier as a whole value.

    Containers, constructor calls (`Result(text, reason)`) and `await` keep what they
    hold; any other call transforms its arguments, so only the signal itself (`signal`)
    passed to it still carries (`str(reason)`, `normalize(reason)`).
    """
    if expr is None:
        return False
    stack: list[ast.AST] = [expr]
    while stack:
        node = stack.pop()
        text = dotted(node) if isinstance(node, (ast.Name, ast.Attribute, ast.Subscript)) else None
        if text is not None:
            if text in carriers or text in signal:
                return True
            if isinstance(node, ast.Attribute) and node.attr in ("value", "name"):
                stack.append(node.value)
            continue
        if isinstance(node, ast.Call):
            if _is_constructor(node):
                stack.extend([*node.args, *(k.value for k in node.keywords)])
            elif signal:
                args = [*node.args, *(k.value for k in node.keywords)]
                if isinstance(node.func, ast.Attribute):
                    args.append(node.func.value)  # `reason.lower()`
                stack.extend(a for a in args if carries(a, signal))
            continue
        stack.extend(ast.iter_child_nodes(node))
    return False


def _is_constructor(call: ast.Call) -> bool:
    """`Result(...)`, `Result.from_response(...)` (a class's factory), `dict(...)`."""
    name = dotted(call.func)
    parts = name.split(".") if name else [""]
    owner = parts[-2] if len(parts) > 1 else ""
    return parts[-1][:1].isupper() or owner[:1].isupper() or parts[-1] in ("dict", "tuple", "list")


def is_loud_body(stmts: list[ast.stmt], subject: Subject, loud_calls: tuple[str, ...]) -> bool:
    """Raises, warns/alerts, returns/yields the signal or its response, or stores the signal."""
    for node in walk_body(stmts):
        if isinstance(node, ast.Raise):
            return True
        if isinstance(node, ast.Call) and is_loud_call(node, loud_calls):
            return True
        if isinstance(node, (ast.Return, ast.Yield, ast.YieldFrom)) and carries(
            node.value, subject.carriers, subject.signal_texts
        ):
            return True
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and _stores(node, subject):
            return True
    return False


def is_loud_path(stmts: list[ast.stmt], subject: Subject, loud_calls: tuple[str, ...]) -> bool:
    """Loudness of straight-line code: what runs unconditionally before a branch or return.

    The success path after a dispatch is judged this way: a `raise` inside a later
    `if not text:` does not make the path a refusal takes loud.
    """
    used = False  # has the path already read or processed the response?
    carriers = set(subject.carriers)  # grows with objects built around the signal
    for stmt in stmts:
        if isinstance(stmt, ast.Raise):
            return True
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            if is_loud_call(stmt.value, loud_calls):
                return True
            used = used or _mentions(stmt, subject.carriers)
            continue
        if isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            if _stores(stmt, subject):
                return True
            if carries(stmt.value, frozenset(carriers), subject.signal_texts):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                carriers.update(dotted(t) or "" for t in targets)  # `result = Result(resp)`
            used = used or _mentions(stmt.value, subject.carriers)
            continue
        if isinstance(stmt, ast.Return):
            if carries(stmt.value, frozenset(carriers), subject.signal_texts):
                return True
            # `return self._process(response)` straight away delegates the whole response;
            # after the path read its text, the call only packages that text.
            return not used and _delegates(stmt.value, subject.carriers)
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, (ast.Yield, ast.YieldFrom)):
            return carries(stmt.value.value, subject.carriers, subject.signal_texts)
        if isinstance(stmt, (ast.Pass, ast.Import, ast.ImportFrom)):
            continue
        return False
    return False


def _mentions(node: ast.AST | None, carriers: frozenset[str]) -> bool:
    if node is None:
        return False
    return any(
        isinstance(n, (ast.Name, ast.Attribute, ast.Subscript)) and dotted(n) in carriers
        for n in ast.walk(node)
    )


def _delegates(value: ast.expr | None, carriers: frozenset[str]) -> bool:
    """A call that receives a carrier itself as an argument."""
    while isinstance(value, ast.Await):
        value = value.value
    if not isinstance(value, ast.Call):
        return False
    args = [*value.args, *(k.value for k in value.keywords)]
    return any(dotted(a) in carriers for a in args if isinstance(a, (ast.Name, ast.Attribute)))


def _stores(node: ast.Assign | ast.AnnAssign | ast.AugAssign, subject: Subject) -> bool:
    """Storing the signal anywhere, or its response into an object or container."""
    if carries(node.value, subject.signal_texts, subject.signal_texts):
        return True
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    into_object = any(isinstance(t, (ast.Attribute, ast.Subscript)) for t in targets)
    return into_object and carries(node.value, subject.carriers, subject.signal_texts)


def is_trivially_silent(stmts: list[ast.stmt]) -> bool:
    """Only pass / ... / continue / break / constant results / print / debug logs."""
    return bool(stmts) and all(_is_trivial(stmt) for stmt in stmts)


def _is_trivial(stmt: ast.stmt) -> bool:
    if isinstance(stmt, (ast.Pass, ast.Continue, ast.Break)):
        return True
    if isinstance(stmt, ast.Return):
        return stmt.value is None or is_empty_constant(stmt.value)
    if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
        # Storing into an object (`message.refusal = "..."`) or raising a flag
        # (`saw_content_filter = True`) records the refusal; a local emptied is silent.
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        if not all(isinstance(t, ast.Name) for t in targets):
            return False
        value = stmt.value
        if isinstance(value, ast.Constant) and value.value is True:
            return False
        return value is None or is_empty_constant(value)
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


def is_translation(dispatch: Dispatch, after: list[ast.stmt]) -> bool:
    """Every value branch only returns (or assigns to one name) a constant.

    Other branches, and the code after a dispatch without a default (`after`), may also
    pass the subject through unchanged, raise or log; anything else (returning the output,
    an object, a call) makes the dispatch a real one (rule-semantics reading 14).
    """
    targets: set[str] = set()
    value_branches = [b for b in dispatch.branches if b.values and not b.negated]
    if len({v for b in value_branches for v in b.values}) < 2:
        return False  # like a table, a translation maps at least two values
    if not all(_constant_result(branch.body, targets) for branch in value_branches):
        return False
    others = [b.body for b in dispatch.branches if b not in value_branches]
    if dispatch.default is not None:
        others.append(dispatch.default.body)
    elif not targets and after:  # `return` translations: the fall-through returns too
        others.append(after[:1])
    return all(_translation_default(body, targets, dispatch.subject) for body in others)


def _constant_result(body: list[ast.stmt], targets: set[str]) -> bool:
    if len(body) != 1:
        return False
    stmt = body[0]
    if isinstance(stmt, ast.Return):
        return stmt.value is not None and _is_constant_value(stmt.value)
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target = dotted(stmt.targets[0])
        if target is None or (targets and target not in targets):
            return False
        targets.add(target)
        return _is_constant_value(stmt.value)
    return False


def _is_constant_value(expr: ast.expr) -> bool:
    """A string or boolean literal, or an enum member (`Reason.STOP`)."""
    if isinstance(expr, ast.Constant):
        return isinstance(expr.value, (str, bool))
    name = dotted(expr)
    if name is None or "." not in name:
        return False
    owner, _, member = name.rpartition(".")
    return owner.rsplit(".", 1)[-1][:1].isupper() and (member.isupper() or member[:1].isupper())


def _translation_default(body: list[ast.stmt], targets: set[str], subject: Subject) -> bool:
    if _constant_result(body, targets) or is_trivially_silent(body):
        return True
    if all(isinstance(s, ast.Raise) or _is_log_stmt(s) for s in body):
        return True
    last = body[-1] if body else None
    if isinstance(last, ast.Return):
        return carries(last.value, subject.signal_texts, subject.signal_texts)
    if isinstance(last, ast.Assign):
        return carries(last.value, subject.signal_texts, subject.signal_texts)
    return False


def _is_log_stmt(stmt: ast.stmt) -> bool:
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Call)
        and (is_quiet_call(stmt.value) or is_loud_call(stmt.value, ()))
    )
