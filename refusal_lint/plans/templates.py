"""The code a fix inserts: loud default and refusal statements, from templates.

`[tool.refusal-lint.fix]` may set `default-branch` and `refusal-branch`: one line of simple
statements, where `{subject}` stands for the subject's source text and `{subject!r}` (for use
inside an f-string) for `{<subject text>!r}`. The defaults use built-ins only and add no
imports. Quotes follow the file (`quote`); a rendered statement that does not parse gives no
fix rather than broken code.
"""

from __future__ import annotations

import ast
import re

PLACEHOLDER = re.compile(r"\{subject(?P<conversion>![rsa])?\}")
DEFAULT_BRANCH = 'raise ValueError(f"unhandled stop reason: {subject!r}")'
REFUSAL_BRANCH = 'raise RuntimeError(f"model refused: {subject!r}")'
_UNSAFE_IN_FSTRING = re.compile(r"[\\#\n\r{}]")


class TemplateError(ValueError):
    """A configured template is not one line of simple statements."""


def check_template(template: str) -> None:
    """Raise TemplateError unless `template` renders to one line of simple statements."""
    if "\n" in template or "\r" in template:
        raise TemplateError("must be a single line")
    code = render(template, "subject")
    if not is_simple_line(code):
        raise TemplateError("must be one or more simple statements (no `if`, `for`, ...)")


def render(template: str, subject: str) -> str:
    """Substitute the subject's source text into a template."""

    def replace(match: re.Match[str]) -> str:
        conversion = match.group("conversion")
        return "{" + subject + conversion + "}" if conversion else subject

    return PLACEHOLDER.sub(replace, template)


def is_simple_line(code: str) -> bool:
    """One line that parses as simple statements only."""
    if "\n" in code or "\r" in code:
        return False
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return False
    compound = (
        ast.If, ast.For, ast.AsyncFor, ast.While, ast.Try, ast.With, ast.AsyncWith,
        ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Match,
    )  # fmt: skip
    return bool(tree.body) and not any(isinstance(s, compound) for s in tree.body)


def default_statement(subject: str, quote: str, template: str | None) -> str | None:
    """The statement a loud default branch runs."""
    if template is not None:
        return _checked(render(template, subject))
    return _checked(_fstring_raise("ValueError", "unhandled stop reason: ", subject, quote))


def refusal_statement(
    subject: str, quote: str, template: str | None, details_of: str | None = None
) -> str | None:
    """The statement a refusal branch runs; `details_of` is the Anthropic response whose
    `stop_details` say why it refused."""
    if template is not None:
        return _checked(render(template, subject))
    if details_of is not None:
        other = "'" if quote == '"' else '"'
        details = f"getattr({details_of}, {other}stop_details{other}, None)"
        code = _fstring_raise("RuntimeError", "model refused: ", details, quote)
        if code is not None:
            return _checked(code)
    return _checked(_fstring_raise("RuntimeError", "model refused: ", subject, quote))


def _fstring_raise(exception: str, text: str, field: str, quote: str) -> str | None:
    """`raise E(f"<text>{field!r}")`, or a `repr()` concatenation when the field cannot
    sit inside an f-string replacement field on Python 3.10."""
    for q in (quote, "'" if quote == '"' else '"'):
        if q not in field and not _UNSAFE_IN_FSTRING.search(field):
            return f"raise {exception}(f{q}{text}{{{field}!r}}{q})"
    return f"raise {exception}({quote}{text}{quote} + repr({field}))"


def _checked(code: str | None) -> str | None:
    return code if code is not None and is_simple_line(code) else None
