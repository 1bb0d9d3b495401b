"""The pull-request gate options of `check`: `--since`, `--baseline`, `--write-baseline`.

They narrow a finished run's findings before it is reported: `--since REV` keeps the
findings on changed lines, `--baseline FILE` hides the recorded ones, `--write-baseline
FILE` records what remains after `--since` and ends the run with exit 0. A problem (not a
git repository, an unknown revision, an unreadable baseline) is a usage error, exit 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from refusal_lint.config import ConfigError
from refusal_lint.discovery import display_path

# baseline and since (hashing, tempfile, subprocess) are imported only when an option asks
# for them: every `check` passes through here.
if TYPE_CHECKING:
    from refusal_lint.cli import _Run


def _note(message: str, quiet: bool) -> None:
    if not quiet:
        click.echo(f"refusal-lint: {message}", err=True)


def narrow(
    run: _Run,
    *,
    baseline: Path | None,
    write_baseline: Path | None,
    since: str | None,
    quiet: bool,
) -> bool:
    """Apply the gate options to `run.findings` in place; True if a baseline was written."""
    if since is None and write_baseline is None and baseline is None:
        return False
    from refusal_lint.baseline import BaselineError, hide_baselined, read_baseline
    from refusal_lint.since import SinceError, changed_lines, only_changed

    try:
        if since is not None:
            run.findings = only_changed(run.findings, changed_lines(since))
        if write_baseline is not None:
            count = write_baseline_file(write_baseline, run)
            _note(f"wrote {count} finding(s) to baseline {display_path(write_baseline)}", quiet)
            return True
        if baseline is not None:
            run.findings, hidden = hide_baselined(
                run.findings, run.sources, read_baseline(baseline)
            )
            if hidden:
                _note(f"{hidden} finding(s) hidden by baseline {display_path(baseline)}", quiet)
    except (SinceError, BaselineError) as exc:
        raise ConfigError(str(exc)) from exc
    return False


def write_baseline_file(path: Path, run: _Run) -> int:
    """Record the run's findings in `path`."""
    from refusal_lint.baseline import write_baseline

    return write_baseline(path, run.findings, run.sources)
