"""`config.load_settings`: finding the file, validating it, layering CLI options on top."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from refusal_lint import registry
from refusal_lint.config import (
    ConfigError,
    apply_per_file_ignores,
    find_config_file,
    ignored_codes,
    load_settings,
)
from refusal_lint.finding import Finding
from refusal_lint.settings import Settings

if TYPE_CHECKING:
    from conftest import Write

pytestmark = pytest.mark.usefixtures("fake_rules", "project")
TABLE = "[tool.refusal-lint]\n"


def defaults() -> frozenset[str]:
    return frozenset(registry.default_codes())


# --- finding the config file -----------------------------------------------------------


def test_no_config_gives_default_rules_and_cwd_root(project: Path) -> None:
    settings, config = load_settings(project)
    assert settings.enabled == defaults()
    assert "RFL899" in settings.enabled
    assert "RFL898" not in settings.enabled
    assert config.root == project
    assert config.config_path is None
    assert (config.respect_gitignore, config.force_exclude) == (True, False)


def test_nearest_pyproject_with_the_table_wins(project: Path, write: Write) -> None:
    write("pyproject.toml", TABLE + 'extend-select = ["RFL898"]\n')
    write("pkg/pyproject.toml", "[project]\nname = 'x'\n")  # no table: skipped
    write("pkg/sub/mod.py")
    _, config = load_settings(project / "pkg" / "sub" / "mod.py")
    assert config.config_path == project / "pyproject.toml"
    assert config.root == project


@pytest.mark.parametrize("name", [".refusal-lint.toml", "refusal-lint.toml"])
def test_refusal_lint_toml_is_top_level_and_beats_pyproject(
    project: Path, write: Write, name: str
) -> None:
    write("pyproject.toml", TABLE + 'ignore = ["RFL899"]\n')
    write(name, 'extend-select = ["RFL898"]\n')
    assert find_config_file(project) == project / name
    settings, _ = load_settings(project)
    assert settings.enabled == defaults() | {"RFL898"}


def test_isolated_and_explicit_config_file(project: Path, write: Write) -> None:
    write("pyproject.toml", TABLE + 'ignore = ["RFL899"]\n')
    write("conf/custom.toml", 'select = ["RFL898"]\n')
    assert load_settings(project, isolated=True)[0].enabled == defaults()
    settings, config = load_settings(project, config_file=project / "conf" / "custom.toml")
    assert settings.enabled == {"RFL898"}
    assert config.root == project / "conf"


# --- validation ------------------------------------------------------------------------


def test_unknown_key_names_file_key_and_suggestion(write: Write) -> None:
    write("pyproject.toml", TABLE + "loud-call = []\n")
    with pytest.raises(ConfigError) as info:
        load_settings(Path.cwd())
    assert str(info.value) == (
        "pyproject.toml: unknown key 'loud-call' (did you mean 'loud-calls'?)"
        " in [tool.refusal-lint]"
    )


def test_unknown_subtable_is_an_unknown_key(write: Write) -> None:
    write("pyproject.toml", TABLE + "[tool.refusal-lint.nonsense]\nx = 1\n")
    with pytest.raises(ConfigError, match="unknown key 'nonsense'"):
        load_settings(Path.cwd())


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ('select = "RFL899"', "select"),
        ("ignore = [1]", "ignore"),
        ('extend-select = [""]', "extend-select"),
        ('exclude = "build"', "exclude"),
        ("extend-exclude = [true]", "extend-exclude"),
        ('loud-calls = ["not a name"]', "loud-calls"),
        ('loud-calls = ["sentry_sdk..capture"]', "loud-calls"),
        ("extra-signal-fields = 3", "extra-signal-fields"),
        ("extra-refusal-values = [[]]", "extra-refusal-values"),
        ('force-exclude = "yes"', "force-exclude"),
        ("respect-gitignore = 1", "respect-gitignore"),
        ('per-file-ignores = ["tests"]', "per-file-ignores"),
        ('per-file-ignores = {"tests/*" = "RFL899"}', "per-file-ignores"),
    ],
)
def test_wrong_types_name_the_key(write: Write, line: str, key: str) -> None:
    write("refusal-lint.toml", line + "\n")
    with pytest.raises(ConfigError, match=rf"^refusal-lint.toml: invalid value for '{key}'"):
        load_settings(Path.cwd())


def test_malformed_toml_names_the_file_and_the_error(write: Write) -> None:
    write("pyproject.toml", TABLE + "select = [\n")
    with pytest.raises(ConfigError, match=r"^pyproject.toml: invalid TOML: .*end of document"):
        load_settings(Path.cwd())
    write("pyproject.toml", TABLE + "select = [\nignore = 1\n")
    with pytest.raises(ConfigError, match=r"^pyproject.toml: invalid TOML: .*line 3"):
        load_settings(Path.cwd())


def test_pyproject_with_odd_tool_value_has_no_table(write: Write, project: Path) -> None:
    write("pyproject.toml", "tool = 1\n")
    assert find_config_file(project) is None


def test_table_that_is_not_a_table(write: Write) -> None:
    write("pyproject.toml", '[tool]\nrefusal-lint = "on"\n')
    with pytest.raises(ConfigError, match="expected a table"):
        load_settings(Path.cwd())


@pytest.mark.parametrize("key", ["select", "extend-select", "ignore"])
def test_unknown_selector_in_config_names_file_and_key(write: Write, key: str) -> None:
    write("pyproject.toml", TABLE + f'{key} = ["RFL8999"]\n')
    with pytest.raises(ConfigError) as info:
        load_settings(Path.cwd())
    message = str(info.value)
    assert message.startswith("pyproject.toml: unknown rule selector 'RFL8999'")
    assert f"in '{key}'" in message


def test_unknown_selector_in_per_file_ignores(write: Write) -> None:
    write("pyproject.toml", TABLE + '[tool.refusal-lint.per-file-ignores]\n"a.py" = ["nope"]\n')
    with pytest.raises(
        ConfigError, match=re.escape("unknown rule selector 'nope' in 'per-file-ignores.a.py'")
    ):
        load_settings(Path.cwd())


def test_unknown_selector_on_the_command_line_names_the_option() -> None:
    with pytest.raises(ConfigError, match=r"unknown rule selector 'fake-tset-rule' .*--ignore"):
        load_settings(Path.cwd(), ignore=["fake-tset-rule"])


# --- selection layering ----------------------------------------------------------------


def test_config_layer(write: Write) -> None:
    write("pyproject.toml", TABLE + 'select = ["ALL"]\nignore = ["fake-test-rule"]\n')
    settings, _ = load_settings(Path.cwd())
    assert "RFL898" in settings.enabled
    assert "RFL899" not in settings.enabled


def test_cli_layer_overrides_config(write: Write) -> None:
    write("pyproject.toml", TABLE + 'select = ["RFL898"]\nignore = ["RFL899"]\n')
    assert load_settings(Path.cwd(), select=["RFL899"])[0].enabled == {"RFL899"}
    extended = load_settings(Path.cwd(), extend_select=["RFL899"])[0].enabled
    assert extended == {"RFL898", "RFL899"}
    assert load_settings(Path.cwd(), ignore=["RFL89"])[0].enabled == frozenset()
    assert load_settings(Path.cwd(), select=[])[0].enabled == frozenset()


def test_options_reach_settings_and_project_config(project: Path, write: Write) -> None:
    write(
        "pyproject.toml",
        TABLE + 'loud-calls = ["sentry_sdk.capture_message", "alert"]\n'
        'extra-signal-fields = ["outcome"]\nextra-refusal-values = ["declined"]\n'
        'exclude = ["vendored/"]\nextend-exclude = ["*_pb2.py"]\n'
        "force-exclude = true\nrespect-gitignore = false\n"
        '[tool.refusal-lint.per-file-ignores]\n"tests/*" = ["RFL89"]\n',
    )
    settings, config = load_settings(project)
    assert settings.loud_calls == ("sentry_sdk.capture_message", "alert")
    assert settings.extra_signal_fields == ("outcome",)
    assert settings.extra_refusal_values == ("declined",)
    assert settings.per_file_ignores == (("tests/*", frozenset({"RFL898", "RFL899"})),)
    assert (config.exclude, config.extend_exclude) == (("vendored/",), ("*_pb2.py",))
    assert (config.force_exclude, config.respect_gitignore) == (True, False)
    assert load_settings(project, force_exclude=False)[1].force_exclude is False
    hash(settings)  # frozen and hashable: caches key on it


# --- per-file-ignores --------------------------------------------------------------------


def _settings(*pairs: tuple[str, set[str]]) -> Settings:
    return Settings(
        enabled=frozenset({"RFL899"}),
        per_file_ignores=tuple((glob, frozenset(codes)) for glob, codes in pairs),
    )


@pytest.mark.parametrize(
    ("glob", "path", "ignored"),
    [
        ("tests/*", "tests/test_a.py", True),
        ("tests/*", "tests/deep/test_b.py", True),
        ("tests/*", "src/tests/test_a.py", False),
        ("tests/", "tests/deep/test_b.py", True),
        ("conftest.py", "a/b/conftest.py", True),
        ("test_*.py", "pkg/test_x.py", True),
        ("test_*.py", "pkg/x_test.py", False),
        ("/app.py", "app.py", True),
        ("/app.py", "sub/app.py", False),
        ("**/gen/*.py", "x/y/gen/m.py", True),
    ],
)
def test_per_file_ignore_globs(project: Path, glob: str, path: str, ignored: bool) -> None:
    codes = ignored_codes(project / path, _settings((glob, {"RFL899"})), project)
    assert bool(codes) is ignored


def test_per_file_ignores_outside_root_match_by_name(tmp_path: Path, project: Path) -> None:
    settings = _settings(("conftest.py", {"RFL899"}), ("tests/*", {"RFL898"}))
    assert ignored_codes(tmp_path / "conftest.py", settings, project) == {"RFL899"}
    assert ignored_codes(tmp_path / "tests" / "x.py", settings, project) == frozenset()


def test_apply_per_file_ignores(project: Path) -> None:
    def finding(filename: str, code: str) -> Finding:
        return Finding(filename, 1, 0, code, "name", "message")

    findings = [
        finding("tests/test_a.py", "RFL899"),
        finding("tests/test_a.py", "RFL900"),
        finding("src/a.py", "RFL899"),
        finding("-", "RFL899"),
    ]
    kept = apply_per_file_ignores(findings, _settings(("tests/", {"RFL899"})), project)
    assert kept == findings[1:]
