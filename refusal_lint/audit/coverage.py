"""Coverage per provider family, and the share `--fail-under` gates on.

The gate's share is over *judged dispatch sites*: dispatches (not translations) whose
family has a refusal value. A site is covered when it handles refusal and its default path
is loud. With no judged dispatch site at all the share is 100%: there is nothing left to
cover, so a tree without stop-signal dispatches passes any gate.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from refusal_lint.audit.sites import Site
from refusal_lint.responses import RESPONSE_STATUSES

UNIDENTIFIED = "(unidentified)"  # a site no catalog provider could be named for


def percent(part: int, whole: int) -> float | None:
    """`part` of `whole` in percent; None when there is no whole to take a share of."""
    return 100.0 * part / whole if whole else None


@dataclass
class FamilyCoverage:
    """The sites of one provider family, counted by what the audit says about them."""

    family: str
    dispatch_sites: int = 0  # judged: the family has a refusal value
    handles_refusal: int = 0
    loud_default: int = 0
    covered: int = 0  # handles refusal and has a loud default
    category_sites: int = 0  # refusal handled where the provider reports a category
    reads_category: int = 0
    unjudged_dispatch_sites: int = 0  # families without a refusal value (reading 7)
    translations: int = 0
    tables: int = 0  # tables and lookups
    tables_handling_refusal: int = 0
    refusal_checks: int = 0
    responses: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RESPONSE_STATUSES, 0))
    stream_loops_checked: int = 0
    stream_loops_unchecked: int = 0
    policy_handlers_loud: int = 0
    policy_handlers_silent: int = 0

    def add(self, site: Site) -> None:
        adders = {
            "dispatch": self._add_dispatch,
            "translation": self._add_translation,
            "table": self._add_table,
            "lookup": self._add_table,
            "refusal-check": self._add_refusal_check,
            "response-call": self._add_response,
            "stream-loop": self._add_stream_loop,
            "policy-handler": self._add_policy_handler,
        }
        adders[site.kind](site)

    def _add_dispatch(self, site: Site) -> None:
        if site.handles_refusal is None:
            self.unjudged_dispatch_sites += 1
            return
        self.dispatch_sites += 1
        self.handles_refusal += site.handles_refusal
        self.loud_default += site.loud_default is True
        self.covered += site.covered is True
        if site.reads_category is not None:
            self.category_sites += 1
            self.reads_category += site.reads_category

    def _add_translation(self, site: Site) -> None:
        self.translations += 1

    def _add_table(self, site: Site) -> None:
        self.tables += 1
        self.tables_handling_refusal += site.handles_refusal is True

    def _add_refusal_check(self, site: Site) -> None:
        self.refusal_checks += 1

    def _add_response(self, site: Site) -> None:
        self.responses[site.status or "unread"] += 1

    def _add_stream_loop(self, site: Site) -> None:
        if site.status == "checked":
            self.stream_loops_checked += 1
        else:
            self.stream_loops_unchecked += 1

    def _add_policy_handler(self, site: Site) -> None:
        if site.status == "silent":
            self.policy_handlers_silent += 1
        else:
            self.policy_handlers_loud += 1

    def to_dict(self) -> dict[str, Any]:
        """The family's entry in the JSON report (`schema.json`, `$defs/family`)."""
        return {
            "family": self.family,
            "dispatch": {
                "sites": self.dispatch_sites,
                "handles_refusal": self.handles_refusal,
                "loud_default": self.loud_default,
                "covered": self.covered,
                "category_sites": self.category_sites,
                "reads_category": self.reads_category,
                "handles_refusal_percent": percent(self.handles_refusal, self.dispatch_sites),
                "loud_default_percent": percent(self.loud_default, self.dispatch_sites),
                "covered_percent": percent(self.covered, self.dispatch_sites),
                "reads_category_percent": percent(self.reads_category, self.category_sites),
                "unjudged_sites": self.unjudged_dispatch_sites,
            },
            "translations": self.translations,
            "tables": {"sites": self.tables, "handles_refusal": self.tables_handling_refusal},
            "refusal_checks": self.refusal_checks,
            "responses": dict(self.responses),
            "stream_loops": {
                "checked": self.stream_loops_checked,
                "unchecked": self.stream_loops_unchecked,
            },
            "policy_handlers": {
                "loud": self.policy_handlers_loud,
                "silent": self.policy_handlers_silent,
            },
        }


def coverage_by_family(sites: Iterable[Site]) -> list[FamilyCoverage]:
    """One entry per family, by name; a site of several families counts in each."""
    found: dict[str, FamilyCoverage] = {}
    for site in sites:
        for family in site.families or (UNIDENTIFIED,):
            found.setdefault(family, FamilyCoverage(family)).add(site)
    return [found[name] for name in sorted(found, key=lambda n: (n == UNIDENTIFIED, n))]


@dataclass(frozen=True)
class Gate:
    """The `--fail-under` share: judged dispatch sites that are covered."""

    covered: int
    total: int

    @property
    def share(self) -> float:
        """Covered sites in percent; 100 when there is no judged dispatch site."""
        return 100.0 * self.covered / self.total if self.total else 100.0

    def passes(self, fail_under: float) -> bool:
        return self.share >= fail_under

    def describe(self) -> str:
        """What the share counts, for the reports (which print the share itself)."""
        if not self.total:
            return "no dispatch site to cover"
        if self.total == 1:
            return f"{self.covered} of 1 dispatch site handles refusal and has a loud default"
        return (
            f"{self.covered} of {self.total} dispatch sites handle refusal and have a loud default"
        )

    def to_dict(self) -> dict[str, Any]:
        return {"covered": self.covered, "total": self.total, "share": self.share}


def gate_of(sites: Iterable[Site]) -> Gate:
    judged = [site.covered for site in sites if site.covered is not None]
    return Gate(covered=sum(judged), total=len(judged))
