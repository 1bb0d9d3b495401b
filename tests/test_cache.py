"""The findings cache: hits skip the engine, and any change of content, settings or engine
invalidates; a corrupt cache file is ignored and replaced."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import Invoke, Write

from refusal_lint import api, cache

FIRES = """\
def answer(resp):
    if resp.stop_reason == "max_tokens":
        raise RuntimeError("truncated")
    return resp.content[0].text
"""
QUIET = FIRES.replace('"max_tokens"', '"refusal"').replace("truncated", "refused")
pytestmark = pytest.mark.usefixtures("project")


@pytest.fixture
def engine_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files the engine is run on (a cache hit does not run it)."""
    calls: list[str] = []
    real = api.check_bytes

    def counting(data: bytes, filename: str, settings: object = None) -> object:
        calls.append(filename)
        return real(data, filename, settings)  # type: ignore[arg-type]

    monkeypatch.setattr(api, "check_bytes", counting)
    return calls


def _aged(path: Path) -> None:
    """Backdate a file so its stat entry is trusted (fresh mtimes are re-hashed)."""
    old = path.stat().st_mtime - 60
    os.utime(path, (old, old))


def _cache_files() -> list[Path]:
    return sorted(Path(os.environ[cache.ENV_DIR]).glob("findings-*.json"))


def test_second_run_is_answered_from_the_cache(
    invoke: Invoke, write: Write, engine_calls: list[str]
) -> None:
    _aged(write("app.py", FIRES))
    first = invoke("check", "--output-format", "concise", ".")
    assert first.exit_code == 1 and engine_calls == ["app.py"]
    second = invoke("check", "--output-format", "concise", ".")
    assert engine_calls == ["app.py"]  # not run again
    assert second.exit_code == 1 and second.stdout == first.stdout
    assert "app.py:2:5: RFL001" in second.stdout


def test_same_content_with_a_new_mtime_is_still_a_hit(
    invoke: Invoke, write: Write, engine_calls: list[str]
) -> None:
    path = write("app.py", FIRES)
    _aged(path)
    invoke("check", ".")
    os.utime(path)  # touched, not changed: the digest still matches
    assert invoke("check", ".").exit_code == 1
    assert engine_calls == ["app.py"]


def test_changed_content_is_linted_again(
    invoke: Invoke, write: Write, engine_calls: list[str]
) -> None:
    _aged(write("app.py", FIRES))
    assert invoke("check", ".").exit_code == 1
    _aged(write("app.py", QUIET))
    assert invoke("check", ".").exit_code == 0
    assert engine_calls == ["app.py", "app.py"]


def test_changed_settings_use_another_cache(
    invoke: Invoke, write: Write, engine_calls: list[str]
) -> None:
    _aged(write("app.py", FIRES))
    assert invoke("check", ".").exit_code == 1
    write("pyproject.toml", '[tool.refusal-lint]\nignore = ["RFL001"]\n')
    assert invoke("check", ".").exit_code == 0
    assert engine_calls == ["app.py", "app.py"]
    assert len(_cache_files()) == 2


def test_a_new_engine_version_invalidates(
    invoke: Invoke, write: Write, engine_calls: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _aged(write("app.py", FIRES))
    invoke("check", ".")
    monkeypatch.setattr(cache, "__version__", "99.0.0")
    assert invoke("check", ".").exit_code == 1
    assert engine_calls == ["app.py", "app.py"]


def test_an_edited_engine_file_invalidates(monkeypatch: pytest.MonkeyPatch) -> None:
    before = cache.engine_fingerprint()
    real_stat = os.stat

    def shifted(path: object, *args: object, **kwargs: object) -> os.stat_result:
        result = real_stat(path, *args, **kwargs)  # type: ignore[arg-type]
        if str(path).endswith("analyzer.py"):
            fields = list(result)
            fields[8] += 1  # st_mtime
            return os.stat_result(fields)
        return result

    monkeypatch.setattr(cache.os, "stat", shifted)
    assert cache.engine_fingerprint() != before


@pytest.mark.parametrize(
    "garbage",
    [b"", b"not json", b"[]", b'{"format": 1, "version": "0", "results": 3, "stats": {}}'],
    ids=["empty", "not-json", "wrong-shape", "wrong-types"],
)
def test_a_corrupt_cache_file_is_ignored_and_replaced(
    invoke: Invoke, write: Write, engine_calls: list[str], garbage: bytes
) -> None:
    _aged(write("app.py", FIRES))
    expected = invoke("check", "--output-format", "concise", ".").stdout
    (cache_file,) = _cache_files()
    cache_file.write_bytes(garbage)
    result = invoke("check", "--output-format", "concise", ".")
    assert result.exit_code == 1 and result.stdout == expected
    assert engine_calls == ["app.py", "app.py"]
    assert json.loads(cache_file.read_bytes())["format"] == cache.FORMAT


def test_cached_rows_of_the_wrong_type_are_not_trusted(
    invoke: Invoke, write: Write, engine_calls: list[str]
) -> None:
    _aged(write("app.py", FIRES))
    invoke("check", ".")
    (cache_file,) = _cache_files()
    data = json.loads(cache_file.read_bytes())
    for rows in data["results"].values():
        for row in rows:
            row[0] = "one"  # a line number that is not a number
    cache_file.write_text(json.dumps(data), encoding="utf-8")
    assert invoke("check", ".").exit_code == 1
    assert engine_calls == ["app.py", "app.py"]


def test_no_cache_neither_reads_nor_writes(
    invoke: Invoke, write: Write, engine_calls: list[str]
) -> None:
    _aged(write("app.py", FIRES))
    invoke("check", "--no-cache", ".")
    invoke("check", "--no-cache", ".")
    assert engine_calls == ["app.py", "app.py"]
    assert _cache_files() == []


def test_cache_dir_setting_and_default(
    invoke: Invoke, write: Write, monkeypatch: pytest.MonkeyPatch, project: Path
) -> None:
    monkeypatch.delenv(cache.ENV_DIR)
    write("app.py", FIRES)
    invoke("check", ".")
    default = project / cache.DEFAULT_DIR
    assert list(default.glob("findings-*.json"))
    assert (default / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"
    write("pyproject.toml", '[tool.refusal-lint]\ncache-dir = "build/lint-cache"\n')
    invoke("check", ".")
    assert list((project / "build" / "lint-cache").glob("findings-*.json"))


def test_cache_directory_is_never_linted(invoke: Invoke, write: Write, project: Path) -> None:
    write(project / cache.DEFAULT_DIR / "stray.py", FIRES)
    write("app.py", QUIET)
    assert invoke("check", ".").exit_code == 0
