"""bench/sweep.py on a tiny local tree (no network): what it runs, counts and rejects.

The sweep itself runs on demand on the pinned corpus (docs/reliability.md); these tests keep
its logic from rotting: a real run through the installed CLI passes, and a CLI that reports
an internal error, breaks a file or keeps changing it fails the sweep.
"""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_sweep", ROOT / "bench" / "sweep.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


sweep = _load()

FIXABLE = textwrap.dedent(
    """\
    def summarize(resp):
        if resp.stop_reason == "max_tokens":
            raise RuntimeError("truncated")
        return resp.content[0].text
    """
)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """Two releases: a fixable dispatch, one under `build/` (skipped by the walk), plain
    code, and a Python 2 file (RFL900, not a failure)."""
    root = tmp_path / "corpus"
    files = {
        "llm-1.0/llm/summary.py": FIXABLE,
        "llm-1.0/llm/build/generated.py": FIXABLE.replace("summarize", "generated"),
        "plain-2.0/plain/util.py": "def add(a, b):\n    return a + b\n",
        "plain-2.0/plain/legacy.py": "print 'stop_reason'\n",
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def _fake_cli(tmp_path: Path, body: str) -> list[str]:
    """A stand-in `refusal-lint check` (run with this Python) doing `body`."""
    script = tmp_path / "fake_cli.py"
    prelude = "import json, pathlib, sys\nfiles = sorted(pathlib.Path('.').rglob('*.py'))\n"
    script.write_text(prelude + textwrap.dedent(body), encoding="utf-8")
    return [sys.executable, str(script), "check"]


def test_the_pinned_list_is_big_and_pinned() -> None:
    packages = sweep.parse_packages(sweep.PACKAGES_FILE.read_text())
    assert len(packages) >= 15
    assert len({name for name, _ in packages}) == len(packages)


def test_files_the_walk_skips_are_named(corpus: Path) -> None:
    skipped = sweep.unwalked_files(corpus)
    assert [p.relative_to(corpus).as_posix() for p in skipped] == ["llm-1.0/llm/build/generated.py"]


def test_a_real_run_passes_and_counts(corpus: Path, tmp_path: Path) -> None:
    command = [sweep.default_refusal_lint(), "check"]
    result = sweep.sweep(corpus, command, tmp_path / "work", timeout=300)
    assert result.ok, result.failures
    assert (result.packages, result.files, result.lines) == (2, 4, 11)
    check, fix, again = result.passes
    linted = {str(f["filename"]) for f in check.findings}
    assert {"llm-1.0/llm/summary.py", "llm-1.0/llm/build/generated.py"} <= linted
    assert check.codes()["RFL900"] == 1 and check.codes()["RFL001"] == 2
    assert check.exit_code == 1 and again.exit_code == 1
    assert result.changed == ["llm-1.0/llm/build/generated.py", "llm-1.0/llm/summary.py"]
    assert fix.fixed_line().startswith("Fixed 2 problems in 2 files")
    assert (corpus / "llm-1.0/llm/summary.py").read_text() == FIXABLE  # the copy was fixed
    report = sweep.render(result, corpus, [("llm", "1.0"), ("plain", "2.0")], "list.txt")
    assert "Verdict: PASS" in report and "| check | 1 |" in report
    assert "| llm-1.0 | 2 | 8 | 2 | 2 |" in report and "| plain-2.0 | 2 | 3 | 1 | 0 |" in report


def test_an_internal_error_fails_the_sweep(corpus: Path, tmp_path: Path) -> None:
    command = _fake_cli(
        tmp_path,
        """\
        error = {"code": "RFL901", "filename": "x.py", "location": {"row": 1}, "message": "boom"}
        print(json.dumps(error))
        sys.exit(2)
        """,
    )
    result = sweep.sweep(corpus, command, tmp_path / "work", timeout=60)
    assert not result.ok
    assert all("internal error" in failure for failure in result.failures)
    assert len(result.failures) == 3  # check, fix, fix again


def test_a_fix_that_breaks_a_file_or_keeps_changing_it_fails_the_sweep(
    corpus: Path, tmp_path: Path
) -> None:
    command = _fake_cli(
        tmp_path,
        """\
        if "--fix" in sys.argv:
            for path in files:
                path.write_text(path.read_text() + "(\\n")
        """,
    )
    result = sweep.sweep(corpus, command, tmp_path / "work", timeout=60)
    assert len(result.broken) == 4
    assert len(result.unstable) == 4
    assert not result.ok and len(result.failures) == 2


def test_a_crash_without_findings_fails_the_sweep(corpus: Path, tmp_path: Path) -> None:
    command = _fake_cli(tmp_path, "raise SystemExit('Traceback: it broke')\n")
    result = sweep.sweep(corpus, command, tmp_path / "work", timeout=60)
    assert not result.ok
    assert len(result.failures) == 3 and "exit code 1: Traceback: it broke" in result.failures[0]


def test_output_that_is_not_json_findings_fails_the_sweep(corpus: Path, tmp_path: Path) -> None:
    command = _fake_cli(tmp_path, "print('Segmentation fault')\n")
    result = sweep.sweep(corpus, command, tmp_path / "work", timeout=60)
    assert not result.ok
    assert "not a JSON finding on stdout: Segmentation fault" in result.failures[0]
