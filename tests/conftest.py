"""Shared fixtures for the CLI, config and discovery tests, and the fuzz profiles.

These tests exercise the front end, not the rules, so `fake_rules` makes them independent
of what the engine detects: it registers two stand-in rules (one off by default) and an
RFL900 rule if the registry has none yet, and swaps the engine's `run_rules` for one that
reports FAKE_CODE on every line containing `# FIRE` (with a fix when it contains `# FIX`),
and a trigger scan that reads every file whole.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from refusal_lint import api, engine, registry
from refusal_lint.cli import cli
from refusal_lint.finding import Finding
from refusal_lint.rule import Rule
from refusal_lint.settings import Settings

# Fuzz profiles (tests/test_fuzz.py). `quick` runs in every test run: a fixed set of examples
# (derandomized, no example database), so CI is stable. `long` is for hunting: 20,000 random
# examples per property, failures kept in .hypothesis/ and replayed first on the next run.
# Pick it with `--hypothesis-profile=long` or REFUSAL_LINT_FUZZ=long.
FUZZ_ENV = "REFUSAL_LINT_FUZZ"
_SLOW_IS_FINE = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
hypothesis_settings.register_profile(
    "quick",
    max_examples=120,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=_SLOW_IS_FINE,
)
hypothesis_settings.register_profile(
    "long",
    max_examples=20_000,
    deadline=None,
    print_blob=True,
    suppress_health_check=_SLOW_IS_FINE,
)
hypothesis_settings.load_profile(os.environ.get(FUZZ_ENV) or "quick")

FAKE_CODE = "RFL899"
FAKE_NAME = "fake-test-rule"
FAKE_OFF_CODE = "RFL898"


class FakeRule(Rule):
    """## What it does
    Stands in for a real rule in the CLI tests.
    """

    code = FAKE_CODE
    name = FAKE_NAME
    summary = "fires on lines marked # FIRE"
    pylint_id = "W9899"


class FakeOffRule(Rule):
    """## What it does
    A stand-in rule that is off by default.
    """

    code = FAKE_OFF_CODE
    name = "fake-off-rule"
    summary = "never fires"
    default_enabled = False
    pylint_id = "W9898"


class FakeUnparseable(Rule):
    """## What it does
    Stand-in for the real RFL900 until it is registered.
    """

    code = "RFL900"
    name = "unparseable-file"
    summary = "a file cannot be read or parsed"
    pylint_id = "E9900"


class _EveryLineScan:
    """Stands in for the trigger scan: every line holds a trigger, so every file is parsed."""

    anchors: tuple[object, ...] = ()

    def offsets(self, data: bytes) -> list[int]:
        return [0, *(match.end() for match in re.finditer(b"\n", data))]

    def table_offsets(self, data: bytes) -> list[int]:
        return []


def _fake_run_rules(
    tree: ast.Module,
    source: str,
    filename: str,
    settings: Settings,
    catalog: object = None,
    dropped_imports: frozenset[str] = frozenset(),
) -> list[Finding]:
    if FAKE_CODE not in settings.enabled:
        return []
    findings = []
    for number, line in enumerate(source.splitlines(), start=1):
        if "# FIRE" in line:
            col = len(line) - len(line.lstrip())
            end = len(line.split("#")[0].rstrip())
            fix = {"message": "fake fix", "edits": []} if "# FIX" in line else None
            findings.append(
                Finding(filename, number, col, FAKE_CODE, FAKE_NAME, "fake finding",
                        number, end, fix)
            )  # fmt: skip
    return findings


@pytest.fixture
def fake_rules(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Register the stand-in rules and the fake engine for one test."""
    extra: list[type[Rule]] = [FakeOffRule, FakeRule]
    if registry.get_rule("RFL900") is None:
        extra.append(FakeUnparseable)
    rules = tuple(sorted((*registry.all_rules(), *extra), key=lambda r: r.code))
    monkeypatch.setattr(registry, "ALL_RULES", rules)
    monkeypatch.setattr(engine, "run_rules", _fake_run_rules)
    monkeypatch.setattr(api, "trigger_scan", lambda settings: _EveryLineScan())
    yield


@pytest.fixture(autouse=True)
def _own_cache_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each test's runs cache outside the trees it inspects, and never share a cache."""
    monkeypatch.setenv("REFUSAL_LINT_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project directory that is also the current directory."""
    root = tmp_path / "project"
    root.mkdir()
    monkeypatch.chdir(root)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("REFUSAL_LINT_DEBUG", raising=False)
    return root


class Invoke(Protocol):
    def __call__(self, *args: str, stdin: bytes | None = None) -> Result: ...


class Write(Protocol):
    def __call__(self, path: Path | str, text: str | bytes = "") -> Path: ...


def _invoke(*args: str, stdin: bytes | None = None) -> Result:
    try:
        runner = CliRunner(mix_stderr=False)  # type: ignore[call-arg]  # click < 8.2
    except TypeError:
        runner = CliRunner()
    return runner.invoke(cli, list(args), input=stdin, catch_exceptions=False)


def _write(path: Path | str, text: str | bytes = "") -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def invoke() -> Invoke:
    """Run `refusal-lint ARGS` in-process; the result keeps stdout and stderr apart."""
    return _invoke


@pytest.fixture
def write() -> Write:
    """Create a file (and its parents) with the given text or bytes."""
    return _write
