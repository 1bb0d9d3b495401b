"""The per-file part of RFL012 (refusal-path-untested): one small summary per file.

Whether a dispatch's refusal path is tested depends on other files than the module that
holds it, so the rule works in two steps. Each file is summarized on its own, a pure
function of its content, its name and the settings (so a summary can be cached and
computed in a worker process like findings, and travels as JSON); then
`refusal_lint.checks.refusal_path_untested.check_project` judges all summaries together.

- A module that is not a test: for each provider family whose stop signal it dispatches on
  (a family with a refusal value), its first dispatch, whether the module streams that
  family's responses, and whether a `# noqa` on the dispatch's line covers the rule.
- A test file (`test-patterns`) or a cassette (`cassette-globs`, inside a test folder): per
  family, the stop values its fakes carry, whether one carries a refusal, and whether a
  stream fixture has a refusal after a content delta.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from refusal_lint.cassettes import scan_cassette
from refusal_lint.catalog import Catalog
from refusal_lint.evidence import FakeSummary, family_index
from refusal_lint.fake_collector import collect_fakes
from refusal_lint.suppress import noqa_codes

if TYPE_CHECKING:
    from refusal_lint.analyzer import Facts
    from refusal_lint.facts import Dispatch
    from refusal_lint.settings import Settings

PYTHON_SUFFIXES = (".py", ".pyi")
# A dispatch on a stream event's signal (`event.delta.stop_reason`, Bedrock's
# `event["messageStop"]["stopReason"]`) is streaming code wherever the stream came from.
_STREAM_EVENT = re.compile(r"(?:^|[.\['\"])(?:delta|messageStop)(?:$|[.\]'\"])")


@dataclass(frozen=True)
class DispatchSite:
    """A module's first dispatch on one family's stop signal."""

    family: str
    line: int
    col: int
    end_line: int
    end_col: int
    refusal_values: tuple[str, ...]  # the family's refusal values the dispatch speaks
    streamed: bool  # the module streams this family's responses
    suppressed: bool  # a noqa comment on its line covers the rule


@dataclass(frozen=True)
class FileSummary:
    """What one file tells RFL012 (JSON-serializable through `to_json` / `from_json`)."""

    sites: tuple[DispatchSite, ...] = ()
    fakes: tuple[FakeSummary, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "sites": [_site_json(site) for site in self.sites],
            "fakes": [fake.to_json() for fake in self.fakes],
        }

    @staticmethod
    def from_json(data: dict[str, Any]) -> FileSummary:
        sites = tuple(
            DispatchSite(**{**site, "refusal_values": tuple(site["refusal_values"])})
            for site in data["sites"]
        )
        return FileSummary(sites, tuple(FakeSummary.from_json(f) for f in data["fakes"]))


def _site_json(site: DispatchSite) -> dict[str, Any]:
    return {**site.__dict__, "refusal_values": list(site.refusal_values)}


@dataclass(frozen=True)
class SuiteLayout:
    """Which files are tests and which are cassettes (`test-patterns`, `cassette-globs`).

    A pattern ending in `/` names a folder at any depth; any other pattern is a glob on
    the file's name. A cassette is a file in a test folder matching a cassette glob.
    """

    test_patterns: tuple[str, ...]
    cassette_globs: tuple[str, ...]

    @staticmethod
    def of(settings: Settings) -> SuiteLayout:
        return SuiteLayout(settings.test_patterns, settings.cassette_globs)

    def is_test(self, filename: str) -> bool:
        path = _posix(filename)
        names = [p for p in self.test_patterns if not p.endswith("/")]
        return self._in_test_folder(path) or any(fnmatchcase(path.name, p) for p in names)

    def is_cassette(self, filename: str) -> bool:
        path = _posix(filename)
        if path.suffix in PYTHON_SUFFIXES or not self._in_test_folder(path):
            return False
        return any(fnmatchcase(path.name, glob) for glob in self.cassette_globs)

    def _in_test_folder(self, path: PurePosixPath) -> bool:
        folders = [p[:-1] for p in self.test_patterns if p.endswith("/")]
        return any(fnmatchcase(part, f) for part in path.parts[:-1] for f in folders)


def _posix(filename: str) -> PurePosixPath:
    return PurePosixPath(filename.replace("\\", "/"))


def summarize_module(facts: Facts, source: str, catalog: Catalog, code: str) -> FileSummary | None:
    """The summary of a module that is not a test, from its walk's facts (None when it
    dispatches on no family with a refusal value). `code` is the rule a noqa must name."""
    sites = _sites(facts, catalog, source.splitlines(), code)
    return FileSummary(sites=sites) if sites else None


def summarize_tests(tree: ast.Module, source: str, catalog: Catalog) -> FileSummary | None:
    """The summary of a test file, from its whole tree (None when it builds no fake)."""
    fakes = collect_fakes(tree, catalog, source).summary()
    return FileSummary(fakes=fakes) if fakes else None


def names_a_fake(source: str, catalog: Catalog) -> bool:
    """Cheap test before parsing a test file for its fakes: it names a signal field, a
    refusal field or class, or a refusal value."""
    return any(word in source for word in family_index(catalog).triggers)


def summarize_cassette(data: bytes, catalog: Catalog) -> FileSummary | None:
    """The summary of one recorded-response file."""
    fakes = scan_cassette(data, family_index(catalog)).summary()
    return FileSummary(fakes=fakes) if fakes else None


def _sites(facts: Facts, catalog: Catalog, lines: list[str], code: str) -> tuple[DispatchSite, ...]:
    family_of = {p.id: p.signals[0].family for p in catalog.providers if p.signals}
    streamed = {family_of[p] for p in facts.streamed if p in family_of}
    first: dict[str, Dispatch] = {}
    for dispatch in sorted(facts.dispatches, key=lambda d: (d.node.lineno, d.node.col_offset)):
        for family in sorted({s.family for s in dispatch.families if s.refusal}):
            first.setdefault(family, dispatch)
            if _STREAM_EVENT.search(dispatch.subject.key):
                streamed.add(family)
    return tuple(_site(family, d, family in streamed, lines, code) for family, d in first.items())


def _site(
    family: str, dispatch: Dispatch, streamed: bool, lines: list[str], code: str
) -> DispatchSite:
    node = dispatch.node
    anchor = node.test if isinstance(node, ast.If) else getattr(node, "subject", node)
    line = anchor.lineno
    noqa = noqa_codes(lines[line - 1]) if line <= len(lines) else None
    own = {v for signal in dispatch.families if signal.family == family for v in signal.refusal}
    refusal = tuple(v for v in dispatch.refusal_values if v in own)
    return DispatchSite(
        family=family,
        line=line,
        col=anchor.col_offset,
        end_line=anchor.end_lineno or line,
        end_col=anchor.end_col_offset or anchor.col_offset,
        refusal_values=refusal or dispatch.refusal_values,
        streamed=streamed,
        suppressed=noqa is not None and (not noqa or any(code.startswith(c) for c in noqa)),
    )
