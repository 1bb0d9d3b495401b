"""Prefilter soundness: the full engine on whole files against the fast path, file by file.

The fast path (`refusal_lint.api`) skips files without a trigger word and parses only the
blocks that can matter. The reference here parses every file whole and walks all of it.
Any finding the reference has and the fast path lacks is a file (or block) the prefilter
should not have skipped.

    python bench/soundness.py DIR [DIR ...]     # prints every difference; exit 1 if any

RFL900 (syntax errors are only looked for in the parts read) and RFL902 (noqa comments
are only judged in files read) are left out: both are scoped to what is read by design.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable
from pathlib import Path

from refusal_lint import api
from refusal_lint.engine import run_rules
from refusal_lint.registry import all_rules
from refusal_lint.settings import Settings

LEFT_OUT = frozenset({"RFL900", "RFL901", "RFL902"})
Key = tuple[int, str]


def all_rules_settings() -> Settings:
    return Settings(enabled=frozenset(r.code for r in all_rules() if r.code not in LEFT_OUT))


def reference(source: str, filename: str, settings: Settings) -> set[Key] | None:
    """Every finding of the full engine on the whole file; None if it does not parse."""
    try:
        tree = ast.parse(source, filename=filename)
    except (SyntaxError, ValueError):
        return None
    return {(f.line, f.code) for f in run_rules(tree, source, filename, settings)}


def fast(source: str, filename: str, settings: Settings) -> set[Key]:
    found = api.check_source(source, filename, settings, noqa=False)
    return {(f.line, f.code) for f in found if f.code not in LEFT_OUT}


def compare(source: str, filename: str, settings: Settings) -> tuple[set[Key], set[Key]]:
    """(findings only the reference has, findings only the fast path has)."""
    full = reference(source, filename, settings)
    if full is None:
        return set(), set()
    quick = fast(source, filename, settings)
    return full - quick, quick - full


def python_files(roots: Iterable[Path]) -> list[Path]:
    return sorted(p for root in roots for p in root.rglob("*.py") if p.is_file())


def main(argv: list[str]) -> int:
    settings = all_rules_settings()
    files = python_files(Path(a) for a in argv)
    differences = 0
    for path in files:
        source = path.read_bytes().decode("utf-8", errors="replace")
        missed, extra = compare(source, str(path), settings)
        for line, code in sorted(missed):
            print(f"{path}:{line}: {code} found by the full engine only")
        for line, code in sorted(extra):
            print(f"{path}:{line}: {code} found by the fast path only")
        differences += len(missed) + len(extra)
    print(f"{len(files)} files, {differences} differences")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
