"""The GitHub Action (`action.yml`): a composite action that installs this package from the
action's own path, runs the check with SARIF output and uploads it. Its run step is
executed here with bash, as the runner would, against `examples/`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_ci_formats import validate_sarif

ROOT = Path(__file__).resolve().parent.parent


def action() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    return data


def step(name: str) -> dict[str, Any]:
    for candidate in action()["runs"]["steps"]:
        if name in (candidate.get("name"), candidate.get("uses")):
            return dict(candidate)
    raise AssertionError(f"no step {name!r}")


def test_action_is_composite_and_wires_the_steps() -> None:
    data = action()
    assert data["runs"]["using"] == "composite"
    uses = [s.get("uses", "").split("@")[0] for s in data["runs"]["steps"]]
    assert uses[0] == "actions/setup-python"
    assert "github/codeql-action/upload-sarif" in uses
    install = step("Install refusal-lint (from this action's own checkout)")["run"]
    assert 'pip install --quiet "$GITHUB_ACTION_PATH"' in install
    check = step("Run refusal-lint")
    assert "--output-format sarif" in check["run"]
    upload = step("github/codeql-action/upload-sarif@v3")
    assert upload["with"]["sarif_file"] == "${{ inputs.sarif-file }}"


def _run_check_step(tmp_path: Path, paths: str, args: str = "") -> tuple[int, dict[str, str], str]:
    exe = shutil.which("refusal-lint")
    if exe is None:
        pytest.skip("refusal-lint is not installed as a console script")
    output = tmp_path / "github_output"
    env = {
        **os.environ,
        "RFL": exe,
        "PATHS": paths,
        "ARGS": args,
        "SARIF": str(tmp_path / "out.sarif"),
        "ANNOTATIONS": "true",
        "GITHUB_OUTPUT": str(output),
    }
    script = step("Run refusal-lint")["run"]
    done = subprocess.run(
        ["bash", "-e", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    return done.returncode, outputs, done.stdout


def test_check_step_writes_valid_sarif_and_annotations(tmp_path: Path) -> None:
    code, outputs, stdout = _run_check_step(tmp_path, "examples/")
    assert code == 0 and outputs["exit-code"] == "1"  # the later "Fail on findings" step fails
    assert stdout.count("::warning file=examples/support_bot/") == 10
    validate_sarif(json.loads((tmp_path / "out.sarif").read_text(encoding="utf-8")))


def test_check_step_fails_on_a_usage_error(tmp_path: Path) -> None:
    code, outputs, stdout = _run_check_step(tmp_path, "examples/", "--select NOPE")
    assert code == 2 and outputs["exit-code"] == "2"
    assert "::error title=refusal-lint::" in stdout
