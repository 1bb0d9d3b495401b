"""The flake8 plugin: `flake8 --select RFL` runs refusal-lint's engine on flake8's tree.

Registered as the `flake8.extension` entry point `RFL`. flake8 owns what it always owns:
`--select` / `--extend-ignore`, `# noqa` (so the engine runs with `noqa=False` and flake8
applies `# noqa: RFL001` itself; `--disable-noqa` works) and its own per-file ignores.
Rule semantics (`loud-calls`, extra fields and values), the selection of rules and
`per-file-ignores` come from the `[tool.refusal-lint]` table found from the linted file,
so an editor running flake8 and the CLI agree; the `--refusal-*` flake8 options override
the option values. An off-by-default rule runs when that table enables it or when flake8's
`--select` / `--extend-select` names its full code (`--extend-select RFL009`).

A file flake8 cannot parse is flake8's E999: flake8 does not run AST plugins on it, so
RFL900 never appears here.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any, ClassVar

from refusal_lint import __version__, api
from refusal_lint.limits import failure_findings
from refusal_lint.plugin_config import drop_per_file_ignored, settings_for, with_overrides
from refusal_lint.registry import all_rules

_OPTIONS = (
    ("--refusal-loud-calls", "loud_calls", "Calls that make a default path loud"),
    ("--refusal-extra-signal-fields", "extra_signal_fields", "More stop-signal field names"),
    ("--refusal-extra-refusal-values", "extra_refusal_values", "More values meaning refusal"),
)


class Flake8Plugin:
    """flake8 AST plugin; one instance per file."""

    name = "refusal-lint"
    version = __version__

    overrides: ClassVar[dict[str, tuple[str, ...]]] = {}
    named_off_rules: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, tree: ast.Module, filename: str, lines: list[str]) -> None:
        self.tree = tree
        self.filename = filename
        self.lines = lines

    @classmethod
    def add_options(cls, manager: Any) -> None:
        """The `--refusal-*` options (also `refusal-*` keys in flake8's config)."""
        for flag, _, help_text in _OPTIONS:
            manager.add_option(
                flag,
                default=None,
                parse_from_config=True,
                comma_separated_list=True,
                help=f"{help_text}; overrides [tool.refusal-lint] (comma-separated).",
            )

    @classmethod
    def parse_options(cls, options: Any) -> None:
        """Remember the option overrides and the off-by-default rules flake8 selects by code."""
        cls.overrides = {}
        for _, attr, _ in _OPTIONS:
            value = getattr(options, f"refusal_{attr}", None)
            if value:
                cls.overrides[attr] = tuple(v.strip() for v in value if v.strip())
        named = {
            code.strip().upper()
            for key in ("select", "extend_select", "enable_extensions")
            for code in (getattr(options, key, None) or ())
        }
        cls.named_off_rules = frozenset(
            rule.code for rule in all_rules() if not rule.default_enabled and rule.code in named
        )

    def run(self) -> Iterator[tuple[int, int, str, type[Flake8Plugin]]]:
        """Findings as `(line, col, "RFL001 message", type)`; flake8 prints col + 1."""
        settings, project = settings_for(self.filename)
        settings = with_overrides(
            settings,
            extra_enabled=self.named_off_rules,
            loud_calls=self.overrides.get("loud_calls"),
            extra_signal_fields=self.overrides.get("extra_signal_fields"),
            extra_refusal_values=self.overrides.get("extra_refusal_values"),
        )
        source = "".join(self.lines)
        try:
            findings = api.check_source(source, self.filename, settings, tree=self.tree, noqa=False)
        except Exception as exc:  # one file never stops the editor's or CI's run (RFL901)
            findings = failure_findings(self.filename, exc, settings)
        for finding in drop_per_file_ignored(findings, self.filename, settings, project):
            yield finding.line, finding.col, f"{finding.code} {finding.message}", type(self)
