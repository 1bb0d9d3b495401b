"""All rules, and lookups by code, name, prefix or `ALL`."""

from __future__ import annotations

from collections.abc import Iterable

from refusal_lint.checks import ALL_RULES
from refusal_lint.rule import Rule


class UnknownSelectorError(ValueError):
    """A --select / --ignore / config entry names no rule."""

    def __init__(self, selector: str) -> None:
        super().__init__(f"unknown rule selector: {selector!r}")
        self.selector = selector


def all_rules() -> tuple[type[Rule], ...]:
    """Every rule, in code order."""
    return ALL_RULES


def default_codes() -> list[str]:
    """Codes of the rules that run when nothing is selected."""
    return [rule.code for rule in ALL_RULES if rule.default_enabled]


def get_rule(code_or_name: str) -> type[Rule] | None:
    """The rule with this code (`RFL001`) or name (`missing-refusal-branch`), if any."""
    key = code_or_name.strip()
    for rule in ALL_RULES:
        if rule.code == key.upper() or rule.name == key.lower():
            return rule
    return None


def resolve_selector(selector: str) -> frozenset[str]:
    """Codes matched by one selector: a code, a code prefix (`RFL`, `RFL00`), a name, or `ALL`."""
    key = selector.strip()
    if key.upper() == "ALL":
        return frozenset(rule.code for rule in ALL_RULES)
    rule = get_rule(key)
    if rule is not None:
        return frozenset({rule.code})
    codes = frozenset(r.code for r in ALL_RULES if r.code.startswith(key.upper()))
    if not codes or not key.upper().startswith("RFL"):
        raise UnknownSelectorError(selector)
    return codes


def resolve_selectors(selectors: Iterable[str]) -> frozenset[str]:
    """Union of `resolve_selector` over several selectors."""
    codes: set[str] = set()
    for selector in selectors:
        codes |= resolve_selector(selector)
    return frozenset(codes)
