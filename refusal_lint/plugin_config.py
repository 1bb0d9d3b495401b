"""Settings for the flake8 and pylint plugins: the same `[tool.refusal-lint]` as the CLI.

A plugin lints one file at a time, possibly from an editor whose working directory is
anywhere. So the config is looked up from the *file's* directory (the nearest
`.refusal-lint.toml`, `refusal-lint.toml` or `pyproject.toml` with the table, walking up,
as the CLI does from its paths), loaded once per config file and cached; `per-file-ignores`
applies with the same globs, relative to the config's directory.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from refusal_lint.config import ProjectConfig, find_config_file, ignored_codes, load_settings
from refusal_lint.finding import Finding
from refusal_lint.settings import Settings

# Names a host tool uses for a file without a path.
STDIN_NAMES = frozenset({"", "-", "stdin", "<stdin>"})


@functools.lru_cache(maxsize=256)
def _config_file_for(directory: str) -> Path | None:
    return find_config_file(Path(directory))


@functools.lru_cache(maxsize=32)
def _load(config_file: Path | None, cwd: str) -> tuple[Settings, ProjectConfig]:
    if config_file is None:
        return load_settings(Path(cwd), isolated=True)
    return load_settings(config_file=config_file)


def settings_for(filename: str) -> tuple[Settings, ProjectConfig]:
    """Settings and project for the file being linted (cached per config file).

    Raises `refusal_lint.config.ConfigError` for a broken config, like the CLI.
    """
    cwd = os.getcwd()
    directory = cwd if filename in STDIN_NAMES else os.path.dirname(os.path.abspath(filename))
    return _load(_config_file_for(directory), cwd)


def with_overrides(
    settings: Settings,
    *,
    extra_enabled: Iterable[str] = (),
    loud_calls: tuple[str, ...] | None = None,
    extra_signal_fields: tuple[str, ...] | None = None,
    extra_refusal_values: tuple[str, ...] | None = None,
) -> Settings:
    """`settings` with rules added and option values replaced where the host tool set them."""
    changes: dict[str, object] = {}
    extra = frozenset(extra_enabled) - settings.enabled
    if extra:
        changes["enabled"] = settings.enabled | extra
    if loud_calls is not None:
        changes["loud_calls"] = loud_calls
    if extra_signal_fields is not None:
        changes["extra_signal_fields"] = extra_signal_fields
    if extra_refusal_values is not None:
        changes["extra_refusal_values"] = extra_refusal_values
    return replace(settings, **changes) if changes else settings  # type: ignore[arg-type]


def drop_per_file_ignored(
    findings: list[Finding], filename: str, settings: Settings, project: ProjectConfig
) -> list[Finding]:
    """Findings minus the codes `per-file-ignores` turns off for this file."""
    if not findings or not settings.per_file_ignores or filename in STDIN_NAMES:
        return findings
    ignored = ignored_codes(Path(filename), settings, project.root)
    return [f for f in findings if f.code not in ignored]


def clear_cache() -> None:
    """Forget loaded configs (tests; a long-lived editor process after a config edit)."""
    _config_file_for.cache_clear()
    _load.cache_clear()
