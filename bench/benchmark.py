"""Speed benchmark of refusal-lint against ruff, flake8 and pylint on the pinned corpus.

usage: python bench/benchmark.py --corpus DIR [--fetch] [--runs 5] [--tools-venv DIR]
                                 [--out docs/performance.md] [--json FILE] [--skip GROUPS]

`--fetch` downloads the releases of bench/corpus-packages.txt that DIR lacks (`pip download
--no-deps`, a wheel if there is one, else the sdist; only *.py files are kept). The tools
(ruff, flake8, pylint: latest from PyPI) and this repository (`pip install .`) go into a
separate venv. Every comparison is paired: each round runs every command once, in an order
rotated from round to round, and a ratio is the median of the per-round ratios. The yardstick
is `ruff check --no-cache --isolated --select E9 DIR` in the same round. A tool that is
missing, fails or times out is reported in the table; it never stops the benchmark.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import math
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGES_FILE = Path(__file__).resolve().parent / "corpus-packages.txt"
DEFAULT_VENV = Path.home() / ".cache" / "refusal-lint-bench" / "venv"
TOOLS = ("ruff", "flake8", "pylint")
# Packages that hold LLM-calling code, in the order they are taken for the plugin subsets.
FLAKE8_PACKAGES = (
    "langchain-core",
    "langchain-openai",
    "langchain-anthropic",
    "dspy",
    "instructor",
    "smolagents",
)
FLAKE8_TARGET_LINES = 200_000
PYLINT_PACKAGES = ("langchain-anthropic", "smolagents")
PYLINT_TARGET_LINES = 20_000
SCALING_FRACTIONS = (0.25, 0.5, 0.75, 1.0)
HEAVY_MODULES = ("libcst", "astroid", "pylint")
CACHE_DIR_NAME = ".refusal_lint_cache"
SKIPPABLE = ("ruff-default", "floor", "warm", "import", "memory", "flake8", "pylint", "scaling")
FLOOR_SCRIPT = Path(__file__).resolve().parent / "floor.py"

# Run with `python -c SHIM with|without ARGS...`: flake8, optionally without the
# refusal-lint distribution's plugins. Both sides of the pair go through the same shim.
FLAKE8_SHIM = """\
import importlib.metadata as _md
import sys
_mode = sys.argv.pop(1)
if _mode == "without":
    _all = _md.distributions

    def _distributions(**kwargs):
        for dist in _all(**kwargs):
            name = (dist.metadata["Name"] or "").lower().replace("_", "-")
            if name != "refusal-lint":
                yield dist

    _md.distributions = _distributions
from flake8.main.cli import main
sys.exit(main())
"""


# --------------------------------------------------------------------------- pure helpers


def parse_packages(text: str) -> list[tuple[str, str]]:
    """`name==version` lines (comments and blank lines skipped) as (name, version)."""
    packages: list[tuple[str, str]] = []
    for raw in text.splitlines():
        line = "".join(raw.split("#", 1)[0].split())
        if not line:
            continue
        name, sep, version = line.partition("==")
        if not sep or not name or not version:
            raise ValueError(f"not a name==version line: {raw!r}")
        packages.append((name, version))
    return packages


def package_name(dirname: str) -> str:
    """`langchain-core-1.8.1` -> `langchain-core` (a corpus directory is `name-version`)."""
    return dirname.rsplit("-", 1)[0] if "-" in dirname else dirname


@dataclass
class ImportTime:
    total_us: int
    modules: list[str]
    cumulative_us: dict[str, int] = field(default_factory=dict)  # top-level imports only

    def heavy(self) -> list[str]:
        """Which of libcst / astroid / pylint (or a submodule) the log shows."""
        tops = {m.split(".", 1)[0] for m in self.modules}
        return [name for name in HEAVY_MODULES if name in tops]


_IMPORT_LINE = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|( *)(.*)$")


def parse_importtime(stderr: str) -> ImportTime:
    """`-X importtime` log: total = sum of the self times of every import, and the modules.

    `cumulative_us` holds the cumulative time of each import the log shows at the top
    level (not nested in another), e.g. `site` and `refusal_lint.cli`.
    """
    total = 0
    modules: list[str] = []
    cumulative: dict[str, int] = {}
    for line in stderr.splitlines():
        match = _IMPORT_LINE.match(line)
        if match:
            name = match.group(4).strip()
            total += int(match.group(1))
            modules.append(name)
            if len(match.group(3)) <= 1:
                cumulative[name] = int(match.group(2))
    return ImportTime(total, modules, cumulative)


def median(values: Iterable[float | None]) -> float | None:
    """Median of the values that are not None; None when there are none."""
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def paired_ratios(top: Sequence[float | None], bottom: Sequence[float | None]) -> list[float]:
    """Per-round ratios top/bottom, for the rounds where both ran."""
    return [t / b for t, b in zip(top, bottom, strict=False) if t is not None and b]


def paired_ratio(top: Sequence[float | None], bottom: Sequence[float | None]) -> float | None:
    """Median of the per-round ratios (None when no round has both)."""
    return median(paired_ratios(top, bottom))


def pick_subset(lines: dict[str, int], preferred: Sequence[str], target: int) -> list[str]:
    """Whole packages for a subset of about `target` lines.

    `lines` maps package name to line count. Preferred packages are taken in order until
    90% of the target is reached; if they are missing or too small, the smallest other
    packages are added. A corpus smaller than the target is taken whole.
    """
    chosen: list[str] = []
    total = 0
    for name in preferred:
        if total >= 0.9 * target:
            break
        if name in lines:
            chosen.append(name)
            total += lines[name]
    for name in sorted((n for n in lines if n not in chosen), key=lambda n: (lines[n], n)):
        if total >= 0.9 * target:
            break
        chosen.append(name)
        total += lines[name]
    return chosen


def has_cache(dir_found: bool, prime: float | None, second: float | None) -> bool:
    """Whether refusal-lint has a cache: it wrote a cache directory, or the second of two
    runs without --no-cache took less than half the time of the first."""
    if dir_found:
        return True
    return prime is not None and second is not None and second < 0.5 * prime


def shuffled(paths: Iterable[str]) -> list[str]:
    """A deterministic, content-independent mixing order: sort by SHA-1 of the path."""
    return sorted(paths, key=lambda p: (hashlib.sha1(p.encode()).hexdigest(), p))


def nested_subsets(paths: Sequence[str], fractions: Sequence[float]) -> list[list[str]]:
    """Prefixes of `paths` holding each fraction of it (so each subset contains the last)."""
    return [list(paths[: round(len(paths) * f)]) for f in fractions]


@dataclass
class Fit:
    slope: float
    intercept: float
    r2: float


def linear_fit(xs: Sequence[float], ys: Sequence[float]) -> Fit:
    """Least-squares line y = slope * x + intercept, and its R^2."""
    n = len(xs)
    if n < 2:
        raise ValueError("need two points")
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    slope = sxy / sxx if sxx else 0.0
    intercept = my - slope * mx
    ss_tot = sum((y - my) ** 2 for y in ys)
    ss_res = sum((y - (slope * x + intercept)) ** 2 for x, y in zip(xs, ys, strict=True))
    r2 = 1 - ss_res / ss_tot if ss_tot else 1.0
    return Fit(slope, intercept, r2)


def fmt_seconds(value: float | None) -> str:
    if value is None:
        return "n/a"
    if value >= 100:
        return f"{value:.0f} s"
    if value >= 10:
        return f"{value:.1f} s"
    return f"{value:.2f} s"


def fmt_ratio(value: float | None) -> str:
    if value is None:
        return "n/a"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def judge(value: float | None, limit: float, overhead: bool = False) -> str:
    """'yes' when value <= limit, else 'no' and by how much (n/a without a value).

    With `overhead`, value and limit are ratios to a baseline and the miss is told as the
    overhead over that baseline (1.08 against 1.05: 'no (+8%)').
    """
    if value is None:
        return "n/a"
    if value <= limit:
        return "yes"
    if overhead:
        return f"no (+{(value - 1) * 100:.0f}%)"
    if value >= 2 * limit:
        return f"no ({value / limit:.1f}x the target)"
    return f"no (+{(value / limit - 1) * 100:.0f}% over)"


def nice_step(span: float, ticks: int = 5) -> float:
    """A 1/2/2.5/5 x 10^k step giving about `ticks` ticks over `span`."""
    if span <= 0:
        return 1.0
    raw = span / ticks
    power = 10.0 ** math.floor(math.log10(raw))
    for mult in (1, 2, 2.5, 5, 10):
        if raw <= mult * power:
            return mult * power
    return 10 * power


def render_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table (cells' `|` escaped)."""

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    out = [line(header), "|" + "|".join("---" for _ in header) + "|"]
    out += [line(row) for row in rows]
    return "\n".join(out)


def render_svg(points: Sequence[tuple[int, float]], fit: Fit | None = None) -> str:
    """A small hand-written SVG line chart: seconds (y) against lines of code (x)."""
    width, height = 520, 280
    left, right, top, bottom = 60, 20, 20, 50
    pw, ph = width - left - right, height - top - bottom
    max_x = max((p[0] for p in points), default=1) or 1
    max_y = max((p[1] for p in points), default=1.0) or 1.0
    x_step = nice_step(max_x / 1e6, 5) * 1e6
    y_step = nice_step(max_y, 5)
    x_end = math.ceil(max_x / x_step) * x_step
    y_end = math.ceil(max_y * 1.05 / y_step) * y_step

    def sx(x: float) -> float:
        return left + pw * x / x_end

    def sy(y: float) -> float:
        return top + ph - ph * y / y_end

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="white"/>',
    ]
    ticks_y = round(y_end / y_step)
    for i in range(ticks_y + 1):
        y = i * y_step
        parts.append(
            f'<line x1="{left}" y1="{sy(y):.1f}" x2="{left + pw}" y2="{sy(y):.1f}" stroke="#ddd"/>'
        )
        parts.append(f'<text x="{left - 6}" y="{sy(y) + 4:.1f}" text-anchor="end">{y:g}</text>')
    ticks_x = round(x_end / x_step)
    for i in range(ticks_x + 1):
        x = i * x_step
        parts.append(
            f'<line x1="{sx(x):.1f}" y1="{top + ph}" x2="{sx(x):.1f}" y2="{top + ph + 4}" '
            f'stroke="black"/>'
        )
        parts.append(
            f'<text x="{sx(x):.1f}" y="{top + ph + 16}" text-anchor="middle">{x / 1e6:g}</text>'
        )
    parts.append(
        f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" stroke="black"/>'
    )
    parts.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + ph}" stroke="black"/>')
    parts.append(
        f'<text x="{left + pw / 2}" y="{height - 10}" text-anchor="middle">'
        "lines of Python (millions)</text>"
    )
    parts.append(
        f'<text x="14" y="{top + ph / 2}" text-anchor="middle" '
        f'transform="rotate(-90 14 {top + ph / 2})">seconds (median)</text>'
    )
    if fit is not None:
        y0, y1 = fit.intercept, fit.slope * x_end + fit.intercept
        parts.append(
            f'<line x1="{sx(0):.1f}" y1="{sy(max(y0, 0)):.1f}" x2="{sx(x_end):.1f}" '
            f'y2="{sy(min(y1, y_end)):.1f}" stroke="#999" stroke-dasharray="4 3"/>'
        )
    parts.append(
        f'<text x="{left + 8}" y="{top + 12}" fill="#1f77b4">refusal-lint check --no-cache</text>'
    )
    if fit is not None:
        parts.append(
            f'<text x="{left + 8}" y="{top + 26}" fill="#777">dashed: least-squares line</text>'
        )
    if points:
        path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#1f77b4" stroke-width="2"/>')
        for x, y in points:
            parts.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3.5" fill="#1f77b4"/>')
    parts.append("</svg>")
    return "\n".join(parts)


# --------------------------------------------------------------------------- running


@dataclass
class Run:
    """One timed command. `seconds` is None when it did not run to a good end."""

    seconds: float | None
    error: str | None = None
    maxrss_kb: int = 0
    tree_rss_kb: int = 0
    cpu_s: float = 0.0
    stderr: str = ""


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                kids += [int(k) for k in fh.read().split()]
    except OSError:
        pass
    return kids


def _rss_kb(pid: int) -> int:
    """The process's proportional set size (shared pages split among the processes sharing
    them, so forked workers are not counted twice), else its resident set size."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _tree_rss_kb(root: int) -> int:
    total, todo, seen = 0, [root], set()
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += _rss_kb(pid)
        todo += _children(pid)
    return total


def run_timed(
    cmd: Sequence[str],
    *,
    cwd: Path,
    timeout: float,
    ok: Callable[[int], bool] = lambda rc: rc == 0,
    sample_memory: bool = False,
) -> Run:
    """Wall time of `cmd` (stdout discarded), its peak RSS and CPU time; never raises."""
    if not Path(cmd[0]).exists() and shutil.which(cmd[0]) is None:
        return Run(None, f"missing: {cmd[0]}")
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        try:
            proc = subprocess.Popen(
                list(cmd),
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
                start_new_session=True,
            )
        except OSError as exc:
            return Run(None, f"cannot start: {exc}")
        timed_out = threading.Event()
        done = threading.Event()

        def kill() -> None:
            timed_out.set()
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill)
        timer.start()
        peak = [0]

        def sample() -> None:
            while not done.wait(0.1):
                peak[0] = max(peak[0], _tree_rss_kb(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True) if sample_memory else None
        if sampler:
            sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        done.set()
        timer.cancel()
        if sampler:
            sampler.join()
        proc.returncode = rc = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    run = Run(
        seconds,
        maxrss_kb=usage.ru_maxrss,
        tree_rss_kb=max(peak[0], usage.ru_maxrss),
        cpu_s=usage.ru_utime + usage.ru_stime,
        stderr=stderr,
    )
    if timed_out.is_set():
        run.seconds, run.error = None, f"timeout after {timeout:.0f} s"
    elif not ok(rc):
        tail = " / ".join(stderr.strip().splitlines()[-3:])[:300]
        run.seconds, run.error = None, f"exit {rc}: {tail}"
    return run


def capture(cmd: Sequence[str], cwd: Path | None = None, timeout: float = 600) -> str | None:
    """stdout+stderr of a quick command, or None when it cannot run or fails."""
    try:
        proc = subprocess.run(
            list(cmd), cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return (proc.stdout + proc.stderr) if proc.returncode == 0 else None


def log(message: str) -> None:
    stamp = dt.datetime.now().strftime("%H:%M:%S")
    print(f"[{stamp}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- corpus


def _prune_to_python(root: Path) -> None:
    for dirpath, dirnames, filenames in os.walk(root, topdown=False):
        for name in filenames:
            path = Path(dirpath) / name
            if path.is_symlink() or not name.endswith(".py"):
                path.unlink()
        for name in dirnames:
            path = Path(dirpath) / name
            if path.is_symlink():
                path.unlink()
            elif not any(path.iterdir()):
                path.rmdir()


def _unpack(artifact: Path, stage: Path) -> None:
    name = artifact.name
    if name.endswith((".whl", ".zip")):
        with zipfile.ZipFile(artifact) as zf:
            zf.extractall(stage)
    elif name.endswith((".tar.gz", ".tgz", ".tar.bz2")):
        with tarfile.open(artifact) as tf:
            if hasattr(tarfile, "data_filter"):
                tf.extractall(stage, filter="data")
            else:  # pragma: no cover - Python without extraction filters
                for member in tf.getmembers():
                    target = (stage / member.name).resolve()
                    if not target.is_relative_to(stage.resolve()):
                        raise ValueError(f"unsafe path in {name}: {member.name}")
                tf.extractall(stage)
    else:
        raise ValueError(f"unknown artifact type: {name}")


def fetch_corpus(packages: Sequence[tuple[str, str]], dest: Path) -> bool:
    """Download and unpack the missing releases into dest/<name>-<version>/ (only *.py).

    A directory appears (by rename) only once complete, so an interrupted fetch is redone.
    Returns False when a release could not be fetched.
    """
    dest.mkdir(parents=True, exist_ok=True)
    for stale in dest.glob(".fetch-*"):
        shutil.rmtree(stale, ignore_errors=True)
    good = True
    fetched = skipped = 0
    for name, version in packages:
        target = dest / f"{name}-{version}"
        if target.is_dir():
            skipped += 1
            continue
        stage = dest / f".fetch-{name}-{version}"
        with tempfile.TemporaryDirectory(prefix="rlcorpus-") as work:
            dl = Path(work) / "dl"
            base = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
            base += ["--ignore-requires-python", "-d", str(dl), f"{name}=={version}"]
            artifact: Path | None = None
            for kind in ("--only-binary=:all:", "--no-binary=:all:"):
                shutil.rmtree(dl, ignore_errors=True)
                dl.mkdir()
                if capture([*base, kind]) is not None and any(dl.iterdir()):
                    artifact = sorted(dl.iterdir())[0]
                    break
                if kind.startswith("--only"):
                    log(f"  no wheel for {name}=={version}, taking the sdist")
            if artifact is None:
                log(f"  cannot download {name}=={version}")
                good = False
                continue
            try:
                shutil.rmtree(stage, ignore_errors=True)
                stage.mkdir()
                _unpack(artifact, stage)
                _prune_to_python(stage)
                digest = hashlib.sha256(artifact.read_bytes()).hexdigest()
                (stage / "SOURCE").write_text(f"{artifact.name}\t{digest}\n")
                stage.rename(target)
            except (OSError, ValueError, zipfile.BadZipFile, tarfile.TarError) as exc:
                shutil.rmtree(stage, ignore_errors=True)
                log(f"  cannot unpack {artifact.name}: {exc}")
                good = False
                continue
        fetched += 1
        log(f"fetched {name}=={version} ({artifact.name})")
    wanted = {f"{n}-{v}" for n, v in packages}
    for extra in sorted(p.name for p in dest.iterdir() if p.is_dir()):
        if extra not in wanted and not extra.startswith("."):
            log(f"warning: {dest / extra} is not in {PACKAGES_FILE.name} (left alone)")
    log(f"fetch: {fetched} fetched, {skipped} already present, in {dest}")
    return good


def corpus_files(root: Path) -> dict[str, int]:
    """Relative path -> line count of every *.py file (hidden directories skipped)."""
    files: dict[str, int] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if name.endswith(".py"):
                path = Path(dirpath) / name
                try:
                    data = path.read_bytes()
                except OSError:
                    continue
                lines = data.count(b"\n") + (0 if not data or data.endswith(b"\n") else 1)
                files[path.relative_to(root).as_posix()] = lines
    return files


def make_subset(root: Path, files: Sequence[str], dest: Path) -> None:
    """dest/ mirrors `files` of root (hard links where possible, else copies)."""
    for rel in files:
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(root / rel, target)
        except OSError:
            shutil.copy2(root / rel, target)


# --------------------------------------------------------------------------- tools venv


def venv_bin(venv: Path, name: str) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin") / name


def setup_venv(venv: Path, install: bool) -> list[str]:
    """Create (or reuse) the tools venv, install the tools and the repo. Returns problems."""
    problems: list[str] = []
    python = venv_bin(venv, "python")
    if not python.exists():
        log(f"creating the tools venv {venv}")
        venv.parent.mkdir(parents=True, exist_ok=True)
        if capture([sys.executable, "-m", "venv", str(venv)]) is None:
            return [f"cannot create the venv {venv}"]
    if not install:
        return problems
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    log("installing ruff, flake8, pylint (latest) into the tools venv")
    if capture([*pip, "--upgrade", *TOOLS], timeout=1200) is None:
        for tool in TOOLS:
            if capture([*pip, "--upgrade", tool], timeout=1200) is None:
                problems.append(f"cannot install {tool}")
    # A regular install, as users have it: an editable one adds its own import hook
    # (importlib.resources, zipfile, urllib: ~30 ms) to every start-up.
    log(f"installing this repository ({REPO}) into the tools venv (pip install .)")
    installed = capture([*pip, str(REPO)], timeout=1200) is not None and (
        capture([*pip, "--force-reinstall", "--no-deps", str(REPO)], timeout=1200) is not None
    )  # the second pass replaces an earlier install of the same version
    if not installed:
        problems.append("cannot install refusal-lint (pip install .)")
    return problems


def tool_versions(venv: Path) -> dict[str, str]:
    code = (
        "import importlib.metadata as m, json\n"
        "out = {}\n"
        "for n in ('ruff', 'flake8', 'pyflakes', 'pycodestyle', 'mccabe', 'pylint', 'astroid',"
        " 'refusal-lint'):\n"
        "    try:\n"
        "        out[n] = m.version(n)\n"
        "    except m.PackageNotFoundError:\n"
        "        out[n] = 'not installed'\n"
        "print(json.dumps(out))\n"
    )
    text = capture([str(venv_bin(venv, "python")), "-c", code])
    try:
        versions: dict[str, str] = json.loads(text or "{}")
    except json.JSONDecodeError:
        versions = {}
    return versions


def git_commit() -> str:
    head = capture(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"])
    if head is None:
        return "unknown"
    dirty = capture(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"])
    return head.strip() + ("+dirty" if dirty else "")


def machine_info(venv: Path) -> dict[str, str]:
    cpu = "unknown"
    mem = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        usable = os.cpu_count() or 0
    pyver = capture([str(venv_bin(venv, "python")), "--version"]) or "unknown"
    return {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(usable),
        "cpu": cpu,
        "memory": mem,
        "os": f"{platform.system()} {platform.release()}",
        "python": pyver.strip(),
        "commit": git_commit(),
    }


# --------------------------------------------------------------------------- benchmark


@dataclass
class Results:
    runs: dict[str, list[Run]] = field(default_factory=dict)
    import_us: list[float | None] = field(default_factory=list)
    import_heavy: set[str] = field(default_factory=set)
    import_cli_us: list[float | None] = field(default_factory=list)
    loads: list[float] = field(default_factory=list)  # 1-minute load average per round
    notes: list[str] = field(default_factory=list)

    def add(self, key: str, run: Run) -> None:
        self.runs.setdefault(key, []).append(run)
        shown = f"{run.seconds:.2f} s" if run.seconds is not None else run.error
        log(f"  {key}: {shown}")

    def seconds(self, key: str) -> list[float | None]:
        return [r.seconds for r in self.runs.get(key, [])]

    def median(self, key: str) -> float | None:
        return median(self.seconds(key))

    def cpu(self, key: str) -> list[float | None]:
        """CPU seconds (user + sys, all processes) per run; None for a failed run."""
        return [r.cpu_s if r.seconds is not None else None for r in self.runs.get(key, [])]

    def error(self, key: str) -> str | None:
        errors = [r.error for r in self.runs.get(key, []) if r.error]
        return errors[0] if errors else None


def _ruff_ok(rc: int) -> bool:
    return rc in (0, 1)


def _pylint_ok(rc: int) -> bool:
    return rc >= 0 and not rc & (1 | 32)  # fatal / usage error bits


@dataclass
class Plan:
    corpus: Path
    venv: Path
    workdir: Path
    timeout: float
    skip: set[str]
    flake8_paths: list[Path]
    pylint_paths: list[Path]
    scaling_dirs: list[Path]
    flake8_plugin: bool
    pylint_plugin: bool
    pylint_module: str


def _cache_dirs(plan: Plan) -> list[Path]:
    return [plan.workdir / CACHE_DIR_NAME, plan.corpus / CACHE_DIR_NAME]


def run_rounds(plan: Plan, runs: int) -> tuple[Results, bool | None]:
    """All the paired rounds. Returns the results and whether the warm run hit a cache."""
    res = Results()
    rl = str(venv_bin(plan.venv, "refusal-lint"))
    ruff = str(venv_bin(plan.venv, "ruff"))
    python = str(venv_bin(plan.venv, "python"))
    corpus = str(plan.corpus)
    cwd, timeout = plan.workdir, plan.timeout
    warm_cache: list[bool | None] = [None]  # unknown until the first warm run

    def timed(
        key: str, cmd: Sequence[str], ok: Callable[[int], bool], memory: bool = False
    ) -> None:
        res.add(key, run_timed(cmd, cwd=cwd, timeout=timeout, ok=ok, sample_memory=memory))

    def ruff_e9() -> None:
        timed(
            "ruff_e9",
            [ruff, "check", "--no-cache", "--isolated", "--select", "E9", corpus],
            _ruff_ok,
        )

    def ruff_default() -> None:
        timed("ruff_default", [ruff, "check", "--no-cache", "--isolated", corpus], _ruff_ok)

    def rl_cold() -> None:
        cmd = [rl, "check", "--no-cache", "--exit-zero", "--quiet", corpus]
        timed("rl_cold", cmd, lambda rc: rc == 0, memory="memory" not in plan.skip)

    def rl_floor() -> None:
        timed("rl_floor", [python, str(FLOOR_SCRIPT), corpus], lambda rc: rc == 0)

    def rl_warm() -> None:
        if warm_cache[0] is False:
            return
        for cache in _cache_dirs(plan):
            shutil.rmtree(cache, ignore_errors=True)
        cmd = [rl, "check", "--exit-zero", "--quiet", corpus]
        prime = run_timed(cmd, cwd=cwd, timeout=timeout, ok=lambda rc: rc == 0)
        res.add("rl_warm_prime", prime)
        second = run_timed(cmd, cwd=cwd, timeout=timeout, ok=lambda rc: rc == 0)
        if warm_cache[0] is None:
            found = any(c.is_dir() for c in _cache_dirs(plan))
            warm_cache[0] = has_cache(found, prime.seconds, second.seconds)
            if not warm_cache[0]:
                res.add("rl_warm_probe", second)
                log("  no cache directory and no faster second run: warm = cold")
                return
            if not found:
                res.notes.append(
                    "The second run was much faster but no cache directory was found in the "
                    "working directory or the corpus: the cache was not cleared between rounds."
                )
        res.add("rl_warm", second)
        for cache in _cache_dirs(plan):
            shutil.rmtree(cache, ignore_errors=True)

    def import_time() -> None:
        cmd = [python, "-X", "importtime", "-c", "import refusal_lint.cli"]
        run = run_timed(cmd, cwd=cwd, timeout=timeout)
        res.add("import", run)
        if run.seconds is None:
            res.import_us.append(None)
            res.import_cli_us.append(None)
            return
        parsed = parse_importtime(run.stderr)
        res.import_us.append(float(parsed.total_us))
        cli = parsed.cumulative_us.get("refusal_lint.cli")
        res.import_cli_us.append(float(cli) if cli is not None else None)
        res.import_heavy.update(parsed.heavy())
        run.stderr = ""

    def flake8_pair(first_with: bool) -> Callable[[], None]:
        def job() -> None:
            paths = [str(p) for p in plan.flake8_paths]
            modes = ["without", "with"] if plan.flake8_plugin else ["without"]
            if first_with:
                modes.reverse()
            for mode in modes:
                timed(f"flake8_{mode}", [python, "-c", FLAKE8_SHIM, mode, *paths], _ruff_ok)

        return job

    def pylint_pair(first_with: bool) -> Callable[[], None]:
        def job() -> None:
            base = [python, "-m", "pylint", "--recursive=y", "--persistent=n"]
            paths = [str(p) for p in plan.pylint_paths]
            modes = ["without", "with"] if plan.pylint_plugin else ["without"]
            if first_with:
                modes.reverse()
            for mode in modes:
                plugin = ["--load-plugins", plan.pylint_module] if mode == "with" else []
                timed(f"pylint_{mode}", [*base, *plugin, *paths], _pylint_ok)

        return job

    def scaling() -> None:
        for frac, d in zip(SCALING_FRACTIONS, plan.scaling_dirs, strict=False):
            cmd = [rl, "check", "--no-cache", "--exit-zero", "--quiet", str(d)]
            timed(f"scale_{round(frac * 100)}", cmd, lambda rc: rc == 0)

    for r in range(runs):
        res.loads.append(os.getloadavg()[0])
        log(f"round {r + 1}/{runs} (load average {res.loads[-1]:.2f})")
        jobs: list[Callable[[], None]] = [ruff_e9, rl_cold]
        if "ruff-default" not in plan.skip:
            jobs.append(ruff_default)
        if "floor" not in plan.skip:
            jobs.append(rl_floor)
        if "warm" not in plan.skip:
            jobs.append(rl_warm)
        if "import" not in plan.skip:
            jobs.append(import_time)
        if "scaling" not in plan.skip and plan.scaling_dirs:
            jobs.append(scaling)
        if "flake8" not in plan.skip and plan.flake8_paths:
            jobs.append(flake8_pair(first_with=r % 2 == 1))
        if "pylint" not in plan.skip and plan.pylint_paths:
            jobs.append(pylint_pair(first_with=r % 2 == 1))
        shift = r % len(jobs)
        for job in jobs[shift:] + jobs[:shift]:
            job()
    return res, warm_cache[0]


# --------------------------------------------------------------------------- report


@dataclass
class Report:
    machine: dict[str, str]
    versions: dict[str, str]
    runs: int
    corpus_files: int
    corpus_lines: int
    flake8_subset: list[str]
    flake8_lines: int
    pylint_subset: list[str]
    pylint_lines: int
    scaling: list[tuple[float, int, int]]  # fraction, files, lines
    results: Results
    warm_cache: bool | None
    flake8_plugin: bool
    pylint_plugin: bool
    pylint_module: str
    problems: list[str]
    skip: set[str]


def _main_rows(rep: Report) -> list[list[str]]:
    res = rep.results
    e9 = res.seconds("ruff_e9")
    rows: list[list[str]] = []

    def secs(key: str) -> str:
        value = res.median(key)
        if value is None:
            return res.error(key) or "not run"
        return fmt_seconds(value)

    def cpu(key: str | None, base: str | None = None) -> str:
        """Median CPU seconds of `key` and, with `base`, the median paired CPU ratio."""
        if key is None or res.median(key) is None:
            return ""
        value = fmt_seconds(median(res.cpu(key)))
        ratio = paired_ratio(res.cpu(key), res.cpu(base)) if base else None
        return value if ratio is None else f"{value} ({fmt_ratio(ratio)})"

    def add(cpu_cell: str, cells: list[str]) -> None:
        rows.append([*cells[:2], cpu_cell, *cells[2:]])

    add(
        cpu("ruff_e9", "ruff_e9"),
        [
            "`ruff check --no-cache --isolated --select E9` (yardstick)",
            secs("ruff_e9"),
            "1.00" if res.median("ruff_e9") else "n/a",
            "",
            "",
        ],
    )
    if "ruff-default" not in rep.skip:
        add(
            cpu("ruff_default", "ruff_e9"),
            [
                "`ruff check --no-cache --isolated` (default rules)",
                secs("ruff_default"),
                fmt_ratio(paired_ratio(res.seconds("ruff_default"), e9)),
                "(issue: 3.4)",
                "",
            ],
        )
    cold = paired_ratio(res.seconds("rl_cold"), e9)
    add(
        cpu("rl_cold", "ruff_e9"),
        [
            "refusal-lint cold (`check --no-cache`)",
            secs("rl_cold"),
            fmt_ratio(cold),
            "<= 1.0",
            judge(cold, 1.0),
        ],
    )
    if "floor" not in rep.skip:
        add(
            cpu("rl_floor", "ruff_e9"),
            [
                "its floor: read, scan, cut and parse, no walk, no rule (`bench/floor.py`)",
                secs("rl_floor"),
                fmt_ratio(paired_ratio(res.seconds("rl_floor"), e9)),
                "",
                "",
            ],
        )
    if "warm" not in rep.skip:
        if rep.warm_cache is False:
            add(
                cpu("rl_cold", "ruff_e9"),
                [
                    "refusal-lint warm (cache hit on every file)",
                    f"= cold ({secs('rl_cold')}): no cache yet",
                    fmt_ratio(cold),
                    "<= 0.25",
                    judge(cold, 0.25),
                ],
            )
        else:
            warm = paired_ratio(res.seconds("rl_warm"), e9)
            add(
                cpu("rl_warm", "ruff_e9"),
                [
                    "refusal-lint warm (second run, cache hit on every file)",
                    secs("rl_warm"),
                    fmt_ratio(warm),
                    "<= 0.25",
                    judge(warm, 0.25),
                ],
            )
    if "import" not in rep.skip:
        us = median(res.import_us)
        ms = us / 1000 if us is not None else None
        heavy = sorted(res.import_heavy)
        shown = "n/a" if ms is None else f"{ms:.0f} ms"
        verdict = judge(ms, 100.0)
        if heavy:
            verdict = f"no: imports {', '.join(heavy)}" + (
                "" if verdict == "yes" else f"; {verdict}"
            )
        add(
            "",
            [
                '`python -X importtime -c "import refusal_lint.cli"` (sum of self times)',
                shown if ms is not None else (res.error("import") or "not run"),
                "",
                "<= 100 ms, no libcst/astroid/pylint",
                verdict + ("" if heavy or ms is None else "; none of them imported"),
            ],
        )
    if "memory" not in rep.skip:
        peaks = [r.tree_rss_kb / 1024 for r in res.runs.get("rl_cold", []) if r.seconds]
        single = [r.maxrss_kb / 1024 for r in res.runs.get("rl_cold", []) if r.seconds]
        mb = median(peaks)
        one = median(single)
        shown = "n/a" if mb is None else f"{mb:.0f} MB"
        if mb is not None and one is not None and abs(mb - one) >= 1:
            shown += f" (largest process {one:.0f} MB)"
        add(
            "",
            [
                "peak memory of the cold run (PSS of all its processes)",
                shown,
                "",
                "<= 200 MB",
                judge(mb, 200.0),
            ],
        )
    for tool, enabled, installed, target, limit in (
        ("flake8", "flake8" not in rep.skip, rep.flake8_plugin, "<= +5%", 1.05),
        ("pylint", "pylint" not in rep.skip, rep.pylint_plugin, "<= +3%", 1.03),
    ):
        if not enabled:
            continue
        lines = rep.flake8_lines if tool == "flake8" else rep.pylint_lines
        what = "default plugins" if tool == "flake8" else "default checkers"
        add(
            cpu(f"{tool}_without", f"{tool}_without"),
            [
                f"{tool}, {what}, {lines:,}-line subset, without the plugin",
                secs(f"{tool}_without"),
                "1.00" if res.median(f"{tool}_without") else "n/a",
                "",
                "",
            ],
        )
        if not installed:
            add(
                "",
                [
                    f"{tool} with the refusal-lint plugin",
                    "plugin not installed",
                    "n/a",
                    target,
                    "n/a",
                ],
            )
            continue
        ratio = paired_ratio(res.seconds(f"{tool}_with"), res.seconds(f"{tool}_without"))
        label = (
            "the refusal-lint plugin"
            if tool == "flake8"
            else f"`--load-plugins {rep.pylint_module}`"
        )
        add(
            cpu(f"{tool}_with", f"{tool}_without"),
            [
                f"{tool} with {label}",
                secs(f"{tool}_with"),
                fmt_ratio(ratio),
                target,
                judge(ratio, limit, overhead=True),
            ],
        )
    if "scaling" not in rep.skip:
        fit = scaling_fit(rep)
        add(
            "",
            [
                "time grows linearly with corpus size (4 sizes, see below)",
                "n/a" if fit is None else f"R^2 = {fit.r2:.4f}",
                "",
                "linear (R^2 >= 0.98)",
                "n/a" if fit is None else ("yes" if fit.r2 >= 0.98 else "no"),
            ],
        )
    return rows


def scaling_points(rep: Report) -> list[tuple[float, int, int, float | None]]:
    """(fraction, files, lines, median seconds); the 100% point is the cold run itself."""
    res = rep.results
    points: list[tuple[float, int, int, float | None]] = []
    for frac, files, lines in rep.scaling:
        key = "rl_cold" if frac == 1.0 else f"scale_{round(frac * 100)}"
        points.append((frac, files, lines, res.median(key)))
    return points


def scaling_fit(rep: Report) -> Fit | None:
    pts = [(lines, s) for _, _, lines, s in scaling_points(rep) if s is not None]
    if len(pts) < 2:
        return None
    return linear_fit([float(p[0]) for p in pts], [p[1] for p in pts])


def render_scaling(rep: Report) -> str:
    rows = []
    prev: tuple[int, float] | None = None
    for frac, files, lines, secs in scaling_points(rep):
        per = f"{secs / lines * 1e5:.2f} s" if secs is not None and lines else "n/a"
        marginal = "n/a"
        if prev is not None and secs is not None and lines > prev[0]:
            marginal = f"{(secs - prev[1]) / (lines - prev[0]) * 1e5:.2f} s"
        rows.append([f"{frac:.0%}", f"{files:,}", f"{lines:,}", fmt_seconds(secs), per, marginal])
        prev = (lines, secs) if secs is not None else prev
    return render_table(
        ["share of files", "files", "lines", "median", "per 100k lines", "marginal per 100k"],
        rows,
    )


MAIN_HEADER = ["figure", "median", "CPU (ratio)", "ratio", "target", "met?"]


def render_console(rep: Report) -> str:
    parts = [render_table(MAIN_HEADER, _main_rows(rep))]
    if "scaling" not in rep.skip:
        parts.append(render_scaling(rep))
    parts.append(_notes(rep))
    parts.append(_machine(rep))
    return "\n\n".join(parts)


def _notes(rep: Report) -> str:
    res = rep.results
    notes = [
        f"- Corpus: {rep.corpus_files:,} files, {rep.corpus_lines:,} lines; "
        f"medians of {rep.runs} paired rounds. A ratio is the median of the per-round "
        "ratios to ruff E9 (to the run without the plugin for the plugin rows).",
    ]
    if rep.warm_cache is False:
        notes.append(
            "- Warm: the installed refusal-lint wrote no cache directory "
            f"(`{CACHE_DIR_NAME}/`) in a run without `--no-cache` and its second run was not "
            "faster, so there is no cache yet and warm is reported as cold."
        )
    if "flake8" not in rep.skip:
        notes.append(
            f"- flake8 subset: {', '.join(rep.flake8_subset)} ({rep.flake8_lines:,} lines)."
            + (
                ""
                if rep.flake8_plugin
                else " `flake8 --version` does not list refusal-lint: plugin not installed."
            )
        )
    if "pylint" not in rep.skip:
        notes.append(
            f"- pylint subset: {', '.join(rep.pylint_subset)} ({rep.pylint_lines:,} lines)."
            + (
                ""
                if rep.pylint_plugin
                else f" `{rep.pylint_module}` does not import in the "
                "tools venv: plugin not installed."
            )
        )
    if "import" not in rep.skip:
        heavy = sorted(res.import_heavy)
        notes.append(
            "- Import log: "
            + (
                f"imports {', '.join(heavy)}."
                if heavy
                else "no libcst, astroid or pylint module imported."
            )
        )
    cold = [r for r in res.runs.get("rl_cold", []) if r.seconds]
    if cold:
        cpu = median(r.cpu_s for r in cold)
        wall = median(r.seconds for r in cold)
        if cpu is not None and wall:
            notes.append(
                f"- refusal-lint cold: median CPU time (user + sys, all processes) "
                f"{cpu:.1f} s for {wall:.1f} s of wall time."
            )
    if res.loads:
        notes.append(
            "- 1-minute load average at the start of each round: "
            + ", ".join(f"{load:.2f}" for load in res.loads)
            + " (other work on the machine shows as noise; the pairing and the CPU column"
            " are there for that)."
        )
    for key in sorted(res.runs):
        failed = [r.error for r in res.runs[key] if r.error]
        if failed:
            notes.append(f"- `{key}` failed {len(failed)} time(s): {failed[0]}")
    notes += [f"- {n}" for n in res.notes]
    notes += [f"- Problem: {p}" for p in rep.problems]
    return "\n".join(notes)


def _machine(rep: Report) -> str:
    m = rep.machine
    v = rep.versions
    tools = ", ".join(f"{k} {val}" for k, val in v.items() if val != "not installed")
    return "\n".join(
        [
            f"- Date: {m['date']}; refusal-lint commit {m['commit']}",
            f"- CPUs usable: {m['nproc']} ({m['cpu']}); memory {m['memory']}; {m['os']}",
            f"- {m['python']} (tools venv)",
            f"- Tools: {tools}",
        ]
    )


def _raw(rep: Report) -> str:
    res = rep.results
    rows = []
    for key in sorted(res.runs):
        values = " ".join(
            f"{r.seconds:.2f}" if r.seconds is not None else "fail" for r in res.runs[key]
        )
        rows.append([f"`{key}`", values])
    if res.import_us:
        us = " ".join(f"{u / 1000:.0f}" if u is not None else "fail" for u in res.import_us)
        rows.append(["import time, ms (sum of self times)", us])
    return render_table(["measurement", "per round, seconds (in round order)"], rows)


DESIGN = """\
## How a run spends its time

- **Trigger scan** (`refusal_lint/prefilter.py`). Every finding starts from a word of the
  provider catalog: a stop-signal field, a refusal class, a provider enum, an SDK call shape
  or constructor (~70 words). They are covered by ~26 shared *anchors* (`eason` stands for
  `stop_reason`, `finish_reason`, `FinishReason`, ...): one `bytes.find` pass per anchor, each
  hit verified against the words it stands for. About 88% of the corpus's files hold none and
  are never decoded or parsed.
- **Partial parse.** In a file that holds one, only the top-level statements (and class
  members) that hold a trigger word or a stop-value table (two quoted dict keys from the
  catalog's vocabularies), use a name bound to one (`client = OpenAI()`, an SDK import,
  `self.client = ...`, a module table; as a whole name: `http_client` does not use
  `client`) or give module context (imports, assignments, enum classes) are parsed; the
  rest is blanked, newlines kept, so lines and columns do not move.
  A cut that does not parse falls back to a whole parse pruned to the same statements, which
  is also what the flake8 and pylint plugins do with their host's tree.
- **Soundness.** `bench/soundness.py DIR` runs the full engine (every file parsed whole) next
  to the fast path and prints every finding only one of them has; `tests/test_prefilter.py`
  does the same over every case-book example, `examples/` and a set of tricky modules in CI.
  The only differences are two documented scope limits: a stop-value table in a module that
  names no signal or SDK, and a mistyped key reached only through a module constant in a
  function that names none.
- **Cache** (`.refusal_lint_cache/`, `--no-cache`, `cache-dir`): findings by content digest,
  and each path's size and mtime, so a warm run is a directory walk and one `stat()` per file.
  Discovery keeps paths as strings and decides virtualenvs and `.gitignore` files from the
  directory listing it already has (a `Path` object per file, or a `stat()` per directory,
  each cost a fifth of a warm run).
- **Workers**: with more than 4 MB to lint, the files are split by bytes over forked worker
  processes (`--jobs`, default the CPUs available).
- **Imports**: the command line imports the engine, the config and the renderers only when a
  command needs them; libcst, astroid and pylint are never imported to detect.
- **The walk** lists only the nodes a collector reads (contexts, operators and constants,
  almost half of all nodes, are skipped) and hands name reads, the most common node,
  straight to the two hooks that record them.
- **Why cold misses its target**: the floor row above is `bench/floor.py`, the same read,
  scan, cut and parse with no walk and no rule. What the rules must see is real code: the
  LLM SDKs and frameworks of the corpus name a stop signal or an SDK call in most of their
  functions, so about 18 MB of its 115 MB is parsed. Where the CPU time goes, in one
  process over the whole corpus (measured 2026-11-26): read 0.4 s, trigger scan 2.7 s (each
  of the 26 anchors is one `bytes.find` pass at ~80 ms per 115 MB; one regex alternation of
  the anchors is slower still, 4.6 s), block selection 1.1 s, `ast.parse` of the kept text
  3.75 s, walk and rules 8.0 s: about 16 CPU seconds against ruff E9's 3.7. The scan and
  the parse alone exceed ruff's whole parse-only pass, so no speed-up of the walk can bring a
  pure-Python cold run to ruff E9; the cache is what makes repeated runs cheap. Of the kept
  text, ~2 MB is kept only by trigger words inside docstrings or comments (not dropped: telling
  a docstring from code on bytes is not sound without tokenizing).

"""


def render_markdown(rep: Report, command: str) -> str:
    fit = scaling_fit(rep)
    pts = [(lines, s) for _, _, lines, s in scaling_points(rep) if s is not None]
    fit_text = (
        ""
        if fit is None
        else f"Least-squares line: {fit.slope * 1e5:.2f} s per 100k lines + {fit.intercept:.2f} s "
        f"(R^2 = {fit.r2:.4f}); dashed in the chart.\n\n"
    )
    scaling = (
        ""
        if "scaling" in rep.skip
        else (
            "## Scaling\n\n"
            "refusal-lint cold (`check --no-cache`) on 4 nested subsets of the corpus: the "
            "files in a fixed pseudo-random order (sorted by the SHA-1 of their path), the "
            "first 25%, 50%, 75% and all of them; the 100% point is the cold run above.\n\n"
            f"{render_scaling(rep)}\n\n{fit_text}"
            f"{render_svg(pts, fit)}\n\n"
        )
    )
    return (
        "# Performance\n\n"
        "<!-- Generated by bench/benchmark.py --out docs/performance.md; rerun it rather "
        "than editing by hand. -->\n\n"
        "How fast refusal-lint is on a three-million-line tree of real Python, next to ruff, "
        "flake8 and pylint, measured by [`bench/benchmark.py`](../bench/benchmark.py) on the "
        "pinned corpus of [`bench/corpus-packages.txt`](../bench/corpus-packages.txt) "
        "(LLM SDKs, LLM frameworks, botocore and django). The yardstick is ruff's parse-only "
        "pass, `ruff check --no-cache --isolated --select E9`, run in the same round as every "
        "other command. The targets are those of the speed work (issue 8).\n\n"
        "## Latest results\n\n"
        f"{render_table(MAIN_HEADER, _main_rows(rep))}\n\n"
        f"{_notes(rep)}\n\n"
        f"{DESIGN}"
        "## Machine\n\n"
        f"{_machine(rep)}\n\n"
        f"{scaling}"
        "## How to rerun\n\n"
        "```sh\n"
        "# fetch the corpus once (about 115 MB of .py, never committed), then measure:\n"
        "python bench/benchmark.py --corpus ../corpus/bench --fetch --runs 5 "
        "--out docs/performance.md\n"
        "```\n\n"
        "The tools go into a separate venv (`--tools-venv`, default "
        "`~/.cache/refusal-lint-bench/venv`): ruff, flake8 and pylint, latest from PyPI, and "
        "this repository with `pip install .` (reinstalled each run), so the figures are "
        "those of the working tree. A full run takes about as long as 5 x (3 cold "
        "refusal-lint runs + a flake8 and a pylint pair); `--skip flake8,pylint,scaling` "
        "shortens it, `--json FILE` keeps the raw timings.\n\n"
        f"This page was produced by: `{command}`\n\n"
        "## Method\n\n"
        "- Every round runs each command once, in an order rotated from round to round (the "
        "plugin pairs also swap which side runs first), so slow phases of a noisy machine hit "
        "all commands alike. Medians are over the rounds; a ratio is the median of the "
        "per-round ratios.\n"
        "- Wall time of the whole process, output discarded. refusal-lint runs as "
        "`refusal-lint check [--no-cache] --exit-zero --quiet DIR` from an empty working "
        "directory. Warm: a run without `--no-cache` fills the cache, the next one is timed; "
        "the cache is removed before the next round.\n"
        "- CPU (ratio): the median user + sys time of the process and all its children "
        "(from `wait4`), and in brackets the median of the per-round CPU ratios. Busy "
        "neighbours on the machine disturb it much less than wall time, so it is the better "
        "guide to the plugin overheads; the targets are judged on wall time.\n"
        "- Import time: the sum of the self times of every line `python -X importtime` "
        "prints (interpreter start-up imports included).\n"
        "- Peak memory: the largest sum of the proportional set size (PSS: a page shared by "
        "forked workers counts once in all) of the process and its children (RSS where the "
        "kernel has no smaps_rollup), sampled "
        "every 0.1 s from /proc, or the kernel's peak RSS of the largest process if that is "
        "larger.\n"
        "- flake8 runs through a small shim that can hide the refusal-lint distribution from "
        "flake8's plugin discovery; both sides of the pair use it. pylint runs with "
        "`--recursive=y --persistent=n`, with and without `--load-plugins`.\n"
        "- Each run has a timeout (`--timeout`, 20 minutes by default); a missing or failing "
        "tool is reported in the table and the notes.\n\n"
        "<details><summary>Raw timings</summary>\n\n"
        f"{_raw(rep)}\n\n"
        "</details>\n"
    )


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True, help="corpus directory")
    parser.add_argument("--fetch", action="store_true", help="download missing releases first")
    parser.add_argument("--runs", type=int, default=5, help="paired rounds (default 5)")
    parser.add_argument("--tools-venv", type=Path, default=DEFAULT_VENV, help="tools venv")
    parser.add_argument("--no-install", action="store_true", help="reuse the tools venv as it is")
    parser.add_argument("--out", type=Path, help="write the Markdown report here")
    parser.add_argument("--json", type=Path, help="write the raw timings here")
    parser.add_argument("--timeout", type=float, default=1200, help="seconds per run")
    parser.add_argument(
        "--skip", default="", help=f"comma-separated groups to skip: {', '.join(SKIPPABLE)}"
    )
    parser.add_argument(
        "--pylint-plugin", default="refusal_lint.pylint", help="pylint plugin module"
    )
    args = parser.parse_args(argv)
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    if skip - set(SKIPPABLE):
        parser.error(f"unknown --skip groups: {', '.join(sorted(skip - set(SKIPPABLE)))}")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.runs < 5:
        log(f"warning: {args.runs} round(s); the figures need at least 5")

    corpus: Path = args.corpus.resolve()
    packages = parse_packages(PACKAGES_FILE.read_text())
    problems: list[str] = []
    if args.fetch and not fetch_corpus(packages, corpus):
        problems.append("some releases could not be fetched")
    if not corpus.is_dir():
        print(f"no corpus at {corpus} (use --fetch)", file=sys.stderr)
        return 2
    files = corpus_files(corpus)
    if not files:
        print(f"no *.py files under {corpus} (use --fetch)", file=sys.stderr)
        return 2
    missing = [f"{n}-{v}" for n, v in packages if not (corpus / f"{n}-{v}").is_dir()]
    if missing:
        problems.append(f"corpus lacks {len(missing)} pinned release(s): {', '.join(missing)}")
    log(f"corpus: {len(files):,} files, {sum(files.values()):,} lines")

    venv = args.tools_venv.expanduser().resolve()
    problems += setup_venv(venv, install=not args.no_install)
    versions = tool_versions(venv)
    log(f"versions: {versions}")
    python = str(venv_bin(venv, "python"))

    flake8_version = capture([python, "-c", FLAKE8_SHIM, "with", "--version"]) or ""
    flake8_plugin = "refusal" in flake8_version.lower()
    if (
        flake8_plugin
        and "refusal"
        in (capture([python, "-c", FLAKE8_SHIM, "without", "--version"]) or "refusal").lower()
    ):
        problems.append("the flake8 shim cannot hide the plugin; flake8 pair not run")
        skip.add("flake8")
    pylint_plugin = (
        capture([python, "-c", f"import {args.pylint_plugin} as m; m.register"]) is not None
    )
    log(f"flake8 plugin installed: {flake8_plugin}; pylint plugin importable: {pylint_plugin}")

    # subsets of whole packages for the plugin pairs
    by_pkg: dict[str, int] = {}
    dir_of: dict[str, str] = {}
    for rel, lines in files.items():
        top = rel.split("/", 1)[0]
        if "/" not in rel:
            continue
        name = package_name(top)
        by_pkg[name] = by_pkg.get(name, 0) + lines
        dir_of[name] = top
    flake8_subset = pick_subset(by_pkg, FLAKE8_PACKAGES, FLAKE8_TARGET_LINES)
    pylint_subset = pick_subset(by_pkg, PYLINT_PACKAGES, PYLINT_TARGET_LINES)
    flake8_lines = sum(by_pkg[n] for n in flake8_subset)
    pylint_lines = sum(by_pkg[n] for n in pylint_subset)
    log(f"flake8 subset: {flake8_subset} ({flake8_lines:,} lines)")
    log(f"pylint subset: {pylint_subset} ({pylint_lines:,} lines)")

    workdir = Path(tempfile.mkdtemp(prefix=".rl-bench-", dir=corpus.parent))
    try:
        order = shuffled(files)
        scaling: list[tuple[float, int, int]] = []
        scaling_dirs: list[Path] = []
        for frac, subset in zip(
            SCALING_FRACTIONS, nested_subsets(order, SCALING_FRACTIONS), strict=True
        ):
            scaling.append((frac, len(subset), sum(files[f] for f in subset)))
            if frac < 1.0 and "scaling" not in skip:
                dest = workdir / f"scale-{round(frac * 100)}"
                make_subset(corpus, subset, dest)
                scaling_dirs.append(dest)
        run_dir = workdir / "cwd"
        run_dir.mkdir()
        plan = Plan(
            corpus=corpus,
            venv=venv,
            workdir=run_dir,
            timeout=args.timeout,
            skip=skip,
            flake8_paths=[corpus / dir_of[n] for n in flake8_subset],
            pylint_paths=[corpus / dir_of[n] for n in pylint_subset],
            scaling_dirs=scaling_dirs,
            flake8_plugin=flake8_plugin,
            pylint_plugin=pylint_plugin,
            pylint_module=args.pylint_plugin,
        )
        results, warm_cache = run_rounds(plan, args.runs)
        for cache in _cache_dirs(plan):
            shutil.rmtree(cache, ignore_errors=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    report = Report(
        machine=machine_info(venv),
        versions=versions,
        runs=args.runs,
        corpus_files=len(files),
        corpus_lines=sum(files.values()),
        flake8_subset=[dir_of[n] for n in flake8_subset],
        flake8_lines=flake8_lines,
        pylint_subset=[dir_of[n] for n in pylint_subset],
        pylint_lines=pylint_lines,
        scaling=scaling,
        results=results,
        warm_cache=warm_cache,
        flake8_plugin=flake8_plugin,
        pylint_plugin=pylint_plugin,
        pylint_module=args.pylint_plugin,
        problems=problems,
        skip=skip,
    )
    print(render_console(report))
    command = "python bench/benchmark.py " + " ".join(argv if argv is not None else sys.argv[1:])
    if args.out:
        args.out.write_text(render_markdown(report, command))
        log(f"wrote {args.out}")
    if args.json:
        raw = {
            "machine": report.machine,
            "versions": versions,
            "runs": {
                k: [
                    {
                        "seconds": r.seconds,
                        "error": r.error,
                        "maxrss_kb": r.maxrss_kb,
                        "tree_rss_kb": r.tree_rss_kb,
                        "cpu_s": r.cpu_s,
                    }
                    for r in v
                ]
                for k, v in results.runs.items()
            },
            "import_us": results.import_us,
        }
        args.json.write_text(json.dumps(raw, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
