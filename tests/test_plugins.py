"""The flake8 and pylint plugins behave as users of those tools expect.

Subprocesses, as users run them: flake8 and pylint find the `examples/` problems, honour
`# noqa` (and `# pylint: disable`), flake8's select / ignore / `--disable-noqa`, the
`[tool.refusal-lint]` table found from the linted file, and flake8's `--refusal-*` options.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_parity import _run, cli_findings, flake8_findings, pylint_findings

from refusal_lint import plugin_config
from refusal_lint.pylint_plugin import RefusalLintChecker
from refusal_lint.registry import all_rules

ROOT = Path(__file__).resolve().parent.parent
Key = tuple[str, int, str]

EXAMPLES: set[Key] = {
    ("support_bot/anthropic_client.py", 30, "RFL001"),
    ("support_bot/anthropic_client.py", 64, "RFL003"),
    ("support_bot/bedrock_client.py", 24, "RFL008"),
    ("support_bot/fallback.py", 28, "RFL011"),
    ("support_bot/gemini_client.py", 34, "RFL002"),
    ("support_bot/metrics.py", 14, "RFL006"),
    ("support_bot/metrics.py", 22, "RFL006"),
    ("support_bot/openai_client.py", 36, "RFL005"),
    ("support_bot/openai_client.py", 60, "RFL007"),
    ("support_bot/openai_client.py", 94, "RFL004"),
}
NOQA = ("support_bot/anthropic_client.py", 30, "RFL001")
BARE_NOQA = ("support_bot/metrics.py", 22, "RFL006")
PYLINT_DISABLE = ("support_bot/anthropic_client.py", 64, "RFL003")
DEFAULT_SYMBOLS = ",".join(rule.name for rule in all_rules() if rule.default_enabled)


def _append(path: Path, line: int, comment: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[line - 1] = lines[line - 1].rstrip("\n") + f"  {comment}\n"
    path.write_text("".join(lines), encoding="utf-8")


@pytest.fixture(scope="module")
def suppressed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of examples/ with a `# noqa: RFL001`, a bare `# noqa` and a pylint disable."""
    root = tmp_path_factory.mktemp("suppressed")
    shutil.copytree(ROOT / "examples" / "support_bot", root / "support_bot")
    _append(root / NOQA[0], NOQA[1], "# noqa: RFL001")
    _append(root / BARE_NOQA[0], BARE_NOQA[1], "# noqa")
    _append(root / PYLINT_DISABLE[0], PYLINT_DISABLE[1], "# pylint: disable=unchecked-response")
    return root


def test_flake8_version_lists_the_plugin() -> None:
    out = _run(["flake8", "--version"], ROOT)
    assert out.returncode == 0, out.stderr
    assert "refusal-lint:" in out.stdout.replace("\n", " ")


def test_flake8_and_pylint_find_the_examples_problems(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "examples" / "support_bot", tmp_path / "support_bot")
    assert cli_findings(tmp_path) == EXAMPLES
    assert flake8_findings(tmp_path) == EXAMPLES
    # --enable=refusal-lint turns on every message, so pylint also gets off-by-default RFL009.
    found = pylint_findings(tmp_path)
    assert found == EXAMPLES | {("support_bot/openai_client.py", 53, "RFL009")}


def test_noqa_is_honoured_by_every_front_end(suppressed: Path) -> None:
    expected = EXAMPLES - {NOQA, BARE_NOQA}
    assert cli_findings(suppressed) == expected
    assert flake8_findings(suppressed) == expected
    assert pylint_findings(suppressed, DEFAULT_SYMBOLS) == expected - {PYLINT_DISABLE}


def test_flake8_owns_ignore_and_noqa(suppressed: Path) -> None:
    assert flake8_findings(suppressed, "--disable-noqa") == EXAMPLES
    ignored = flake8_findings(suppressed, "--extend-ignore", "RFL002,RFL006")
    assert ignored == {k for k in EXAMPLES - {NOQA} if k[2] not in ("RFL002", "RFL006")}


def test_flake8_runs_an_off_by_default_rule_only_when_named(suppressed: Path) -> None:
    assert flake8_findings(suppressed, "--extend-select", "RFL009") == (
        EXAMPLES - {NOQA, BARE_NOQA}
    ) | {("support_bot/openai_client.py", 53, "RFL009")}


LOUD_BY_CONFIG = """\
import sentry_sdk


def answer(message):
    match message.stop_reason:
        case "end_turn":
            return message.content[0].text
        case "refusal":
            raise PermissionError("refused")
        case other:
            sentry_sdk.capture_message(f"unexpected stop reason {other}")
            return ""
"""


def test_flake8_reads_the_config_nearest_the_file_and_its_options_override(
    tmp_path: Path,
) -> None:
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "app.py").write_text(LOUD_BY_CONFIG, encoding="utf-8")
    (tmp_path / "configured").mkdir()
    (tmp_path / "configured" / "app.py").write_text(LOUD_BY_CONFIG, encoding="utf-8")
    (tmp_path / "configured" / "pyproject.toml").write_text(
        '[tool.refusal-lint]\nloud-calls = ["sentry_sdk.capture_message"]\n', encoding="utf-8"
    )
    assert flake8_findings(tmp_path) == {("plain/app.py", 10, "RFL002")}
    override = "--refusal-loud-calls=sentry_sdk.capture_message"
    assert flake8_findings(tmp_path, override) == set()


def test_flake8_reports_a_broken_config_instead_of_passing(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.refusal-lint]\nselectt = []\n")
    (tmp_path / "app.py").write_text(LOUD_BY_CONFIG, encoding="utf-8")
    out = _run(["flake8", "--select", "RFL", "."], tmp_path)
    assert out.returncode != 0
    assert "unknown key 'selectt'" in out.stdout + out.stderr


def test_pylint_lists_the_messages_with_help(tmp_path: Path) -> None:
    out = _run(["pylint", "--load-plugins=refusal_lint.pylint", "--list-msgs"], tmp_path)
    assert out.returncode == 0, out.stderr
    for rule in all_rules():
        assert f":{rule.name} ({rule.pylint_id})" in out.stdout, rule.code
        assert rule.summary in out.stdout.replace("\n  ", " ")


def test_pylint_message_table_comes_from_the_registry() -> None:
    msgs = RefusalLintChecker.msgs
    assert RefusalLintChecker.name == "refusal-lint"
    assert len(msgs) == len(all_rules())
    for rule in all_rules():
        definition = msgs[rule.pylint_id]
        assert definition[1] == rule.name and rule.summary in definition[2]
        off = len(definition) == 4 and definition[3] == {"default_enabled": False}  # type: ignore[misc]
        assert off == (not rule.default_enabled)


def test_pylint_module_alias_registers_the_checker() -> None:
    import refusal_lint.pylint as alias

    assert alias.register.__module__ == "refusal_lint.pylint_plugin"


def test_pylint_applies_per_file_ignores_and_select(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "examples" / "support_bot", tmp_path / "support_bot")
    (tmp_path / "pyproject.toml").write_text(
        "[tool.refusal-lint]\nignore = ['RFL008']\n"
        "per-file-ignores = { 'support_bot/metrics.py' = ['RFL006'] }\n",
        encoding="utf-8",
    )
    expected = {k for k in EXAMPLES if k[2] != "RFL008" and "metrics" not in k[0]}
    assert cli_findings(tmp_path) == expected
    assert flake8_findings(tmp_path) == expected
    assert pylint_findings(tmp_path, DEFAULT_SYMBOLS) == expected


def test_plugin_config_is_cached_per_config_file(tmp_path: Path) -> None:
    plugin_config.clear_cache()
    (tmp_path / "pyproject.toml").write_text("[tool.refusal-lint]\nignore = ['RFL001']\n")
    (tmp_path / "a").mkdir()
    first, _ = plugin_config.settings_for(str(tmp_path / "a" / "x.py"))
    second, _ = plugin_config.settings_for(str(tmp_path / "y.py"))
    assert first is second and "RFL001" not in first.enabled
    plugin_config.clear_cache()


def test_pylint_page_lists_every_message() -> None:
    page = (ROOT / "docs" / "pylint.md").read_text(encoding="utf-8")
    rows = [line for line in page.splitlines() if line.startswith("| RFL")]
    assert len(rows) == len(all_rules())
    for row, rule in zip(rows, all_rules(), strict=True):
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert cells[0] == rule.code and cells[2] == rule.pylint_id
        assert cells[1].startswith(f"`{rule.name}`")
        assert ("off by default" in cells[1]) == (not rule.default_enabled)


def test_an_engine_failure_is_rfl901_in_the_flake8_plugin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One file the engine fails on is reported, not a crash of the host's whole run."""
    import ast

    from refusal_lint import api
    from refusal_lint.flake8_plugin import Flake8Plugin

    def broken(*args: object, **kwargs: object) -> list[object]:
        raise ValueError("boom")

    monkeypatch.setattr(api, "check_source", broken)
    monkeypatch.chdir(tmp_path)
    source = "x = resp.stop_reason\n"
    plugin = Flake8Plugin(ast.parse(source), "app.py", source.splitlines(keepends=True))
    found = list(plugin.run())
    assert [text.split()[0] for _, _, text, _ in found] == ["RFL901"]
    assert "ValueError: boom" in found[0][2]
