"""`discovery.python_files`: walking, built-in skips, .gitignore, excludes, symlinks."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from refusal_lint.discovery import (
    SKIP_DIRS,
    MissingPathError,
    is_force_excluded,
    missing_paths,
    python_files,
)

if TYPE_CHECKING:
    from conftest import Write

pytestmark = pytest.mark.usefixtures("project")


def found(*paths: str | Path, root: Path | None = None, **options: Any) -> list[str]:
    """The discovered files as posix paths relative to the cwd."""
    cwd = Path.cwd()
    files = python_files([Path(p) for p in paths or ["."]], root=root or cwd, **options)
    return [Path(f).relative_to(cwd).as_posix() for f in files]


def test_recurses_keeps_py_and_pyi_in_sorted_order(write: Write) -> None:
    for name in ["b.py", "a/z.pyi", "a/m.py", "a/b/c.py", "notes.txt", "script", "a/x.pyc"]:
        write(name)
    assert found() == ["a/b/c.py", "a/m.py", "a/z.pyi", "b.py"]


def test_order_is_by_path_components_not_by_characters(write: Write) -> None:
    for name in ["pkg.py", "pkg/x.py", "pkg-extra/y.py"]:
        write(name)
    # A plain string sort would put `pkg/x.py` last ('/' sorts after '-' and '.').
    assert found() == ["pkg/x.py", "pkg-extra/y.py", "pkg.py"]


@pytest.mark.parametrize("name", sorted(SKIP_DIRS | {"pkg.egg-info"}))
def test_builtin_skip_dirs(write: Write, name: str) -> None:
    write(f"{name}/inner.py")
    write(f"src/{name}/nested.py")
    write("src/keep.py")
    assert found() == ["src/keep.py"]


@pytest.mark.parametrize("name", ["env", "myenv", "anything"])
def test_any_virtualenv_is_skipped(write: Write, name: str) -> None:
    write(f"{name}/pyvenv.cfg", "home = /usr/bin\n")
    write(f"{name}/lib/python3.11/site.py")
    write("env_tools/keep.py")  # a directory merely named like one is kept
    assert found() == ["env_tools/keep.py"]


def test_virtualenv_named_on_the_command_line_is_walked(write: Write) -> None:
    write("env/pyvenv.cfg", "home = /usr/bin\n")
    write("env/tool.py")
    write("env/inner/pyvenv.cfg", "home = /usr/bin\n")
    write("env/inner/skipped.py")
    assert found("env") == ["env/tool.py"]


def test_env_without_pyvenv_cfg_is_linted(write: Write) -> None:
    write("env/settings.py")
    assert found() == ["env/settings.py"]


def test_gitignore_root_nested_and_negated(write: Write) -> None:
    write(".gitignore", "*_pb2.py\nout/\n!keep_pb2.py\n")
    write("pkg/.gitignore", "/local.py\nsnapshots\n")
    for name in [
        "a_pb2.py",
        "keep_pb2.py",
        "out/x.py",
        "src/out/y.py",
        "pkg/local.py",
        "pkg/sub/local.py",
        "pkg/snapshots/s.py",
        "local.py",
        "pkg/ok.py",
    ]:
        write(name)
    assert found() == ["keep_pb2.py", "local.py", "pkg/ok.py", "pkg/sub/local.py"]
    assert len(found(respect_gitignore=False)) == 9


def test_nested_gitignore_can_reinclude(write: Write) -> None:
    write(".gitignore", "*.pyi\n")
    write("stubs/.gitignore", "!*.pyi\n")
    write("a.pyi")
    write("stubs/b.pyi")
    assert found() == ["stubs/b.pyi"]


def test_gitignore_above_the_walked_directory_applies_inside_a_git_repo(
    write: Write, project: Path
) -> None:
    (project / ".git").mkdir()
    write(".gitignore", "generated/\n")
    write("src/generated/g.py")
    write("src/app.py")
    assert found("src") == ["src/app.py"]


def test_exclude_patterns_are_relative_to_root(write: Write, project: Path) -> None:
    for name in ["migrations/1.py", "app/migrations/2.py", "docs/conf.py", "app/docs/x.py"]:
        write(name)
    assert found(exclude=["migrations/"], extend_exclude=["/docs"]) == ["app/docs/x.py"]
    sub = found("app", root=project / "app", exclude=["/docs"])
    assert sub == ["app/migrations/2.py"]


def test_explicit_files_are_always_linted_unless_force_exclude(write: Write) -> None:
    write(".gitignore", "ignored.py\n")
    write("ignored.py")
    write("build/gen.py")
    write("vendored/v.py")
    write("script")  # explicit files need no .py suffix
    explicit = ["ignored.py", "build/gen.py", "vendored/v.py", "script"]
    assert found(*explicit, exclude=["vendored"]) == sorted(explicit)
    # gitignore is for walking (ruff's behaviour); exclusions and built-in skips are forced
    assert found(*explicit, exclude=["vendored"], force_exclude=True) == ["ignored.py", "script"]
    assert found("build", force_exclude=True) == []
    assert found("build") == ["build/gen.py"]


def test_is_force_excluded(project: Path) -> None:
    assert is_force_excluded(Path("a/build/x.py"), root=project)
    assert is_force_excluded(Path("gen/x.py"), root=project, exclude=["gen/"])
    assert not is_force_excluded(Path("src/x.py"), root=project, exclude=["gen/"])


def test_overlapping_arguments_give_each_file_once(write: Write) -> None:
    write("pkg/a.py")
    write("pkg/b.py")
    assert found("pkg/b.py", "pkg", "./pkg/a.py") == ["pkg/a.py", "pkg/b.py"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlinks_never_loop_and_directories_are_not_followed(write: Write, project: Path) -> None:
    write("pkg/real.py")
    try:
        (project / "pkg" / "loop").symlink_to(project / "pkg", target_is_directory=True)
    except OSError:
        pytest.skip("cannot create symlinks here")
    (project / "pkg" / "alias.py").symlink_to(project / "pkg" / "real.py")
    (project / "pkg" / "broken.py").symlink_to(project / "pkg" / "missing.py")
    assert found() == ["pkg/alias.py", "pkg/real.py"]
    assert found("pkg/loop") == ["pkg/loop/alias.py", "pkg/loop/real.py"]


def test_missing_paths(write: Write) -> None:
    write("here.py")
    assert missing_paths([Path("here.py"), Path("gone.py"), Path("no/dir")]) == [
        Path("gone.py"),
        Path("no/dir"),
    ]
    with pytest.raises(MissingPathError, match=r"path does not exist: gone\.py"):
        found("here.py", "gone.py")


def test_unlistable_directory_is_reported_and_skipped(
    write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    write("ok/a.py")
    write("locked/b.py")
    real_scandir = os.scandir

    def scandir(path: str | Path) -> Any:
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    errors: list[Sequence[object]] = []
    files = found(on_error=lambda path, exc: errors.append((path.name, exc.strerror)))
    assert files == ["ok/a.py"]
    assert errors == [("locked", "Permission denied")]
