"""Code too deep or too large to analyse is an RFL900 finding, never a crash.

CPython's parser refuses some deep nesting itself ("too many nested parentheses", "too many
statically nested blocks") and raises `RecursionError` or `MemoryError` on more; the
analyzer's statement walk recurses once per nesting level and can hit the recursion limit
on code the parser accepted (a 500-long `elif` chain). Neither is a refusal-lint bug to
report (RFL901): the file simply could not be analysed, like a file with a syntax error.
Any other exception that escapes the engine on one file is that file's RFL901.
"""

from __future__ import annotations

import os

from refusal_lint.finding import Finding
from refusal_lint.settings import Settings

UNPARSEABLE = ("RFL900", "unparseable-file")
RESOURCE_ERRORS = (RecursionError, MemoryError)
OUT_OF_MEMORY = "out of memory"


def resource_reason(exc: BaseException) -> str:
    """What ran out, for a `RecursionError` or `MemoryError`."""
    if isinstance(exc, RecursionError):
        return "code nested too deeply (Python's recursion limit)"
    return f"{OUT_OF_MEMORY} (the file is too large or too deeply nested)"


def ran_out_of_memory(findings: list[Finding]) -> bool:
    """An RFL900 that another run, with more memory free, may not give: never cached."""
    return any(f.code == UNPARSEABLE[0] and OUT_OF_MEMORY in f.message for f in findings)


def unanalysable(filename: str, exc: BaseException, settings: Settings) -> list[Finding]:
    """The RFL900 finding for a file the analyzer gave up on (none if RFL900 is off)."""
    code, name = UNPARSEABLE
    if code not in settings.enabled:
        return []
    message = f"cannot analyse file: {resource_reason(exc)}"
    return [Finding(filename, 1, 0, code, name, message, 1, 0)]


def failure_findings(display: str, exc: Exception, settings: Settings) -> list[Finding]:
    """What an exception that escaped the engine on one file becomes, so one file never
    stops the run: RFL900 for a resource limit, else RFL901 (`REFUSAL_LINT_DEBUG=1`
    re-raises it, with its traceback)."""
    if isinstance(exc, RESOURCE_ERRORS):
        return unanalysable(display, exc, settings)
    if os.environ.get("REFUSAL_LINT_DEBUG"):
        raise exc
    from refusal_lint.engine import exception_reason, internal_error

    return [internal_error(display, None, "the engine", exception_reason(exc))]
