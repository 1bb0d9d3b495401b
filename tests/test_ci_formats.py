"""The CI output formats: sarif (validated against the OASIS schema), github, gitlab,
junit and json-lines, run on the real rules over `examples/`."""

from __future__ import annotations

import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner, Result

from refusal_lint.cli import cli
from refusal_lint.finding import Finding
from refusal_lint.output import MACHINE_FORMATS, Report, Style
from refusal_lint.output import github as github_output
from refusal_lint.registry import all_rules

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SCHEMA = ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"
EXAMPLE_COUNT = 10


def run(*args: str) -> Result:
    try:
        runner = CliRunner(mix_stderr=False)  # type: ignore[call-arg]  # click < 8.2
    except TypeError:
        runner = CliRunner()
    return runner.invoke(cli, ["check", *args], catch_exceptions=False)


@pytest.fixture
def at_root(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(ROOT)
    return ROOT


def sarif_of(*args: str) -> dict[str, Any]:
    result = run("--output-format", "sarif", *args)
    assert result.exit_code == 1, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def validate_sarif(log: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
    validator.validate(log)


# ---- sarif ------------------------------------------------------------------------------


def test_sarif_from_examples_validates_against_the_official_schema(at_root: Path) -> None:
    log = sarif_of("examples/")
    validate_sarif(log)
    (run_,) = log["runs"]
    assert log["version"] == "2.1.0"
    driver = run_["tool"]["driver"]
    assert driver["name"] == "refusal-lint" and driver["version"] and driver["informationUri"]
    assert [r["id"] for r in driver["rules"]] == [r.code for r in all_rules()]
    for descriptor in driver["rules"]:
        assert descriptor["shortDescription"]["text"] and descriptor["fullDescription"]["text"]
        assert descriptor["helpUri"].endswith(f"/{descriptor['name']}.md")
        assert descriptor["help"]["markdown"].startswith(f"# {descriptor['name']}")
        assert descriptor["defaultConfiguration"]["level"] in ("warning", "error")
    assert len(run_["results"]) == EXAMPLE_COUNT
    for result in run_["results"]:
        rule = driver["rules"][result["ruleIndex"]]
        assert rule["id"] == result["ruleId"] and result["level"] == "warning"
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert location["artifactLocation"]["uri"].startswith("examples/support_bot/")
        region = location["region"]
        assert region["startLine"] <= region["endLine"] and region["startColumn"] >= 1
        assert result["partialFingerprints"]["refusalLint/v1"]


def test_the_schema_is_really_checked(at_root: Path) -> None:
    log = sarif_of("examples/")
    log["runs"][0]["results"][0]["level"] = "severe"
    with pytest.raises(jsonschema.ValidationError):
        validate_sarif(log)


def test_sarif_paths_are_repository_relative_from_a_subdirectory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(EXAMPLES / "support_bot")
    log = sarif_of(".")
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in log["runs"][0]["results"]
    }
    assert all(uri.startswith("examples/support_bot/") for uri in uris), uris


def _fingerprints(log: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (r["ruleId"], r["partialFingerprints"]["refusalLint/v1"]) for r in log["runs"][0]["results"]
    }


def test_sarif_fingerprints_survive_line_shifts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    shutil.copytree(EXAMPLES, project)
    (project / ".git").mkdir()  # the repository root the paths are relative to
    monkeypatch.chdir(project)
    before = sarif_of(".")
    for path in (project / "support_bot").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        path.write_text("# a new header line\n\n" + text, encoding="utf-8")
    after = sarif_of(".")
    validate_sarif(after)
    assert _fingerprints(before) == _fingerprints(after)
    assert len(_fingerprints(after)) == EXAMPLE_COUNT  # all distinct
    lines_before = {
        r["locations"][0]["physicalLocation"]["region"]["startLine"]
        for r in before["runs"][0]["results"]
    }
    lines_after = {
        r["locations"][0]["physicalLocation"]["region"]["startLine"]
        for r in after["runs"][0]["results"]
    }
    assert lines_after == {line + 2 for line in lines_before}


def test_clean_sarif_is_valid_and_empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "ok.py").write_text("x = 1\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = run("--output-format", "sarif", ".")
    assert result.exit_code == 0
    log = json.loads(result.stdout)
    validate_sarif(log)
    assert log["runs"][0]["results"] == []


# ---- github -----------------------------------------------------------------------------


def test_github_annotations_use_repository_relative_paths(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(EXAMPLES)
    result = run("--output-format", "github", ".")
    assert result.exit_code == 1
    commands = [line for line in result.stdout.splitlines() if line.startswith("::")]
    assert len(commands) == EXAMPLE_COUNT
    assert all(c.startswith("::warning file=examples/support_bot/") for c in commands)
    first = commands[0]
    assert ",line=30,endLine=31,title=RFL001 missing-refusal-branch::RFL001 " in first
    single = next(c for c in commands if "RFL003" in c)
    assert ",line=64,endLine=64,col=12,endColumn=42," in single
    assert "GitHub shows at most" not in result.stderr


def _finding(line: int, code: str = "RFL001", message: str = "m") -> Finding:
    return Finding("src/a.py", line, 4, code, "missing-refusal-branch", message, line, 9)


def test_github_escapes_properties_and_data() -> None:
    finding = Finding("src/a,b:c.py", 3, 0, "RFL001", "missing-refusal-branch", "50%\nnext", 3, 2)
    command = github_output.command(finding, "src/a,b:c.py")
    assert command == (
        "::warning file=src/a%2Cb%3Ac.py,line=3,endLine=3,col=1,endColumn=2,"
        "title=RFL001 missing-refusal-branch::RFL001 50%25%0Anext"
    )


def test_github_warns_on_stderr_past_ten_annotations_per_level(
    capsys: pytest.CaptureFixture[str],
) -> None:
    findings = [_finding(n) for n in range(1, 13)] + [_finding(20, "RFL900")]
    text = github_output.render(Report(findings), Style())
    assert len(text.splitlines()) == 13
    assert text.splitlines()[-1].startswith("::error ")
    err = capsys.readouterr().err
    assert "at most 10 warning annotations per step; 12 were printed" in err
    assert "error annotations" not in err
    github_output.render(Report(findings[:10]), Style())
    assert capsys.readouterr().err == ""


# ---- gitlab, junit, json-lines ----------------------------------------------------------


def test_gitlab_code_quality_report(at_root: Path) -> None:
    result = run("--output-format", "gitlab", "examples/")
    assert result.exit_code == 1
    issues = json.loads(result.stdout)
    assert len(issues) == EXAMPLE_COUNT
    assert len({i["fingerprint"] for i in issues}) == EXAMPLE_COUNT
    for issue in issues:
        assert set(issue) >= {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["severity"] == "major"
        assert issue["location"]["path"].startswith("examples/support_bot/")
        lines = issue["location"]["lines"]
        assert 1 <= lines["begin"] <= lines["end"]


def test_junit_report_has_a_failing_case_per_finding(at_root: Path) -> None:
    result = run("--output-format", "junit", "examples/")
    assert result.exit_code == 1
    root = ET.fromstring(result.stdout.encode())
    assert root.tag == "testsuites" and root.get("failures") == str(EXAMPLE_COUNT)
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == EXAMPLE_COUNT
    assert all(case.find("failure") is not None for case in cases)
    assert {s.get("name") for s in root.findall("testsuite")} >= {
        "examples/support_bot/anthropic_client.py"
    }


def test_junit_clean_run_is_one_passing_case(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "ok.py").write_text("x = 1\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = run("--output-format", "junit", ".")
    root = ET.fromstring(result.stdout.encode())
    assert root.get("failures") == "0"
    (case,) = root.findall("./testsuite/testcase")
    assert case.find("failure") is None


def test_json_lines_match_the_json_objects(at_root: Path) -> None:
    lines = run("--output-format", "json-lines", "examples/").stdout.splitlines()
    objects = json.loads(run("--output-format", "json", "examples/").stdout)
    assert [json.loads(line) for line in lines] == objects


@pytest.mark.parametrize("fmt", sorted(MACHINE_FORMATS))
def test_machine_formats_print_nothing_but_the_report(at_root: Path, fmt: str) -> None:
    result = run("--output-format", fmt, "examples/")
    assert "Found" not in result.stdout and "problems" not in result.stdout.split("\n")[-1]


def test_sarif_via_the_console_script(at_root: Path) -> None:
    """The installed entry point produces the same, valid SARIF."""
    exe = shutil.which("refusal-lint")
    if exe is None:
        pytest.skip("refusal-lint is not installed as a console script")
    out = subprocess.run(
        [exe, "check", "--output-format", "sarif", "examples/"],
        capture_output=True, text=True, check=False, cwd=ROOT,
    )  # fmt: skip
    assert out.returncode == 1, out.stderr
    validate_sarif(json.loads(out.stdout))


@pytest.mark.parametrize(
    "page",
    ["pre-commit.md", "flake8.md", "pylint.md", "github-actions.md", "gitlab-ci.md", "baseline.md"],
)
def test_front_end_pages_are_linked_from_the_index_and_readme(page: str) -> None:
    assert f"]({page})" in (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    assert f"](docs/{page})" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_pre_commit_page_documents_ruff_external() -> None:
    page = (ROOT / "docs" / "pre-commit.md").read_text(encoding="utf-8")
    assert 'external = ["RFL"]' in page and "[tool.ruff.lint]" in page
