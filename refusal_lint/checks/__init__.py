"""The built-in rules, in code order. An explicit list: no import-time scanning."""

from __future__ import annotations

from refusal_lint.rule import Rule

ALL_RULES: tuple[type[Rule], ...] = ()
