"""The findings cache: a file whose content, settings and engine have not changed is not
read again.

One JSON file per (engine, settings) pair under the cache directory
(`.refusal_lint_cache/` by default, `cache-dir` in the config, `REFUSAL_LINT_CACHE_DIR` in
the environment, `--no-cache` to bypass). It maps each content digest to that content's
findings (and, while RFL012 is enabled, its summary for that project-level rule), and each
path to the size, mtime and digest it had, so a warm run can answer from `stat()` alone.
JSON, not pickle: a cache file planted in a repository must not be able to run code. A
file that is missing, corrupt or of another shape is ignored (and replaced).
Concurrent runs are safe: each writes a complete file under a temporary name and renames
it into place, so a reader sees one run's file or the other's, never a mix.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from refusal_lint import __version__
from refusal_lint.atomic import replace_file
from refusal_lint.finding import Finding
from refusal_lint.settings import Settings

if TYPE_CHECKING:
    from refusal_lint.project import FileSummary

DEFAULT_DIR = ".refusal_lint_cache"
ENV_DIR = "REFUSAL_LINT_CACHE_DIR"
FORMAT = 1
# A file modified this recently may change again within the same mtime tick: its stat
# entry is not trusted next time (its digest still is).
RACY_SECONDS = 2.0
_FINDING_FIELDS = ("line", "col", "code", "name", "message", "end_line", "end_col", "fix")


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def engine_fingerprint() -> str:
    """The tool version plus the size and mtime of every file of the engine and its data.

    An edited checkout (or a reinstalled wheel) is a new engine even at the same version.
    """
    from refusal_lint.data import data_root

    parts = [__version__]
    for folder in (Path(__file__).parent, Path(str(data_root()))):
        for directory, _, names in os.walk(folder):
            for name in sorted(names):
                if name.endswith((".py", ".toml", ".md")):
                    stat = os.stat(os.path.join(directory, name))
                    parts.append(f"{name}:{stat.st_size}:{stat.st_mtime_ns}")
    return digest("\n".join(sorted(parts)).encode())


def settings_fingerprint(settings: Settings) -> str:
    return digest(json.dumps(asdict(settings), sort_keys=True, default=sorted).encode())


@dataclass
class Cache:
    """The findings of one (engine, settings) pair, keyed by content digest."""

    path: Path
    results: dict[str, list[list[Any]]] = field(default_factory=dict)
    stats: dict[str, list[Any]] = field(default_factory=dict)  # path -> [size, mtime, digest]
    summaries: dict[str, FileSummary] = field(default_factory=dict)  # digest -> RFL012's
    dirty: bool = False

    @classmethod
    def open(cls, directory: Path, settings: Settings) -> Cache:
        key = digest(f"{engine_fingerprint()}:{settings_fingerprint(settings)}".encode())
        cache = cls(directory / f"findings-{key}.json")
        try:
            data = json.loads(cache.path.read_bytes())
            if data.get("format") == FORMAT and data.get("version") == __version__:
                cache.results = _checked_results(data["results"])
                cache.stats = _checked_stats(data["stats"])
                cache.summaries = _checked_summaries(data.get("summaries", {}))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            cache.results, cache.stats, cache.summaries = {}, {}, {}  # missing or corrupt
        return cache

    def by_stat(self, path: str, stat: os.stat_result, display: str) -> list[Finding] | None:
        """The findings of `path` if its size and mtime are those recorded (no read)."""
        entry = self.stats.get(path)
        if entry is None or entry[0] != stat.st_size or entry[1] != stat.st_mtime_ns:
            return None
        return self.by_content(entry[2], display)

    def by_content(self, key: str, display: str) -> list[Finding] | None:
        """The findings recorded for this content digest, reported under `display`."""
        rows = self.results.get(key)
        if rows is None:
            return None
        return [Finding(display, *row) for row in rows]

    def summary(self, key: str) -> FileSummary | None:
        """The project-level summary recorded with this digest's findings (None: none)."""
        return self.summaries.get(key)

    def summary_by_stat(self, path: str) -> FileSummary | None:
        """The summary of `path` when `by_stat` answered for it."""
        entry = self.stats.get(path)
        return self.summaries.get(entry[2]) if entry is not None else None

    def store(
        self,
        path: str,
        stat: os.stat_result | None,
        key: str,
        findings: list[Finding],
        summary: FileSummary | None = None,
    ) -> None:
        self.results[key] = [[getattr(f, n) for n in _FINDING_FIELDS] for f in findings]
        if summary is not None:
            self.summaries[key] = summary
        self.remember(path, stat, key)

    def remember(self, path: str, stat: os.stat_result | None, key: str) -> None:
        """Record that `path` had this content at this stat (unless it changed just now)."""
        if stat is None or time.time() - stat.st_mtime < RACY_SECONDS:
            self.stats.pop(path, None)
        else:
            self.stats[path] = [stat.st_size, stat.st_mtime_ns, key]
        self.dirty = True

    def save(self) -> None:
        """Write the cache atomically; a failure to write costs only the next run's speed."""
        if not self.dirty:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _mark_cache_dir(self.path.parent)
            payload = {
                "format": FORMAT,
                "version": __version__,
                "results": self.results,
                "stats": self.stats,
                "summaries": {key: s.to_json() for key, s in self.summaries.items()},
            }
            data = json.dumps(payload, separators=(",", ":")).encode()
            replace_file(self.path, data, 0o644)  # atomic, and a Ctrl-C leaves no temp file
        except OSError:
            pass


def cache_directory(root: Path, configured: Path | None) -> Path:
    """`REFUSAL_LINT_CACHE_DIR`, else the config's `cache-dir`, else `.refusal_lint_cache`."""
    from_env = os.environ.get(ENV_DIR)
    if from_env:
        return Path(from_env)
    return root / (configured if configured is not None else DEFAULT_DIR)


def _mark_cache_dir(directory: Path) -> None:
    """A `.gitignore` of `*` (as ruff does), so the cache never shows in `git status`."""
    ignore = directory / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Created by refusal-lint automatically.\n*\n", encoding="utf-8")


def _checked_results(value: object) -> dict[str, list[list[Any]]]:
    if not isinstance(value, dict):
        raise TypeError("results")
    for rows in value.values():
        if not isinstance(rows, list) or not all(_is_row(row) for row in rows):
            raise TypeError("results")
    return value


_ROW_TYPES = (int, int, str, str, str, int, int)


def _is_row(row: object) -> bool:
    """A finding's fields in `_FINDING_FIELDS` order, each of the right type."""
    return (
        isinstance(row, list)
        and len(row) == len(_FINDING_FIELDS)
        and all(isinstance(v, t) for v, t in zip(row, _ROW_TYPES, strict=False))
        and (row[-1] is None or isinstance(row[-1], dict))
    )


def _checked_summaries(value: object) -> dict[str, FileSummary]:
    """Summaries as written by `save` (a malformed one raises: the cache is discarded)."""
    if not isinstance(value, dict):
        raise TypeError("summaries")
    if not value:
        return {}
    from refusal_lint.project import FileSummary  # only a cache of an RFL012 run has any

    return {str(key): FileSummary.from_json(data) for key, data in value.items()}


def _checked_stats(value: object) -> dict[str, list[Any]]:
    if not isinstance(value, dict) or not all(
        isinstance(v, list) and len(v) == 3 for v in value.values()
    ):
        raise TypeError("stats")
    return value
