"""RFL900 unparseable-file."""

from __future__ import annotations

from refusal_lint.rule import Rule


class UnparseableFile(Rule):
    """
    ## What it does
    Reports a file that cannot be read or parsed: a syntax error, bytes that do not decode
    in the file's declared encoding, null bytes, or a file that cannot be opened. The
    finding points at the error position; every other file is still checked. Code nested
    so deeply that the parser or the analyzer runs out of recursion or memory (CPython
    refuses 200 nested parentheses itself; a 500-long `elif` chain parses but is too deep
    to analyse) is reported the same way, as `cannot parse file` or `cannot analyse file`.

    Only files that mention a trigger word (a stop-signal field, a refusal class, an SDK
    call) are read, and of those only the blocks that can matter are parsed: a syntax error
    elsewhere is left to the tools that check syntax (ruff's E9, flake8's E999).

    ## Why is this bad?
    A file the linter cannot parse is a file it cannot vouch for. Reporting it keeps a CI
    gate from passing silently on code that was never analysed.

    ## Example
    ```python
    def broken(response:
        return response.stop_reason
    ```

    Use instead:
    ```python
    def fixed(response):
        return response.stop_reason
    ```
    """

    code = "RFL900"
    name = "unparseable-file"
    summary = "A file cannot be read or parsed; it was not checked"
    pylint_id = "E9790"
