"""Plans for RFL005: a silent refusal branch raises instead (always unsafe: callers may
already treat the constant it returned as "refused")."""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from refusal_lint.facts import Branch, Dispatch, RefusalCheck
from refusal_lint.plans import UNSAFE, FixPlan, guarded
from refusal_lint.plans.dispatch import make_plan, refusal_code
from refusal_lint.plans.edits import replace_statements
from refusal_lint.plans.layout import Layout
from refusal_lint.plans.shape import Shape, all_simple, shown
from refusal_lint.plans.templates import refusal_statement

if TYPE_CHECKING:
    from refusal_lint.rule import Context

_SIMPLE_PATH = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$")


@guarded
def plan_refusal_body(dispatch: Dispatch, branch: Branch, ctx: Context) -> FixPlan | None:
    """RFL005 on a value branch: make the refusal branch raise (always unsafe)."""
    shape = Shape(dispatch, ctx.layout)
    if branch.partial or branch.negated or not branch.trivially_silent:
        return None
    if not branch.values or not branch.values <= shape.refusal or not all_simple(branch.body):
        return None
    member = next(
        (m for m in shape.members if any(n is branch.node for n in ast.walk(m))),
        shape.members[-1],
    )
    subject = shape.subject_text(member)
    statement = refusal_code(shape, subject, ctx) if subject else None
    if statement is None:
        return None
    edit = replace_statements(shape.layout, branch.body, statement)
    message = f"Make the branch for {shown(branch.values)} raise (replaces what it returned)"
    return make_plan("replace-body", UNSAFE, message, shape, member, {"statement": statement},
                 edit, targets=frozenset(branch.values), changes=frozenset(), unknown=False,
                 anchor=edit.span)  # fmt: skip


@guarded
def plan_refusal_check(check: RefusalCheck, ctx: Context) -> FixPlan | None:
    """RFL005 on `if message.refusal: return None`: make it raise (always unsafe)."""
    node, layout, body = check.node, ctx.layout, check.body
    if isinstance(node, ast.If) and body is node.body:
        subject = _presence_subject(node.test, layout)
        construct = (node.lineno, layout.stmt_end(node))
    elif body and node is body[0]:  # `else: print(message.refusal)`
        subject = check.text if _SIMPLE_PATH.match(check.text) else None
        construct = (body[0].lineno, layout.block_end(body))
    else:
        return None
    if subject is None or not all_simple(body):
        return None
    statement = refusal_statement(subject, layout.quote, ctx.fix_templates[1])
    if statement is None:
        return None
    edit = replace_statements(layout, body, statement)
    return FixPlan(
        kind="replace-body",
        applicability=UNSAFE,
        message="Make the refusal branch raise (replaces what it returned)",
        anchor=edit.span,
        construct=construct,
        params={"statement": statement},
        edits=(edit,),
        promise={
            "presence": subject.rsplit(".", 1)[-1],
            "targets": ["refusal"],
            "changes": [],
            "unknown_loud": False,
        },
    )


def _presence_subject(test: ast.expr, layout: Layout) -> str | None:
    """What a refusal test reads: `message.refusal`, or the object an isinstance() checks."""
    if isinstance(test, ast.Call) and test.args:
        test = test.args[0]
    if isinstance(test, ast.Compare):
        test = test.left
    if isinstance(test, ast.NamedExpr):
        return test.target.id if isinstance(test.target, ast.Name) else None
    if not isinstance(test, (ast.Name, ast.Attribute, ast.Subscript, ast.Call)):
        return None
    text = layout.segment(test)
    return None if "\n" in text or "#" in text else text
