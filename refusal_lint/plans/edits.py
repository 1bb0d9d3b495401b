"""Text edits for each plan kind, laid out the way the libcst fixers lay out their nodes.

Inserted blocks go right after the block they follow (after the trailing comments it owns),
at the indentation of the statement they belong to; replacements cover exactly the replaced
statements, so a comment before or after them stays byte for byte.
"""

from __future__ import annotations

import ast

from refusal_lint.plans import Edit, Span
from refusal_lint.plans.layout import Layout


def insert_lines(layout: Layout, after_line: int, lines: list[str]) -> Edit:
    """Insert whole lines after line `after_line`, in the file's line ending."""
    nl = layout.newline
    if after_line >= len(layout.lines) and not layout.ending(after_line):
        # the file ends without a newline: start a new line instead of ending one
        text = layout.text(after_line)
        point = Span(after_line, len(text), after_line, len(text))
        return Edit(nl + nl.join(lines), point)
    return Edit("".join(line + nl for line in lines), Span(after_line + 1, 0, after_line + 1, 0))


def block_lines(header: str, indent: str, unit: str, statement: str) -> list[str]:
    """`header:` at `indent`, then `statement` one step deeper."""
    return [f"{indent}{header}:", f"{indent}{unit}{statement}"]


def replace_statements(layout: Layout, body: list[ast.stmt], statement: str) -> Edit:
    """Replace a body's statements (all simple ones) by `statement`.

    A `;` ending the last statement belongs to it (for libcst too), so it goes, with the
    whitespace before it.
    """
    start = layout.start(body[0])
    end_line, end_col = layout.end(body[-1])
    rest = layout.text(end_line)[end_col:]
    stripped = rest.lstrip(" \t")
    after = stripped[1:].lstrip(" \t")
    if stripped.startswith(";") and (not after or after.startswith("#")):
        end_col += len(rest) - len(stripped) + 1
    return Edit(statement, Span(start[0], start[1], end_line, end_col))


def replace_node(layout: Layout, node: ast.AST, content: str) -> Edit:
    (line, col), (end_line, end_col) = layout.start(node), layout.end(node)
    return Edit(content, Span(line, col, end_line, end_col))


def node_span(layout: Layout, node: ast.AST) -> Span:
    (line, col), (end_line, end_col) = layout.start(node), layout.end(node)
    return Span(line, col, end_line, end_col)


def apply_edits(source: str, edits: list[Edit]) -> str:
    """Apply non-overlapping edits (any order) to `source`."""
    layout = Layout(source)
    starts = [0]
    for raw in layout.lines:
        starts.append(starts[-1] + len(raw))

    def offset(line: int, col: int) -> int:
        if line > len(layout.lines):
            return len(source)
        return starts[line - 1] + col

    ordered = sorted(edits, key=lambda e: (e.span.line, e.span.col), reverse=True)
    for edit in ordered:
        begin = offset(edit.span.line, edit.span.col)
        stop = offset(edit.span.end_line, edit.span.end_col)
        source = source[:begin] + edit.content + source[stop:]
    return source
