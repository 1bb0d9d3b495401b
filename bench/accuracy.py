"""Score refusal-lint against a labeled corpus (see ../shared/realworld-dev/README.md).

usage: python bench/accuracy.py LABELS.jsonl CORPUS_ROOT [-v] [--rule CODE]

A finding matches a label when its code is the label's code and its line lies in the
labeled span; only findings inside labeled spans are judged.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

from refusal_lint.api import check_bytes
from refusal_lint.finding import Finding
from refusal_lint.registry import default_codes
from refusal_lint.settings import Settings

LABEL_CODES = {
    "MISSING-REFUSAL": "RFL001",
    "SILENT-DEFAULT": "RFL002",
    "UNCHECKED-RESULT": "RFL003",
    "STREAM-UNCHECKED": "RFL004",
    "SILENT-REFUSAL": "RFL005",
    "LOSSY-MAPPING": "RFL006",
    "UNKNOWN-VALUE": "RFL007",
    "ASSERT": "RFL008",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labels", type=Path)
    parser.add_argument("root", type=Path)
    parser.add_argument("-v", "--verbose", action="store_true", help="print every mismatch")
    parser.add_argument("--rule", help="only this code")
    args = parser.parse_args(argv)

    labels = [json.loads(line) for line in args.labels.read_text().splitlines() if line.strip()]
    settings = Settings(enabled=frozenset(default_codes()))
    findings_by_file: dict[Path, list[Finding]] = {}
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"tp": 0, "fp": 0, "fn": 0})
    mismatches: list[str] = []
    for label in labels:
        path = args.root / label["package"].replace("==", "-") / label["path"]
        if path not in findings_by_file:
            try:
                findings_by_file[path] = check_bytes(path.read_bytes(), str(path), settings)
            except OSError as exc:
                print(f"missing: {path} ({exc})", file=sys.stderr)
                findings_by_file[path] = []
        span = range(label["line"], label["end_line"] + 1)
        found = {f.code for f in findings_by_file[path] if f.line in span}
        expected = {LABEL_CODES[name] for name in label["expected"]}
        judged = set(LABEL_CODES.values()) if not args.rule else {args.rule}
        where = f"{label['package']} {label['path']}:{label['line']}-{label['end_line']}"
        for code in sorted((found | expected) & judged):
            if code in found and code in expected:
                counts[code]["tp"] += 1
            elif code in found:
                counts[code]["fp"] += 1
                mismatches.append(f"FP {code} {where}  [{label['construct']}] {label['why'][:160]}")
            else:
                counts[code]["fn"] += 1
                mismatches.append(f"FN {code} {where}  [{label['construct']}] {label['why'][:160]}")

    print(f"{'rule':8} {'tp':>4} {'fp':>4} {'fn':>4} {'precision':>10} {'recall':>8}")
    total = {"tp": 0, "fp": 0, "fn": 0}
    for code in sorted(counts):
        c = counts[code]
        for k in total:
            total[k] += c[k]
        print(
            f"{code:8} {c['tp']:4} {c['fp']:4} {c['fn']:4} {_ratio(c['tp'], c['fp']):>10} "
            f"{_ratio(c['tp'], c['fn']):>8}"
        )
    print(
        f"{'overall':8} {total['tp']:4} {total['fp']:4} {total['fn']:4} "
        f"{_ratio(total['tp'], total['fp']):>10} {_ratio(total['tp'], total['fn']):>8}"
    )
    if args.verbose:
        print("\n".join(["", *mismatches]))
    return 0


def _ratio(hits: int, misses: int) -> str:
    return f"{hits / (hits + misses):.3f}" if hits + misses else "-"


if __name__ == "__main__":
    sys.exit(main())
