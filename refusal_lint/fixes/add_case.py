"""`add-case`: a `case <pattern>:` inserted at `index` among a `match`'s cases."""

from __future__ import annotations

from typing import Any

import libcst as cst

from refusal_lint.fixes._nodes import StalePlan, block, pattern

KIND = "add-case"


def apply(node: cst.Match, plan: dict[str, Any]) -> cst.Match:
    params = plan["params"]
    index = int(params["index"])
    if not 0 < index <= len(node.cases):
        raise StalePlan("the match has fewer cases than planned")
    case = cst.MatchCase(pattern=pattern(params["pattern"]), body=block(plan))
    cases = list(node.cases)
    cases.insert(index, case)
    return node.with_changes(cases=cases)
