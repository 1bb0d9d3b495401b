"""RFL012 (refusal-path-untested) beyond its case book: the split into per-file summaries
and one aggregation, the readers of fakes and cassettes, and the `check` wiring.

The case book (rules/refusal-path-untested.md) holds the rule's firing and quiet projects;
these tests pin the pieces the book cannot show: summaries that survive JSON, the project
judgement on hand-made summaries, recordings in odd shapes, discovery of cassettes, exit
codes, suppression and per-file ignores through the CLI, and the plugins' silence.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from refusal_lint import api, project_run
from refusal_lint.cassettes import scan_cassette
from refusal_lint.catalog import load_catalog
from refusal_lint.checks.refusal_path_untested import check_project
from refusal_lint.discovery import python_files
from refusal_lint.evidence import FakeSummary, family_index
from refusal_lint.fake_collector import collect_fakes
from refusal_lint.project import DispatchSite, FileSummary, SuiteLayout
from refusal_lint.project_run import lint_tree
from refusal_lint.registry import PROJECT_CODES, all_rules, default_codes
from refusal_lint.settings import DEFAULT_CASSETTE_GLOBS, DEFAULT_TEST_PATTERNS, Settings

if TYPE_CHECKING:
    from conftest import Invoke, Write

RULE = "RFL012"
SETTINGS = Settings(enabled=frozenset(default_codes()) | {RULE})

APP = """\
def reply(client, prompt):
    message = client.messages.create(model="claude-sonnet-4-5", max_tokens=64, messages=prompt)
    if message.stop_reason == "refusal":
        raise RuntimeError("refused")
    return message.content[0].text
"""
HAPPY_TEST = """\
from types import SimpleNamespace as NS

ANSWER = NS(stop_reason="end_turn", content=[NS(text="Hello")])
"""
STREAMING_APP = """\
import anthropic

client = anthropic.Anthropic()


def stream_reply(prompt):
    parts = []
    with client.messages.stream(model="claude-sonnet-4-5", max_tokens=64, messages=prompt) as s:
        for event in s:
            if event.type == "content_block_delta":
                parts.append(event.delta.text)
            elif event.type == "message_delta" and event.delta.stop_reason == "refusal":
                raise RuntimeError("refused")
    return "".join(parts)
"""


def fakes_of(source: str) -> dict[str, FakeSummary]:
    summary = collect_fakes(ast.parse(source), load_catalog()).summary()
    return {fake.family: fake for fake in summary}


def cassette(text: str) -> dict[str, FakeSummary]:
    summary = scan_cassette(text.encode(), family_index(load_catalog())).summary()
    return {fake.family: fake for fake in summary}


def site(family: str = "Anthropic", line: int = 3, **changes: object) -> DispatchSite:
    fields: dict[str, object] = {
        "family": family,
        "line": line,
        "col": 7,
        "end_line": line,
        "end_col": 40,
        "refusal_values": ("refusal",),
        "streamed": False,
        "suppressed": False,
    }
    fields.update(changes)
    return DispatchSite(**fields)  # type: ignore[arg-type]


def fake(
    family: str = "Anthropic", *values: str, refusal: bool = False, mid: bool = False
) -> FakeSummary:
    return FakeSummary(family, values or ("end_turn",), refusal, mid)


# ---- the per-file summary ---------------------------------------------------------------


def test_summaries_survive_json() -> None:
    summary = FileSummary(
        sites=(site(streamed=True, refusal_values=("refusal", "x")),),
        fakes=(fake("Gemini", "SAFETY", "STOP", refusal=True, mid=True),),
    )
    assert FileSummary.from_json(json.loads(json.dumps(summary.to_json()))) == summary


def test_summary_is_made_only_when_the_rule_is_enabled() -> None:
    summary = api.lint_source(APP, "app/chat.py", SETTINGS).summary
    assert summary is not None and [s.family for s in summary.sites] == ["Anthropic"]
    off = Settings(enabled=frozenset(default_codes()))
    assert api.lint_source(APP, "app/chat.py", off).summary is None
    assert api.lint_bytes(APP.encode(), "app/chat.py", SETTINGS).summary == summary


def test_a_test_file_is_summarized_by_its_fakes_not_its_dispatches() -> None:
    source = APP + HAPPY_TEST
    summary = api.lint_source(source, "tests/test_chat.py", SETTINGS).summary
    assert summary is not None
    assert summary.sites == ()
    assert summary.fakes == (FakeSummary("Anthropic", ("end_turn",), False, False),)


def test_a_failing_summary_is_an_internal_error_naming_the_rule(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def explode(*args: object) -> None:
        raise ValueError("boom")

    monkeypatch.setattr("refusal_lint.project.summarize_module", explode)
    result = api.lint_source(APP, "app/chat.py", SETTINGS)
    errors = [f for f in result.findings if f.code == "RFL901"]
    assert len(errors) == 1 and "RFL012" in errors[0].message and result.summary is None


def test_the_plugins_entry_point_never_reports_the_project_rule() -> None:
    assert not [f for f in api.check_source(APP, "app/chat.py", SETTINGS) if f.code == RULE]


# ---- the project judgement --------------------------------------------------------------


def test_once_per_family_at_the_first_site_by_file_then_line() -> None:
    summaries = {
        "app/b.py": FileSummary(sites=(site(line=2),)),
        "app/a.py": FileSummary(sites=(site(line=9), site("OpenAI-compatible", line=4))),
        "tests/test_a.py": FileSummary(fakes=(fake(), fake("OpenAI-compatible", "stop"))),
    }
    found = [(f.filename, f.line) for f in check_project(summaries)]
    assert found == [("app/a.py", 9), ("app/a.py", 4)]


def test_fakes_from_several_files_add_up() -> None:
    summaries = {
        "app/a.py": FileSummary(sites=(site(streamed=True),)),
        "tests/test_a.py": FileSummary(fakes=(fake(refusal=True),)),
        "tests/cassettes/s.yaml": FileSummary(fakes=(fake("Anthropic", "refusal", mid=True),)),
    }
    assert check_project(summaries) == []
    del summaries["tests/cassettes/s.yaml"]
    (found,) = check_project(summaries)
    assert "only before any output" in found.message


def test_no_fakes_of_the_family_no_finding() -> None:
    summaries = {
        "app/a.py": FileSummary(sites=(site(),)),
        "tests/test_a.py": FileSummary(fakes=(fake("OpenAI-compatible", "stop"),)),
    }
    assert check_project(summaries) == []
    assert check_project({"app/a.py": FileSummary(sites=(site(),))}) == []


def test_the_mid_stream_gap_is_reported_at_the_streaming_module() -> None:
    summaries = {
        "app/a_plain.py": FileSummary(sites=(site(),)),
        "app/b_stream.py": FileSummary(sites=(site(line=12, streamed=True),)),
        "tests/test_a.py": FileSummary(fakes=(fake(refusal=True),)),
    }
    (found,) = check_project(summaries)
    assert (found.filename, found.line) == ("app/b_stream.py", 12)


def test_a_suppressed_site_suppresses_the_finding() -> None:
    summaries = {
        "app/a.py": FileSummary(sites=(site(suppressed=True),)),
        "tests/test_a.py": FileSummary(fakes=(fake(),)),
    }
    assert check_project(summaries) == []


def test_message_names_values_used_and_refusal_values_wanted() -> None:
    wanted = ("SAFETY", "RECITATION", "BLOCKLIST", "SPII")
    summaries = {
        "app/a.py": FileSummary(sites=(site("Gemini", refusal_values=wanted),)),
        "tests/t_test.py": FileSummary(fakes=(fake("Gemini", "A", "B", "C", "D", "E"),)),
    }
    (found,) = check_project(summaries)
    assert found.message == (
        "tests fake Gemini responses (`A`, `B`, `C`, `D`, …) but never a refusal "
        "(`SAFETY`, `RECITATION`, `BLOCKLIST` or another refusal value): this refusal path "
        "is untested"
    )


# ---- reading fakes in Python -----------------------------------------------------------


def test_refusal_field_left_unset_is_no_refusal() -> None:
    found = fakes_of(
        "m = ChatCompletionMessage(role='assistant', content='hi', refusal=None)\n"
        "c = Choice(index=0, finish_reason='stop', message=m)\n"
    )
    assert found["OpenAI-compatible"].refusal is False
    assert fakes_of("m = {'refusal': 'I cannot help with that.'}\n")["OpenAI-compatible"].refusal


def test_refusal_objects_and_nested_dotted_fields() -> None:
    assert fakes_of("d = RefusalStopDetails(type='refusal', category='cyber')\n")[
        "Anthropic"
    ].refusal
    found = fakes_of(
        "r = Response(incomplete_details=IncompleteDetails(reason='content_filter'))\n"
    )
    assert found["OpenAI-compatible"].refusal


def test_enum_members_and_proto_numbers_resolve_through_imports() -> None:
    found = fakes_of(
        "from google.genai import types\n"
        "c = types.Candidate(finish_reason=types.FinishReason.SAFETY)\n"
    )
    assert found["Gemini"] == FakeSummary("Gemini", ("SAFETY",), True, False)


def test_a_refusal_before_the_deltas_is_not_mid_stream() -> None:
    source = (
        "def stream():\n"
        "    yield NS(type='message_delta', delta=NS(stop_reason='refusal'))\n"
        "    yield NS(type='content_block_delta', delta=NS(type='text_delta', text='late'))\n"
    )
    assert fakes_of(source)["Anthropic"].mid_stream is False
    swapped = source.replace("refusal", "X").replace("'late'", "'refusal'")
    assert fakes_of(swapped) == {}


def test_whole_responses_in_a_list_are_not_a_stream() -> None:
    source = (
        "RETRIES = [\n"
        "    NS(stop_reason='max_tokens', content=[NS(type='text', text='Hel')]),\n"
        "    NS(stop_reason='refusal', content=[]),\n"
        "]\n"
    )
    assert fakes_of(source)["Anthropic"] == FakeSummary(
        "Anthropic", ("max_tokens", "refusal"), True, False
    )


def test_a_recorded_body_in_a_test_string() -> None:
    delta = {"type": "content_block_delta", "delta": {"type": "text_delta", "text": "Hi"}}
    stop = {"type": "message_delta", "delta": {"stop_reason": "refusal"}}
    body = f"event: content_block_delta\ndata: {json.dumps(delta)}\n\n"
    body += f"event: message_delta\ndata: {json.dumps(stop)}\n\n"
    assert fakes_of(f"BODY = {body!r}\n")["Anthropic"].mid_stream


def test_reading_only_statements_that_name_a_trigger_loses_nothing() -> None:
    """The collector skips top-level statements naming no field, refusal field, class or
    value; on every test file of the case book (and a decorated, a class-level fake) the
    result is the same as reading everything."""
    from test_case_books import PROJECT_CASES

    sources = [text for case in PROJECT_CASES for path, lang, text in case.files if lang == "py"]
    sources.append(
        "import pytest\n\n\n"
        "@pytest.mark.parametrize('stop_reason', ['refusal'])\n"
        "def test_a(stop_reason):\n    pass\n\n\n"
        "class TestB:\n    FAKE = NS(finish_reason='stop')\n\n    def test_c(self):\n        pass\n"
    )
    catalog = load_catalog()
    for source in sources:
        tree = ast.parse(source)
        whole = collect_fakes(tree, catalog).summary()
        assert collect_fakes(tree, catalog, source).summary() == whole, source
    assert {f.family for f in whole} == {
        "Anthropic",
        "Anthropic Managed Agents",
        "OpenAI-compatible",
    }


def test_project_stop_values_are_not_fakes() -> None:
    assert fakes_of("Result = NS(stop_reason='battery_low')\n") == {}


# ---- reading cassettes ------------------------------------------------------------------


def test_gemini_stream_array_in_camel_case() -> None:
    text = json.dumps(
        [
            {"candidates": [{"content": {"parts": [{"text": "First,"}]}}]},
            {"candidates": [{"content": {"parts": [{"text": ""}]}, "finishReason": "SAFETY"}]},
        ]
    )
    assert cassette(text)["Gemini"] == FakeSummary("Gemini", ("SAFETY",), True, True)


def test_openai_sse_body_inside_a_json_cassette() -> None:
    chunks = [
        {"choices": [{"index": 0, "delta": {"content": "Par"}, "finish_reason": None}]},
        {"choices": [{"index": 0, "delta": {}, "finish_reason": "content_filter"}]},
    ]
    body = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
    text = json.dumps({"interactions": [{"request": {}, "response": {"body": {"string": body}}}]})
    found = cassette(text)["OpenAI-compatible"]
    assert found.refusal and found.mid_stream


def test_interactions_are_read_apart_in_a_yaml_cassette() -> None:
    text = (
        "interactions:\n"
        "- request:\n    uri: https://api.anthropic.com/v1/messages\n"
        '  response:\n    body:\n      string: \'data: {"type": "content_block_delta", '
        '"delta": {"type": "text_delta", "text": "Hi"}}\'\n'
        "- request:\n    uri: https://api.anthropic.com/v1/messages\n"
        '  response:\n    body:\n      string: \'{"stop_reason": "refusal"}\'\n'
    )
    found = cassette(text)["Anthropic"]
    assert found.refusal and not found.mid_stream


def test_broken_json_falls_back_to_the_text_scan() -> None:
    assert cassette('{"stop_reason": "refusal", oops')["Anthropic"].refusal
    deep = "[" * 5000 + '{"stop_reason": "end_turn"}' + "]" * 5000
    assert cassette(deep)["Anthropic"].values == ("end_turn",)


def test_a_cassette_without_signals_says_nothing() -> None:
    assert cassette('{"users": [{"name": "refusal"}]}') == {}


# ---- layout, discovery and configuration -----------------------------------------------


@pytest.mark.parametrize(
    ("path", "test", "recording"),
    [
        ("tests/test_a.py", True, False),
        ("pkg/tests/unit/helpers.py", True, False),
        ("app/test_a.py", True, False),
        ("app/a_test.py", True, False),
        ("conftest.py", True, False),
        ("app/chat.py", False, False),
        ("tests/cassettes/a.yaml", True, True),
        ("tests/data/x.json", True, True),
        ("tests/fixtures/stream-refused.sse", True, True),
        ("app/data/x.json", False, False),
        ("tests/readme.md", True, False),
    ],
)
def test_default_layout(path: str, test: bool, recording: bool) -> None:
    layout = SuiteLayout(DEFAULT_TEST_PATTERNS, DEFAULT_CASSETTE_GLOBS)
    assert layout.is_test(path) == test
    assert layout.is_cassette(path) == recording


def test_discovery_finds_cassettes_only_when_asked(tmp_path: Path) -> None:
    for name in ("app.py", "tests/test_app.py", "tests/c/x.json", "docs/x.json"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("{}\n", encoding="utf-8")
    layout = SuiteLayout(DEFAULT_TEST_PATTERNS, DEFAULT_CASSETTE_GLOBS)
    plain = python_files([tmp_path], root=tmp_path)
    both = python_files([tmp_path], root=tmp_path, also=lambda p: layout.is_cassette(p.as_posix()))
    names = {Path(p).relative_to(tmp_path).as_posix() for p in both}
    assert len(plain) == 2
    assert names == {"app.py", "tests/test_app.py", "tests/c/x.json"}


# ---- through `refusal-lint check` ------------------------------------------------------


@pytest.fixture
def suite(project: Path, write: Write) -> Path:
    write("app/chat.py", APP)
    write("tests/test_chat.py", HAPPY_TEST)
    return project


def _codes(invoke: Invoke, *args: str) -> tuple[int, list[tuple[str, int, str]]]:
    result = invoke("check", "--output-format", "json", *args)
    found = [(f["filename"], f["location"]["row"], f["code"]) for f in json.loads(result.stdout)]
    return result.exit_code, found


def test_check_reports_the_project_finding_only_when_enabled(suite: Path, invoke: Invoke) -> None:
    assert _codes(invoke, ".") == (0, [])
    assert _codes(invoke, "--extend-select", RULE, ".") == (1, [("app/chat.py", 3, RULE)])


def test_check_reads_cassettes_and_never_lints_them_as_python(
    suite: Path, invoke: Invoke, write: Write
) -> None:
    write("tests/cassettes/refused.json", '{"stop_reason": "refusal", "content": []}')
    assert _codes(invoke, "--extend-select", RULE, ".") == (0, [])
    _, found = _codes(invoke, "--select", "ALL", ".")
    assert {code for _, _, code in found} & {RULE, "RFL900"} == set()


def test_check_shows_the_reported_line(suite: Path, invoke: Invoke) -> None:
    result = invoke("check", "--extend-select", RULE, "app", "tests")
    assert result.exit_code == 1
    assert 'if message.stop_reason == "refusal":' in result.stdout
    assert "app/chat.py:3:8: RFL012 tests fake Anthropic responses" in result.stdout


def test_per_file_ignores_and_noqa_apply_to_the_reported_module(
    suite: Path, invoke: Invoke, write: Write
) -> None:
    write("pyproject.toml", '[tool.refusal-lint]\nper-file-ignores = {"app/" = ["RFL012"]}\n')
    assert _codes(invoke, "--extend-select", RULE, ".") == (0, [])
    write("pyproject.toml", "[tool.refusal-lint]\nextend-select = ['RFL012', 'RFL902']\n")
    noqa = APP.replace('"refusal":', '"refusal":  # noqa: RFL012')
    write("app/chat.py", noqa)
    assert _codes(invoke, ".") == (0, [])


def test_configured_patterns_reach_the_rule(suite: Path, invoke: Invoke, write: Write) -> None:
    write("spec/chat_spec.py", HAPPY_TEST.replace("end_turn", "refusal"))
    assert _codes(invoke, "--extend-select", RULE, ".")[0] == 1
    write(
        "pyproject.toml",
        '[tool.refusal-lint.refusal-path-untested]\ntest-patterns = ["tests/", "spec/"]\n',
    )
    assert _codes(invoke, "--extend-select", RULE, ".") == (0, [])


@pytest.mark.parametrize(
    "table",
    [
        'test-patterns = ["src/tests/"]',
        'cassette-globs = "*.json"',
        "unknown = []",
    ],
)
def test_bad_options_are_a_usage_error(
    project: Path, write: Write, invoke: Invoke, table: str
) -> None:
    write("pyproject.toml", f"[tool.refusal-lint.refusal-path-untested]\n{table}\n")
    result = invoke("check", ".")
    assert result.exit_code == 2
    assert "invalid value for 'refusal-path-untested'" in result.stderr


def test_summaries_and_cassettes_are_answered_from_the_cache(
    suite: Path, invoke: Invoke, write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    write("tests/cassettes/answer.json", '{"stop_reason": "end_turn", "content": []}')
    first = _codes(invoke, "--extend-select", RULE, ".")
    assert first == (1, [("app/chat.py", 3, RULE)])
    calls: list[str] = []
    real = project_run.lint_data

    def counting(data: bytes, display: str, settings: Settings) -> api.FileCheck:
        calls.append(display)
        return real(data, display, settings)

    monkeypatch.setattr(project_run, "lint_data", counting)
    assert _codes(invoke, "--extend-select", RULE, ".") == first
    assert calls == []  # every summary, the cassette's included, came from the cache
    write("tests/cassettes/refused.json", '{"stop_reason": "refusal", "content": []}')
    assert _codes(invoke, "--extend-select", RULE, ".") == (0, [])
    assert calls == ["tests/cassettes/refused.json"]


def test_the_same_bytes_as_a_test_and_as_a_module_are_cached_apart(
    project: Path, invoke: Invoke, write: Write
) -> None:
    write("app/chat.py", APP)
    write("app/fixtures.py", HAPPY_TEST)
    assert _codes(invoke, "--extend-select", RULE, ".") == (0, [])  # no tests: nothing
    write("tests/test_chat.py", HAPPY_TEST)  # the same bytes, now a test file
    assert _codes(invoke, "--extend-select", RULE, ".") == (1, [("app/chat.py", 3, RULE)])


def test_fix_moves_the_finding_with_its_line(project: Path, write: Write, invoke: Invoke) -> None:
    # An unhandled OpenAI dispatch above the Anthropic one gets a branch from --fix, which
    # pushes the Anthropic dispatch down: the finding must follow it.
    openai = (
        "def gpt(client, prompt):\n"
        "    response = client.chat.completions.create(model='gpt-4o', messages=prompt)\n"
        "    if response.choices[0].finish_reason == 'length':\n"
        "        raise RuntimeError('truncated')\n"
        "    return response.choices[0].message.content\n\n\n"
    )
    write("app/chat.py", openai + APP)
    write("tests/test_chat.py", HAPPY_TEST)
    result = invoke(
        "check", "--extend-select", RULE, "--fix", "--unsafe-fixes", "--output-format", "json", "."
    )
    fixed = (project / "app/chat.py").read_text(encoding="utf-8")
    assert fixed != openai + APP
    line = fixed.splitlines().index('    if message.stop_reason == "refusal":') + 1
    rows = [(f["location"]["row"], f["code"]) for f in json.loads(result.stdout)]
    assert (line, RULE) in rows


def test_lint_tree_skips_files_check_would_not_read() -> None:
    files = {"app/chat.py": APP, "tests/test_chat.py": HAPPY_TEST, "app/notes.txt": "stop_reason"}
    assert [(f.filename, f.code) for f in lint_tree(files, SETTINGS)] == [("app/chat.py", RULE)]


def test_streaming_module_summary_marks_the_family_streamed() -> None:
    summary = api.lint_source(STREAMING_APP, "app/stream.py", SETTINGS).summary
    assert summary is not None
    assert [(s.family, s.streamed) for s in summary.sites] == [("Anthropic", True)]


def test_project_codes_index_matches_the_rule_classes() -> None:
    assert {r.code for r in all_rules() if r.project_level} == PROJECT_CODES


def test_a_run_without_the_rule_never_imports_its_machinery(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_app.py").write_text(HAPPY_TEST, encoding="utf-8")
    script = (
        "import sys\n"
        "from refusal_lint.cli import main\n"
        "try:\n"
        "    main(['check', '--no-cache', '--output-format', 'json', *sys.argv[1:]])\n"
        "except SystemExit:\n"
        "    pass\n"
        "names = ('refusal_lint.project', 'refusal_lint.fake_collector')\n"
        "print(any(name in sys.modules for name in names))\n"
    )
    for args, imported in (([], "False"), (["--extend-select", RULE], "True")):
        command = [sys.executable, "-c", script, *args, str(tmp_path)]
        out = subprocess.run(command, capture_output=True, text=True)
        assert out.stdout.splitlines()[-1] == imported, out.stderr
