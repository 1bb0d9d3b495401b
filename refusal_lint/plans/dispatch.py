"""Plans for dispatch findings: loud defaults (RFL001, RFL002) and refusal branches (RFL001).

Safety follows the invariant of issue 6 (see each rule's "Fix safety" table):

- a new or replaced default is safe only when no success value and no other known value
  reaches it (only refusal and unknown values change) and the body it replaces is a no-op;
- when a success value would reach the default, no default is added: an explicit branch for
  the missing refusal values goes at the end of the dispatch instead, safe when refusal used
  to fall through to the success path, unsafe when it replaces a default that did something
  (`return ""`, `continue`, a log line): callers then see an exception instead.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from refusal_lint.facts import Branch, Dispatch
from refusal_lint.families import never_equal
from refusal_lint.plans import SAFE, UNSAFE, Edit, FixPlan, Span, guarded
from refusal_lint.plans.edits import block_lines, insert_lines, node_span, replace_statements
from refusal_lint.plans.shape import Shape, all_simple, is_noop, shown
from refusal_lint.plans.templates import default_statement, refusal_statement

if TYPE_CHECKING:
    from refusal_lint.rule import Context

_DETAILS_SUBJECT = re.compile(r"^(?P<response>[A-Za-z_][\w.\[\]'\"]*)\.stop_reason$")


@guarded
def plan_dispatch(
    dispatch: Dispatch, ctx: Context, *, refusal_branch: bool = True
) -> FixPlan | None:
    """RFL001 / RFL002: make the default path loud, or add the missing refusal branch
    (not for RFL002: its silent default would still be there)."""
    shape = Shape(dispatch, ctx.layout)
    if not shape.string_typed:
        return None
    own = (v.text for fact in dispatch.comparisons for v in fact.values if v.kind == "str")
    if _never_true(dispatch, own, ctx):
        return None
    default = dispatch.default
    if default is None:
        if shape.guards:
            return None
        return _plan_without_default(shape, ctx)
    if default.guard:
        return _plan_guard(shape, default, ctx)
    if len(shape.guards) or default.partial:
        return None
    return _plan_explicit_default(shape, default, ctx, refusal_branch)


def _plan_without_default(shape: Shape, ctx: Context) -> FixPlan | None:
    last = shape.members[-1]
    branch = _refusal_branch(shape, last, at_end=True, replaced=None, ctx=ctx)
    if shape.single:
        chain = _chain_ids(shape, last)
        if shape.success <= shape.named(chain):
            changes = shape.reaching(None, chain) - shape.refusal
            return _safest(_add_default(shape, last, changes, ctx), branch)
    return branch


def _plan_explicit_default(
    shape: Shape, default: Branch, ctx: Context, refusal_branch: bool
) -> FixPlan | None:
    last = shape.members[-1]
    chain = _chain_ids(shape, last)
    reach = shape.reaching(default, chain)
    branch = None
    if refusal_branch:
        branch = _refusal_branch(shape, last, at_end=False, replaced=default, ctx=ctx)
    if not reach & shape.success:
        return _safest(_replace_default(shape, default, reach - shape.refusal, ctx), branch)
    return branch


def _safest(default: FixPlan | None, branch: FixPlan | None) -> FixPlan | None:
    """A loud default covers unknown values too, so it wins, unless only the refusal
    branch is safe (a later round's RFL002 then offers the default, unsafely)."""
    if default is not None and (default.applicability == SAFE or branch is None):
        return default
    if branch is not None and branch.applicability == SAFE:
        return branch
    return default or branch


def _plan_guard(shape: Shape, guard: Branch, ctx: Context) -> FixPlan | None:
    """`if r not in (...): return None`: the guard's body is the default."""
    if len(shape.guards) != 1 or guard.partial:
        return None
    reach = shape.reaching(guard, set()) - guard.values
    if reach & shape.success:
        return None
    return _replace_default(shape, guard, reach - shape.refusal, ctx)


def _never_true(dispatch: Dispatch, values: Iterable[str], ctx: Context) -> bool:
    """A comparison with one of these strings is never true (an integer proto enum in the
    SDK this module imports, RFL007): the dispatch's branches do not route what they seem
    to, and a branch added for them would be dead code."""
    identified = ctx.identified_providers
    return any(never_equal(dispatch.subject, value, identified) for value in values)


# ---- the three shapes of fix ----------------------------------------------------------------
def _add_default(
    shape: Shape, member: ast.stmt, changes: frozenset[str], ctx: Context
) -> FixPlan | None:
    subject = shape.subject_text(member)
    statement = default_statement(subject, shape.quote, ctx.fix_templates[0]) if subject else None
    if statement is None:
        return None
    layout = shape.layout
    if isinstance(member, ast.Match):
        cases = member.cases
        indent = layout.indent(cases[0].pattern.lineno)
        unit = layout.body_unit(cases[0].pattern.lineno, cases[0].body)
        lines = block_lines("case _", indent, unit, statement)
        kind, params = "add-case", {"pattern": "_", "index": len(cases)}
        label = "a `case _:`"
        after = layout.block_end(cases[-1].body)
    else:
        arms = shape.arms(member)
        if arms[-1].orelse:  # `else:` holding a lone `if`, which the walk reads as `elif`
            return None
        indent = layout.indent(member.lineno)
        unit = layout.body_unit(arms[-1].lineno, arms[-1].body)
        lines = block_lines("else", indent, unit, statement)
        kind, params, label = "add-else", {}, "an `else:`"
        after = layout.stmt_end(member)
    edit = insert_lines(layout, after, lines)
    params.update(statement=statement, unit=unit)
    safety = SAFE if not changes else UNSAFE
    message = f"Add {label} branch that raises"
    if changes:
        message += f" (also raises for {shown(changes)})"
    return make_plan(kind, safety, message, shape, member, params, edit,
                 targets=shape.refusal, changes=changes, unknown=True)  # fmt: skip


def _replace_default(
    shape: Shape, default: Branch, changes: frozenset[str], ctx: Context
) -> FixPlan | None:
    body = default.body
    if not all_simple(body):
        return None
    subject = shape.subject_text(shape.members[-1])
    statement = default_statement(subject, shape.quote, ctx.fix_templates[0]) if subject else None
    if statement is None:
        return None
    noop = is_noop(body)
    safety = SAFE if noop and not changes else UNSAFE
    message = "Make the default branch raise"
    reasons = []
    if not noop:
        reasons.append("replaces what it did")
    if changes:
        reasons.append(f"also raises for {shown(changes)}")
    if reasons:
        message += f" ({'; '.join(reasons)})"
    edit = replace_statements(shape.layout, body, statement)
    anchor = Span(edit.span.line, edit.span.col, edit.span.end_line, edit.span.end_col)
    return make_plan("replace-body", safety, message, shape, shape.members[-1],
                 {"statement": statement}, edit, targets=shape.refusal, changes=changes,
                 unknown=True, anchor=anchor)  # fmt: skip


def _refusal_branch(
    shape: Shape, member: ast.stmt, *, at_end: bool, replaced: Branch | None, ctx: Context
) -> FixPlan | None:
    """An explicit branch for the missing refusal values: appended to the chain or match
    (`at_end`), before its default, or (for a run of `if`s) as a new `if` after it."""
    missing = shape.missing_refusal
    subject = shape.subject_text(member)
    if not missing or subject is None:
        return None
    if _never_true(shape.dispatch, missing, ctx):
        return None
    literals = [shape.literal(v, shape.quote) for v in missing]
    statement = refusal_code(shape, subject, ctx)
    if statement is None or any(lit is None for lit in literals):
        return None
    values = [lit for lit in literals if lit is not None]
    safe = replaced is None or is_noop(replaced.body)
    if isinstance(member, ast.Match):
        index = len(member.cases) if at_end else _case_index(member, replaced)
        placed = _refusal_case(shape, member, index, values, statement)
    else:
        placed = _refusal_if(shape, member, at_end, subject, values, statement)
    if placed is None:
        return None
    kind, params, edit, rebinds = placed
    safe = safe and not rebinds
    named = (
        shown(missing)
        if len(missing) <= 3
        else (f"{len(missing)} refusal values ({', '.join(map(repr, missing[:3]))}, ...)")
    )
    message = f"Add a branch for {named} that raises"
    if not safe:
        message += (
            " (replaces what the default did for them)"
            if replaced is not None
            else " (the subject may change between the `if`s)"
        )
    return make_plan(kind, SAFE if safe else UNSAFE, message, shape, member, params, edit,
                     targets=frozenset(missing), changes=frozenset(), unknown=False)  # fmt: skip


Placed = tuple[str, dict[str, Any], Edit, bool]


def _refusal_case(
    shape: Shape, member: ast.Match, index: int | None, values: list[str], statement: str
) -> Placed | None:
    """`case "refusal":` at `index` among the cases."""
    if not index:
        return None
    layout = shape.layout
    previous = member.cases[index - 1]
    indent = layout.indent(member.cases[0].pattern.lineno)
    unit = layout.body_unit(previous.pattern.lineno, previous.body)
    pattern = " | ".join(values)
    lines = block_lines(f"case {pattern}", indent, unit, statement)
    edit = insert_lines(layout, layout.block_end(previous.body), lines)
    params = {"statement": statement, "unit": unit, "pattern": pattern, "index": index}
    return "add-case", params, edit, False


def _refusal_if(
    shape: Shape,
    member: ast.stmt,
    at_end: bool,
    subject: str,
    values: list[str],
    statement: str,
) -> Placed:
    """`elif <subject> == "refusal":` ending the chain (before its `else:`), or for a run
    of `if`s a new `if` after it (unsafe when the subject may be rebound in between)."""
    layout = shape.layout
    condition = f"{subject} == {values[0]}"
    if len(values) > 1:
        condition = f"{subject} in ({', '.join(values)})"
    arms = shape.arms(member)
    indent = layout.indent(member.lineno)
    unit = layout.body_unit(arms[-1].lineno, arms[-1].body)
    params: dict[str, Any] = {"statement": statement, "unit": unit, "condition": condition}
    if shape.single or not at_end:
        lines = block_lines(f"elif {condition}", indent, unit, statement)
        params.update(index=len(arms))
        edit = insert_lines(layout, layout.block_end(arms[-1].body), lines)
        return "add-elif", params, edit, False
    lines = block_lines(f"if {condition}", indent, unit, statement)
    edit = insert_lines(layout, layout.stmt_end(member), lines)
    return "add-if", params, edit, shape.rebinds_subject(subject)


# ---- helpers ------------------------------------------------------------------------------
def make_plan(
    kind: str,
    safety: str,
    message: str,
    shape: Shape,
    member: ast.stmt,
    params: dict[str, Any],
    edit: Edit,
    *,
    targets: frozenset[str],
    changes: frozenset[str],
    unknown: bool,
    anchor: Span | None = None,
) -> FixPlan:
    layout = shape.layout
    first = shape.members[0]
    construct = (first.lineno, max(layout.stmt_end(m) for m in shape.members))
    subject = shape.dispatch.subject
    return FixPlan(
        kind=kind,
        applicability=safety,
        message=message,
        anchor=anchor or node_span(layout, member),
        construct=construct,
        params=params,
        edits=(edit,),
        promise={
            "field": subject.field,
            "case": subject.case,
            "vocabulary": sorted(shape.vocabulary),
            "refusal": sorted(shape.refusal),
            "success": sorted(shape.success),
            "targets": sorted(targets),
            "changes": sorted(changes),
            "unknown_loud": unknown,
        },
    )


def _chain_ids(shape: Shape, member: ast.stmt) -> set[int]:
    if isinstance(member, ast.Match):
        return {id(case.pattern) for case in member.cases}
    return {id(arm) for arm in shape.arms(member)}


def _case_index(member: ast.Match, default: Branch | None) -> int | None:
    for index, case in enumerate(member.cases):
        if default is not None and case.pattern is default.node:
            return index
    return None


def refusal_code(shape: Shape, subject: str | None, ctx: Context) -> str | None:
    if subject is None:
        return None
    details_of = None
    providers = {s.provider for s in shape.dispatch.families}
    match = _DETAILS_SUBJECT.match(subject)
    if match and "anthropic" in providers and shape.dispatch.subject.field == "stop_reason":
        details_of = match.group("response")
    return refusal_statement(subject, shape.quote, ctx.fix_templates[1], details_of)
