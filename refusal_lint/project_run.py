"""Project-level rules over one run: file summaries in, the project's findings out.

`refusal-lint check` creates a `ProjectScan` only while a project-level rule (RFL012) is
enabled. The runner lints each file with `lint_data` (a module, a test file or a cassette;
cached and spread over worker processes like any lint), the scan collects the summaries,
and once every file is read it judges them together. `lint_tree` does the same for files
held in memory (the case books, the rule's documented example).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path

from refusal_lint import api
from refusal_lint.catalog import load_catalog
from refusal_lint.checks.refusal_path_untested import check_project
from refusal_lint.discovery import PYTHON_SUFFIXES, display_path
from refusal_lint.finding import Finding
from refusal_lint.project import FileSummary, SuiteLayout, summarize_cassette
from refusal_lint.registry import PROJECT_CODES
from refusal_lint.settings import Settings


def project_rules_enabled(settings: Settings) -> bool:
    return bool(settings.enabled & PROJECT_CODES)


def lint_data(data: bytes, display: str, settings: Settings) -> api.FileCheck:
    """One file's findings and summary: a cassette is read for its recorded responses
    (it has no findings), anything else is linted as Python."""
    if project_rules_enabled(settings) and SuiteLayout.of(settings).is_cassette(display):
        return api.FileCheck([], summarize_cassette(data, load_catalog()))
    return api.lint_bytes(data, display, settings)


def result_key(content: str, display: str, settings: Settings) -> str:
    """The cache key of a file's result: its content digest, and, while a project-level
    rule is enabled, what the file is, since its summary depends on that too (the same
    bytes summarize differently as a test, a module or a cassette)."""
    if not project_rules_enabled(settings):
        return content
    layout = SuiteLayout.of(settings)
    if layout.is_cassette(display):
        return f"cassette:{content}"
    return f"{'test' if layout.is_test(display) else 'module'}:{content}"


@dataclass
class ProjectScan:
    """The summaries of one run, by file name as reported."""

    settings: Settings
    summaries: dict[str, FileSummary] = field(default_factory=dict)
    # Hashes of the text each module with dispatch sites was summarized from: a file
    # `--fix` rewrote is summarized again, so its finding follows its new lines.
    _hashes: dict[str, int] = field(default_factory=dict)

    def wants(self, path: Path | str) -> bool:
        """Discovery's question: is this non-Python file a cassette to read?"""
        return SuiteLayout.of(self.settings).is_cassette(display_path(path))

    def python_files(self, paths: Iterable[str]) -> list[str]:
        """`paths` without the cassettes (for --fix and the count of linted files)."""
        return [path for path in paths if not self.wants(path)]

    def add(self, filename: str, summary: FileSummary | None, source: str | None) -> None:
        """One file's summary (None: it says nothing to the rule) and, for a file with
        findings, its text (only such a file can be changed by --fix)."""
        self._hashes.pop(filename, None)
        if summary is None:
            self.summaries.pop(filename, None)
            return
        self.summaries[filename] = summary
        if summary.sites and source is not None:
            self._hashes[filename] = hash(source)

    def findings(
        self,
        sources: MutableMapping[str, str],
        ignored: Callable[[str], frozenset[str]] = lambda name: frozenset(),
    ) -> list[Finding]:
        """The project's findings, minus those `ignored` turns off for their file.

        `sources` maps file names to the text reported findings show (a fixed file's new
        text); the source of a file that gets a finding is added to it.
        """
        self._refresh(sources)
        found = [f for f in check_project(self.summaries) if f.code not in ignored(f.filename)]
        for finding in found:
            if finding.filename not in sources:
                sources[finding.filename] = _read(finding.filename)
        return found

    def _refresh(self, sources: Mapping[str, str]) -> None:
        for filename, seen in list(self._hashes.items()):
            source = sources.get(filename)
            if source is not None and hash(source) != seen:
                self.add(filename, api.lint_source(source, filename, self.settings).summary, source)


def lint_tree(files: Mapping[str, str], settings: Settings) -> list[Finding]:
    """Lint files held in memory (name -> text) as one project, project-level rules
    included; cassettes among them are read as such, other non-Python files skipped, as
    `check` would. Findings sorted."""
    scan = ProjectScan(settings)
    findings: list[Finding] = []
    for name, text in files.items():
        if not name.endswith(PYTHON_SUFFIXES) and not scan.wants(Path(name)):
            continue
        result = lint_data(text.encode("utf-8"), name, settings)
        findings.extend(result.findings)
        scan.add(name, result.summary, text)
    findings.extend(scan.findings(dict(files)))
    return sorted(findings)


def _read(filename: str) -> str:
    """A reported file's text for context lines ("" if it cannot be read any more)."""
    from refusal_lint.runner import source_text

    try:
        return source_text(Path(filename).read_bytes())
    except OSError:
        return ""
