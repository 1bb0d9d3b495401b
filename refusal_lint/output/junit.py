"""JUnit XML: one test suite per file with findings, one failing test case per finding.

CI systems that read JUnit (GitLab, Jenkins, Azure Pipelines) list each finding as a
failed test. A clean run is one suite with one passing case, so the report is never empty.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from itertools import groupby

from refusal_lint.output import Report, Style

# Characters XML 1.0 cannot carry at all, not even as `&#1;`: most C0 controls, lone
# surrogates (a file name that is not UTF-8), U+FFFE and U+FFFF.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """`text` with each character XML cannot carry written as a `\\xNN` / `\\uNNNN` escape."""
    return _NOT_XML.sub(
        lambda m: m.group().encode("unicode_escape", "backslashreplace").decode(), text
    )


def render(report: Report, style: Style) -> str:
    """The JUnit XML document (UTF-8, with an XML declaration)."""
    findings = list(report.findings)
    root = ET.Element(
        "testsuites",
        name="refusal-lint",
        tests=str(max(len(findings), 1)),
        failures=str(len(findings)),
        errors="0",
    )
    if not findings:
        suite = ET.SubElement(root, "testsuite", name="refusal-lint", tests="1", failures="0")
        ET.SubElement(suite, "testcase", name="No problems found", classname="refusal-lint")
    for filename, group in groupby(findings, key=lambda f: f.filename):
        cases = list(group)
        suite = ET.SubElement(
            root,
            "testsuite",
            name=xml_text(filename),
            tests=str(len(cases)),
            failures=str(len(cases)),
            errors="0",
        )
        for f in cases:
            case = ET.SubElement(
                suite,
                "testcase",
                name=f"{f.code} {f.name} at line {f.line}, column {f.col + 1}",
                classname=xml_text(filename),
                file=xml_text(filename),
                line=str(f.line),
            )
            failure = ET.SubElement(case, "failure", message=xml_text(f.message), type=f.code)
            text = f"{filename}:{f.line}:{f.col + 1}: {f.code} {f.message}\n{f.url}"
            failure.text = xml_text(text)
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}'
