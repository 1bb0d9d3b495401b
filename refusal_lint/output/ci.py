"""What the CI formats (sarif, github, gitlab, junit) share: severities and paths."""

from __future__ import annotations

from pathlib import Path

from refusal_lint.finding import Finding
from refusal_lint.fingerprint import project_path, repo_root
from refusal_lint.registry import get_rule
from refusal_lint.rule import Rule


def rule_level(rule: type[Rule] | None) -> str:
    """ "error" for the E-class rules (a file not checked, an internal error), else "warning"."""
    return "error" if rule is not None and rule.pylint_id.startswith(("E", "F")) else "warning"


def level(finding: Finding) -> str:
    """The finding's severity: "error" or "warning"."""
    return rule_level(get_rule(finding.code))


class Paths:
    """Repository-relative POSIX paths for reported file names (cached per name)."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or repo_root()
        self._cache: dict[str, str] = {}

    def __call__(self, filename: str) -> str:
        if filename not in self._cache:
            self._cache[filename] = project_path(filename, self.root)
        return self._cache[filename]
