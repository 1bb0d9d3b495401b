"""The floor of a cold run: what refusal-lint must do before any rule runs.

Reads every `*.py` file under DIR, runs the trigger scan, selects the blocks that can
matter and parses them (the same functions `check` uses), but walks nothing and runs no
rule. The files are split by bytes over `--jobs` forked processes, as `check` does. The
benchmark times it next to ruff E9 to show how much of the cold run is this floor and how
much the walk: no speed-up of the walk can take a cold run below it.

    python bench/floor.py DIR [--jobs N]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
from collections.abc import Sequence

from refusal_lint import api
from refusal_lint.settings import default_settings


def python_files(root: str) -> list[tuple[str, int]]:
    found = []
    for directory, _, names in os.walk(root):
        for name in names:
            if name.endswith(".py"):
                path = os.path.join(directory, name)
                found.append((path, os.path.getsize(path)))
    return found


def parse_what_matters(paths: Sequence[str]) -> int:
    """How many of `paths` hold a trigger word (each then scanned, cut and parsed)."""
    settings = default_settings()
    parsed = 0
    for path in paths:
        with open(path, "rb") as handle:
            data = handle.read()
        parsed += isinstance(api._module_from_bytes(data, path, settings), api._Module)
    return parsed


def split_by_bytes(files: Sequence[tuple[str, int]], parts: int) -> list[list[str]]:
    """`parts` lists of paths of about equal total size, biggest files dealt first."""
    bins: list[tuple[int, list[str]]] = [(0, []) for _ in range(parts)]
    for path, size in sorted(files, key=lambda item: -item[1]):
        index = min(range(parts), key=lambda i: bins[i][0])
        total, paths = bins[index]
        bins[index] = (total + size, [*paths, path])
    return [paths for _, paths in bins if paths]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root")
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    args = parser.parse_args(argv)
    files = python_files(args.root)
    jobs = max(args.jobs, 1)
    if jobs == 1:
        parsed = parse_what_matters([path for path, _ in files])
    else:  # as `check` does: 8 chunks per worker, handed out as workers free up
        chunks = split_by_bytes(files, jobs * 8)
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            parsed = sum(pool.imap_unordered(parse_what_matters, chunks))
    print(f"{len(files)} files, {parsed} scanned, cut and parsed", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
