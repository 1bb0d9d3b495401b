"""The built wheel is self-contained: the catalog and case books ship inside it, it installs
into a fresh virtualenv, and the installed command lints `examples/` from outside the repo.

Slow (builds a wheel and a virtualenv, ~30 s, needs the package index for setuptools, click
and pathspec) but part of the default run and of CI: it is the only test that sees the
project the way a user installs it. Skip it locally with `-k "not wheel"`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = "Scripts" if os.name == "nt" else "bin"
# Left out of the copy the wheel is built from: VCS data, virtualenvs, build output, caches.
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".tox"
)


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    outside: Path  # a working directory that is not inside the repository

    def run(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return _run([str(self.venv / BIN / args[0]), *args[1:]], cwd=cwd or self.outside)


def _env() -> dict[str, str]:
    """The test's environment minus anything that would let the source tree leak in."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PYTHONNOUSERSITE="1", NO_COLOR="1")
    env.pop("VIRTUAL_ENV", None)
    return env


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=600, check=False
    )


def _ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, f"{result.args}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    """A wheel built from a clean copy of the sources, installed into a fresh virtualenv."""
    base = tmp_path_factory.mktemp("wheel")
    source = base / "src"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    dist = base / "dist"
    _ok(_run([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(source)], base))
    (wheel,) = dist.glob("refusal_lint-*.whl")
    venv = base / "venv"
    _ok(_run([sys.executable, "-m", "venv", str(venv)], base))
    _ok(_run([str(venv / BIN / "python"), "-m", "pip", "install", "-q", str(wheel)], base))
    outside = base / "elsewhere"
    outside.mkdir()
    yield Installed(wheel, venv, outside)


def _wheel_names(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


def test_wheel_ships_catalog_and_case_books(installed: Installed) -> None:
    names = set(_wheel_names(installed.wheel))
    catalog = sorted(p.name for p in (ROOT / "rules" / "catalog").glob("*.toml"))
    assert catalog
    for name in catalog:
        assert f"refusal_lint/_rules/catalog/{name}" in names
    for book in sorted((ROOT / "rules").glob("*.md")):
        assert f"refusal_lint/_rules/{book.name}" in names
    assert "refusal_lint/py.typed" in names


def test_wheel_installs_no_top_level_rules_package(installed: Installed) -> None:
    names = _wheel_names(installed.wheel)
    top_level = {name.split("/", 1)[0] for name in names if "/" in name}
    assert not any(name.startswith("rules/") for name in names)
    assert {t for t in top_level if not t.endswith(".dist-info")} == {"refusal_lint"}
    check = installed.run("python", "-c", "import rules")
    assert check.returncode != 0 and "ModuleNotFoundError" in check.stderr


def test_installed_catalog_loads_from_site_packages(installed: Installed) -> None:
    code = (
        "import refusal_lint.catalog as c, refusal_lint.data as d; print(d.data_root()); "
        "print(len(c.load_catalog().providers))"
    )
    root, providers = _ok(installed.run("python", "-c", code)).stdout.split()
    data_root = Path(root).resolve()
    assert "site-packages" in data_root.parts
    assert installed.venv.resolve() in data_root.parents
    assert ROOT not in data_root.parents
    assert int(providers) == len(list((ROOT / "rules" / "catalog").glob("*.toml")))


def test_installed_command_lints_examples(installed: Installed) -> None:
    examples = installed.outside / "examples"
    shutil.copytree(ROOT / "examples", examples, ignore=NOT_SOURCE)
    result = installed.run("refusal-lint", "check", str(examples))
    assert result.returncode == 1, result.stdout + result.stderr
    for code in ("RFL001", "RFL002", "RFL005", "RFL007", "RFL008"):
        assert f" {code} " in result.stdout
    assert "^" in result.stdout and "Found " in result.stdout  # source context and summary

    as_json = installed.run("refusal-lint", "check", "--output-format", "json", "examples")
    assert as_json.returncode == 1, as_json.stderr
    findings = json.loads(as_json.stdout)
    assert findings
    for finding in findings:
        keys = {"code", "name", "message", "filename", "location", "end_location", "fix", "url"}
        assert keys <= set(finding)
        assert set(finding["location"]) == {"row", "column"}
        assert finding["location"]["row"] >= 1 and finding["location"]["column"] >= 1


def test_installed_audit_report_matches_its_shipped_schema(installed: Installed) -> None:
    import jsonschema

    assert "refusal_lint/audit/schema.json" in _wheel_names(installed.wheel)
    examples = installed.outside / "audit-examples"
    shutil.copytree(ROOT / "examples", examples, ignore=NOT_SOURCE)
    report = _ok(installed.run("refusal-lint", "audit", "--output-format", "json", str(examples)))
    load_schema = (
        "import json; from refusal_lint.audit.json_report import schema; "
        "print(json.dumps(schema()))"
    )
    shipped = json.loads(_ok(installed.run("python", "-c", load_schema)).stdout)
    data = json.loads(report.stdout)
    jsonschema.validate(data, shipped, cls=jsonschema.Draft202012Validator)
    assert data["summary"]["sites"] == len(data["sites"]) > 0


def test_installed_command_documents_rules(installed: Installed) -> None:
    listing = _ok(installed.run("refusal-lint", "rules")).stdout
    assert "missing-refusal-branch" in listing
    page = _ok(installed.run("refusal-lint", "rule", "RFL001")).stdout
    assert "## What it does" in page
