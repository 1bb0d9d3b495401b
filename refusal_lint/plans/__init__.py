"""Fix plans: plain data that detection attaches to a finding, computed from `ast` alone.

A plan says what to change (`kind`, an `anchor` node position and pre-rendered code snippets
in `params`), how safe that is (`applicability`), and carries the same change as text
`edits`, so the JSON output can show it without libcst. `refusal_lint.fixing` realises the
plan with libcst (`refusal_lint.fixes`) and checks that the result is exactly what the edits
describe before anything is written.

`promise` records what the fix does to each stop value, in the terms of the safety invariant
(issue 6): `targets` are the refusal values it makes loud, `changes` the other known values
whose behaviour it changes (empty for a safe fix), `unknown_loud` whether values no provider
documents become loud. The executable safety test runs fixed code against exactly that.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

SAFE = "safe"
UNSAFE = "unsafe"
PUBLIC_KEYS = ("applicability", "message", "edits")
# Tests set this so a planning bug fails loudly instead of just dropping the fix.
STRICT = bool(os.environ.get("REFUSAL_LINT_STRICT_FIXES"))

T = TypeVar("T")


@dataclass(frozen=True)
class Span:
    """A source range: 1-based lines, 0-based code-point columns, end exclusive."""

    line: int
    col: int
    end_line: int
    end_col: int

    def as_list(self) -> list[int]:
        return [self.line, self.col, self.end_line, self.end_col]


@dataclass(frozen=True)
class Edit:
    """Replace `span` with `content` (an insertion when the span is empty)."""

    content: str
    span: Span

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Edit:
        """The inverse of `to_dict` (the JSON `fix.edits` items)."""
        start, end = data["location"], data["end_location"]
        span = Span(start["row"], start["column"] - 1, end["row"], end["column"] - 1)
        return cls(data["content"], span)

    def to_dict(self) -> dict[str, Any]:
        """Ruff's edit shape: 1-based rows and columns."""
        return {
            "content": self.content,
            "location": {"row": self.span.line, "column": self.span.col + 1},
            "end_location": {"row": self.span.end_line, "column": self.span.end_col + 1},
        }


@dataclass(frozen=True)
class FixPlan:
    kind: str
    applicability: str
    message: str
    anchor: Span
    construct: tuple[int, int]  # first and last line of the flagged construct
    params: dict[str, Any]
    edits: tuple[Edit, ...]
    promise: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The `Finding.fix` value: the public shape plus the plan the fixers realise."""
        return {
            "applicability": self.applicability,
            "message": self.message,
            "edits": [edit.to_dict() for edit in self.edits],
            "plan": {
                "kind": self.kind,
                "anchor": self.anchor.as_list(),
                "construct": list(self.construct),
                "params": dict(self.params),
                "promise": dict(self.promise),
            },
        }


def public_fix(fix: dict[str, Any] | None) -> dict[str, Any] | None:
    """What output formats show of a `Finding.fix`: applicability, message, edits."""
    if fix is None:
        return None
    return {key: fix[key] for key in PUBLIC_KEYS if key in fix}


def applicability(fix: dict[str, Any] | None) -> str | None:
    """ "safe", "unsafe", or None for a finding without a fix (a fix without one is safe)."""
    if fix is None:
        return None
    value = fix.get("applicability", SAFE)
    return value if value in (SAFE, UNSAFE) else SAFE


def guarded(planner: Callable[..., T | None]) -> Callable[..., T | None]:
    """A planning bug must not cost the finding: the finding is kept without a fix."""

    def wrapper(*args: Any, **kwargs: Any) -> T | None:
        try:
            return planner(*args, **kwargs)
        except Exception:
            if STRICT:
                raise
            return None

    wrapper.__name__ = planner.__name__
    wrapper.__doc__ = planner.__doc__
    return wrapper
