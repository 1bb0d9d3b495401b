"""Words for a site's verdicts, shared by the text, Markdown and HTML reports."""

from __future__ import annotations

from refusal_lint.audit.coverage import FamilyCoverage, percent
from refusal_lint.audit.sites import VALUE_KEYS, Site

NONE = "-"  # the verdict does not apply to this kind of site
# How each word reads: good, bad or in between (colour in the terminal, class in HTML).
TONES = {
    "yes": "good",
    "loud": "good",
    "checked": "good",
    "acts": "good",
    "handed-on": "neutral",
    "streamed": "neutral",
    "unread": "neutral",
    "partial": "warn",
    "no": "bad",
    "silent": "bad",
    "unchecked": "bad",
}


def refusal(site: Site) -> str:
    """yes / partial (some refusal values still have no branch) / no."""
    if site.handles_refusal is None:
        return NONE
    if not site.handles_refusal:
        return "no"
    return "partial" if site.missing_refusal else "yes"


def default(site: Site) -> str:
    if site.loud_default is None:
        return NONE
    return "loud" if site.loud_default else "silent"


def category(site: Site) -> str:
    if site.reads_category is None:
        return NONE
    return "yes" if site.reads_category else "no"


def status(site: Site) -> str:
    return site.status or NONE


def families(site: Site) -> str:
    return ", ".join(site.families) or NONE


def findings(site: Site) -> str:
    return ", ".join(f.code for f in site.findings) or NONE


def handled_values(site: Site) -> list[tuple[str, tuple[str, ...]]]:
    """(meaning, values) pairs in the catalog's order: refusal first."""
    return [(key, site.values[key]) for key in VALUE_KEYS if site.values.get(key)]


def share(part: int, whole: int) -> str:
    """`67% (2/3)`, or `-` when there is nothing to take a share of."""
    value = percent(part, whole)
    return NONE if value is None else f"{value:.0f}% ({part}/{whole})"


def family_ratios(family: FamilyCoverage) -> list[tuple[str, int, int]]:
    """(label, part, whole) for each coverage figure of a family, in report order."""
    judged = family.responses["checked"] + family.responses["unchecked"]
    loops = family.stream_loops_checked + family.stream_loops_unchecked
    handlers = family.policy_handlers_loud + family.policy_handlers_silent
    sites = family.dispatch_sites
    return [
        ("Handle refusal", family.handles_refusal, sites),
        ("Loud default", family.loud_default, sites),
        ("Covered", family.covered, sites),
        ("Read category", family.reads_category, family.category_sites),
        ("Responses checked", family.responses["checked"], judged),
        ("Stream loops checked", family.stream_loops_checked, loops),
        ("Tables keying refusal", family.tables_handling_refusal, family.tables),
        ("Policy handlers loud", family.policy_handlers_loud, handlers),
    ]
