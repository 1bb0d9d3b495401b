"""`refusal-lint audit`: sites from the engine's one walk, every format, the schema, the gate,
and the HTML report rendered in headless Chromium."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema
import pytest

from refusal_lint import api
from refusal_lint.analyzer import Analyzer, Facts
from refusal_lint.audit import run as audit_run
from refusal_lint.audit.json_report import schema
from refusal_lint.prefilter import trigger_scan
from refusal_lint.settings import default_settings

if TYPE_CHECKING:
    from click.testing import Result
    from conftest import Invoke, Write

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

# One module with one site of each kind, and what the audit must say about each.
CRAFTED = """\
import logging

import anthropic
import litellm

log = logging.getLogger(__name__)
client = anthropic.Anthropic()
TO_OPENAI = {"end_turn": "stop", "max_tokens": "length", "refusal": "content_filter"}


def covered(prompt):
    resp = client.messages.create(model="m", max_tokens=10, messages=prompt)
    if resp.stop_reason == "refusal":
        raise RuntimeError(resp.stop_details.category)
    elif resp.stop_reason == "end_turn":
        return resp.content[0].text
    else:
        raise ValueError(resp.stop_reason)


def uncovered(prompt):
    resp = client.messages.create(model="m", max_tokens=10, messages=prompt)
    if resp.stop_reason == "max_tokens":
        raise ValueError("cut off")
    return resp.content[0].text


def unchecked(prompt):
    resp = client.messages.create(model="m", max_tokens=10, messages=prompt)
    return resp.content[0].text


def normalized(reason):
    return TO_OPENAI.get(reason, "stop")


def streamed(prompt):
    with client.messages.stream(model="m", max_tokens=10, messages=prompt) as stream:
        for text in stream.text_stream:
            print(text)


def fallback(prompt):
    try:
        return litellm.completion(model="m", messages=prompt)
    except litellm.ContentPolicyViolationError:
        return None
"""


def as_report(result: Result) -> dict[str, Any]:
    data = json.loads(result.stdout)
    assert isinstance(data, dict)
    return data


def validate(report: dict[str, Any]) -> None:
    jsonschema.validate(report, schema(), cls=jsonschema.Draft202012Validator)


def site_at(report: dict[str, Any], line: int, kind: str) -> dict[str, Any]:
    found = [s for s in report["sites"] if s["line"] == line and s["kind"] == kind]
    assert len(found) == 1, (line, kind, [(s["line"], s["kind"]) for s in report["sites"]])
    site: dict[str, Any] = found[0]
    return site


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from the repository root, so `examples/...` paths display as in the docs."""
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return ROOT


@pytest.fixture
def crafted(project: Path, write: Write) -> Path:
    return write("app.py", CRAFTED)


# --- one walk, the same findings as check ----------------------------------------------


def test_each_site_of_a_crafted_module(invoke: Invoke, crafted: Path) -> None:
    result = invoke("audit", "--output-format", "json", ".")
    assert result.exit_code == 0, result.stderr
    report = as_report(result)
    validate(report)

    covered = site_at(report, 13, "dispatch")
    assert covered["families"] == ["Anthropic"] and covered["providers"] == ["anthropic"]
    assert covered["values"]["refusal"] == ["refusal"]
    assert covered["values"]["complete"] == ["end_turn"]
    assert (covered["handles_refusal"], covered["loud_default"]) == (True, True)
    assert covered["reads_category"] is True and covered["covered"] is True
    assert covered["findings"] == []

    uncovered = site_at(report, 23, "dispatch")
    assert uncovered["values"]["truncation"] == ["max_tokens"]
    assert uncovered["handles_refusal"] is False and uncovered["missing_refusal"] == ["refusal"]
    assert uncovered["loud_default"] is False and uncovered["covered"] is False
    assert uncovered["reads_category"] is None
    assert [f["code"] for f in uncovered["findings"]] == ["RFL001"]

    statuses = {s["line"]: s["status"] for s in report["sites"] if s["kind"] == "response-call"}
    assert statuses == {
        12: "checked",
        22: "checked",
        29: "unchecked",
        38: "streamed",  # consumed by the loop at 39
        45: "handed-on",  # returned to the caller
    }
    unchecked = site_at(report, 29, "response-call")
    assert [(f["code"], f["line"]) for f in unchecked["findings"]] == [("RFL003", 30)]

    table = site_at(report, 8, "table")
    assert table["values"]["refusal"] == ["refusal"] and table["handles_refusal"] is True
    assert table["loud_default"] is False  # `.get(reason, "stop")`: a success default
    assert [(f["code"], f["line"]) for f in table["findings"]] == [("RFL006", 34)]

    loop = site_at(report, 39, "stream-loop")
    assert loop["status"] == "unchecked" and [f["code"] for f in loop["findings"]] == ["RFL004"]

    handler = site_at(report, 46, "policy-handler")
    assert handler["text"] == "except ContentPolicyViolationError"
    assert handler["families"] == ["OpenAI-compatible"] and handler["status"] == "silent"
    assert [f["code"] for f in handler["findings"]] == ["RFL011"]

    gate = report["summary"]["gate"]
    assert (gate["covered"], gate["total"], gate["share"]) == (1, 2, 50.0)
    assert gate["fail_under"] is None and gate["passed"] is None


def test_audit_reports_exactly_the_findings_of_check(invoke: Invoke, in_repo: Path) -> None:
    checked = invoke("check", "--output-format", "json", "examples")
    findings = json.loads(checked.stdout)
    expected = {(f["filename"], f["location"]["row"], f["code"]) for f in findings}
    report = as_report(invoke("audit", "--output-format", "json", "examples"))
    on_sites = [f for s in report["sites"] for f in s["findings"]]
    found = {(f["path"], f["line"], f["code"]) for f in [*on_sites, *report["other_findings"]]}
    assert expected and found == expected
    assert report["summary"]["findings"] == len(expected)
    # Only the assert (RFL008) has no site: every other example mistake is at one.
    assert {f["code"] for f in report["other_findings"]} == {"RFL008"}


def test_each_file_is_walked_once(
    invoke: Invoke, in_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    walked: list[int] = []
    real_run = Analyzer.run

    def counting_run(self: Analyzer) -> Facts:
        walked.append(id(self.tree))
        return real_run(self)

    monkeypatch.setattr(Analyzer, "run", counting_run)
    result = invoke("audit", "--output-format", "json", "examples")
    assert result.exit_code == 0
    scan = trigger_scan(default_settings())
    mentioning = [p for p in EXAMPLES.rglob("*.py") if scan.offsets(p.read_bytes())]
    # One walk per file the scan keeps (tree ids may be reused once a tree is freed).
    assert len(walked) == len(mentioning)


def test_audit_source_matches_check_source() -> None:
    source = CRAFTED
    audit = api.audit_source(source, "app.py")
    assert audit.findings == api.check_source(source, "app.py")
    assert {s.kind for s in audit.sites} == {
        "dispatch",
        "table",
        "response-call",
        "stream-loop",
        "policy-handler",
    }


# --- formats -------------------------------------------------------------------------


def test_json_on_examples_validates_against_the_schema(invoke: Invoke, in_repo: Path) -> None:
    report = as_report(invoke("audit", "--output-format", "json", "examples"))
    validate(report)
    assert report["summary"]["files"] == len(list(EXAMPLES.rglob("*.py")))
    assert report["summary"]["sites"] == len(report["sites"]) > 20
    kinds = report["summary"]["sites_by_kind"]
    assert sum(kinds.values()) == len(report["sites"])
    families = {f["family"] for f in report["families"]}
    assert {"Anthropic", "Bedrock", "Gemini", "OpenAI-compatible"} <= families
    assert [s["path"] for s in report["sites"]] == sorted(s["path"] for s in report["sites"])


def _property_names(node: object) -> set[str]:
    """Every property name a JSON Schema defines, at any depth."""
    if isinstance(node, list):
        return {name for item in node for name in _property_names(item)}
    if not isinstance(node, dict):
        return set()
    names = set(node.get("properties", {}))
    return names | {name for value in node.values() for name in _property_names(value)}


def test_every_schema_field_is_documented() -> None:
    page = (ROOT / "docs" / "audit.md").read_text(encoding="utf-8")
    names = _property_names(schema())
    assert {"schema_version", "handles_refusal", "reads_category_percent"} <= names
    assert sorted(n for n in names if f"`{n}`" not in page) == []


def test_schema_rejects_a_report_that_breaks_it(invoke: Invoke, in_repo: Path) -> None:
    report = as_report(invoke("audit", "--output-format", "json", "examples"))
    report["sites"][0]["kind"] = "if-statement"
    with pytest.raises(jsonschema.ValidationError):
        validate(report)


def test_text_table_lists_every_site_and_the_coverage(invoke: Invoke, in_repo: Path) -> None:
    result = invoke("audit", "examples")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    report = as_report(invoke("audit", "--output-format", "json", "examples"))
    header = lines[0].split()
    assert header[:3] == ["SITE", "KIND", "FAMILY"] and header[-1] == "FINDINGS"
    rows = lines[1 : lines.index("")]
    assert len(rows) == len(report["sites"])
    # Columns line up: every row has KIND where the header has it.
    kind_at = lines[0].index("KIND")
    assert all(row[kind_at:].split()[0] in {s["kind"] for s in report["sites"]} for row in rows)
    assert "Coverage by provider family" in result.stdout
    assert re.search(r"Refusal coverage: \d+\.\d% \(\d+ of \d+ dispatch sites", result.stdout)
    assert "\x1b[" not in result.stdout  # no colour off a terminal


def test_markdown_has_coverage_then_one_linked_row_per_site(invoke: Invoke, in_repo: Path) -> None:
    result = invoke("audit", "--output-format", "markdown", "examples")
    assert result.exit_code == 0
    text = result.stdout
    report = as_report(invoke("audit", "--output-format", "json", "examples"))
    assert text.startswith("# refusal-lint audit\n")
    assert text.index("## Coverage by provider family") < text.index("## Sites")
    links = re.findall(r"^\| \[([^\]]+)\]\(([^)]+)\) \|", text, re.M)
    assert len(links) == len(report["sites"])
    for (label, target), site in zip(links, report["sites"], strict=True):
        assert label.replace("\\_", "_") == f"{site['path']}:{site['line']}"
        assert target == f"{site['path']}#L{site['line']}"
    family_rows = re.findall(r"^\| (Anthropic|Bedrock|Gemini|OpenAI-compatible) \|", text, re.M)
    assert len(family_rows) == 4


def test_html_is_self_contained_and_escaped(invoke: Invoke, project: Path, write: Write) -> None:
    write(
        "evil.py",
        'def evil(resp):\n    if resp["</td><script>alert(1)</script>"].stop_reason == "end_turn":'
        "\n        return 1\n    return 2\n",
    )
    result = invoke("audit", "--output-format", "html", ".")
    assert result.exit_code == 0
    page = result.stdout
    assert page.startswith("<!DOCTYPE html>")
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    assert page.count("<script>") == 1  # the report's own script, inline
    assert not re.search(r"""(src|href|url)\s*[=(]\s*["']?\s*(https?:)?//""", page, re.I)
    assert not re.search(r"https?://", page)
    assert "<svg" in page and "<style>" in page
    rows = re.findall(r"^<tr>", page, re.M)
    assert len(rows) == len(as_report(invoke("audit", "--output-format", "json", "."))["sites"])


def test_colour_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch, in_repo: Path) -> None:
    from refusal_lint.audit.text import render
    from refusal_lint.output import Style

    report = audit_run.audit_paths(
        [EXAMPLES], default_settings(), _project(), on_error=None, progress=StringIO()
    )
    assert "\x1b[" in render(report, Style(color=True))
    assert "\x1b[" not in render(report, Style(color=False))


# --- the gate ------------------------------------------------------------------------


@pytest.mark.parametrize(("fail_under", "code"), [("50", 0), ("63.6", 0), ("63.7", 1), ("100", 1)])
def test_fail_under_gates_on_the_share(
    invoke: Invoke, in_repo: Path, fail_under: str, code: int
) -> None:
    result = invoke("audit", "--output-format", "json", "--fail-under", fail_under, "examples")
    assert result.exit_code == code, result.stderr
    gate = as_report(result)["summary"]["gate"]
    assert (gate["covered"], gate["total"]) == (7, 11)
    assert gate["passed"] is (code == 0) and gate["fail_under"] == float(fail_under)
    verdict = "meets" if code == 0 else "is below"
    assert f"refusal coverage 63.6% {verdict} --fail-under {float(fail_under):g}%" in result.stderr


def test_no_dispatch_site_counts_as_full_coverage(
    invoke: Invoke, project: Path, write: Write
) -> None:
    write("plain.py", "def add(a, b):\n    return a + b\n")
    result = invoke("audit", "--fail-under", "100", ".")
    assert result.exit_code == 0, result.stderr
    assert "No sites found." in result.stdout
    assert "Refusal coverage: 100.0% (no dispatch site to cover)" in result.stdout


@pytest.mark.parametrize("value", ["101", "-1", "lots"])
def test_bad_fail_under_is_a_usage_error(invoke: Invoke, project: Path, value: str) -> None:
    result = invoke("audit", "--fail-under", value, ".")
    assert result.exit_code == 2
    assert "--fail-under" in result.stderr


def test_missing_path_is_a_usage_error(invoke: Invoke, project: Path) -> None:
    result = invoke("audit", "no-such-dir")
    assert result.exit_code == 2
    assert "refusal-lint: error: path does not exist: no-such-dir" in result.stderr


def test_an_engine_failure_is_reported_and_exits_2(
    invoke: Invoke, crafted: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: Analyzer) -> Facts:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(Analyzer, "run", broken)
    result = invoke("audit", "--output-format", "json", ".")
    assert result.exit_code == 2
    report = as_report(result)
    assert [f["code"] for f in report["other_findings"]] == ["RFL901"]
    assert "internal error (RFL901) in 1 file(s)" in result.stderr


# --- config and discovery, as for check ------------------------------------------------


def test_config_excludes_and_per_file_ignores_apply(
    invoke: Invoke, project: Path, write: Write
) -> None:
    write(
        "pyproject.toml",
        '[tool.refusal-lint]\nextend-exclude = ["vendored/"]\n'
        '[tool.refusal-lint.per-file-ignores]\n"app.py" = ["RFL001"]\n',
    )
    write("app.py", CRAFTED)
    write("vendored/copy.py", CRAFTED)
    report = as_report(invoke("audit", "--output-format", "json", "."))
    assert {s["path"] for s in report["sites"]} == {"app.py"}
    codes = {f["code"] for s in report["sites"] for f in s["findings"]}
    assert "RFL001" not in codes and "RFL003" in codes


def test_progress_bar_only_for_a_large_tree_on_a_terminal() -> None:
    class Terminal(StringIO):
        def isatty(self) -> bool:
            return True

    many = audit_run.PROGRESS_MIN_FILES + 1
    assert audit_run.show_progress(many, Terminal())
    assert not audit_run.show_progress(audit_run.PROGRESS_MIN_FILES, Terminal())
    assert not audit_run.show_progress(many, StringIO())


def test_progress_bar_is_drawn_on_stderr(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(StringIO):
        def isatty(self) -> bool:
            return True

    for index in range(3):
        (tmp_path / f"m{index}.py").write_text(CRAFTED, encoding="utf-8")
    monkeypatch.setattr(audit_run, "PROGRESS_MIN_FILES", 2)
    monkeypatch.chdir(tmp_path)
    stream = Terminal()
    report = audit_run.audit_paths(
        [tmp_path], default_settings(), _project(tmp_path), on_error=None, progress=stream
    )
    assert report.files == 3
    assert "auditing" in stream.getvalue() and "3/3" in stream.getvalue()


def _project(root: Path = ROOT) -> Any:
    from refusal_lint.config import ProjectConfig

    return ProjectConfig(root=root)


# --- the HTML report in a real browser -------------------------------------------------

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")


def chromium() -> str:
    """The headless browser, or a skip naming why there is none."""
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    pytest.skip(
        "headless Chromium is not installed (`apt-get install chromium`; .ci/run installs it "
        "where it can): the HTML report was not rendered in a browser"
    )


@pytest.fixture
def browser_profile() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="refusal-lint-chromium-") as profile:
        yield Path(profile)


def dump_dom(page: Path, fragment: str, profile: Path) -> str:
    """The page's DOM after its scripts ran, as headless Chromium serialises it."""
    command = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--dump-dom",
        page.resolve().as_uri() + fragment,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_html_renders_and_sorts_in_headless_chromium(
    invoke: Invoke, in_repo: Path, tmp_path: Path, browser_profile: Path
) -> None:
    report = as_report(invoke("audit", "--output-format", "json", "examples"))
    page = tmp_path / "audit.html"
    page.write_text(invoke("audit", "--output-format", "html", "examples").stdout, "utf-8")

    dom = dump_dom(page, "#sort=-findings", browser_profile)
    body = dom[dom.index("<tbody>") : dom.index("</tbody>")]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    assert len(rows) == len(report["sites"])
    # The script ran: clicking the header twice sorted by finding count, most first.
    assert re.search(r'data-key="findings"[^>]*aria-sort="descending"', dom)
    counts = [int(re.search(r'data-sort="(\d+)"', row.split("<td")[-1]).group(1)) for row in rows]  # type: ignore[union-attr]
    assert counts == sorted(counts, reverse=True) and counts[0] == 2
    first_site = html.unescape(re.sub(r"<[^>]+>", "", rows[0].split("</td>")[0]))
    most = max(report["sites"], key=lambda s: len(s["findings"]))
    assert first_site == f"{most['path']}:{most['line']}"
