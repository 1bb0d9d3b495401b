"""Runs the case books: `rules/<rule-name>.md`, one per rule (design.md section 4).

A case book is Markdown. Each `## Title` section explains a case; its fenced blocks are:

- ```` ```py ```` - a separate file, linted with the default rules plus the book's own rule
  (enabled even when it is off by default). Options after `py`, space-separated:
  `filename=PATH` lints it under that name (test-file exemptions); `bytes` turns `\\xNN`
  escapes into raw bytes and lints through `api.check_bytes` (encodings, null bytes);
  `xfail` marks a case whose expectation is right but the engine disagrees (strict: the
  test fails once the engine agrees, so the marker is removed).
- ```` ```py fixed ```` - what `check --fix --unsafe-fixes` makes of the `py` block before
  it (its markers stripped); `tests/test_fix_case_books.py` checks it, and runs both versions
  against fake responses for every stop value (`tests/test_fix_behaviour.py`).
- ```` ```toml ```` - settings for the rest of the section: `loud-calls`,
  `extra-signal-fields`, `extra-refusal-values` (the `Settings` fields).

Expected findings are trailing comments `# error: [rule-name]` (several names separated by
commas) on the reported line, optionally followed by `"text"` that the finding's message
must contain. The comparison covers the book's own rule and every rule
named in a marker of that block; other rules' findings are ignored.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from refusal_lint.api import check_bytes, check_source
from refusal_lint.finding import Finding
from refusal_lint.registry import all_rules, default_codes, get_rule
from refusal_lint.rule import Rule
from refusal_lint.settings import Settings

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

BOOKS_DIR = Path(__file__).resolve().parent.parent / "rules"
DEFAULT_FILENAME = "app/case.py"
MIN_FIRING = 10
MIN_QUIET = 10

FENCE_OPEN = re.compile(r"^```(?P<lang>[A-Za-z]+)(?P<opts>[^`]*)$")
FENCE_CLOSE = "```"
MARKER = re.compile(r'#\s*error:\s*\[(?P<names>[^\]]*)\](?:\s*"(?P<text>[^"]*)")?')
BYTE_ESCAPE = re.compile(rb"\\x([0-9a-fA-F]{2})")
SETTING_KEYS = {
    "loud-calls": "loud_calls",
    "extra-signal-fields": "extra_signal_fields",
    "extra-refusal-values": "extra_refusal_values",
}
PY_OPTIONS = {"xfail", "bytes"}


class BookError(Exception):
    """A case book is malformed (unknown block kind, option, setting or marker)."""


@dataclass(frozen=True)
class Case:
    """One ```py block of a case book, with what the runner needs to lint it."""

    book: str
    section: str
    number: int  # 1-based among the py blocks of its section
    md_line: int  # line of the opening fence in the book
    source: str
    filename: str = DEFAULT_FILENAME
    xfail: bool = False
    raw_bytes: bool = False
    settings: tuple[tuple[str, tuple[str, ...]], ...] = ()
    expected: frozenset[tuple[int, str]] = field(default_factory=frozenset)
    # (line, rule-name, text): the finding's message must contain text
    messages: tuple[tuple[int, str, str], ...] = ()
    fixed: str | None = None  # the ```py fixed block that follows, if any

    @property
    def id(self) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", self.section.lower()).strip("-")
        return f"{self.book}:{slug}:{self.number}"

    @property
    def location(self) -> str:
        return f"rules/{self.book}.md:{self.md_line}"


def book_path(rule_name: str) -> Path:
    return BOOKS_DIR / f"{rule_name}.md"


def parse_book(name: str, text: str) -> list[Case]:
    """The py blocks of one book, in order, with their section's settings."""
    cases: list[Case] = []
    section = "(preamble)"
    settings: dict[str, tuple[str, ...]] = {}
    numbers: dict[str, int] = {}
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("## "):
            section = line[3:].strip()
            settings = {}
        match = FENCE_OPEN.match(line)
        if match is None:
            index += 1
            continue
        start = index + 1
        end = start
        while end < len(lines) and lines[end].rstrip() != FENCE_CLOSE:
            end += 1
        if end == len(lines):
            raise BookError(f"rules/{name}.md:{start}: unclosed code block")
        body = "\n".join(lines[start:end]) + "\n"
        lang, opts = match.group("lang"), match.group("opts").split()
        where = f"rules/{name}.md:{start}"
        if lang == "toml":
            settings = {**settings, **_parse_settings(body, where)}
        elif lang == "py" and "fixed" in opts:
            cases[-1:] = [_with_fixed(cases, section, body, opts, where)]
        elif lang == "py":
            numbers[section] = numbers.get(section, 0) + 1
            cases.append(_make_case(name, section, numbers[section], start, body, opts, settings))
        else:
            raise BookError(f"{where}: unknown block kind {lang!r} (use py or toml)")
        index = end + 1
    return cases


def _with_fixed(cases: list[Case], section: str, body: str, opts: list[str], where: str) -> Case:
    """The previous py block of the section, with its expected fix output."""
    if opts != ["fixed"]:
        raise BookError(f"{where}: a `py fixed` block takes no other option")
    if not cases or cases[-1].section != section or cases[-1].fixed is not None:
        raise BookError(f"{where}: a `py fixed` block must follow a `py` block of its section")
    return dataclasses.replace(cases[-1], fixed=body)


def _parse_settings(body: str, where: str) -> dict[str, tuple[str, ...]]:
    try:
        data = tomllib.loads(body)
    except tomllib.TOMLDecodeError as exc:
        raise BookError(f"{where}: malformed toml: {exc}") from exc
    found: dict[str, tuple[str, ...]] = {}
    for key, value in data.items():
        if key not in SETTING_KEYS:
            raise BookError(f"{where}: unknown setting {key!r}")
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise BookError(f"{where}: {key} must be a list of strings")
        found[SETTING_KEYS[key]] = tuple(value)
    return found


def _make_case(
    book: str,
    section: str,
    number: int,
    start: int,
    body: str,
    opts: list[str],
    settings: dict[str, tuple[str, ...]],
) -> Case:
    where = f"rules/{book}.md:{start}"
    filename = DEFAULT_FILENAME
    flags: set[str] = set()
    for opt in opts:
        if opt.startswith("filename="):
            filename = opt.partition("=")[2]
        elif opt in PY_OPTIONS:
            flags.add(opt)
        else:
            raise BookError(f"{where}: unknown py block option {opt!r}")
    markers = _markers(body, where)
    return Case(
        book=book,
        section=section,
        number=number,
        md_line=start,
        source=body,
        filename=filename,
        xfail="xfail" in flags,
        raw_bytes="bytes" in flags,
        settings=tuple(sorted(settings.items())),
        expected=frozenset((line, name) for line, name, _ in markers),
        messages=tuple((line, name, text) for line, name, text in markers if text),
    )


def _markers(body: str, where: str) -> list[tuple[int, str, str]]:
    """(line, rule-name, expected message text or "") for every marker of a block."""
    found: list[tuple[int, str, str]] = []
    for number, line in enumerate(body.splitlines(), start=1):
        for match in MARKER.finditer(line):
            for name in (n.strip() for n in match.group("names").split(",")):
                rule = get_rule(name)
                if rule is None or rule.name != name:
                    raise BookError(f"{where}: marker names no rule: {name!r}")
                found.append((number, name, match.group("text") or ""))
    return found


def load_books() -> dict[str, list[Case]]:
    """Every existing book of a registered rule, parsed."""
    books: dict[str, list[Case]] = {}
    for rule in all_rules():
        path = book_path(rule.name)
        if path.is_file():
            books[rule.name] = parse_book(rule.name, path.read_text(encoding="utf-8"))
    return books


def lint(case: Case) -> list[Finding]:
    rule = get_rule(case.book)
    assert rule is not None
    settings = Settings(
        enabled=frozenset(default_codes()) | {rule.code},
        **dict(case.settings),  # type: ignore[arg-type]
    )
    if case.raw_bytes:
        data = BYTE_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), case.source.encode())
        return check_bytes(data, case.filename, settings)
    return check_source(case.source, case.filename, settings)


def compared_names(case: Case) -> set[str]:
    return {case.book} | {name for _, name in case.expected}


def _report(case: Case, findings: list[Finding], names: set[str]) -> str:
    numbered = "\n".join(
        f"{n:3} | {line}" for n, line in enumerate(case.source.splitlines(), start=1)
    )
    actual = sorted((f.line, f.name, f.message) for f in findings if f.name in names)
    return (
        f"{case.location} ({case.filename})\n{numbered}\n"
        f"expected: {sorted(case.expected)}\n"
        f"actual:   {[(line, name) for line, name, _ in actual]}\n"
        + "".join(f"  line {line}: [{name}] {message}\n" for line, name, message in actual)
    )


def case_ids(cases: list[Case]) -> list[str]:
    """Readable ids; a section title that slugs like another gets its book line appended."""
    counts: dict[str, int] = {}
    for case in cases:
        counts[case.id] = counts.get(case.id, 0) + 1
    return [case.id if counts[case.id] == 1 else f"{case.id}@L{case.md_line}" for case in cases]


BOOKS = load_books()
CASES = [case for cases in BOOKS.values() for case in cases]


@pytest.mark.parametrize("case", CASES, ids=case_ids(CASES))
def test_case(case: Case) -> None:
    names = compared_names(case)
    findings = lint(case)
    actual = {(f.line, f.name) for f in findings if f.name in names}
    report = _report(case, findings, names)
    agrees = actual == set(case.expected) and not missing_texts(case, findings)
    if case.xfail:
        if agrees:
            pytest.fail(f"xfail case now passes: remove `xfail` from its fence\n{report}")
        pytest.xfail(f"engine disagrees with the case book\n{report}")
    assert actual == set(case.expected), report
    assert not missing_texts(case, findings), f"{missing_texts(case, findings)}\n{report}"


def missing_texts(case: Case, findings: list[Finding]) -> list[str]:
    """Marker texts that no finding of that line and rule has in its message."""
    return [
        f"line {line} [{name}]: message lacks {text!r}"
        for line, name, text in case.messages
        if not any(f.line == line and f.name == name and text in f.message for f in findings)
    ]


BOOK_RULES = [rule for rule in all_rules() if rule.has_code_examples]  # not RFL901


@pytest.mark.parametrize("rule", BOOK_RULES, ids=[rule.name for rule in BOOK_RULES])
def test_rule_has_case_book(rule: type[Rule]) -> None:
    path = book_path(rule.name)
    assert path.is_file(), f"rule {rule.name} has no case book at {path}"
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == f"# {rule.name} ({rule.code})", f"{path}: first line must be the title"


@pytest.mark.parametrize("rule", BOOK_RULES, ids=[rule.name for rule in BOOK_RULES])
def test_case_book_has_enough_cases(rule: type[Rule]) -> None:
    cases = BOOKS.get(rule.name, [])
    firing = [c for c in cases if any(name == c.book for _, name in c.expected)]
    quiet = [c for c in cases if c not in firing]
    assert len(firing) >= MIN_FIRING, f"{rule.name}: {len(firing)} firing cases"
    assert len(quiet) >= MIN_QUIET, f"{rule.name}: {len(quiet)} non-firing cases"


def test_no_book_without_a_rule() -> None:
    names = {rule.name for rule in all_rules()}
    orphans = [p.name for p in BOOKS_DIR.glob("*.md") if p.stem != "README" and p.stem not in names]
    assert not orphans, f"case books naming no rule: {orphans}"


def test_runner_reads_markers_settings_and_options() -> None:
    text = (
        "# x (RFL000)\n\n## A section\n"
        '```toml\nloud-calls = ["metrics.increment"]\n```\n'
        "```py filename=tests/test_a.py xfail\n"
        "x = 1  # error: [missing-refusal-branch, silent-default-branch] \"'refusal'\"\n```\n"
        "## Next\n```py bytes\npass\n```\n"
    )
    first, second = parse_book("missing-refusal-branch", text)
    assert first.expected == {(1, "missing-refusal-branch"), (1, "silent-default-branch")}
    assert first.filename == "tests/test_a.py" and first.xfail
    assert first.messages == (
        (1, "missing-refusal-branch", "'refusal'"),
        (1, "silent-default-branch", "'refusal'"),
    )
    assert first.settings == (("loud_calls", ("metrics.increment",)),)
    assert first.id == "missing-refusal-branch:a-section:1"
    assert second.settings == () and second.raw_bytes and not second.xfail
    with pytest.raises(BookError, match="unknown setting"):
        parse_book("x", "## S\n```toml\nproviders = []\n```\n")
    with pytest.raises(BookError, match="marker names no rule"):
        parse_book("x", "## S\n```py\nx = 1  # error: [no-such-rule]\n```\n")
    with pytest.raises(BookError, match="unknown block kind"):
        parse_book("x", "## S\n```python\nx = 1\n```\n")


def test_xfail_is_strict() -> None:
    passing = parse_book("missing-refusal-branch", "## S\n```py xfail\nx = 1\n```\n")[0]
    with pytest.raises(pytest.fail.Exception, match="now passes"):
        test_case(passing)
    failing = parse_book(
        "missing-refusal-branch",
        "## S\n```py xfail\nx = 1  # error: [missing-refusal-branch]\n```\n",
    )[0]
    with pytest.raises(pytest.xfail.Exception):
        test_case(failing)
