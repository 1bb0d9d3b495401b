"""Plans for RFL008 (`assert` -> `if not ...: raise AssertionError`) and RFL007 (a mistyped
stop value -> the one known value it is closest to)."""

from __future__ import annotations

import ast
import difflib
import io
import re
import tokenize
from typing import TYPE_CHECKING

from refusal_lint.facts import AssertFact, ComparisonFact, Value
from refusal_lint.families import normalize, vocabulary
from refusal_lint.plans import SAFE, UNSAFE, FixPlan, guarded
from refusal_lint.plans.edits import node_span, replace_node
from refusal_lint.plans.layout import Layout

if TYPE_CHECKING:
    from refusal_lint.rule import Context

# `assert x` cannot take `not` in front of these without parentheses
LOOSER_THAN_NOT = (ast.BoolOp, ast.IfExp, ast.Lambda, ast.NamedExpr)
_PLAIN_STRING = re.compile(r"(?P<prefix>[rRuU]?)(?P<q>['\"])(?P<body>[^'\"\\\r\n]*)(?P=q)")
_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
_EDGE = re.compile(r"^(?:[ \t\f]|\\\r?\n|\\\r)+|(?:[ \t\f]|\\\r?\n|\\\r)+$")


@guarded
def plan_assert(fact: AssertFact, ctx: Context) -> FixPlan | None:
    """`assert cond, msg` -> `if not cond:` / `raise AssertionError(msg)`: the same exception
    with the same message whenever the assert would have failed, and no longer removed by
    `python -O`. Safe."""
    stmt, layout = fact.node, ctx.layout
    if not layout.starts_line(stmt) or not layout.ends_line(stmt):
        return None  # `x = 1; assert ...` or `if a: assert b`: leave it to a human
    line, col = layout.start(stmt)
    end = layout.end(stmt)
    keyword_end = (line, col + len("assert"))
    if stmt.msg is None:
        test = _strip(layout.between(keyword_end, end))
        message = None
    else:
        comma = _comma(layout, layout.end(stmt.test), layout.start(stmt.msg))
        if comma is None:
            return None
        test = _strip(layout.between(keyword_end, comma))
        message = _strip(layout.between((comma[0], comma[1] + 1), end))
    wrapped = test != layout.segment(stmt.test)
    parens = isinstance(stmt.test, LOOSER_THAN_NOT) and not wrapped
    condition = f"({test})" if parens else test
    unit = layout.unit
    nl, indent = layout.newline, layout.indent(line)
    if message is not None:
        message = _one_block_deeper(message, indent, unit)
        if message is None:
            return None
    raised = f"raise AssertionError({message})" if message is not None else "raise AssertionError"
    edit = replace_node(layout, stmt, f"if not {condition}:{nl}{indent}{unit}{raised}")
    return FixPlan(
        kind="assert-to-if",
        applicability=SAFE,
        message="Replace the `assert` with `if not ...: raise AssertionError(...)`",
        anchor=node_span(layout, stmt),
        construct=(stmt.lineno, stmt.end_lineno or stmt.lineno),
        params={"parens": parens, "unit": unit},
        edits=(edit,),
        promise={
            "field": fact.subject.field,
            "case": fact.subject.case,
            "vocabulary": sorted(vocabulary(fact.subject.signals, fact.subject.case)),
            "targets": [],
            "changes": [],
            "unknown_loud": False,
            "same_behaviour": True,
        },
    )


@guarded
def plan_value(value: Value, comparison: ComparisonFact, ctx: Context) -> FixPlan | None:
    """A mistyped value -> the single closest known value (unsafe: the branch it guards
    starts to run for that value)."""
    node, layout = value.node, ctx.layout
    if not isinstance(node, ast.Constant) or not isinstance(node.value, str):
        return None
    match = _PLAIN_STRING.fullmatch(layout.segment(node))
    if match is None or match.group("body") != node.value:
        return None
    subject = comparison.subject
    vocab = vocabulary(subject.signals, subject.case)
    spelling = _single_closest(normalize(node.value, subject.case), vocab)
    if spelling is None:
        return None
    new = normalize(spelling, subject.case)
    if not re.fullmatch(r"[\w./:-]+", new):
        return None
    q = match.group("q")
    edit = replace_node(layout, node, f"{match.group('prefix')}{q}{new}{q}")
    dispatch = comparison.dispatch
    members = list(dispatch.members) if dispatch is not None else []
    if members:
        construct = (members[0].lineno, max(layout.stmt_end(m) for m in members))
    else:
        construct = (node.lineno, node.end_lineno or node.lineno)
    return FixPlan(
        kind="replace-string",
        applicability=UNSAFE,
        message=f"Replace {node.value!r} with {new!r}",
        anchor=node_span(layout, node),
        construct=construct,
        params={"value": f"{match.group('prefix')}{q}{new}{q}"},
        edits=(edit,),
        promise={
            "field": subject.field,
            "case": subject.case,
            "vocabulary": sorted(vocab),
            "targets": [],
            "changes": [new],
            "unknown_loud": False,
        },
    )


def _one_block_deeper(text: str, indent: str, unit: str) -> str | None:
    """The message moves into the `if` body, one block deeper: like libcst, shift the lines
    that continue it inside brackets, but not the lines of a multi-line string or those
    after a backslash."""
    lines = _LINES.findall(text)
    if len(lines) < 2:
        return text
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text, newline=None).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return None
    kept: set[int] = set()
    for token in tokens:
        if token.start[0] < token.end[0] and token.type not in (tokenize.NL, tokenize.NEWLINE):
            kept.update(range(token.start[0] + 1, token.end[0] + 1))
    for number, line in enumerate(lines[:-1], start=2):
        if line.rstrip("\r\n").endswith("\\"):
            kept.add(number)
    return "".join(
        indent + unit + line[len(indent) :]
        if number > 1 and number not in kept and line.startswith(indent)
        else line
        for number, line in enumerate(lines, start=1)
    )


def _single_closest(text: str, vocab: dict[str, str]) -> str | None:
    """The known spelling `text` was meant to be, when exactly one fits."""
    squashed = {vocab[k] for k in vocab if _squash(k) == _squash(text)}
    if squashed:
        return squashed.pop() if len(squashed) == 1 else None
    lowered: dict[str, set[str]] = {}
    for key, spelling in vocab.items():
        lowered.setdefault(key.lower(), set()).add(spelling)
    matches = difflib.get_close_matches(text.lower(), list(lowered), n=3, cutoff=0.7)
    if len(matches) != 1 or len(lowered[matches[0]]) != 1:
        return None
    return next(iter(lowered[matches[0]]))


def _squash(value: str) -> str:
    return value.lower().replace("-", "_").replace(" ", "_")


def _strip(text: str) -> str:
    """Whitespace and line continuations off both ends."""
    return _EDGE.sub("", text)


def _comma(layout: Layout, start: tuple[int, int], end: tuple[int, int]) -> tuple[int, int] | None:
    """The position of the comma between an assert's test and its message."""
    line, col = start
    while (line, col) < end:
        text = layout.text(line)
        stop = end[1] if line == end[0] else len(text)
        while col < stop:
            char = text[col]
            if char == "#":
                break
            if char == ",":
                return line, col
            col += 1
        line, col = line + 1, 0
    return None
