"""The documentation tells the truth: generated pages are current, the README matches the
registry and CI, the config samples load, every link resolves, and `examples/` shows exactly
the mistakes its README promises."""

from __future__ import annotations

import ast
import functools
import importlib.util
import re
from pathlib import Path

import pytest

from refusal_lint import api, config, docgen
from refusal_lint.finding import Finding
from refusal_lint.registry import all_rules, default_codes, get_rule
from refusal_lint.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
REGENERATE = "run `python -m refusal_lint.docgen` and commit the result"


def _section(text: str, heading: str) -> str:
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"README has no '## {heading}' section"
    return match.group(1)


def _fenced(text: str, lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```", text, re.M | re.S)


# ---- generated pages ----------------------------------------------------------------------


@functools.cache
def _generated() -> dict[Path, str]:
    """docgen's output, rendered once for every test that reads it."""
    return docgen.generated_files()


@pytest.mark.parametrize("path", sorted(_generated()), ids=str)
def test_generated_page_is_current(path: Path) -> None:
    expected = _generated()[path]
    target = ROOT / path
    assert target.is_file(), f"{path} is missing: {REGENERATE}"
    assert target.read_text(encoding="utf-8") == expected, f"{path} is stale: {REGENERATE}"


def test_no_pages_for_removed_rules() -> None:
    assert docgen.orphaned_pages(ROOT) == [], f"pages of rules that no longer exist: {REGENERATE}"


def test_every_rule_has_a_page_with_its_docs() -> None:
    pages = _generated()
    for rule in all_rules():
        page = pages[docgen.RULES_DIR / docgen.rule_page_name(rule)]
        assert page.startswith(docgen.HEADER + "\n")
        assert f"# {rule.name} ({rule.code})" in page
        assert rule.doc_section("What it does") in page
        assert rule.doc_section("Why is this bad?") in page


def test_providers_page_covers_every_provider_and_value() -> None:
    from refusal_lint.catalog import load_catalog

    page = docgen.render_providers_page()
    for provider in load_catalog().providers:
        assert f"## {provider.display_name}\n" in page
        for signal in provider.signals:
            for value in signal.values:
                assert f"`{value}`" in page.replace("\\|", "|"), (provider.id, value)


# ---- examples by provider (rule pages) ----------------------------------------------------

MAJOR_PROVIDERS = (
    "Anthropic",
    "OpenAI",
    "Gemini (google-genai)",
    "Amazon Bedrock",
    "LiteLLM",
    "LangChain",
)


def _page(rule_name: str) -> str:
    rule = get_rule(rule_name)
    assert rule is not None
    return _generated()[docgen.RULES_DIR / docgen.rule_page_name(rule)]


def _chosen(rule_name: str) -> dict[str, dict[str, docgen.BookCase]]:
    rule = get_rule(rule_name)
    assert rule is not None
    book = docgen.read_case_book(rule)
    assert book is not None
    from refusal_lint.catalog import load_catalog

    return docgen.choose_examples(rule.name, docgen.parse_case_book(book), load_catalog())


def test_every_rule_page_has_examples_by_provider() -> None:
    for rule in all_rules():
        page = _page(rule.name)
        section = _section(page, "Examples by provider")
        if docgen.read_case_book(rule) is None:
            assert "no case book" in section
            continue
        assert f"(../../rules/{rule.name}.md)" in section, rule.code
        if rule.name in docgen.PROVIDER_NEUTRAL:
            assert "differ by provider" in section
            continue
        for title, pair in _chosen(rule.name).items():
            assert f"### {title}\n" in section, (rule.code, title)
            for kind, case in pair.items():
                assert f"**{kind}: {case.section}**" in section, (rule.code, title, kind)
        # The books' code is shown verbatim: ruff format must not reflow it on the page.
        assert section.count("```python") == section.count(docgen.FMT_OFF)
        # Examples come after the docstring, before the footer.
        assert page.index(rule.doc_section("What it does")) < page.index("## Examples by")


@pytest.mark.parametrize("rule_name", ["unchecked-response", "unchecked-stream"])
def test_result_rules_show_bad_and_good_for_every_major_provider(rule_name: str) -> None:
    chosen = _chosen(rule_name)
    for title in MAJOR_PROVIDERS:
        assert set(chosen.get(title, {})) == {"Bad", "Good"}, (rule_name, title)


def _example_cases() -> list[tuple[str, str, str, docgen.BookCase]]:
    found = []
    for rule in all_rules():
        if docgen.read_case_book(rule) is None or rule.name in docgen.PROVIDER_NEUTRAL:
            continue
        for title, pair in _chosen(rule.name).items():
            found += [(rule.name, title, kind, case) for kind, case in pair.items()]
    return found


EXAMPLES_SHOWN = _example_cases()


@pytest.mark.parametrize(
    "example",
    EXAMPLES_SHOWN,
    ids=[f"{rule}:{title}:{kind}" for rule, title, kind, _ in EXAMPLES_SHOWN],
)
def test_shown_examples_fire_as_labelled(
    example: tuple[str, str, str, docgen.BookCase],
) -> None:
    """The code on the page (markers stripped) fires exactly where the page says it does."""
    rule_name, _, kind, case = example
    rule = get_rule(rule_name)
    assert rule is not None
    settings = Settings(enabled=frozenset(default_codes()) | {rule.code})
    lines = {
        f.line
        for f in api.check_source(case.source, "app/case.py", settings)
        if f.code == rule.code
    }
    if kind == "Bad":
        assert lines and lines == set(case.lines_of(rule_name)), (case.section, lines)
        assert f"Reported at line {', '.join(map(str, sorted(lines)))}." in _page(rule_name)
    else:
        assert not lines, (case.section, lines)
    assert "# error:" not in case.source


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import anthropic\nc = anthropic.Anthropic()\n", "Anthropic"),
        ("from google import genai\nc = genai.Client()\n", "Gemini (google-genai)"),
        (
            "import google.generativeai as genai\n",
            "Gemini legacy SDKs (google-generativeai, Vertex AI)",
        ),
        ("import boto3\nbody = {}\nbody.get('stop_reason')\n", "Amazon Bedrock"),
        ("from openai import AzureOpenAI\nc = AzureOpenAI()\n", "Azure OpenAI"),
        (
            "from langchain_openai import ChatOpenAI\n"
            "m = ChatOpenAI().invoke('x')\n"
            "m.response_metadata['finish_reason']\n",
            "LangChain",
        ),
        ("import openai\nimport mistralai\n", None),  # two SDKs: no single provider
        # No import: distinctive names, but only in code that speaks to an LLM API.
        ("if resp['stopReason'] == 'guardrail_intervened':\n    pass\n", "Amazon Bedrock"),
        ("if r.response_metadata['finish_reason'] == 'stop':\n    pass\n", "LangChain"),
        ("assert result.finish_reason != 'dnf'\n", None),  # a kart race
        ("if r.finish_reason == 'stop':  # like stopReason\n    pass\n", "OpenAI"),
        ("if r.stop_reason == 'x' or r['stopReason'] == 'end_turn':\n    pass\n", None),
        # A URL of a provider's HTTP API decides over the fields read from the JSON body.
        (
            "import httpx\nr = httpx.post('https://api.anthropic.com/v1/messages').json()\n"
            "r['stop_reason']\n",
            docgen.RAW_HTTP,
        ),
        # Another library's code is not a provider's example.
        ("from mcp.types import CreateMessageResult\nx.stopReason == 'endTurn'\n", None),
    ],
)
def test_case_provider_heuristic(source: str, expected: str | None) -> None:
    assert docgen.case_provider(source) == expected


def test_example_groups_name_catalog_providers() -> None:
    from refusal_lint.catalog import load_catalog

    ids = {p.id for p in load_catalog().providers}
    named = [i for group in docgen.PROVIDER_GROUPS for i in group.catalog_ids]
    assert set(named) <= ids and len(named) == len(set(named))
    titles = {group.title for group in docgen.PROVIDER_GROUPS}
    for group in docgen.PROVIDER_GROUPS:
        assert set(group.over) <= titles, group.title


def test_markers_are_stripped_from_shown_code() -> None:
    book = (
        "## Title\n\nProse.\n\n```py\n"
        'x = resp.stop_reason  # error: [missing-refusal-branch, silent-default-branch] "t"\n'
        "y = 1  # a comment stays\n```\n\n```py xfail\nz = 1\n```\n"
    )
    first, second = docgen.parse_case_book(book)
    assert first.source == "x = resp.stop_reason\ny = 1  # a comment stays\n"
    assert first.prose == "Prose." and first.plain and not second.plain
    assert first.lines_of("silent-default-branch") == (1,)


# ---- providers page -----------------------------------------------------------------------


def test_providers_page_derives_coverage_from_the_catalog() -> None:
    from refusal_lint.catalog import load_catalog

    page = docgen.render_providers_page()
    for code, _, _ in docgen.COVERAGE:
        assert get_rule(code) is not None, code
    for provider in load_catalog().providers:
        section = _section(page, provider.display_name)
        codes = {rule.code for rule in docgen.covering_rules(provider)}
        line = next(x for x in section.splitlines() if x.startswith("- Covered by:"))
        assert set(re.findall(r"\[(RFL\d+)\]", line)) == codes, provider.id
        refusal = provider.has_refusal
        assert (
            {"RFL001", "RFL002", "RFL006", "RFL009"} <= codes
            if refusal
            else not ({"RFL001", "RFL002", "RFL006", "RFL009"} & codes)
        ), provider.id
        assert ("RFL010" in codes) == (
            refusal and provider.refusal_category_field.startswith("stop_details")
        ), provider.id
        assert ("RFL003" in codes) == bool(provider.responses), provider.id
        assert ("RFL007" in codes) == any(s.values for s in provider.signals), provider.id
        for surface in provider.responses:
            assert f"#### Surface `{surface.name or provider.id}`" in section
            for value in (*surface.clients, *surface.methods, *surface.outputs, *surface.checks):
                assert f"`{value}`" in section.replace("\\|", "|"), (provider.id, value)
            for exc in (*surface.policy_exceptions, *surface.request_exceptions):
                assert f"`{exc}`" in section, (provider.id, exc)


def test_providers_without_refusal_values_get_no_dispatch_refusal_rules() -> None:
    from refusal_lint.catalog import load_catalog

    catalog = load_catalog()
    for provider_id in ("mistral", "ollama", "vllm", "xai"):
        codes = {r.code for r in docgen.covering_rules(catalog.provider(provider_id))}
        assert codes.isdisjoint({"RFL001", "RFL002", "RFL006", "RFL009", "RFL010"})
        assert {"RFL003", "RFL007"} <= codes
    anthropic = {r.code for r in docgen.covering_rules(catalog.provider("anthropic"))}
    assert "RFL010" in anthropic


# ---- accuracy page ------------------------------------------------------------------------

ACCURACY = ROOT / "docs" / "accuracy.md"


def _bench_label_codes() -> dict[str, str]:
    spec = importlib.util.spec_from_file_location("bench_accuracy", ROOT / "bench" / "accuracy.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    codes: dict[str, str] = module.LABEL_CODES
    return codes


def test_accuracy_page_is_linked() -> None:
    assert "(accuracy.md)" in (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    assert "(docs/accuracy.md)" in _section(README.read_text(encoding="utf-8"), "Documentation")


def test_accuracy_page_label_table_matches_the_bench() -> None:
    page = ACCURACY.read_text(encoding="utf-8")
    documented = dict(re.findall(r"^\| `([A-Z-]+)` \| (RFL\d{3}) \|", page, re.M))
    assert documented == _bench_label_codes()


def test_accuracy_figures_add_up() -> None:
    """Each row's precision and recall are its own tp/fp/fn; overall is their sum."""
    page = ACCURACY.read_text(encoding="utf-8")
    start, end = page.index("<!-- begin accuracy figures"), page.index("<!-- end accuracy figures")
    rows = re.findall(
        r"^\| (RFL\d{3}|\*\*overall\*\*) \| (\d+) \| (\d+) \| (\d+) \| ([\d.]+|-) \| ([\d.]+|-) \|",
        page[start:end],
        re.M,
    )
    assert rows and rows[-1][0] == "**overall**"
    totals = [0, 0, 0]
    for name, *numbers in rows:
        tp, fp, fn = (int(n) for n in numbers[:3])
        precision, recall = numbers[3:]
        if name != "**overall**":
            totals = [totals[0] + tp, totals[1] + fp, totals[2] + fn]
        else:
            assert [tp, fp, fn] == totals
        for shown, misses in ((precision, fp), (recall, fn)):
            expected = f"{tp / (tp + misses):.3f}" if tp + misses else "-"
            assert shown == expected, (name, shown, expected)
    codes = {name for name, *_ in rows[:-1]}
    assert codes <= set(_bench_label_codes().values())


def test_accuracy_limitations_block_is_current() -> None:
    text = ACCURACY.read_text(encoding="utf-8")
    assert docgen.LIMITS_START in text and docgen.LIMITS_END in text
    assert docgen.update_accuracy(text) == text, f"docs/accuracy.md is stale: {REGENERATE}"
    assert Path("docs/accuracy.md") not in docgen.stale_files(ROOT)


def test_accuracy_limitations_cover_every_rule_that_lists_them() -> None:
    page = ACCURACY.read_text(encoding="utf-8")
    limits = _section(page, "Known limitations")
    for rule in all_rules():
        if rule.doc_section("Known limitations"):
            assert f"{rule.code}" in limits, rule.code


def test_check_mode_reports_stale_files(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    assert docgen.main([str(tmp_path), "--check"]) == 1
    assert docgen.main([str(tmp_path)]) == 0
    assert docgen.main([str(tmp_path), "--check"]) == 0
    index = tmp_path / "docs" / "rules" / "index.md"
    assert index.read_text(encoding="utf-8").startswith(docgen.HEADER)


# ---- README -------------------------------------------------------------------------------


def test_readme_rules_table_matches_registry() -> None:
    text = README.read_text(encoding="utf-8")
    assert docgen.README_START in text and docgen.README_END in text
    assert docgen.update_readme(text) == text, f"README rules table is stale: {REGENERATE}"
    table = text[text.index(docgen.README_START) : text.index(docgen.README_END)]
    rows = [line for line in table.splitlines() if line.startswith("| RFL")]
    assert [row.split(" | ")[0].strip("| ") for row in rows] == [r.code for r in all_rules()]
    for row, rule in zip(rows, all_rules(), strict=True):
        cells = [cell.strip() for cell in row.strip("|").split(" | ")]
        assert cells[1] == f"[`{rule.name}`](docs/rules/{rule.name}.md)"
        assert cells[2] == ("on" if rule.default_enabled else "off")
        assert cells[3] == rule.summary


def _quick_start_commands() -> list[str]:
    blocks = _fenced(_section(README.read_text(encoding="utf-8"), "Quick start"), "sh")
    return [line for block in blocks for line in block.splitlines() if line.strip()]


def test_readme_has_exactly_two_setup_commands() -> None:
    commands = _quick_start_commands()
    assert len(commands) == 2, commands
    install_and_run, install_and_test = commands
    assert "pip install ." in install_and_run and "refusal-lint check examples/" in install_and_run
    assert "pip install -e '.[test]'" in install_and_test and "pytest" in install_and_test


def test_ci_runs_the_readme_test_command() -> None:
    test_command = _quick_start_commands()[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci.splitlines(), ".ci/run must run the README's test command verbatim"


def test_readme_sample_output_matches_examples() -> None:
    sample = _fenced(README.read_text(encoding="utf-8"), "console")[0]
    shown = {
        line.split(" ", 2)[0] + " " + line.split(" ", 2)[1]
        for line in sample.splitlines()
        if line.startswith("examples/")
    }
    actual = {f"examples/{path}:{f.line}:{f.col + 1}: {f.code}" for path, f in _example_findings()}
    assert shown == actual, "update the sample output in README.md ('What it reports')"


def test_readme_mentions_ruff_external() -> None:
    text = README.read_text(encoding="utf-8")
    assert 'external = ["RFL"]' in text and "# noqa: RFL001" in text


# ---- configuration docs -------------------------------------------------------------------


def _config_keys() -> set[str]:
    # config._KEYS is the parser's table of accepted keys: the single source of truth.
    return set(config._KEYS)


def test_configuration_page_lists_every_key() -> None:
    page = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| \[`([a-z-]+)`\]", page, re.M))
    assert documented == _config_keys()
    for key in documented:
        assert f"### `{key}`" in page, f"docs/configuration.md has no section for {key!r}"


def test_rule_options_name_real_config_keys() -> None:
    for rule in all_rules():
        for key in re.findall(r"^- `([a-z-]+)`", rule.doc_section("Options"), re.M):
            assert key in _config_keys(), f"{rule.code} documents unknown option {key!r}"


@pytest.mark.parametrize("doc", ["README.md", "docs/configuration.md"])
def test_config_samples_load(doc: str, tmp_path: Path) -> None:
    samples = [s for s in _fenced((ROOT / doc).read_text(encoding="utf-8"), "toml")]
    samples = [s for s in samples if "[tool.refusal-lint]" in s]
    assert samples
    for sample in samples:
        (tmp_path / "pyproject.toml").write_text(sample, encoding="utf-8")
        settings, _ = config.load_settings(tmp_path)
        assert settings.loud_calls and settings.per_file_ignores
        assert "RFL009" in settings.enabled


# ---- links --------------------------------------------------------------------------------

LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


DOCS = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").rglob("*.md"))


@pytest.mark.parametrize("doc", ["README.md", "examples/README.md", *DOCS])
def test_relative_links_resolve(doc: str) -> None:
    path = ROOT / doc
    for target in LINK.findall(path.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target):
            continue
        assert (path.parent / target).exists(), f"{doc} links to missing {target}"


# ---- examples -----------------------------------------------------------------------------

EXAMPLES = ROOT / "examples" / "support_bot"
# (module, function, code): the mistakes examples/README.md promises, and nothing else.
EXPECTED = {
    ("anthropic_client.py", "draft_reply", "RFL001"),
    ("anthropic_client.py", "suggest_tags", "RFL003"),
    ("gemini_client.py", "translate_reply", "RFL002"),
    ("openai_client.py", "classify_ticket", "RFL005"),
    ("openai_client.py", "suggest_macro", "RFL007"),
    ("openai_client.py", "stream_live_answer", "RFL004"),
    ("bedrock_client.py", "detect_language", "RFL008"),
    ("fallback.py", "fallback_draft", "RFL011"),
    ("metrics.py", "<module>", "RFL006"),
    ("metrics.py", "record_claude_stop", "RFL006"),
}


def _example_findings() -> list[tuple[str, Finding]]:
    found = []
    for path in sorted(EXAMPLES.glob("*.py")):
        name = f"support_bot/{path.name}"
        found += [(name, f) for f in api.check_bytes(path.read_bytes(), str(path))]
    return found


def _enclosing_function(path: Path, line: int) -> str:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and (
            node.lineno <= line <= (node.end_lineno or node.lineno)
        ):
            return node.name
    return "<module>"


def test_examples_show_exactly_the_intended_mistakes() -> None:
    found = {
        (Path(name).name, _enclosing_function(EXAMPLES / Path(name).name, f.line), f.code)
        for name, f in _example_findings()
    }
    assert found == EXPECTED


def test_every_intended_mistake_is_marked_in_the_source() -> None:
    for module, function, code in EXPECTED:
        source = (EXAMPLES / module).read_text(encoding="utf-8")
        assert f"# MISTAKE ({code})" in source, (module, function)
