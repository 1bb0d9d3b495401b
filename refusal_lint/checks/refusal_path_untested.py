"""RFL012 refusal-path-untested (off by default; project-level)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from refusal_lint.evidence import FakeSummary
from refusal_lint.finding import Finding
from refusal_lint.rule import Rule

if TYPE_CHECKING:  # the summaries' readers are imported only by a run with this rule on
    from refusal_lint.project import DispatchSite, FileSummary


class RefusalPathUntested(Rule):
    """
    ## What it does
    Looks at a whole project: its modules, its test files (`tests/`, `test_*.py`,
    `*_test.py`, `conftest.py`) and the recorded responses beside them (`*.json`, `*.yaml`,
    `*.yml` and `*.sse` files in a test folder). Where the tests build fake responses or stream
    events for a provider whose stop signal the code dispatches on (SDK constructors, dicts,
    `SimpleNamespace` or `Mock` objects with a stop-signal field, cassettes) but none of
    them carries that provider's refusal value, it reports the code's first dispatch on
    that provider's signal, once per provider. For code that streams the provider's
    responses, a refusal that only ever arrives before any output is not enough: some
    test must send content deltas and then the refusal.

    Off by default: enable it with `extend-select = ["RFL012"]`. Only `refusal-lint check`
    reports it: the flake8 and pylint plugins see one file at a time, and this rule needs
    them all. Projects whose tests build no fake response of a provider (or that have no
    tests) get nothing for it: the rule is about suites that fake responses but never a
    refusal, not about missing tests in general.

    ## Why is this bad?
    A refusal branch that no test takes is a branch nobody knows works, and refusals are
    rare enough in development that it first runs in production. The two refusal shapes
    need separate tests because they recover differently: a refusal before any output has
    no partial text and (for Anthropic) costs no output tokens, so the request can be
    rerouted as is; a refusal mid-stream arrives after text the user may already have
    seen, bills the streamed output, and requires that text to be withdrawn and the turn
    reset before anything else is tried.

    ## Example
    ```python
    # file: app/chat.py
    def reply(client, prompt: str) -> str:
        message = client.messages.create(model="claude-sonnet-4-5", max_tokens=512, messages=prompt)
        if message.stop_reason == "refusal":
            raise RuntimeError("the model refused")
        return message.content[0].text
    ```

    ```python
    # file: tests/test_chat.py
    from types import SimpleNamespace
    from unittest.mock import Mock

    from app.chat import reply


    def test_reply() -> None:
        client = Mock()
        client.messages.create.return_value = SimpleNamespace(
            stop_reason="end_turn", content=[SimpleNamespace(text="Hello")]
        )
        assert reply(client, "hi") == "Hello"
    ```

    Use instead: a test whose fake response is a refusal.
    ```python
    # file: tests/test_chat.py
    from types import SimpleNamespace
    from unittest.mock import Mock

    import pytest

    from app.chat import reply


    def test_reply() -> None:
        client = Mock()
        client.messages.create.return_value = SimpleNamespace(
            stop_reason="end_turn", content=[SimpleNamespace(text="Hello")]
        )
        assert reply(client, "hi") == "Hello"


    def test_reply_refused() -> None:
        client = Mock()
        client.messages.create.return_value = SimpleNamespace(stop_reason="refusal", content=[])
        with pytest.raises(RuntimeError):
            reply(client, "hi")
    ```

    ## Options
    - `refusal-path-untested.test-patterns`: which files are tests. A pattern ending in `/`
      names a folder at any depth, any other a file-name glob; default `["tests/",
      "test_*.py", "*_test.py", "conftest.py"]`.
    - `refusal-path-untested.cassette-globs`: file-name globs of the recorded responses in
      a test folder; default `["*.json", "*.yaml", "*.yml", "*.sse"]`.

    ## Known limitations
    A fake counts only where a stop-signal field names its value (a keyword, a dict key, an
    assignment to the field, a parameter default or `parametrize` argument named for it),
    or where a refusal value is passed positionally to a helper; a value built at run time
    or read from a file the rule does not scan is not seen, and a fake naming only a
    generic field (`error.code`) counts only when its value is a refusal. A stream fixture
    is a list or tuple literal, a generator's `yield`s, or a recorded server-sent-event
    body; events appended to a list one by one are not ordered. Streaming is judged per
    module: a module that obtains a stream from a provider's SDK, or dispatches on a stream
    event's signal (`event.delta.stop_reason`), needs a mid-stream refusal test for that
    provider. YAML cassettes are read with a text scan, which orders events only inside
    `data:` streams. Only the files a run is given are read: run `refusal-lint check` on
    the whole project for this rule (a pre-commit run on changed files sees too little to
    report anything).
    """

    code = "RFL012"
    name = "refusal-path-untested"
    summary = "Tests fake a provider's responses but never its refusal (or mid-stream refusal)"
    pylint_id = "W9713"
    default_enabled = False
    project_level = True


@dataclass(frozen=True)
class _Site:
    path: str
    site: DispatchSite


def check_project(summaries: Mapping[str, FileSummary]) -> list[Finding]:
    """The project's RFL012 findings, from every file's summary (keyed by file name)."""
    sites = sorted(
        (_Site(path, site) for path, summary in summaries.items() for site in summary.sites),
        key=lambda s: (s.path, s.site.line, s.site.col),
    )
    fakes = _merged(f for summary in summaries.values() for f in summary.fakes)
    findings = []
    for family in sorted({s.site.family for s in sites}):
        faked = fakes.get(family)
        if faked is None:
            continue  # no test fakes this family: nothing says which paths were meant
        mine = [s for s in sites if s.site.family == family]
        streaming = [s for s in mine if s.site.streamed]
        if not faked.refusal:
            found = _finding(mine[0], _never_refused(faked, mine[0].site, bool(streaming)))
        elif streaming and not faked.mid_stream:
            found = _finding(streaming[0], _never_mid_stream(family))
        else:
            continue
        if found is not None:
            findings.append(found)
    return findings


def _merged(fakes: Iterable[FakeSummary]) -> dict[str, FakeSummary]:
    merged: dict[str, FakeSummary] = {}
    for fake in fakes:
        seen = merged.get(fake.family)
        if seen is not None:
            fake = FakeSummary(
                fake.family,
                tuple(sorted({*seen.values, *fake.values})),
                seen.refusal or fake.refusal,
                seen.mid_stream or fake.mid_stream,
            )
        merged[fake.family] = fake
    return merged


def _never_refused(faked: FakeSummary, site: DispatchSite, streaming: bool) -> str:
    shown = ", ".join(f"`{v}`" for v in faked.values[:4]) + (", …" if len(faked.values) > 4 else "")
    used = f" ({shown})" if shown else ""
    refusal = ", ".join(f"`{v}`" for v in site.refusal_values[:3])
    more = " or another refusal value" if len(site.refusal_values) > 3 else ""
    where = ", neither before any output nor mid-stream" if streaming else ""
    return (
        f"tests fake {site.family} responses{used} but never a refusal "
        f"({refusal}{more}){where}: this refusal path is untested"
    )


def _never_mid_stream(family: str) -> str:
    return (
        f"tests fake {family} refusals only before any output, never mid-stream after "
        "content deltas: this streaming code's mid-stream refusal path is untested"
    )


def _finding(where: _Site, message: str) -> Finding | None:
    site = where.site
    if site.suppressed:
        return None
    rule = RefusalPathUntested
    return Finding(
        where.path, site.line, site.col, rule.code, rule.name, message, site.end_line, site.end_col
    )
