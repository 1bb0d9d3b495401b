"""`[tool.refusal-lint]` (or `refusal-lint.toml`) plus CLI overrides -> frozen `Settings`.

Every front end calls `load_settings` once. Unknown keys, wrong types and unknown rule
selectors raise `ConfigError` naming the file and the key, so a typo never silently
turns a rule off.
"""

from __future__ import annotations

import difflib
import functools
import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from refusal_lint.discovery import display_path

if TYPE_CHECKING:
    import pathspec
from refusal_lint.finding import Finding
from refusal_lint.registry import UnknownSelectorError, default_codes, resolve_selectors, rule_index
from refusal_lint.settings import DEFAULT_CASSETTE_GLOBS, DEFAULT_TEST_PATTERNS, Settings

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

TABLE = "tool.refusal-lint"
# Searched in this order in each directory, nearest directory first (ruff's precedence).
CONFIG_NAMES = (".refusal-lint.toml", "refusal-lint.toml", "pyproject.toml")


class ConfigError(Exception):
    """A config file or option is unusable; the message names the file and the key."""


@dataclass(frozen=True)
class ProjectConfig:
    """File selection settings the engine never sees (discovery and per-file ignores)."""

    root: Path
    config_path: Path | None = None
    exclude: tuple[str, ...] = ()
    extend_exclude: tuple[str, ...] = ()
    force_exclude: bool = False
    respect_gitignore: bool = True
    cache_dir: Path | None = None  # None: `.refusal_lint_cache` under `root`


def _str_list(value: object) -> tuple[str, ...] | None:
    if isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value):
        return tuple(v.strip() for v in value)
    return None


def _dotted_names(value: object) -> tuple[str, ...] | None:
    names = _str_list(value)
    if names is None or not all(_DOTTED.fullmatch(n) for n in names):
        return None
    return names


def _per_file_ignores(value: object) -> dict[str, tuple[str, ...]] | None:
    if not isinstance(value, dict):
        return None
    out: dict[str, tuple[str, ...]] = {}
    for glob, codes in value.items():
        parsed = _str_list(codes)
        if not glob.strip() or parsed is None:
            return None
        out[glob.strip()] = parsed
    return out


def _bool(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _path(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


FIX_KEYS = ("default-branch", "refusal-branch")


def _fix_table(value: object) -> dict[str, str] | None:
    """`[tool.refusal-lint.fix]`: templates for the statements fixes insert."""
    from refusal_lint.plans.templates import TemplateError, check_template

    if not isinstance(value, dict) or not set(value) <= set(FIX_KEYS):
        return None
    for template in value.values():
        if not isinstance(template, str):
            return None
        try:
            check_template(template)
        except TemplateError:
            return None
    return dict(value)


UNTESTED_KEYS = ("test-patterns", "cassette-globs")


def _untested_table(value: object) -> dict[str, tuple[str, ...]] | None:
    """`[tool.refusal-lint.refusal-path-untested]`: RFL012's test files and cassettes.

    Every pattern is a folder name ending in `/` or a file-name glob: a path with a `/`
    inside would suggest matching the path from the root, which these patterns never do.
    """
    if not isinstance(value, dict) or not set(value) <= set(UNTESTED_KEYS):
        return None
    table: dict[str, tuple[str, ...]] = {}
    for key, patterns in value.items():
        parsed = _str_list(patterns)
        if parsed is None or any("/" in p.rstrip("/") for p in parsed):
            return None
        table[key] = parsed
    return table


_DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")
_LIST = "a list of non-empty strings"
# key -> (parser returning None for a bad value, what the value must be)
_KEYS: dict[str, tuple[Callable[[object], Any], str]] = {
    "select": (_str_list, _LIST),
    "extend-select": (_str_list, _LIST),
    "ignore": (_str_list, _LIST),
    "per-file-ignores": (_per_file_ignores, "a table of glob = [rule selectors]"),
    "exclude": (_str_list, _LIST),
    "extend-exclude": (_str_list, _LIST),
    "loud-calls": (_dotted_names, "a list of dotted names such as 'sentry_sdk.capture_message'"),
    "extra-signal-fields": (_str_list, _LIST),
    "extra-refusal-values": (_str_list, _LIST),
    "force-exclude": (_bool, "true or false"),
    "respect-gitignore": (_bool, "true or false"),
    "cache-dir": (_path, "a non-empty path (relative to the config file's folder)"),
    "fix": (
        _fix_table,
        "a table with `default-branch` and / or `refusal-branch`, each one line of simple "
        "Python statements (`{subject}` is the subject's source text)",
    ),
    "refusal-path-untested": (
        _untested_table,
        "a table with `test-patterns` and / or `cassette-globs`, each a list of folder "
        "names ending in '/' or file-name globs (no '/' inside a pattern)",
    ),
}


@dataclass(frozen=True)
class _Source:
    """Where config values came from, for error messages."""

    path: Path
    where: str  # "" for refusal-lint.toml, " in [tool.refusal-lint]" for pyproject.toml

    def error(self, message: str) -> ConfigError:
        return ConfigError(f"{display_path(self.path)}: {message}{self.where}")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            data: dict[str, Any] = tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"{display_path(path)}: cannot read: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{display_path(path)}: invalid TOML: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{display_path(path)}: invalid TOML: not UTF-8 ({exc.reason} at byte {exc.start})"
        ) from exc
    except RecursionError as exc:  # tomllib recurses once per nested array or inline table
        raise ConfigError(f"{display_path(path)}: invalid TOML: nested too deeply") from exc
    return data


def _table(path: Path) -> tuple[dict[str, Any], _Source] | None:
    """The refusal-lint table of a config file, or None if a pyproject.toml has none."""
    data = _read_toml(path)
    if path.name != "pyproject.toml":
        return data, _Source(path, "")
    tool = data.get("tool")
    table = tool.get("refusal-lint") if isinstance(tool, dict) else None
    if table is None:
        return None
    source = _Source(path, f" in [{TABLE}]")
    if not isinstance(table, dict):
        raise source.error("expected a table")
    return table, source


def find_config_file(start: Path) -> Path | None:
    """The nearest config file with refusal-lint settings, walking up from `start`."""
    directory = Path(os.path.abspath(start))
    if not directory.is_dir():
        directory = directory.parent
    for candidate_dir in (directory, *directory.parents):
        for name in CONFIG_NAMES:
            candidate = candidate_dir / name
            if candidate.is_file() and (name != "pyproject.toml" or _table(candidate)):
                return candidate
    return None


def _parse_table(table: dict[str, Any], source: _Source) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, raw in table.items():
        if key not in _KEYS:
            close = difflib.get_close_matches(key, _KEYS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise source.error(f"unknown key {key!r}{hint}")
        parser, expected = _KEYS[key]
        value = parser(raw)
        if value is None:
            raise source.error(f"invalid value for {key!r}: expected {expected}, got {raw!r}")
        values[key] = value
    return values


def _resolve(selectors: Iterable[str], where: Callable[[str], ConfigError]) -> frozenset[str]:
    try:
        return resolve_selectors(selectors)
    except UnknownSelectorError as exc:
        known = [code for code, _, _ in rule_index()] + [name for _, name, _ in rule_index()]
        close = difflib.get_close_matches(exc.selector, known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise where(f"unknown rule selector {exc.selector!r}{hint}") from exc


def _select_layer(
    enabled: frozenset[str],
    select: Sequence[str] | None,
    extend_select: Sequence[str] | None,
    ignore: Sequence[str] | None,
    where: Callable[[str, str], ConfigError],
) -> frozenset[str]:
    """One layer of ruff's selection: `select` resets, then extend-select adds, ignore removes."""
    if select is not None:
        enabled = _resolve(select, _keyed(where, "select"))
    enabled |= _resolve(extend_select or (), _keyed(where, "extend-select"))
    return enabled - _resolve(ignore or (), _keyed(where, "ignore"))


def _keyed(where: Callable[[str, str], ConfigError], key: str) -> Callable[[str], ConfigError]:
    return lambda message: where(message, key)


def _cli_error(message: str, option: str) -> ConfigError:
    return ConfigError(f"{message} in --{option}")


def _config_values(path: Path | None) -> tuple[dict[str, Any], Callable[[str, str], ConfigError]]:
    """The validated values of a config file and a function making errors that name it."""
    found = _table(path) if path is not None else None
    if found is None:
        return {}, _cli_error  # never called: there are no config values to complain about
    table, source = found

    def where(message: str, key: str) -> ConfigError:
        return source.error(f"{message} in {key!r}")

    return _parse_table(table, source), where


def load_settings(
    start: Path | None = None,
    *,
    config_file: Path | None = None,
    isolated: bool = False,
    select: Sequence[str] | None = None,
    extend_select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    force_exclude: bool | None = None,
) -> tuple[Settings, ProjectConfig]:
    """Settings from the nearest config above `start` (default: cwd) plus CLI overrides.

    `config_file` names the file explicitly; `isolated` ignores every config file. The CLI
    options form a second selection layer on top of the config's: `select` replaces,
    `extend_select` adds, `ignore` removes. Raises `ConfigError`.
    """
    path = None if isolated else config_file or find_config_file(start or Path.cwd())
    values, where = _config_values(path)
    enabled = _select_layer(
        frozenset(default_codes()),
        values.get("select"),
        values.get("extend-select"),
        values.get("ignore"),
        where,
    )
    enabled = _select_layer(enabled, select, extend_select, ignore, _cli_error)
    per_file = tuple(
        (glob, _resolve(codes, _keyed(where, f"per-file-ignores.{glob}")))
        for glob, codes in values.get("per-file-ignores", {}).items()
    )
    settings = Settings(
        enabled=enabled,
        loud_calls=values.get("loud-calls", ()),
        extra_signal_fields=values.get("extra-signal-fields", ()),
        extra_refusal_values=values.get("extra-refusal-values", ()),
        per_file_ignores=per_file,
        fix_default_branch=values.get("fix", {}).get("default-branch"),
        fix_refusal_branch=values.get("fix", {}).get("refusal-branch"),
        test_patterns=values.get("refusal-path-untested", {}).get(
            "test-patterns", DEFAULT_TEST_PATTERNS
        ),
        cassette_globs=values.get("refusal-path-untested", {}).get(
            "cassette-globs", DEFAULT_CASSETTE_GLOBS
        ),
    )
    project = ProjectConfig(
        root=Path(os.path.abspath(path.parent if path else Path.cwd())),
        config_path=path,
        exclude=values.get("exclude", ()),
        extend_exclude=values.get("extend-exclude", ()),
        force_exclude=values.get("force-exclude", False)
        if force_exclude is None
        else force_exclude,
        respect_gitignore=values.get("respect-gitignore", True),
        cache_dir=Path(values["cache-dir"]) if "cache-dir" in values else None,
    )
    return settings, project


@functools.lru_cache(maxsize=32)
def _compiled(
    per_file_ignores: tuple[tuple[str, frozenset[str]], ...],
) -> tuple[tuple[pathspec.GitIgnoreSpec, frozenset[str]], ...]:
    import pathspec  # only with per-file ignores: its import costs ~60 ms

    return tuple(
        (pathspec.GitIgnoreSpec.from_lines([glob]), codes) for glob, codes in per_file_ignores
    )


def _relative_posix(path: Path, root: Path) -> str:
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:
        return absolute.name  # outside the project: only name-only globs can match


def ignored_codes(path: Path, settings: Settings, root: Path) -> frozenset[str]:
    """Codes that `per-file-ignores` turns off for `path` (globs are gitignore-style,
    relative to the project `root`: `tests/` or `tests/**` for a directory, `conftest.py`
    for that name at any depth)."""
    if not settings.per_file_ignores:
        return frozenset()
    relative = _relative_posix(path, root)
    codes: set[str] = set()
    for spec, spec_codes in _compiled(settings.per_file_ignores):
        if spec.match_file(relative):
            codes |= spec_codes
    return frozenset(codes)


def apply_per_file_ignores(
    findings: Iterable[Finding], settings: Settings, root: Path, *, cwd: Path | None = None
) -> list[Finding]:
    """Drop findings whose code `per-file-ignores` turns off for their file.

    `Finding.filename` is read relative to `cwd` (default: the current directory); a
    finding from stdin without a file name ("-") is never dropped.
    """
    base = cwd or Path.cwd()
    kept: list[Finding] = []
    cache: dict[str, frozenset[str]] = {}
    for finding in findings:
        if finding.filename not in cache:
            named = finding.filename not in ("", "-")
            path = base / finding.filename
            cache[finding.filename] = ignored_codes(path, settings, root) if named else frozenset()
        if finding.code not in cache[finding.filename]:
            kept.append(finding)
    return kept
