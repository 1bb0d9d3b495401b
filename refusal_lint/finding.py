"""The value objects every front end consumes: findings and their positions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, order=True)
class Finding:
    """One problem at one place.

    Positions are exactly `ast`'s: `line`/`end_line` are 1-based, `col`/`end_col` are
    0-based UTF-8 byte offsets converted to code points (the engine converts them, so
    front ends only add 1 where their format is 1-based).
    """

    filename: str
    line: int
    col: int
    code: str
    name: str = field(compare=False)
    message: str = field(compare=False)
    end_line: int = field(compare=False, default=0)
    end_col: int = field(compare=False, default=0)
    fix: dict[str, Any] | None = field(compare=False, default=None, hash=False)

    @property
    def url(self) -> str:
        return f"{DOCS_BASE_URL}/{self.name}.md"


DOCS_BASE_URL = "https://github.com/refusal-lint/refusal-lint/blob/main/docs/rules"
