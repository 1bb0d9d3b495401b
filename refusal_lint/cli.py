"""The `refusal-lint` command: `check`, `audit`, `rule`, `rules`.

Exit codes: 0 no findings (or --exit-zero), 1 findings, 2 usage / config / internal error
(one `refusal-lint: error: ...` line on stderr naming the problem, or an RFL901 finding),
130 interrupted (Ctrl-C; one line, no traceback).
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import click

from refusal_lint import __version__
from refusal_lint.formats import AUDIT_FORMATS, FORMATS, MACHINE_FORMATS

# The engine, the config and the renderers are imported where they are used, so that
# `refusal-lint --help`, `rule` and `rules` start fast (see docs/performance.md).
if TYPE_CHECKING:
    from refusal_lint.audit.report import AuditReport
    from refusal_lint.config import ProjectConfig
    from refusal_lint.finding import Finding
    from refusal_lint.project_run import ProjectScan
    from refusal_lint.runner import FileResult
    from refusal_lint.settings import Settings

P = ParamSpec("P")
R = TypeVar("R")
BUG_REPORT_URL = "https://github.com/refusal-lint/refusal-lint/issues"
STDIN = "-"


class UsageFailure(click.ClickException):
    """A usage, config or internal error: exit 2 with `refusal-lint: error: ...`."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"refusal-lint: error: {self.format_message()}", err=True)


class Interrupted(click.ClickException):
    """Ctrl-C: exit 130 (128 + SIGINT, as shells report it) with one line, no traceback."""

    exit_code = 130

    def show(self, file: Any = None) -> None:
        click.echo("refusal-lint: interrupted", err=True)


def _guard(func: Callable[P, R]) -> Callable[P, R]:
    """Turn config errors and unexpected exceptions into exit 2 with a one-line message."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        from refusal_lint import interrupt
        from refusal_lint.config import ConfigError

        try:
            with interrupt.sticky():
                return func(*args, **kwargs)
        except KeyboardInterrupt as exc:  # fixes are written atomically: no half-written file
            raise Interrupted("interrupted") from exc
        except ConfigError as exc:
            raise UsageFailure(str(exc)) from exc
        except (click.ClickException, click.exceptions.Exit, click.Abort, BrokenPipeError):
            raise  # click reports these itself (a closed pipe exits quietly)
        except Exception as exc:
            if os.environ.get("REFUSAL_LINT_DEBUG"):
                raise
            raise UsageFailure(
                f"internal error: {type(exc).__name__}: {exc}\n"
                f"This is a bug in refusal-lint; please report it at {BUG_REPORT_URL} with the "
                "command and the file that triggered it (REFUSAL_LINT_DEBUG=1 shows the traceback)."
            ) from exc

    return wrapper


def _warn(message: str) -> None:
    click.echo(f"refusal-lint: warning: {message}", err=True)


def _warn_unlistable(path: Path, exc: OSError) -> None:
    from refusal_lint.discovery import display_path

    _warn(f"cannot read directory {display_path(path)}: {exc.strerror or exc}")


def _selectors(values: tuple[str, ...]) -> list[str] | None:
    """Repeatable, comma-separated option values; None when the option was not given."""
    if not values:
        return None
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _decode(data: bytes) -> str:
    """Source text for context lines; never fails (the engine reports real decode errors)."""
    from refusal_lint.runner import source_text

    return source_text(data)


def _settings(
    paths: Sequence[str],
    stdin_filename: str | None,
    *,
    config_file: Path | None,
    isolated: bool,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    force_exclude: bool | None,
) -> tuple[Settings, ProjectConfig]:
    """Check the paths exist, then load the config and apply the command-line selection."""
    from refusal_lint.config import load_settings
    from refusal_lint.discovery import missing_paths

    missing = missing_paths(Path(p) for p in paths if p != STDIN)
    if missing:
        raise UsageFailure(f"path does not exist: {missing[0]}")
    return load_settings(
        _config_start(paths, stdin_filename),
        config_file=config_file,
        isolated=isolated,
        select=_selectors(select),
        extend_select=_selectors(extend_select),
        ignore=_selectors(ignore),
        force_exclude=force_exclude,
    )


@dataclass
class _Run:
    """One `check` run: lints sources and collects findings and context."""

    settings: Settings
    project: ProjectConfig
    findings: list[Finding]
    sources: dict[str, str]
    stdin: bytes | None = None  # what '-' read, so --fix can echo it byte for byte
    scan: ProjectScan | None = None  # project-level rules (RFL012), only when enabled

    def lint(self, data: bytes, display: str, path: Path | None) -> None:
        from refusal_lint.config import ignored_codes
        from refusal_lint.runner import check_file_bytes, lint_file_bytes

        if self.scan is None:
            found = check_file_bytes(data, display, self.settings)
        else:
            found, summary = lint_file_bytes(data, display, self.settings)
            self.scan.add(display, summary, _decode(data))
        if path is not None and found:
            ignored = ignored_codes(path, self.settings, self.project.root)
            found = [f for f in found if f.code not in ignored]
        if found:
            self.findings.extend(found)
            self.sources[display] = _decode(data)

    def add(self, result: FileResult) -> None:
        """One file's result from the runner (per-file ignores applied here)."""
        if result.error is not None:
            self.unreadable(result.display, Path(result.path), result.error)
            return
        if self.scan is not None:
            self.scan.add(result.display, result.summary, result.source)
        found = result.findings
        if found:  # called for every file: the import is paid only where it is needed
            from refusal_lint.config import ignored_codes

            ignored = ignored_codes(Path(result.path), self.settings, self.project.root)
            found = [f for f in found if f.code not in ignored]
        if found:
            self.findings.extend(found)
            self.sources[result.display] = result.source or ""

    def add_project_findings(self) -> None:
        """Judge the summaries of every file read (after --fix, on the fixed sources)."""
        from refusal_lint.config import ignored_codes

        if self.scan is not None:
            root = self.project.root
            self.findings += self.scan.findings(
                self.sources, lambda name: ignored_codes(Path(name), self.settings, root)
            )

    def unreadable(self, display: str, path: Path, exc: OSError) -> None:
        from refusal_lint import api
        from refusal_lint.config import ignored_codes
        from refusal_lint.finding import Finding

        code, name = api.UNPARSEABLE
        if code in self.settings.enabled and code not in ignored_codes(
            path, self.settings, self.project.root
        ):
            reason = exc.strerror or str(exc)
            message = f"cannot read file: {reason}"
            self.findings.append(Finding(display, 1, 0, code, name, message, 1, 0))


def _config_start(paths: Sequence[str], stdin_filename: str | None) -> Path:
    """Where the config search starts: the common directory of the paths (black's rule)."""
    named = [p for p in paths if p != STDIN]
    if stdin_filename is not None:
        named.append(stdin_filename)
    if not named:
        return Path.cwd()
    return Path(os.path.commonpath([os.path.abspath(p) for p in named]))


def _print_report(
    run: _Run, fmt: str, *, statistics: bool, quiet: bool, unsafe_fixes: bool = False
) -> None:
    from refusal_lint.output import Report, Style, renderer, summary
    from refusal_lint.output import stats as stats_output

    color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    style = Style(color=color, unsafe_fixes=unsafe_fixes)
    findings = sorted(run.findings)
    if statistics:
        text = stats_output.render(findings, style, as_json=fmt == "json")
    else:
        text = renderer(fmt)(Report(findings, run.sources), style)
    if text:
        click.echo(text, color=color)
    if fmt not in MACHINE_FORMATS and not quiet:
        if findings and not statistics and fmt == "full":
            click.echo("")
        click.echo(summary(findings, unsafe_fixes=unsafe_fixes), color=color)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(
    __version__, "--version", prog_name="refusal-lint", message="%(prog)s %(version)s"
)
def cli() -> None:
    """Find code that silently treats an LLM refusal as an answer."""


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--select",
    multiple=True,
    help="Rules to enable (codes, prefixes, names, ALL); replaces the config's.",
)
@click.option("--extend-select", multiple=True, help="Rules to enable on top of the selection.")
@click.option("--ignore", multiple=True, help="Rules to disable.")
@click.option("--output-format", type=click.Choice(FORMATS), default="full", show_default=True)
@click.option("--statistics", is_flag=True, help="Show counts per rule instead of findings.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Use this config file.",
)
@click.option("--isolated", is_flag=True, help="Ignore all config files.")
@click.option("-q", "--quiet", is_flag=True, help="Print findings only, no summary or warnings.")
@click.option(
    "--no-cache", is_flag=True, help="Do not read or write the cache (.refusal_lint_cache/)."
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    help="Worker processes for large trees (default: the CPUs available).",
)
@click.option(
    "--force-exclude/--no-force-exclude",
    default=None,
    help="Apply exclusions to paths given explicitly too (default: config's force-exclude).",
)
@click.option("--stdin-filename", help="File name to report (and match config against) for '-'.")
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Hide the findings recorded in this baseline file (see --write-baseline).",
)
@click.option(
    "--write-baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Record the current findings in this baseline file and exit 0.",
)
@click.option("--since", metavar="REV", help="Only findings on lines changed since git REV.")
@click.option("--fix", is_flag=True, help="Apply the safe fixes, then report what remains.")
@click.option(
    "--unsafe-fixes", is_flag=True, help="Also apply (and mark [*]) fixes that are unsafe."
)
@click.option(
    "--diff",
    "show_diff",
    is_flag=True,
    help="Print the diff --fix would make; write nothing (exit 1 if there is one).",
)
@click.option("--fix-only", is_flag=True, help="Apply the fixes and report only their count.")
@_guard
def check(
    paths: tuple[str, ...],
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    output_format: str,
    statistics: bool,
    exit_zero: bool,
    config_file: Path | None,
    isolated: bool,
    quiet: bool,
    no_cache: bool,
    jobs: int | None,
    force_exclude: bool | None,
    stdin_filename: str | None,
    baseline: Path | None,
    write_baseline: Path | None,
    since: str | None,
    fix: bool,
    unsafe_fixes: bool,
    show_diff: bool,
    fix_only: bool,
) -> None:
    """Lint PATHS (files or directories; default '.', '-' reads stdin)."""
    from refusal_lint import gate
    from refusal_lint.cache import Cache, cache_directory
    from refusal_lint.discovery import python_files
    from refusal_lint.runner import default_jobs, lint_files

    paths = paths or (".",)
    settings, project = _settings(
        paths,
        stdin_filename,
        config_file=config_file,
        isolated=isolated,
        select=select,
        extend_select=extend_select,
        ignore=ignore,
        force_exclude=force_exclude,
    )
    run = _Run(settings, project, [], {}, scan=_project_scan(settings))
    names = python_files(
        [Path(p) for p in paths if p != STDIN],
        root=project.root,
        exclude=project.exclude,
        extend_exclude=project.extend_exclude,
        respect_gitignore=project.respect_gitignore,
        force_exclude=project.force_exclude,
        on_error=None if quiet else _warn_unlistable,
        also=run.scan.wants if run.scan else None,
    )
    cache = (
        None if no_cache else Cache.open(cache_directory(project.root, project.cache_dir), settings)
    )
    for result in lint_files(names, settings, cache, jobs or default_jobs()):
        run.add(result)
    if cache is not None:
        cache.save()
    if run.scan is not None:  # cassettes were read, not linted
        names = run.scan.python_files(names)
    linted = len(names) + _lint_stdin(run, paths, stdin_filename)
    if not linted and not quiet:
        _warn("no Python files found")
    if fix or fix_only or show_diff:
        from refusal_lint import fix_command

        stdin = _stdin_display(paths, stdin_filename)
        code = fix_command.run_fixes(
            run, [Path(n) for n in names], stdin, unsafe=unsafe_fixes, diff=show_diff,
            fix_only=fix_only,
            quiet=quiet, exit_zero=exit_zero, warn=_warn,
            machine=output_format in MACHINE_FORMATS,
        )  # fmt: skip
        if code is not None:
            sys.exit(code)
    run.add_project_findings()
    if gate.narrow(run, baseline=baseline, write_baseline=write_baseline, since=since, quiet=quiet):
        return  # --write-baseline: recorded, nothing to report
    _print_report(run, output_format, statistics=statistics, quiet=quiet, unsafe_fixes=unsafe_fixes)
    if any(f.code == "RFL901" for f in run.findings):
        sys.exit(2)  # an engine bug skipped part of a file: CI must notice (RFL901)
    sys.exit(1 if run.findings and not exit_zero else 0)


def _project_scan(settings: Settings) -> ProjectScan | None:
    """RFL012's collector of summaries, only when a project-level rule is enabled (a run
    without one never imports it)."""
    from refusal_lint.registry import PROJECT_CODES

    if not settings.enabled & PROJECT_CODES:
        return None
    from refusal_lint.project_run import ProjectScan

    return ProjectScan(settings)


def _excluded(path: Path, cfg: ProjectConfig) -> bool:
    from refusal_lint.discovery import is_force_excluded

    return is_force_excluded(
        path, root=cfg.root, exclude=cfg.exclude, extend_exclude=cfg.extend_exclude
    )


def _lint_stdin(run: _Run, paths: Sequence[str], stdin_filename: str | None) -> int:
    """Lint stdin if '-' was given; 1 if it was linted, 0 otherwise."""
    from refusal_lint.discovery import display_path

    if STDIN not in paths:
        return 0
    path = Path(stdin_filename) if stdin_filename else None
    if path is not None and run.project.force_exclude and _excluded(path, run.project):
        return 0
    data = run.stdin = sys.stdin.buffer.read()
    run.lint(data, display_path(path) if path else STDIN, path)
    run.sources.setdefault(display_path(path) if path else STDIN, _decode(data))  # for --fix
    return 1


def _stdin_display(paths: Sequence[str], stdin_filename: str | None) -> str | None:
    """The name stdin's findings carry, if '-' was linted."""
    from refusal_lint.discovery import display_path

    if STDIN not in paths:
        return None
    return display_path(Path(stdin_filename)) if stdin_filename else STDIN


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--output-format",
    type=click.Choice(AUDIT_FORMATS),
    default="text",
    show_default=True,
    help="text: a terminal table; markdown: for a pull request; json; html: one file.",
)
@click.option(
    "--fail-under",
    type=click.FloatRange(0, 100),
    metavar="PERCENT",
    help="Exit 1 when fewer dispatch sites handle refusal with a loud default.",
)
@click.option("--select", multiple=True, help="Rules whose findings are attached to sites.")
@click.option("--extend-select", multiple=True, help="Rules to enable on top of the selection.")
@click.option("--ignore", multiple=True, help="Rules to disable.")
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Use this config file.",
)
@click.option("--isolated", is_flag=True, help="Ignore all config files.")
@click.option(
    "--force-exclude/--no-force-exclude",
    default=None,
    help="Apply exclusions to paths given explicitly too (default: config's force-exclude).",
)
@click.option("-q", "--quiet", is_flag=True, help="Print the report only, no warnings.")
@_guard
def audit(
    paths: tuple[str, ...],
    output_format: str,
    fail_under: float | None,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    config_file: Path | None,
    isolated: bool,
    force_exclude: bool | None,
    quiet: bool,
) -> None:
    """Report every refusal-handling site under PATHS (default '.') and its coverage.

    Exit codes: 0 report written, 1 below --fail-under, 2 usage / config / internal error.
    """
    from refusal_lint.audit.render import renderer
    from refusal_lint.audit.run import audit_paths
    from refusal_lint.output import Style

    paths = paths or (".",)
    settings, project = _settings(
        paths,
        None,
        config_file=config_file,
        isolated=isolated,
        select=select,
        extend_select=extend_select,
        ignore=ignore,
        force_exclude=force_exclude,
    )
    report = audit_paths(
        [Path(p) for p in paths],
        settings,
        project,
        on_error=None if quiet else _warn_unlistable,
        progress=sys.stderr,
    )
    report.fail_under = fail_under
    if not report.files and not quiet:
        _warn("no Python files found")
    color = output_format == "text" and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    click.echo(renderer(output_format)(report, Style(color=color)), color=color)
    _exit_audit(report, quiet=quiet)


def _exit_audit(report: AuditReport, *, quiet: bool) -> None:
    """Exit 2 if the engine failed on a file, 1 below the gate, else 0."""
    errors = [f for f in report.other_findings if f.code == "RFL901"]
    if errors:
        files = len({f.filename for f in errors})
        _warn(f"internal error (RFL901) in {files} file(s): the audit is incomplete")
        sys.exit(2)
    if report.fail_under is None:
        return
    if not quiet:
        verdict = "meets" if report.passed else "is below"
        click.echo(
            f"refusal-lint: refusal coverage {report.gate.share:.1f}% {verdict} "
            f"--fail-under {report.fail_under:g}% ({report.gate.describe()})",
            err=True,
        )
    if not report.passed:
        sys.exit(1)


@cli.command()
@click.argument("code_or_name")
@_guard
def rule(code_or_name: str) -> None:
    """Print the documentation of one rule (by code or name)."""
    from refusal_lint.registry import get_rule

    found = get_rule(code_or_name)
    if found is None:
        raise UsageFailure(f"unknown rule {code_or_name!r} (`refusal-lint rules` lists them)")
    click.echo(f"# {found.name} ({found.code})\n\n{found.docs()}")


@cli.command()
@click.option(
    "--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@_guard
def rules(output_format: str) -> None:
    """List every rule with its default state."""
    from refusal_lint.registry import all_rules

    rows = [
        {"code": r.code, "name": r.name, "summary": r.summary, "default": r.default_enabled}
        for r in all_rules()
    ]
    if output_format == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    width = max((len(str(row["name"])) for row in rows), default=4)
    click.echo(f"{'CODE':<7} {'NAME':<{width}} {'DEFAULT':<7} SUMMARY")
    for row in rows:
        state = "on" if row["default"] else "off"
        click.echo(f"{row['code']:<7} {row['name']:<{width}} {state:<7} {row['summary']}")


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point (`refusal-lint`, `python -m refusal_lint`)."""
    cli.main(args=list(argv) if argv is not None else None, prog_name="refusal-lint")
