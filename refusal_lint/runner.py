"""Lints many files: answers from the cache where it can, and spreads the rest over worker
processes when there is enough of it to pay for starting them.

Workers are forked (where the platform has `fork`) after the catalog and the trigger scan
are loaded, so a worker starts in milliseconds with everything it needs. The work is split
by bytes, not files: one huge module must not leave the other worker idle.
"""

from __future__ import annotations

import errno
import gc
import io
import os
import signal
import sys
import tokenize
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from refusal_lint import interrupt
from refusal_lint.cache import Cache, digest
from refusal_lint.finding import Finding
from refusal_lint.limits import OUT_OF_MEMORY, failure_findings, ran_out_of_memory
from refusal_lint.registry import PROJECT_CODES
from refusal_lint.settings import Settings

# The engine (api, prefilter) and multiprocessing are imported when a file must be linted:
# a warm run answers every file from the cache and needs neither.
if TYPE_CHECKING:
    from refusal_lint.project import FileSummary

# Below this many bytes to lint, one process is faster than starting workers.
PARALLEL_BYTES = 4_000_000
CHUNKS_PER_WORKER = 8


@dataclass
class FileResult:
    """One file's findings, its text when it has findings (for context lines), or why it
    could not be read; and its summary for a project-level rule (RFL012) when one is on."""

    path: str  # absolute
    display: str
    findings: list[Finding]
    source: str | None = None
    error: OSError | None = None
    summary: FileSummary | None = None


@dataclass(frozen=True)
class _Job:
    index: int
    path: str  # absolute
    display: str
    stat: os.stat_result | None


def default_jobs() -> int:
    """The CPUs this process may use."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def lint_files(
    paths: Sequence[str], settings: Settings, cache: Cache | None, jobs: int
) -> list[FileResult]:
    """Every path's result, in the order of `paths` (absolute paths, as discovery gives)."""
    results: list[FileResult | None] = [None] * len(paths)
    todo: list[_Job] = []
    displayed = _Displayer()
    for index, path in enumerate(paths):
        display = displayed(path)
        try:
            stat = os.stat(path)
        except OSError as exc:
            results[index] = FileResult(path, display, [], error=exc)
            continue
        cached = cache.by_stat(path, stat, display) if cache else None
        if cached is None:
            todo.append(_Job(index, path, display, stat))
        else:
            summary = cache.summary_by_stat(path) if cache else None
            source = _source_of(path, cached)
            results[index] = FileResult(path, display, cached, source, None, summary)
    for job, result, key in _run_jobs(todo, settings, cache, jobs):
        results[job.index] = result
        if cache is not None and key is not None:
            cache.store(job.path, job.stat, key, result.findings, result.summary)
    return [r for r in results if r is not None]


class _Displayer:
    """`display_path` for many absolute paths: the working directory is read once."""

    def __init__(self) -> None:
        cwd = os.getcwd()
        self.prefix = cwd if cwd.endswith(os.sep) else cwd + os.sep

    def __call__(self, absolute: str) -> str:
        return absolute[len(self.prefix) :] if absolute.startswith(self.prefix) else absolute


def _run_jobs(
    todo: list[_Job], settings: Settings, cache: Cache | None, jobs: int
) -> list[tuple[_Job, FileResult, str | None]]:
    size = sum(job.stat.st_size for job in todo if job.stat is not None)
    if jobs <= 1 or len(todo) < 2 or size < PARALLEL_BYTES or not _can_fork():
        return [_lint_one(job, settings, cache) for job in todo]
    import multiprocessing

    from refusal_lint.prefilter import trigger_scan

    trigger_scan(settings)  # loaded before the fork, so every worker inherits it
    global _WORKER_STATE
    _WORKER_STATE = (settings, cache)
    chunks = _chunks(todo, jobs * CHUNKS_PER_WORKER)
    done: list[tuple[_Job, FileResult, str | None]] = []
    # Objects every worker inherits (the catalog, the engine's modules) are left out of the
    # cyclic GC's scans in the workers, and their pages are not touched (copied) by it.
    gc.freeze()
    context = multiprocessing.get_context("fork")
    with context.Pool(min(jobs, len(chunks)), initializer=_leave_sigint_to_the_parent) as pool:
        for part in pool.imap_unordered(_lint_chunk, chunks):
            done.extend(part)
    return done


_WORKER_STATE: tuple[Settings, Cache | None] | None = None


def _leave_sigint_to_the_parent() -> None:
    """Ctrl-C reaches the whole process group: workers ignore it, the parent stops them and
    exits 130 with one line (a worker would otherwise print its own traceback)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _lint_chunk(chunk: list[_Job]) -> list[tuple[_Job, FileResult, str | None]]:
    assert _WORKER_STATE is not None
    settings, cache = _WORKER_STATE
    return [_lint_one(job, settings, cache) for job in chunk]


def _lint_one(
    job: _Job, settings: Settings, cache: Cache | None
) -> tuple[_Job, FileResult, str | None]:
    """Read and lint one file; the content digest is returned for the cache."""
    interrupt.check()  # a Ctrl-C the previous file's linting lost
    try:
        data = _read(job.path)
    except OSError as exc:
        return job, FileResult(job.path, job.display, [], error=exc), None
    except MemoryError:  # larger than the memory left: RFL900, the run goes on
        error = OSError(errno.ENOMEM, OUT_OF_MEMORY)
        return job, FileResult(job.path, job.display, [], error=error), None
    key = _result_key(digest(data), job.display, settings) if cache is not None else None
    findings = cache.by_content(key, job.display) if cache and key else None
    summary = cache.summary(key) if cache and key and findings is not None else None
    if findings is None:
        findings, summary = lint_file_bytes(data, job.display, settings)
        if ran_out_of_memory(findings):
            key = None  # not cached: the next run may have the memory
    source = source_text(data) if findings else None
    return job, FileResult(job.path, job.display, findings, source, None, summary), key


def check_file_bytes(data: bytes, display: str, settings: Settings) -> list[Finding]:
    """`api.check_bytes` that never raises: an exception is this file's RFL900 / RFL901."""
    from refusal_lint import api

    try:
        return api.check_bytes(data, display, settings)
    except Exception as exc:  # MemoryError and RecursionError included
        return failure_findings(display, exc, settings)


def lint_file_bytes(
    data: bytes, display: str, settings: Settings
) -> tuple[list[Finding], FileSummary | None]:
    """`check_file_bytes`, plus the file's summary while a project-level rule (RFL012) is
    on (a cassette, read for its recordings, has no findings). Never raises."""
    if not settings.enabled & PROJECT_CODES:
        return check_file_bytes(data, display, settings), None
    from refusal_lint.project_run import lint_data

    try:
        checked = lint_data(data, display, settings)
    except Exception as exc:  # MemoryError and RecursionError included
        return failure_findings(display, exc, settings), None
    return checked.findings, checked.summary


def _result_key(content: str, display: str, settings: Settings) -> str:
    if not settings.enabled & PROJECT_CODES:
        return content
    from refusal_lint.project_run import result_key

    return result_key(content, display, settings)


def _chunks(todo: list[_Job], count: int) -> list[list[_Job]]:
    """`count` chunks of about equal bytes: largest files first, each to the lightest chunk."""
    chunks: list[list[_Job]] = [[] for _ in range(min(count, len(todo)))]
    weights = [0] * len(chunks)
    for job in sorted(todo, key=lambda j: -(j.stat.st_size if j.stat else 0)):
        lightest = weights.index(min(weights))
        chunks[lightest].append(job)
        weights[lightest] += job.stat.st_size if job.stat else 0
    return [chunk for chunk in chunks if chunk]


def _can_fork() -> bool:
    import multiprocessing

    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def _read(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def _source_of(path: str, findings: list[Finding]) -> str | None:
    if not findings:
        return None
    try:
        return source_text(_read(path))
    except OSError:
        return None


def source_text(data: bytes) -> str:
    """Source text for context lines; never fails (the engine reports real decode errors)."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding, errors="replace").removeprefix("\ufeff")
    except (SyntaxError, LookupError):
        return data.decode("utf-8", errors="replace")
