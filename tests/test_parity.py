"""Parity: the CLI, the flake8 plugin and the pylint plugin report the same findings.

All three run as subprocesses, as users run them, over one corpus: every ```py block of
every case book written out as its own file (under its `filename=`, raw bytes for `bytes`
blocks), plus a copy of `examples/`. One `pyproject.toml` at the root selects every rule
(`select = ["ALL"]`), so off-by-default rules are compared too; each front end finds it
from the linted files. A book's `toml` settings are not written: the CLI reads one config
per run (found from the paths it is given) while the plugins read the nearest one to each
file, which agree when a project has one config (tests/test_plugins.py covers nested
configs). The `(file, line, code)` sets must be equal.

RFL900 (unparseable-file) is left out of the comparison on purpose: a file the host tool
cannot parse is its own error (flake8's E999, pylint's E0001 syntax-error), and neither
runs plugins on it. For the same reason a file with a syntax error in a block the engine
does not read (which the CLI lints anyway) is left out. So is RFL012 (refusal-path-untested):
it is project-level, judged from every file of the tree at once, which a plugin that sees
one module at a time cannot do; its project cases are still written to the corpus, so the
CLI reads their tests and cassettes on the way. Everything else must match exactly,
suppressions included: the corpus holds `# noqa` comments (the unused-noqa book) that the
CLI and pylint apply through the engine and flake8 applies itself.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_case_books import BOOKS, BYTE_ESCAPE, ProjectCase

from refusal_lint.registry import all_rules

ROOT = Path(__file__).resolve().parent.parent
Key = tuple[str, int, str]
# RFL900: the host tool reports unparseable files itself. RFL012: project-level, so the
# per-file plugins never report it (docs/flake8.md, docs/pylint.md say so).
LEFT_OUT = {"RFL900", "RFL012"}


CONFIG = '[tool.refusal-lint]\nselect = ["ALL"]\n'


def write_corpus(root: Path) -> int:
    """Every case-book block and examples/ under `root`; returns the number of files."""
    (root / "pyproject.toml").write_text(CONFIG, encoding="utf-8")
    count = 0
    for book, cases in BOOKS.items():
        for number, case in enumerate(cases, start=1):
            case_dir = root / "books" / book / f"case{number:03d}"
            if isinstance(case, ProjectCase):
                for name, _, text in case.files:
                    (case_dir / name).parent.mkdir(parents=True, exist_ok=True)
                    (case_dir / name).write_text(text, encoding="utf-8")
                count += len(case.files)
                continue
            path = case_dir / case.filename
            path.parent.mkdir(parents=True, exist_ok=True)
            if case.raw_bytes:
                data = BYTE_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), case.source.encode())
                path.write_bytes(data)
            else:
                path.write_text(case.source, encoding="utf-8")
            count += 1
    shutil.copytree(ROOT / "examples", root / "examples")
    return count + len(list((root / "examples").rglob("*.py")))


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False, env=env)


def _norm(path: str) -> str:
    return os.path.normpath(path).replace(os.sep, "/")


def cli_findings(root: Path) -> set[Key]:
    out = _run(
        [sys.executable, "-m", "refusal_lint", "check", "--output-format", "json", "."], root
    )
    assert out.returncode in (0, 1), out.stderr
    return {(_norm(f["filename"]), f["location"]["row"], f["code"]) for f in json.loads(out.stdout)}


def flake8_findings(root: Path, *extra: str) -> set[Key]:
    fmt = "%(path)s|%(row)d|%(code)s"
    args = [sys.executable, "-m", "flake8", "--isolated", "--select", "RFL", "--format", fmt]
    out = _run([*args, *extra, "."], root)
    assert out.returncode in (0, 1), out.stderr
    found = set()
    for line in out.stdout.splitlines():
        path, row, code = line.rsplit("|", 2)
        found.add((_norm(path), int(row), code))
    return found


PYLINT_CODES = {rule.pylint_id: rule.code for rule in all_rules()}
# pylint's own messages for a file it cannot parse (syntax-error, parse-error): RFL900's domain.
HOST_PARSE_ERRORS = {"E0001", "F0010"}


def pylint_findings(root: Path, enable: str = "refusal-lint") -> set[Key]:
    args = [
        sys.executable, "-m", "pylint", "--rcfile=/dev/null", "--load-plugins=refusal_lint.pylint",
        "--disable=all", f"--enable={enable}", "--score=n", "--recursive=y",
        "--msg-template={path}|{line}|{msg_id}", ".",
    ]  # fmt: skip
    out = _run(args, root)
    assert "Traceback" not in out.stdout + out.stderr, out.stdout + out.stderr
    found = set()
    for line in out.stdout.splitlines():
        if line.startswith("*") or "|" not in line:
            continue
        path, row, msg_id = line.rsplit("|", 2)
        if msg_id in HOST_PARSE_ERRORS:
            continue
        found.add((_norm(path), int(row), PYLINT_CODES[msg_id]))
    return found


def _compared(found: set[Key]) -> set[Key]:
    return {key for key in found if key[2] not in LEFT_OUT}


def _parses(path: Path) -> bool:
    try:
        ast.parse(path.read_bytes())
    except (SyntaxError, ValueError):
        return False
    return True


def _diff(name: str, cli: set[Key], other: set[Key]) -> str:
    only_cli = sorted(cli - other)[:20]
    only_other = sorted(other - cli)[:20]
    return f"CLI only: {only_cli}\n{name} only: {only_other}"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("parity")
    assert write_corpus(root) > 400
    return root


@pytest.fixture(scope="module")
def cli_set(corpus: Path) -> set[Key]:
    broken = {str(p.relative_to(corpus)) for p in corpus.rglob("*.py") if not _parses(p)}
    found = {key for key in _compared(cli_findings(corpus)) if key[0] not in broken}
    codes = {code for _, _, code in found}
    # The corpus exercises (nearly) every rule, including the off-by-default ones.
    assert {"RFL001", "RFL002", "RFL003", "RFL009", "RFL010", "RFL902"} <= codes, codes
    return found


def test_flake8_reports_exactly_what_the_cli_reports(corpus: Path, cli_set: set[Key]) -> None:
    found = _compared(flake8_findings(corpus))
    assert found == cli_set, _diff("flake8", cli_set, found)


def test_pylint_reports_exactly_what_the_cli_reports(corpus: Path, cli_set: set[Key]) -> None:
    found = _compared(pylint_findings(corpus))
    assert found == cli_set, _diff("pylint", cli_set, found)
