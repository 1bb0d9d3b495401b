"""`replace-string`: a mistyped string literal becomes the known value (same prefix and
quotes)."""

from __future__ import annotations

from typing import Any

import libcst as cst

KIND = "replace-string"


def apply(node: cst.SimpleString, plan: dict[str, Any]) -> cst.SimpleString:
    return node.with_changes(value=plan["params"]["value"])
