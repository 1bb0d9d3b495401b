"""Message wording shared by the rules."""

from __future__ import annotations

from collections.abc import Sequence

from refusal_lint.facts import Dispatch

MAX_LISTED = 4


def format_values(values: Sequence[str]) -> str:
    """`'refusal'` for string spellings, `SAFETY, RECITATION, …` for enum-style names."""
    shown = [v if v.isupper() else repr(v) for v in values[:MAX_LISTED]]
    more = len(values) - MAX_LISTED
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def family_names(dispatch: Dispatch) -> str:
    """The providers whose vocabulary the dispatch speaks, shortened past two."""
    names = list(dict.fromkeys(s.family for s in dispatch.families if s.refusal))
    if len(names) > 2:
        return f"{names[0]} / {names[1]} / …"
    return " / ".join(names)


def describe(dispatch: Dispatch) -> str:
    return f"{dispatch.kind_label} over `{dispatch.subject.text}`"
