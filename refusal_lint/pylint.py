"""`load-plugins = ["refusal_lint.pylint"]`: the name users give pylint for the plugin.

A thin alias of `refusal_lint.pylint_plugin`, which holds the checker.
"""

from __future__ import annotations

from refusal_lint.pylint_plugin import RefusalLintChecker, register

__all__ = ["RefusalLintChecker", "register"]
