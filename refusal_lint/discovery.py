"""Which files `refusal-lint check PATH ...` lints.

Directories are walked (symlinked directories are never followed, so no loops); `.py` and
`.pyi` files are kept unless a built-in skip, an `exclude` pattern or a `.gitignore` says
otherwise. Paths named on the command line are always linted, unless `force_exclude` and
they (or a parent) match a built-in skip or an exclude pattern (the pre-commit case).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

# pathspec is imported only when there is a pattern to match (its import costs ~60 ms).
if TYPE_CHECKING:
    import pathspec

PYTHON_SUFFIXES = (".py", ".pyi")
# Never linted when reached by walking a directory: VCS data, virtualenvs, caches, build output.
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        "__pycache__",
        "build",
        "dist",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".refusal_lint_cache",
        "node_modules",
        "site-packages",
    }
)
SKIP_SUFFIXES = (".egg-info",)


class MissingPathError(FileNotFoundError):
    """A path given on the command line does not exist."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"path does not exist: {path}")
        self.path = path


def missing_paths(paths: Iterable[Path]) -> list[Path]:
    """The given paths that do not exist (checked up front: a typo is a usage error)."""
    return [p for p in paths if not os.path.lexists(p)]


def display_path(path: Path | str) -> str:
    """`path` relative to the current directory when it lies below it, else absolute."""
    absolute = os.path.abspath(path)
    cwd = os.getcwd()
    prefix = cwd if cwd.endswith(os.sep) else cwd + os.sep
    return absolute[len(prefix) :] if absolute.startswith(prefix) else absolute


def is_skipped_dir(path: Path | str) -> bool:
    """A built-in skip: VCS, cache or build directory, or any virtualenv (has pyvenv.cfg)."""
    return _is_skipped_name(os.path.basename(path)) or _is_virtualenv(str(path))


def _is_skipped_name(name: str) -> bool:
    return name in SKIP_DIRS or name.endswith(SKIP_SUFFIXES)


def _is_virtualenv(directory: str) -> bool:
    return os.path.isfile(os.path.join(directory, "pyvenv.cfg"))


def _spec_of(lines: Sequence[str]) -> pathspec.GitIgnoreSpec:
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(lines)


def _verdict(spec: pathspec.GitIgnoreSpec, relative: str) -> bool | None:
    """True ignored, False re-included (`!pattern`), None no pattern matched."""
    check = getattr(spec, "check_file", None)
    if check is not None:  # pathspec >= 0.12
        result: bool | None = check(relative).include
        return result
    verdict: bool | None = None
    for pattern in spec.patterns:  # pathspec 0.11: last matching pattern wins
        if pattern.include is not None and pattern.match_file(relative) is not None:
            verdict = pattern.include
    return verdict


def _relative(path: str, base: str, is_dir: bool) -> str | None:
    """`path` relative to `base` in POSIX form (a trailing `/` for a directory), or None."""
    if path == base:
        relative = "."
    elif path.startswith(base) and path[len(base) : len(base) + 1] == os.sep:
        relative = path[len(base) + 1 :]
    elif base.endswith(os.sep) and path.startswith(base):
        relative = path[len(base) :]
    else:
        return None
    if os.sep != "/":
        relative = relative.replace(os.sep, "/")
    return relative + "/" if is_dir and relative != "." else relative


@dataclass
class _Gitignores:
    """The `.gitignore` files that apply below one top directory (nested ones included).

    Paths are plain strings here: this runs for every file of the tree.
    """

    top: str
    specs: dict[str, pathspec.GitIgnoreSpec | None] = field(default_factory=dict)
    chains: dict[str, tuple[tuple[str, pathspec.GitIgnoreSpec], ...]] = field(default_factory=dict)

    def _spec(self, directory: str) -> pathspec.GitIgnoreSpec | None:
        if directory not in self.specs:
            try:
                with open(os.path.join(directory, ".gitignore"), encoding="utf-8") as handle:
                    lines = handle.read().splitlines()
            except (OSError, UnicodeDecodeError):
                lines = []
            self.specs[directory] = _spec_of(lines) if lines else None
        return self.specs[directory]

    def _chain(self, directory: str) -> tuple[tuple[str, pathspec.GitIgnoreSpec], ...]:
        """The `.gitignore` specs that apply in `directory`, deepest first (memoized: most
        directories have none, and every file would otherwise walk up to the top)."""
        chain = self.chains.get(directory)
        if chain is None:
            spec = self._spec(directory)
            parent = os.path.dirname(directory)
            above = () if directory == self.top or parent == directory else self._chain(parent)
            chain = ((directory, spec), *above) if spec is not None else above
            self.chains[directory] = chain
        return chain

    def chain(
        self, directory: str, has_gitignore: bool
    ) -> tuple[tuple[str, pathspec.GitIgnoreSpec], ...]:
        """The `.gitignore` specs for the entries of `directory`, deepest first
        (`has_gitignore`: the directory's listing holds one; if not, none is opened)."""
        if not has_gitignore:
            self.specs.setdefault(directory, None)
        return self._chain(directory)


def ignored_by(
    chain: tuple[tuple[str, pathspec.GitIgnoreSpec], ...], path: str, is_dir: bool
) -> bool:
    """Whether the `.gitignore` specs of `path`'s directory ignore it."""
    # The deepest .gitignore with a matching pattern decides (git's precedence).
    for directory, spec in chain:
        relative = _relative(path, directory, is_dir)
        verdict = _verdict(spec, relative) if relative is not None else None
        if verdict is not None:
            return verdict
    return False


def gitignore_top(path: Path, root: Path) -> Path:
    """Outermost directory whose `.gitignore` applies to `path`: the git work tree's top,
    else the project root if `path` is inside it, else `path` itself (its directory)."""
    start = path if path.is_dir() else path.parent
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return root if start == root or root in start.parents else start


@dataclass
class _Walker:
    root: Path
    exclude: pathspec.GitIgnoreSpec | None  # None: no exclude patterns
    respect_gitignore: bool
    on_error: Callable[[Path, OSError], None] | None
    also: Callable[[Path], bool] | None = None  # other files wanted too (RFL012's cassettes)

    def excluded(self, path: Path | str, is_dir: bool) -> bool:
        if is_dir and is_skipped_dir(path):
            return True
        return self._matches_exclude(path, is_dir)

    def _matches_exclude(self, path: Path | str, is_dir: bool) -> bool:
        if self.exclude is None:
            return False
        relative = _relative(str(path), str(self.root), is_dir)
        if relative is None:  # outside the project: name-only patterns still apply
            relative = os.path.basename(path) + ("/" if is_dir else "")
        return bool(_verdict(self.exclude, relative))

    def force_excluded(self, path: Path) -> bool:
        """An explicit path under --force-exclude: it or a parent inside the root excluded."""
        is_dir = path.is_dir()
        if self.excluded(path, is_dir):
            return True
        return any(
            self.excluded(parent, True) for parent in path.parents if self.root in parent.parents
        )

    def _wanted(self, name: str, path: str) -> bool:
        return name.endswith(PYTHON_SUFFIXES) or (self.also is not None and self.also(Path(path)))

    def walk(self, top: Path) -> Iterator[str]:
        gitignores = (
            _Gitignores(str(gitignore_top(top, self.root))) if self.respect_gitignore else None
        )
        start = str(top)
        stack = [start]
        # Paths stay strings, a listing is read once (no stat per directory for pyvenv.cfg
        # or .gitignore) and the files are sorted by the caller: this runs for every file of
        # the tree, and on a warm run it is most of the time.
        while stack:
            directory = stack.pop()
            try:
                with os.scandir(directory) as scan:
                    entries = list(scan)
            except OSError as exc:
                if self.on_error is not None:
                    self.on_error(Path(directory), exc)
                continue
            names = {entry.name for entry in entries}
            if "pyvenv.cfg" in names and directory != start and _is_virtualenv(directory):
                continue  # a virtualenv met while walking (one given by name is linted)
            chain = (
                gitignores.chain(directory, ".gitignore" in names) if gitignores is not None else ()
            )
            subdirectories: list[str] = []
            for entry in entries:
                path = entry.path
                is_dir = entry.is_dir(follow_symlinks=False)
                if is_dir:
                    if _is_skipped_name(entry.name):
                        continue
                elif not (self._wanted(entry.name, path) and _is_lintable_file(entry)):
                    continue
                if self.exclude is not None and self._matches_exclude(path, is_dir):
                    continue
                if chain and ignored_by(chain, path, is_dir):
                    continue
                if is_dir:
                    subdirectories.append(path)
                else:
                    yield path
            # Sorted so that directories are visited (and unlistable ones reported) in a
            # stable order; only directories: the files are sorted once, by the caller.
            stack.extend(sorted(subdirectories, reverse=True))


def _is_lintable_file(entry: os.DirEntry[str]) -> bool:
    """A regular file or a symlink to one. Not a symlinked directory (never followed), a
    broken link, or a FIFO or device (reading one could block forever). A link that cannot
    be resolved (a loop) is kept, so reading it reports the problem as RFL900."""
    try:
        return entry.is_file()
    except OSError:
        return entry.is_symlink()


def is_force_excluded(
    path: Path, *, root: Path, exclude: Sequence[str] = (), extend_exclude: Sequence[str] = ()
) -> bool:
    """Whether --force-exclude drops the explicit `path` (also used for --stdin-filename)."""
    return _walker(root, exclude, extend_exclude).force_excluded(Path(os.path.abspath(path)))


def _walker(
    root: Path,
    exclude: Sequence[str],
    extend_exclude: Sequence[str],
    respect_gitignore: bool = True,
    on_error: Callable[[Path, OSError], None] | None = None,
    also: Callable[[Path], bool] | None = None,
) -> _Walker:
    return _Walker(
        root=Path(os.path.abspath(root)),
        exclude=_spec_of([*exclude, *extend_exclude]) if [*exclude, *extend_exclude] else None,
        respect_gitignore=respect_gitignore,
        on_error=on_error,
        also=also,
    )


def python_files(
    paths: Sequence[Path],
    *,
    root: Path,
    exclude: Sequence[str] = (),
    extend_exclude: Sequence[str] = (),
    respect_gitignore: bool = True,
    force_exclude: bool = False,
    on_error: Callable[[Path, OSError], None] | None = None,
    also: Callable[[Path], bool] | None = None,
) -> list[str]:
    """Every Python file to lint under `paths`, each once, in sorted order, as absolute
    paths (strings: a `Path` per file would cost a fifth of a warm run).

    `exclude` / `extend_exclude` are gitignore-style patterns relative to `root` (both are
    added to the built-in skips). A directory that cannot be listed is passed to `on_error`
    and skipped. Files for which `also` is true are found by the same walk (RFL012's
    cassettes). Raises `MissingPathError` for a path that does not exist.
    """
    walker = _walker(root, exclude, extend_exclude, respect_gitignore, on_error, also)
    found: set[str] = set()
    for given in paths:
        if not os.path.lexists(given):
            raise MissingPathError(given)
        path = Path(os.path.abspath(given))
        if force_exclude and walker.force_excluded(path):
            continue
        if path.is_dir():
            found.update(walker.walk(path))
        else:
            found.add(str(path))
    # The order of the path components: a separator sorts before any character of a name.
    return sorted(found, key=lambda p: p.replace(os.sep, "\0"))
