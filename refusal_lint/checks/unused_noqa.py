"""RFL902 unused-noqa (off by default; computed in `refusal_lint.unused_noqa`)."""

from __future__ import annotations

from refusal_lint.rule import Rule


class UnusedNoqa(Rule):
    """
    ## What it does
    Reports `# noqa: RFL…` comments whose codes suppress nothing: no finding of that code
    is on the comment's line any more, or the code names no rule. Off by default; enable
    it with `extend-select = ["RFL902"]` (or `--extend-select RFL902`).

    Only `RFL` codes are judged. A bare `# noqa` and other tools' codes (`E501`, `B008`)
    are left alone, and so is the code of a rule that is disabled in this configuration,
    since its finding could not have appeared. The comment is judged on the findings before
    suppression, so the CLI, the flake8 plugin and the pylint plugin agree.

    ## Why is this bad?
    A stale suppression is a hole waiting for a bug: when the code on that line changes and
    a real finding appears, the old comment silences it. ruff's own unused-noqa check
    (RUF100) cannot help here: it does not know the `RFL` codes, and unless they are
    declared with `external = ["RFL"]` under `[tool.ruff.lint]` it reports them as invalid
    and its autofix deletes them, needed or not.

    ## Example
    ```python
    def answer(client, prompt):
        resp = client.messages.create(model="claude-sonnet-4-5", max_tokens=512, messages=prompt)
        if resp.stop_reason in ("refusal", "max_tokens"):  # noqa: RFL001
            raise RuntimeError(f"no answer: {resp.stop_reason}")
        return resp.content[0].text
    ```

    Use instead:
    ```python
    def answer(client, prompt):
        resp = client.messages.create(model="claude-sonnet-4-5", max_tokens=512, messages=prompt)
        if resp.stop_reason in ("refusal", "max_tokens"):
            raise RuntimeError(f"no answer: {resp.stop_reason}")
        return resp.content[0].text
    ```

    ## Known limitations
    A `# noqa` inside a string literal is not a comment and is never reported. A
    directive that lists `RFL902` itself (or a prefix of it, such as `RFL9`) is not
    reported, since it would suppress its own report.
    """

    code = "RFL902"
    name = "unused-noqa"
    summary = "A `# noqa: RFL…` comment suppresses no finding (a stale suppression)"
    default_enabled = False
    pylint_id = "W9712"
