"""The documentation tells the truth: generated pages are current, the README matches the
registry and CI, the config samples load, every link resolves, and `examples/` shows exactly
the mistakes its README promises."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from refusal_lint import api, config, docgen
from refusal_lint.finding import Finding
from refusal_lint.registry import all_rules

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


@pytest.mark.parametrize("path", sorted(docgen.generated_files()), ids=str)
def test_generated_page_is_current(path: Path) -> None:
    expected = docgen.generated_files()[path]
    target = ROOT / path
    assert target.is_file(), f"{path} is missing: {REGENERATE}"
    assert target.read_text(encoding="utf-8") == expected, f"{path} is stale: {REGENERATE}"


def test_no_pages_for_removed_rules() -> None:
    assert docgen.orphaned_pages(ROOT) == [], f"pages of rules that no longer exist: {REGENERATE}"


def test_every_rule_has_a_page_with_its_docs() -> None:
    pages = docgen.generated_files()
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
