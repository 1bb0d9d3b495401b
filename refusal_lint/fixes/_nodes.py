"""Building blocks shared by the fixers: parsing a plan's code snippets into libcst nodes."""

from __future__ import annotations

from typing import Any

import libcst as cst


class StalePlan(Exception):
    """The tree no longer has the shape the plan was computed for."""


def statement(plan: dict[str, Any]) -> cst.SimpleStatementLine:
    """The plan's statement (one line of simple statements) as a libcst line."""
    parsed = cst.parse_statement(plan["params"]["statement"] + "\n")
    if not isinstance(parsed, cst.SimpleStatementLine):
        raise StalePlan("a fix statement must be simple statements")
    return parsed


def block(plan: dict[str, Any]) -> cst.IndentedBlock:
    """An indented block holding the plan's statement, one indentation step deep."""
    return cst.IndentedBlock(body=[statement(plan)], indent=plan["params"]["unit"])


def expression(code: str) -> cst.BaseExpression:
    return cst.parse_expression(code)


def pattern(code: str) -> cst.MatchPattern:
    module = cst.parse_module(f"match x:\n    case {code}:\n        pass\n")
    match = module.body[0]
    if not isinstance(match, cst.Match):
        raise StalePlan(f"not a pattern: {code!r}")
    return match.cases[0].pattern
