"""One audit run's result, and its JSON form (the shape `schema.json` documents)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from refusal_lint import __version__
from refusal_lint.audit.coverage import FamilyCoverage, Gate, coverage_by_family, gate_of
from refusal_lint.audit.sites import SITE_KINDS, Site, finding_to_dict
from refusal_lint.finding import Finding

SCHEMA_VERSION = 1


@dataclass
class AuditReport:
    """The sites of every audited file, sorted, plus the findings that belong to none."""

    files: int
    sites: list[Site]
    other_findings: list[Finding] = field(default_factory=list)
    fail_under: float | None = None

    @cached_property
    def families(self) -> list[FamilyCoverage]:
        return coverage_by_family(self.sites)

    @cached_property
    def gate(self) -> Gate:
        return gate_of(self.sites)

    @property
    def passed(self) -> bool | None:
        """Whether the gate passes; None without `--fail-under`."""
        return None if self.fail_under is None else self.gate.passes(self.fail_under)

    @property
    def finding_count(self) -> int:
        return sum(len(s.findings) for s in self.sites) + len(self.other_findings)

    def headline(self) -> str:
        """`N files, M sites, K findings (J outside any site).`"""
        outside = f" ({len(self.other_findings)} outside any site)" if self.other_findings else ""
        return (
            f"{_count(self.files, 'file')}, {_count(len(self.sites), 'site')}, "
            f"{_count(self.finding_count, 'finding')}{outside}."
        )

    def to_dict(self) -> dict[str, Any]:
        kinds = Counter(site.kind for site in self.sites)
        return {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "refusal-lint", "version": __version__},
            "summary": {
                "files": self.files,
                "sites": len(self.sites),
                "sites_by_kind": {kind: kinds[kind] for kind in SITE_KINDS},
                "findings": self.finding_count,
                "gate": {
                    **self.gate.to_dict(),
                    "fail_under": self.fail_under,
                    "passed": self.passed,
                },
            },
            "families": [family.to_dict() for family in self.families],
            "sites": [site.to_dict() for site in self.sites],
            "other_findings": [finding_to_dict(f) for f in self.other_findings],
        }


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
