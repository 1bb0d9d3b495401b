"""SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

One run whose tool driver lists every rule (id, name, descriptions, help URI, the rule's
Markdown docs as help, default level); one result per finding with a repository-relative
`artifactLocation` (`uriBaseId` `%SRCROOT%`), a region in 1-based code-point columns (the
end column is exclusive, as SARIF defines it) and `partialFingerprints` that survive line
shifts (see `refusal_lint.fingerprint`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from refusal_lint import __version__
from refusal_lint.finding import DOCS_BASE_URL, Finding
from refusal_lint.fingerprint import VERSION, fingerprints
from refusal_lint.output import Report, Style
from refusal_lint.output.ci import Paths, level, rule_level
from refusal_lint.registry import all_rules
from refusal_lint.rule import Rule

SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
INFORMATION_URI = "https://github.com/refusal-lint/refusal-lint"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = f"refusalLint/{VERSION}"


def rule_descriptor(rule: type[Rule]) -> dict[str, Any]:
    """The `reportingDescriptor` of one rule."""
    what = rule.doc_section("What it does")
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": " ".join(what.split()) or rule.summary},
        "helpUri": f"{DOCS_BASE_URL}/{rule.name}.md",
        "help": {"text": rule.summary, "markdown": f"# {rule.name} ({rule.code})\n\n{rule.docs()}"},
        "defaultConfiguration": {"level": rule_level(rule), "enabled": rule.default_enabled},
        "properties": {"tags": ["refusal-lint", "llm"]},
    }


def _location(finding: Finding, path: str) -> dict[str, Any]:
    if Path(path).is_absolute():
        artifact: dict[str, Any] = {"uri": Path(path).as_uri()}
    else:
        artifact = {"uri": quote(path, errors="surrogateescape"), "uriBaseId": SRCROOT}
    end_line = finding.end_line or finding.line
    end_col = finding.end_col if finding.end_line else finding.col
    region = {
        "startLine": finding.line,
        "startColumn": finding.col + 1,
        "endLine": end_line,
        "endColumn": end_col + 1,
    }
    return {"physicalLocation": {"artifactLocation": artifact, "region": region}}


def to_sarif(report: Report, root: Path | None = None) -> dict[str, Any]:
    """The SARIF log as a JSON-ready dict."""
    paths = Paths(root)
    rules = all_rules()
    index = {rule.code: i for i, rule in enumerate(rules)}
    prints = fingerprints(report.findings, report.sources, paths.root)
    results = []
    for finding, print_ in zip(report.findings, prints, strict=True):
        result: dict[str, Any] = {
            "ruleId": finding.code,
            "level": level(finding),
            "message": {"text": finding.message},
            "locations": [_location(finding, paths(finding.filename))],
            "partialFingerprints": {FINGERPRINT_KEY: print_},
        }
        if finding.code in index:
            result["ruleIndex"] = index[finding.code]
        results.append(result)
    run = {
        "tool": {
            "driver": {
                "name": "refusal-lint",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [rule_descriptor(rule) for rule in rules],
            }
        },
        "invocations": [{"executionSuccessful": True}],
        "originalUriBaseIds": {SRCROOT: {"uri": paths.root.as_uri() + "/"}},
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def render(report: Report, style: Style) -> str:
    """The SARIF log, indented JSON."""
    return json.dumps(to_sarif(report), indent=2)
