"""`--statistics`: how many findings each rule produced, most frequent first."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

from refusal_lint.finding import Finding
from refusal_lint.output import Style


def count_by_rule(findings: Sequence[Finding]) -> list[dict[str, Any]]:
    """[{"code", "name", "count", "fixable"}] sorted by count (descending), then code."""
    counts = Counter(f.code for f in findings)
    names = {f.code: f.name for f in findings}
    fixable = {f.code for f in findings if f.fix is not None}
    order = sorted(counts, key=lambda code: (-counts[code], code))
    return [
        {"code": c, "name": names[c], "count": counts[c], "fixable": c in fixable} for c in order
    ]


def render(findings: Sequence[Finding], style: Style, *, as_json: bool = False) -> str:
    """An aligned table (`  3  RFL001  [*] name`) or, with `as_json`, a JSON array."""
    rows = count_by_rule(findings)
    if as_json:
        return json.dumps(rows, indent=2)
    width = max((len(str(row["count"])) for row in rows), default=1)
    return "\n".join(
        f"{row['count']:>{width}}\t{style(row['code'], fg='red', bold=True)}\t"
        f"{'[*] ' if row['fixable'] else ''}{row['name']}"
        for row in rows
    )
