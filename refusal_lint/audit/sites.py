"""The audit's records: one `Site` per place that handles (or should handle) a stop signal.

A site is plain data, JSON-able through `to_dict` (the shape `schema.json` documents). The
findings of a file are attached to its sites after the front end has dropped the codes its
per-file ignores name; a finding that belongs to no site (an `assert`, an unparseable file,
a bound signal never read) stays in the report's `other_findings`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from refusal_lint.catalog import VALUE_GROUPS
from refusal_lint.finding import Finding

SITE_KINDS = (
    "dispatch",  # an if/elif chain, match or run of ifs over a stop signal
    "translation",  # a dispatch whose branches only return another vocabulary's constant
    "refusal-check",  # a truthiness test of a refusal field (`if msg.refusal:`)
    "table",  # a dict literal keyed by stop values
    "lookup",  # a lookup of a stop signal in a table defined elsewhere
    "response-call",  # an SDK call that returns a response
    "stream-loop",  # a loop consuming a stream's text
    "policy-handler",  # an `except` for a provider's policy / block error
)
# A value compared with a signal that no fitted family knows (a typo, RFL007) is "unknown".
VALUE_KEYS = (*VALUE_GROUPS, "unknown")

# The site kinds each rule reports on. A finding of a listed rule attaches only to a site
# of these kinds; one of an unlisted rule (a newer rule) to the innermost site around it.
RULE_SITE_KINDS: dict[str, frozenset[str]] = {
    "RFL001": frozenset({"dispatch"}),
    "RFL002": frozenset({"dispatch"}),
    "RFL003": frozenset({"response-call"}),
    "RFL004": frozenset({"stream-loop"}),
    "RFL005": frozenset({"dispatch", "refusal-check"}),
    "RFL006": frozenset({"table", "lookup", "translation"}),
    "RFL007": frozenset({"dispatch", "translation"}),
    "RFL009": frozenset({"dispatch"}),
    "RFL010": frozenset({"dispatch"}),
    "RFL011": frozenset({"policy-handler"}),
}
# Findings about a file or a statement no site stands for.
SITELESS_RULES = frozenset({"RFL008", "RFL900", "RFL901", "RFL902"})

Position = tuple[int, int]  # (1-based line, 0-based column), as in `ast` and Finding


@dataclass
class Site:
    """One site with what the audit reports about it; None means "does not apply"."""

    path: str
    kind: str
    text: str
    start: Position  # where the site's findings are reported from
    end: Position
    line: int  # the line to show and link (the dispatch's first value test)
    column: int  # 0-based, like `ast`
    families: tuple[str, ...] = ()
    providers: tuple[str, ...] = ()
    values: dict[str, tuple[str, ...]] = field(default_factory=dict)
    handles_refusal: bool | None = None
    missing_refusal: tuple[str, ...] = ()
    loud_default: bool | None = None
    reads_category: bool | None = None
    status: str | None = None
    findings: list[Finding] = field(default_factory=list)
    # Other places whose findings are this site's (RFL003 at the output read of a call,
    # RFL006 at a lookup of a table).
    anchors: tuple[Position, ...] = ()

    @property
    def covered(self) -> bool | None:
        """For `--fail-under`: a dispatch that handles refusal and has a loud default."""
        if self.kind != "dispatch" or self.handles_refusal is None:
            return None
        return self.handles_refusal and self.loud_default is True

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}"

    def to_dict(self) -> dict[str, Any]:
        """The site as `schema.json` describes it (1-based columns)."""
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column + 1,
            "end_line": self.end[0],
            "kind": self.kind,
            "text": self.text,
            "families": list(self.families),
            "providers": list(self.providers),
            "values": {key: list(self.values.get(key, ())) for key in VALUE_KEYS},
            "handles_refusal": self.handles_refusal,
            "missing_refusal": list(self.missing_refusal),
            "loud_default": self.loud_default,
            "reads_category": self.reads_category,
            "status": self.status,
            "covered": self.covered,
            "findings": [finding_to_dict(f) for f in self.findings],
        }


@dataclass
class FileAudit:
    """One file's sites and the findings the same walk produced."""

    filename: str
    sites: list[Site]
    findings: list[Finding]


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    return {
        "code": finding.code,
        "name": finding.name,
        "message": finding.message,
        "path": finding.filename,
        "line": finding.line,
        "column": finding.col + 1,
    }


def attach_findings(sites: Sequence[Site], findings: Iterable[Finding]) -> list[Finding]:
    """Add each finding to the site it is about; return the ones that belong to none."""
    leftover = []
    for finding in findings:
        owner = _owner(sites, finding)
        if owner is None:
            leftover.append(finding)
        else:
            owner.findings.append(finding)
    return leftover


def _owner(sites: Sequence[Site], finding: Finding) -> Site | None:
    """The site a finding is reported at or inside: an exact anchor beats an enclosing
    span, and a smaller span beats a larger one (a dispatch nested in another)."""
    if finding.code in SITELESS_RULES:
        return None
    kinds = RULE_SITE_KINDS.get(finding.code)
    at = (finding.line, finding.col)
    best: tuple[tuple[int, int, int], Site] | None = None
    for site in sites:
        if kinds is not None and site.kind not in kinds:
            continue
        anchored = at == site.start or at in site.anchors
        if not anchored and not site.start <= at <= site.end:
            continue
        rank = (0 if anchored else 1, site.end[0] - site.start[0], site.end[1])
        if best is None or rank < best[0]:
            best = (rank, site)
    return best[1] if best else None
