"""RFL901 internal-error."""

from __future__ import annotations

from refusal_lint.rule import Rule


class InternalError(Rule):
    """
    ## What it does
    Reports that refusal-lint itself failed on a file: an exception inside the analyzer,
    inside one rule, or anywhere else in the engine while it checked that file. The other
    rules' findings for the file, and every other file, are still reported; the command
    exits with status 2 so a CI gate notices.

    ## Why is this bad?
    A crash that silently skipped a file would let the file pass unchecked. Reporting it
    keeps the gate honest and tells you what to report upstream.

    ## Example
    ```text
    src/app/llm.py:1:1: RFL901 internal error in RFL003: KeyError: 'choices' (this is a
    refusal-lint bug; please report it with this file)
    ```

    Reported whatever `select` / `ignore` say: an internal error is never a finding to
    silence. Report the file at https://github.com/refusal-lint/refusal-lint/issues.
    """

    code = "RFL901"
    name = "internal-error"
    summary = "refusal-lint failed on this file (a bug to report); the run goes on"
    pylint_id = "E9791"
    has_code_examples = False
