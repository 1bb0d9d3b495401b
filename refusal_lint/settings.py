"""Resolved, immutable settings shared by the engine and every front end."""

from __future__ import annotations

from dataclasses import dataclass, field

# RFL012 (refusal-path-untested): which files are tests, and which files in a test folder
# are recorded responses. A pattern ending in `/` names a folder at any depth; any other
# pattern is a file-name glob.
DEFAULT_TEST_PATTERNS = ("tests/", "test_*.py", "*_test.py", "conftest.py")
DEFAULT_CASSETTE_GLOBS = ("*.json", "*.yaml", "*.yml", "*.sse")


@dataclass(frozen=True)
class Settings:
    """What the engine needs to know; hashable so caches can key on it.

    `enabled` holds the rule codes that run (already resolved from select / ignore).
    Front ends build it with `refusal_lint.config.load_settings`.
    """

    enabled: frozenset[str] = field(default_factory=frozenset)
    # Dotted call names that make a default path loud, e.g. "sentry_sdk.capture_message".
    loud_calls: tuple[str, ...] = ()
    # Extra attribute / key names that carry a stop signal (any provider's vocabulary).
    extra_signal_fields: tuple[str, ...] = ()
    # Extra values that mean refusal (a project's own spelling of a provider's refusal).
    extra_refusal_values: tuple[str, ...] = ()
    # (glob, codes) pairs: codes ignored in files matching glob.
    per_file_ignores: tuple[tuple[str, frozenset[str]], ...] = ()
    # `[tool.refusal-lint.fix]` templates for the statements fixes insert (None: built-in).
    fix_default_branch: str | None = None
    fix_refusal_branch: str | None = None
    # `[tool.refusal-lint.refusal-path-untested]`: test files and cassettes (RFL012).
    test_patterns: tuple[str, ...] = DEFAULT_TEST_PATTERNS
    cassette_globs: tuple[str, ...] = DEFAULT_CASSETTE_GLOBS


def default_settings() -> Settings:
    """Settings with the default-on rules enabled and nothing configured."""
    from refusal_lint.registry import default_codes

    return Settings(enabled=frozenset(default_codes()))
