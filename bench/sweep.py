"""Real-code sweep: refusal-lint on millions of lines of third-party Python must never fail.

usage: python bench/sweep.py [--corpus DIR] [--fetch] [--packages FILE] [--workdir DIR]
                             [--refusal-lint PATH] [--json FILE] [--timeout S]

`--fetch` downloads the releases of bench/sweep-packages.txt that DIR lacks (`pip download
--no-deps`, a wheel if there is one, else the sdist; only *.py files are kept; see
bench/benchmark.py). Then, with the installed `refusal-lint` in a subprocess:

1. `check --select ALL` on the corpus: no RFL901 (internal error) and exit code 0 or 1;
2. `check --fix --unsafe-fixes --select ALL` on a copy: no RFL901, and every file the fix
   changed still parses;
3. the same fix again on the fixed copy: it changes nothing (fixes are idempotent).

Files the directory walk skips (under `build/`, `dist/`, `.gitignore`d ...) are named on the
command line, so every *.py file of the corpus is linted. RFL900 (a file this Python cannot
parse, such as Python 2 code in an old sdist) is counted, not a failure. Prints a Markdown
summary; exits 0 when every check holds, 1 when one fails, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchmark import corpus_files, fetch_corpus, log, parse_packages

PACKAGES_FILE = Path(__file__).resolve().parent / "sweep-packages.txt"
DEFAULT_CORPUS = Path.home() / ".cache" / "refusal-lint-sweep" / "corpus"
INTERNAL_ERROR = "RFL901"
UNPARSEABLE = "RFL900"
BASE_ARGS = ("--select", "ALL", "--isolated", "--no-cache", "--output-format", "json-lines")


@dataclass
class Pass:
    """One refusal-lint run over a tree."""

    name: str
    seconds: float
    exit_code: int
    findings: list[dict[str, object]]
    stderr: str
    garbled: bool = False  # stdout held something other than JSON findings

    def codes(self) -> Counter[str]:
        return Counter(str(f["code"]) for f in self.findings)

    def internal_errors(self) -> list[str]:
        return [f"{f['filename']}:{f['location']}: {f['message']}" for f in self.findings
                if f["code"] == INTERNAL_ERROR]  # fmt: skip

    def fixed_line(self) -> str:
        """The fix count line (`Fixed N problems in M files.`) from stderr."""
        return next((line for line in self.stderr.splitlines() if line.startswith("Fixed")), "")


@dataclass
class Sweep:
    packages: int
    files: int
    lines: int
    releases: dict[str, tuple[int, int]] = field(default_factory=dict)  # dir -> files, lines
    passes: list[Pass] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # files the fix changed
    broken: list[str] = field(default_factory=list)  # changed files that no longer parse
    unstable: list[str] = field(default_factory=list)  # files the second fix changed again
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


# ---- running refusal-lint -------------------------------------------------------------------
def default_refusal_lint() -> str:
    """The `refusal-lint` next to this Python (its venv), else the one on PATH."""
    beside = Path(sys.executable).parent / "refusal-lint"
    return str(beside) if beside.exists() else (shutil.which("refusal-lint") or "refusal-lint")


def unwalked_files(tree: Path) -> list[Path]:
    """*.py files a directory walk of `tree` skips; they are linted by naming them."""
    from refusal_lint.discovery import python_files

    walked = {Path(name) for name in python_files([tree], root=tree)}
    every = (Path(d) / n for d, _, names in os.walk(tree) for n in names if n.endswith(".py"))
    return sorted(p for p in (Path(os.path.abspath(q)) for q in every) if p not in walked)


def run_pass(
    name: str, command: Sequence[str], tree: Path, extra: Sequence[Path], timeout: float
) -> Pass:
    """Run `command` on `tree` (and the `extra` files) from inside it; parse its JSON lines."""
    argv = [*command, *BASE_ARGS, ".", *(str(p.relative_to(tree)) for p in extra)]
    log(f"{name}: {' '.join(argv[:8])} ... ({len(extra)} files named)")
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            argv, cwd=tree, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return Pass(name, time.perf_counter() - start, -1, [], f"timeout after {timeout:.0f} s")
    except OSError as exc:
        return Pass(name, 0.0, -1, [], f"cannot run {argv[0]}: {exc}")
    seconds = time.perf_counter() - start
    findings, garbage = parse_json_lines(proc.stdout)
    stderr = proc.stderr + "".join(f"not a JSON finding on stdout: {g[:200]}\n" for g in garbage)
    log(f"{name}: exit {proc.returncode}, {len(findings):,} findings, {seconds:.1f} s")
    return Pass(name, seconds, proc.returncode, findings, stderr, bool(garbage))


def parse_json_lines(text: str) -> tuple[list[dict[str, object]], list[str]]:
    """The findings of `--output-format json-lines`, and any line that is not one."""
    findings, garbage = [], []
    for line in filter(str.strip, text.splitlines()):
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            garbage.append(line)
            continue
        if isinstance(record, dict) and "code" in record:
            findings.append(record)
        else:
            garbage.append(line)
    return findings, garbage


def judge_pass(run: Pass, sweep: Sweep) -> None:
    errors = run.internal_errors()
    if errors:
        sweep.failures.append(f"{run.name}: {len(errors)} internal error(s) (RFL901): {errors[:5]}")
    # 1 means findings, 0 none; anything else (an uncaught exception exits 1 too, with no
    # findings printed) is a crash.
    expected = 1 if run.findings else 0
    crashed = run.exit_code != expected or run.garbled or "Traceback" in run.stderr
    if crashed and not errors:
        tail = " / ".join(run.stderr.strip().splitlines()[-3:])[:400]
        sweep.failures.append(f"{run.name}: exit code {run.exit_code}: {tail}")


# ---- comparing trees ------------------------------------------------------------------------
def digests(tree: Path) -> dict[str, str]:
    """Relative path -> sha256 of every *.py file."""
    found = {}
    for dirpath, _, names in os.walk(tree):
        for name in names:
            if name.endswith(".py"):
                path = Path(dirpath) / name
                found[path.relative_to(tree).as_posix()] = hashlib.sha256(
                    path.read_bytes()
                ).hexdigest()
    return found


def changed_files(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))


def unparseable(tree: Path, files: Sequence[str]) -> list[str]:
    """The files (relative to `tree`) that `ast.parse` rejects, with the reason."""
    broken = []
    for rel in files:
        try:
            ast.parse((tree / rel).read_bytes(), filename=rel)
        except (SyntaxError, ValueError, OSError) as exc:
            broken.append(f"{rel}: {type(exc).__name__}: {exc}")
    return broken


# ---- the sweep ------------------------------------------------------------------------------
def sweep(corpus: Path, command: Sequence[str], workdir: Path, timeout: float) -> Sweep:
    files = corpus_files(corpus)
    releases: dict[str, tuple[int, int]] = {}
    for rel, lines in files.items():
        top = rel.split("/", 1)[0]
        count, total = releases.get(top, (0, 0))
        releases[top] = (count + 1, total + lines)
    packages = sum(1 for p in corpus.iterdir() if p.is_dir() and not p.name.startswith("."))
    result = Sweep(packages, len(files), sum(files.values()), releases)
    log(f"corpus: {result.packages} releases, {result.files:,} files, {result.lines:,} lines")
    extra = unwalked_files(corpus)
    check = run_pass("check", command, corpus, extra, timeout)
    result.passes.append(check)
    judge_pass(check, result)

    copy = workdir / "fixed"
    shutil.copytree(corpus, copy, symlinks=True)
    extra_copy = [copy / p.relative_to(corpus) for p in extra]
    original = digests(copy)
    fix = run_pass("fix", [*command, "--fix", "--unsafe-fixes"], copy, extra_copy, timeout)
    result.passes.append(fix)
    judge_pass(fix, result)
    once = digests(copy)
    result.changed = changed_files(original, once)
    result.broken = unparseable(copy, result.changed)
    if result.broken:
        result.failures.append(
            f"{len(result.broken)} fixed file(s) do not parse: {result.broken[:5]}"
        )

    again = run_pass("fix again", [*command, "--fix", "--unsafe-fixes"], copy, extra_copy, timeout)
    result.passes.append(again)
    judge_pass(again, result)
    result.unstable = changed_files(once, digests(copy))
    if result.unstable:
        result.failures.append(
            f"a second fix changed {len(result.unstable)} file(s): {result.unstable[:5]}"
        )
    return result


def release_table(result: Sweep) -> list[str]:
    """One row per release: files, lines, findings of `check`, files the fix changed."""
    found = Counter(str(f["filename"]).split("/", 1)[0] for f in result.passes[0].findings)
    fixed = Counter(path.split("/", 1)[0] for path in result.changed)
    rows = ["| release | files | lines | findings | files fixed |", "|---|--:|--:|--:|--:|"]
    for name, (count, lines) in sorted(result.releases.items(), key=lambda kv: -kv[1][1]):
        rows.append(f"| {name} | {count:,} | {lines:,} | {found[name]} | {fixed[name]} |")
    return rows


def render(result: Sweep, corpus: Path, packages: Sequence[tuple[str, str]], list_name: str) -> str:
    """The Markdown summary: corpus, one row per pass, the fix checks, the verdict, and one
    row per release."""
    rows = ["| pass | exit | seconds | findings | RFL900 | RFL901 |", "|---|---|---|---|---|---|"]
    for run in result.passes:
        codes = run.codes()
        rows.append(
            f"| {run.name} | {run.exit_code} | {run.seconds:.0f} | {len(run.findings):,} | "
            f"{codes[UNPARSEABLE]:,} | {codes[INTERNAL_ERROR]} |"
        )
    first = result.passes[0].codes() if result.passes else Counter()
    by_code = ", ".join(f"{code} {n:,}" for code, n in sorted(first.items())) or "none"
    fixed = result.passes[1].fixed_line().rstrip(".") if len(result.passes) > 1 else ""
    lines = [
        f"Corpus: {result.packages} releases ({len(packages)} pinned in "
        f"{list_name}), {result.files:,} files, {result.lines:,} lines, in {corpus}.",
        "",
        *rows,
        "",
        f"- Findings of `check` by rule: {by_code}.",
        f"- Fix: {fixed or 'no fix line'}; {len(result.changed):,} files changed, "
        f"{len(result.broken)} of them unparseable; the second fix changed "
        f"{len(result.unstable)} files.",
        f"- Verdict: {'PASS' if result.ok else 'FAIL'}",
    ]
    lines += [f"  - {failure}" for failure in result.failures]
    if result.passes and result.releases:
        lines += ["", *release_table(result)]
    return "\n".join(lines) + "\n"


def figures(result: Sweep) -> dict[str, object]:
    """The sweep's figures as plain data (`--json`)."""
    return {
        "packages": result.packages,
        "files": result.files,
        "lines": result.lines,
        "releases": {name: {"files": f, "lines": n} for name, (f, n) in result.releases.items()},
        "passes": [
            {
                "name": r.name,
                "exit": r.exit_code,
                "seconds": round(r.seconds, 1),
                "codes": dict(r.codes()),
            }
            for r in result.passes
        ],
        "changed": result.changed,
        "broken": result.broken,
        "unstable": result.unstable,
        "failures": result.failures,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="corpus directory")
    parser.add_argument("--fetch", action="store_true", help="download missing releases first")
    parser.add_argument("--packages", type=Path, default=PACKAGES_FILE, help="pinned list")
    parser.add_argument("--workdir", type=Path, help="where the fixed copy goes (default: tmp)")
    parser.add_argument("--refusal-lint", default=default_refusal_lint(), help="the CLI to run")
    parser.add_argument("--json", type=Path, help="write the figures as JSON here")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per pass")
    parser.add_argument("--jobs", type=int, help="worker processes per pass (CLI default: CPUs)")
    args = parser.parse_args(argv)

    corpus: Path = args.corpus.expanduser().resolve()
    packages = parse_packages(args.packages.read_text())
    if args.fetch and not fetch_corpus(packages, corpus):
        print("some releases could not be fetched", file=sys.stderr)
        return 1
    if not corpus.is_dir() or not any(corpus.iterdir()):
        print(f"no corpus at {corpus} (use --fetch)", file=sys.stderr)
        return 2
    missing = [f"{n}-{v}" for n, v in packages if not (corpus / f"{n}-{v}").is_dir()]
    if missing:
        log(f"warning: the corpus lacks {len(missing)} pinned release(s): {', '.join(missing)}")
    base = args.workdir.expanduser().resolve() if args.workdir else None
    if base is not None:
        base.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rl-sweep-", dir=base) as work:
        command = [args.refusal_lint, "check", *(["--jobs", str(args.jobs)] if args.jobs else [])]
        result = sweep(corpus, command, Path(work), args.timeout)
    print(render(result, corpus, packages, args.packages.name), end="")
    if args.json:
        args.json.write_text(json.dumps(figures(result), indent=2) + "\n")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
