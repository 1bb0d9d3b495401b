"""`add-if`: a new `if <condition>:` statement right after the anchor statement (the last
`if` of a run), so it runs before the code that follows the run."""

from __future__ import annotations

from typing import Any

import libcst as cst

from refusal_lint.fixes._nodes import block, expression

KIND = "add-if"


def new_statement(plan: dict[str, Any]) -> cst.If:
    return cst.If(test=expression(plan["params"]["condition"]), body=block(plan))
