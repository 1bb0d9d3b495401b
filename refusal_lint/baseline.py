"""`--baseline FILE` / `--write-baseline FILE`: adopt the linter in legacy code.

A baseline records the fingerprints of the findings a project already has (see
`refusal_lint.fingerprint`: code, repository-relative file, enclosing def / class and the
flagged line's text, plus an occurrence index; no line numbers). Checking with the baseline
hides exactly those findings, so the gate passes on old code and fails on every new
finding, even after unrelated edits move the old ones up or down. Editing a flagged line
makes its finding new again, on purpose. RFL901 (an internal error) is never hidden.

The file is JSON, sorted for readable diffs:
`{"tool": "refusal-lint", "version": 1, "findings": [{"fingerprint", "code", "path",
"line", "message"}, ...]}`; `line` and `message` are for people, only `fingerprint` counts.
"""

from __future__ import annotations

import json
import stat
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from refusal_lint.atomic import replace_file
from refusal_lint.finding import Finding
from refusal_lint.fingerprint import fingerprints, project_path, repo_root

FORMAT_VERSION = 1
NEVER_HIDDEN = frozenset({"RFL901"})


class BaselineError(Exception):
    """The baseline file cannot be read or written; the message names it."""


def write_baseline(path: Path, findings: Sequence[Finding], sources: Mapping[str, str]) -> int:
    """Record `findings` in `path`; returns how many were written."""
    root = repo_root()
    ordered = sorted(findings)
    entries = [
        {
            "fingerprint": print_,
            "code": f.code,
            "path": project_path(f.filename, root),
            "line": f.line,
            "message": f.message,
        }
        for f, print_ in zip(ordered, fingerprints(ordered, sources, root), strict=True)
        if f.code not in NEVER_HIDDEN
    ]
    entries.sort(key=lambda e: (e["path"], e["line"], e["code"], e["fingerprint"]))
    data = {"tool": "refusal-lint", "version": FORMAT_VERSION, "findings": entries}
    text = json.dumps(data, indent=2) + "\n"
    try:
        target = path.resolve()
        mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o644
        replace_file(target, text.encode("utf-8"), mode)  # Ctrl-C never leaves half a baseline
    except OSError as exc:
        raise BaselineError(f"cannot write baseline {path}: {exc.strerror or exc}") from exc
    return len(entries)


def read_baseline(path: Path) -> Counter[str]:
    """The fingerprints recorded in `path` (with multiplicity)."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc.strerror or exc}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BaselineError(f"baseline {path} is not valid JSON: {exc}") from exc
    entries = data.get("findings") if isinstance(data, dict) else None
    if not isinstance(entries, list) or data.get("tool") != "refusal-lint":
        raise BaselineError(f"{path} is not a refusal-lint baseline (see --write-baseline)")
    if not all(isinstance(e, dict) and isinstance(e.get("fingerprint"), str) for e in entries):
        raise BaselineError(f"baseline {path}: every finding needs a string 'fingerprint'")
    return Counter(e["fingerprint"] for e in entries)


def hide_baselined(
    findings: Sequence[Finding], sources: Mapping[str, str], baseline: Counter[str]
) -> tuple[list[Finding], int]:
    """The findings not in `baseline`, and how many were hidden."""
    ordered = sorted(findings)
    remaining = Counter(baseline)
    kept: list[Finding] = []
    for finding, print_ in zip(ordered, fingerprints(ordered, sources), strict=True):
        if remaining[print_] > 0 and finding.code not in NEVER_HIDDEN:
            remaining[print_] -= 1
        else:
            kept.append(finding)
    return kept, len(ordered) - len(kept)
