"""The pylint plugin: `load-plugins = ["refusal_lint.pylint"]` adds the `refusal-lint` checker.

A raw-file checker: it reads the module's source and runs the same engine as the CLI (no
second implementation over astroid). Messages use the rule names as symbols and each rule's
fixed `pylint_id` (W97xx, E979x: the range pylint leaves to external checkers), so
`--enable=refusal-lint`, `--disable=missing-refusal-branch` and
`# pylint: disable=missing-refusal-branch` work as for any pylint message. `# noqa: RFL001`
is honoured too (one suppression comment for every front end), and the rule selection,
options and `per-file-ignores` come from `[tool.refusal-lint]` found from the module's file.
Off-by-default rules are off in pylint too, until enabled there (`--enable=unused-noqa`) or
in `[tool.refusal-lint]`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pylint.checkers import BaseRawFileChecker

from refusal_lint import api
from refusal_lint.discovery import display_path
from refusal_lint.finding import DOCS_BASE_URL
from refusal_lint.limits import failure_findings
from refusal_lint.plugin_config import drop_per_file_ignored, settings_for, with_overrides
from refusal_lint.registry import all_rules

if TYPE_CHECKING:
    from pylint.lint import PyLinter
    from pylint.typing import MessageDefinitionTuple


def _messages() -> dict[str, MessageDefinitionTuple]:
    """One pylint message per rule: `%s` is the finding's message."""
    messages: dict[str, MessageDefinitionTuple] = {}
    for rule in all_rules():
        help_text = f"{rule.summary} ({rule.code}). See {DOCS_BASE_URL}/{rule.name}.md"
        if rule.default_enabled:
            messages[rule.pylint_id] = ("%s", rule.name, help_text)
        else:
            messages[rule.pylint_id] = ("%s", rule.name, help_text, {"default_enabled": False})
    return messages


class RefusalLintChecker(BaseRawFileChecker):
    """Runs refusal-lint's engine on each module and reports its findings."""

    name = "refusal-lint"
    msgs = _messages()

    def process_module(self, node: Any) -> None:
        """Lint one module's source; pylint filters disabled messages and lines."""
        filename = display_path(Path(node.file)) if node.file else str(node.name)
        settings, project = settings_for(filename)
        off_but_enabled = [
            rule.code
            for rule in all_rules()
            if not rule.default_enabled and self.linter.is_message_enabled(rule.pylint_id)
        ]
        settings = with_overrides(settings, extra_enabled=off_but_enabled)
        with node.stream() as stream:
            data: bytes = stream.read()
        try:
            findings = api.check_bytes(data, filename, settings)
        except Exception as exc:  # one file never stops the editor's or CI's run (RFL901)
            findings = failure_findings(filename, exc, settings)
        for finding in drop_per_file_ignored(findings, filename, settings, project):
            self.add_message(
                finding.name,
                line=finding.line,
                args=(finding.message,),
                col_offset=finding.col,
                end_lineno=finding.end_line or finding.line,
                end_col_offset=finding.end_col,
            )


def register(linter: PyLinter) -> None:
    """pylint's plugin hook (`load-plugins`)."""
    linter.register_checker(RefusalLintChecker(linter))
