"""`replace-body`: a branch body of simple statements becomes the plan's statement.

Comments before the first replaced statement and after the last one stay where they are
(the text edit covers exactly the replaced statements, so this must too).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import libcst as cst

from refusal_lint.fixes._nodes import StalePlan, statement

KIND = "replace-body"


def apply_block(node: cst.IndentedBlock, plan: dict[str, Any]) -> cst.IndentedBlock:
    body = node.body
    first, last = body[0], body[-1]
    if not all(isinstance(s, cst.SimpleStatementLine) for s in body):
        raise StalePlan("a replaced body holds only simple statements")
    assert isinstance(first, cst.SimpleStatementLine)
    assert isinstance(last, cst.SimpleStatementLine)
    trailing = last.trailing_whitespace
    new = statement(plan).with_changes(
        leading_lines=first.leading_lines,
        trailing_whitespace=trailing.with_changes(
            whitespace=_after_semicolon(last.body, trailing.whitespace)
        ),
    )
    return node.with_changes(body=[new])


def apply_suite(node: cst.SimpleStatementSuite, plan: dict[str, Any]) -> cst.SimpleStatementSuite:
    small: Sequence[cst.BaseSmallStatement] = statement(plan).body
    trailing = node.trailing_whitespace
    whitespace = _after_semicolon(node.body, trailing.whitespace)
    return node.with_changes(
        body=list(small), trailing_whitespace=trailing.with_changes(whitespace=whitespace)
    )


def _after_semicolon(
    body: Sequence[cst.BaseSmallStatement], whitespace: cst.SimpleWhitespace
) -> cst.SimpleWhitespace:
    """A dropped `pass;` keeps the space after its `;` (before a comment), as the text
    edit does."""
    semicolon = getattr(body[-1], "semicolon", None) if body else None
    if isinstance(semicolon, cst.Semicolon) and isinstance(
        semicolon.whitespace_after, cst.SimpleWhitespace
    ):
        return cst.SimpleWhitespace(semicolon.whitespace_after.value + whitespace.value)
    return whitespace
