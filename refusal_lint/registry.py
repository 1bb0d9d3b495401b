"""All rules, and lookups by code, name, prefix or `ALL`.

Resolving `--select` and the config needs only each rule's code, name and default, kept in
`RULE_INDEX` so a run answered from the cache never imports the engine (a test checks the
index against the rule classes). The classes are imported on first use.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from refusal_lint.rule import Rule

# (code, name, enabled by default) of every rule in `refusal_lint.checks.ALL_RULES`.
RULE_INDEX: tuple[tuple[str, str, bool], ...] = (
    ("RFL001", "missing-refusal-branch", True),
    ("RFL002", "silent-default-branch", True),
    ("RFL003", "unchecked-response", True),
    ("RFL004", "unchecked-stream", True),
    ("RFL005", "silent-refusal-branch", True),
    ("RFL006", "lossy-stop-mapping", True),
    ("RFL007", "unknown-stop-value", True),
    ("RFL008", "assert-on-stop-reason", True),
    ("RFL009", "refusal-not-distinguished", False),
    ("RFL010", "refusal-category-ignored", False),
    ("RFL011", "swallowed-policy-error", True),
    ("RFL012", "refusal-path-untested", False),
    ("RFL900", "unparseable-file", True),
    ("RFL901", "internal-error", True),
    ("RFL902", "unused-noqa", False),
)
# Codes of the project-level rules (`Rule.project_level`): judged by `check` over all files,
# so a run without them never imports their machinery.
PROJECT_CODES = frozenset({"RFL012"})


class UnknownSelectorError(ValueError):
    """A --select / --ignore / config entry names no rule."""

    def __init__(self, selector: str) -> None:
        super().__init__(f"unknown rule selector: {selector!r}")
        self.selector = selector


def all_rules() -> tuple[type[Rule], ...]:
    """Every rule, in code order (imports the rule classes)."""
    rules: tuple[type[Rule], ...] | None = globals().get("ALL_RULES")
    if rules is None:
        from refusal_lint.checks import ALL_RULES

        globals()["ALL_RULES"] = rules = ALL_RULES
    return rules


def rule_index() -> tuple[tuple[str, str, bool], ...]:
    """(code, name, default) of every rule, without importing the rules if not loaded yet."""
    rules: Any = globals().get("ALL_RULES")
    if rules is None:
        return RULE_INDEX
    return tuple((r.code, r.name, r.default_enabled) for r in rules)


def default_codes() -> list[str]:
    """Codes of the rules that run when nothing is selected."""
    return [code for code, _, default in rule_index() if default]


def get_rule(code_or_name: str) -> type[Rule] | None:
    """The rule with this code (`RFL001`) or name (`missing-refusal-branch`), if any."""
    key = code_or_name.strip()
    for rule in all_rules():
        if rule.code == key.upper() or rule.name == key.lower():
            return rule
    return None


def resolve_selector(selector: str) -> frozenset[str]:
    """Codes matched by one selector: a code, a code prefix (`RFL`, `RFL00`), a name, or `ALL`."""
    key = selector.strip()
    index = rule_index()
    if key.upper() == "ALL":
        return frozenset(code for code, _, _ in index)
    for code, name, _ in index:
        if code == key.upper() or name == key.lower():
            return frozenset({code})
    codes = frozenset(code for code, _, _ in index if code.startswith(key.upper()))
    if not codes or not key.upper().startswith("RFL"):
        raise UnknownSelectorError(selector)
    return codes


def resolve_selectors(selectors: Iterable[str]) -> frozenset[str]:
    """Union of `resolve_selector` over several selectors."""
    codes: set[str] = set()
    for selector in selectors:
        codes |= resolve_selector(selector)
    return frozenset(codes)
