"""`assert-to-if`: `assert cond, msg` -> `if not cond:` / `raise AssertionError(msg)`.

The test and the message keep their own text (parentheses and comments inside them
included); the line's comment moves to the `raise`, where the text edit leaves it.
"""

from __future__ import annotations

from typing import Any

import libcst as cst

from refusal_lint.fixes._nodes import StalePlan

KIND = "assert-to-if"


def apply(line: cst.SimpleStatementLine, plan: dict[str, Any]) -> cst.If:
    if len(line.body) != 1 or not isinstance(line.body[0], cst.Assert):
        raise StalePlan("the assert does not stand alone on its line")
    node = line.body[0]
    params = plan["params"]
    test = node.test
    if params["parens"]:
        test = test.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    exception: cst.BaseExpression = cst.Name("AssertionError")
    if node.msg is not None:
        exception = cst.Call(func=exception, args=[cst.Arg(value=node.msg)])
    raised = cst.SimpleStatementLine(
        body=[cst.Raise(exc=exception)], trailing_whitespace=line.trailing_whitespace
    )
    return cst.If(
        test=cst.UnaryOperation(operator=cst.Not(), expression=test),
        body=cst.IndentedBlock(body=[raised], indent=params["unit"]),
        leading_lines=line.leading_lines,
    )
