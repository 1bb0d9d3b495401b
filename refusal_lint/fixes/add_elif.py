"""`add-elif`: an `elif <condition>:` after arm `index - 1` of an `if` chain (before its
`else:` when that is where the chain goes on)."""

from __future__ import annotations

from typing import Any

import libcst as cst

from refusal_lint.fixes._nodes import StalePlan, block, expression

KIND = "add-elif"


def apply(node: cst.If, plan: dict[str, Any]) -> cst.If:
    params = plan["params"]
    new = cst.If(test=expression(params["condition"]), body=block(plan))
    return _insert(node, int(params["index"]) - 1, new)


def _insert(arm: cst.If, depth: int, new: cst.If) -> cst.If:
    if depth == 0:
        return arm.with_changes(orelse=new.with_changes(orelse=arm.orelse))
    if not isinstance(arm.orelse, cst.If):
        raise StalePlan("the chain has fewer arms than planned")
    return arm.with_changes(orelse=_insert(arm.orelse, depth - 1, new))
