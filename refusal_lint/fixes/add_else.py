"""`add-else`: give an `if` chain a loud `else:` after its last arm."""

from __future__ import annotations

from typing import Any

import libcst as cst

from refusal_lint.fixes._nodes import StalePlan, block

KIND = "add-else"


def apply(node: cst.If, plan: dict[str, Any]) -> cst.If:
    return _with_else(node, cst.Else(body=block(plan)))


def _with_else(node: cst.If, new: cst.Else) -> cst.If:
    if node.orelse is None:
        return node.with_changes(orelse=new)
    if isinstance(node.orelse, cst.If):
        return node.with_changes(orelse=_with_else(node.orelse, new))
    raise StalePlan("the chain already has an else")
