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
  `extra-signal-fields`, `extra-refusal-values`, and RFL012's `test-patterns` and
  `cassette-globs` (the `Settings` fields).
- ```` ```py file=PATH ````, ```` ```json file=PATH ````, ```` ```yaml file=PATH ```` - one
  file of a *project case*, for a project-level rule (RFL012) whose findings depend on
  several files: consecutive `file=` blocks of a section (only blank lines between them)
  form one project, linted together as `refusal-lint check` lints a tree (a module, its
  tests, a cassette under `tests/`). Markers go in the `py` files, on the line where the
  finding is expected; the `json` / `yaml` files must parse (they stand for real
  recordings) and hold no markers.

Expected findings are trailing comments `# error: [rule-name]` (several names separated by
commas) on the reported line, optionally followed by `"text"` that the finding's message
must contain. The comparison covers the book's own rule and every rule
named in a marker of that block; other rules' findings are ignored.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from refusal_lint.api import check_bytes, check_source
from refusal_lint.finding import Finding
from refusal_lint.project_run import lint_tree
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
    "test-patterns": "test_patterns",
    "cassette-globs": "cassette_globs",
}
PY_OPTIONS = {"xfail", "bytes"}
PROJECT_LANGS = {"py", "json", "yaml"}


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


@dataclass(frozen=True)
class ProjectCase:
    """Consecutive `file=` blocks of a section: several files linted as one project."""

    book: str
    section: str
    number: int
    md_line: int  # line of the first block's opening fence
    files: tuple[tuple[str, str, str], ...]  # (path, language, text)
    settings: tuple[tuple[str, tuple[str, ...]], ...] = ()
    expected: frozenset[tuple[str, int, str]] = field(default_factory=frozenset)
    messages: tuple[tuple[str, int, str, str], ...] = ()  # (path, line, rule-name, text)

    @property
    def id(self) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", self.section.lower()).strip("-")
        return f"{self.book}:{slug}:{self.number}"

    @property
    def location(self) -> str:
        return f"rules/{self.book}.md:{self.md_line}"

    def with_file(self, path: str, lang: str, body: str, where: str) -> ProjectCase:
        if any(p == path for p, _, _ in self.files):
            raise BookError(f"{where}: file {path!r} twice in one project case")
        markers = _markers(body, where)
        if markers and lang != "py":
            raise BookError(f"{where}: markers belong in the py files of a project case")
        return dataclasses.replace(
            self,
            files=(*self.files, (path, lang, body)),
            expected=self.expected | {(path, line, name) for line, name, _ in markers},
            messages=(*self.messages, *((path, *m) for m in markers if m[2])),
        )


AnyCase = Case | ProjectCase


def book_path(rule_name: str) -> Path:
    return BOOKS_DIR / f"{rule_name}.md"


def parse_book(name: str, text: str) -> list[AnyCase]:
    """The cases of one book, in order, with their section's settings."""
    cases: list[AnyCase] = []
    section = "(preamble)"
    settings: dict[str, tuple[str, ...]] = {}
    numbers: dict[str, int] = {}
    grouping = False  # the last block was a `file=` block and only blank lines followed
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("## "):
            section = line[3:].strip()
            settings = {}
        match = FENCE_OPEN.match(line)
        if match is None:
            grouping = grouping and not line.strip()
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
        path = _file_option(opts, where)
        if path is not None:
            if lang not in PROJECT_LANGS:
                raise BookError(f"{where}: a project file is py, json or yaml, not {lang!r}")
            last = cases[-1] if cases else None
            if grouping and isinstance(last, ProjectCase):
                cases[-1] = last.with_file(path, lang, body, where)
            else:
                numbers[section] = numbers.get(section, 0) + 1
                case = ProjectCase(
                    name, section, numbers[section], start, (), tuple(sorted(settings.items()))
                )
                cases.append(case.with_file(path, lang, body, where))
            grouping = True
            index = end + 1
            continue
        grouping = False
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


def _file_option(opts: list[str], where: str) -> str | None:
    """The PATH of a `file=PATH` block (a project case's file), else None."""
    paths = [opt.partition("=")[2] for opt in opts if opt.startswith("file=")]
    if not paths:
        return None
    if len(opts) != 1 or not paths[0]:
        raise BookError(f"{where}: a `file=PATH` block takes no other option")
    return paths[0]


def _with_fixed(cases: list[AnyCase], section: str, body: str, opts: list[str], where: str) -> Case:
    """The previous py block of the section, with its expected fix output."""
    if opts != ["fixed"]:
        raise BookError(f"{where}: a `py fixed` block takes no other option")
    last = cases[-1] if cases else None
    if not isinstance(last, Case) or last.section != section or last.fixed is not None:
        raise BookError(f"{where}: a `py fixed` block must follow a `py` block of its section")
    return dataclasses.replace(last, fixed=body)


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


def load_books() -> dict[str, list[AnyCase]]:
    """Every existing book of a registered rule, parsed."""
    books: dict[str, list[AnyCase]] = {}
    for rule in all_rules():
        path = book_path(rule.name)
        if path.is_file():
            books[rule.name] = parse_book(rule.name, path.read_text(encoding="utf-8"))
    return books


def case_settings(case: AnyCase) -> Settings:
    """The default rules plus the book's own, with the section's settings."""
    rule = get_rule(case.book)
    assert rule is not None
    return Settings(
        enabled=frozenset(default_codes()) | {rule.code},
        **dict(case.settings),  # type: ignore[arg-type]
    )


def lint(case: Case) -> list[Finding]:
    settings = case_settings(case)
    if case.raw_bytes:
        data = BYTE_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), case.source.encode())
        return check_bytes(data, case.filename, settings)
    return check_source(case.source, case.filename, settings)


def compared_names(case: AnyCase) -> set[str]:
    return {case.book} | {expected[-1] for expected in case.expected}


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


def case_ids(cases: Sequence[AnyCase]) -> list[str]:
    """Readable ids; a section title that slugs like another gets its book line appended."""
    counts: dict[str, int] = {}
    for case in cases:
        counts[case.id] = counts.get(case.id, 0) + 1
    return [case.id if counts[case.id] == 1 else f"{case.id}@L{case.md_line}" for case in cases]


BOOKS = load_books()
CASES = [case for cases in BOOKS.values() for case in cases if isinstance(case, Case)]
PROJECT_CASES = [c for cases in BOOKS.values() for c in cases if isinstance(c, ProjectCase)]


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


@pytest.mark.parametrize("case", PROJECT_CASES, ids=case_ids(PROJECT_CASES))
def test_project_case(case: ProjectCase) -> None:
    names = compared_names(case)
    findings = lint_tree({path: text for path, _, text in case.files}, case_settings(case))
    actual = {(f.filename, f.line, f.name) for f in findings if f.name in names}
    listing = "".join(
        f"--- {path}\n"
        + "".join(f"{n:3} | {line}\n" for n, line in enumerate(text.splitlines(), 1))
        for path, _, text in case.files
    )
    report = (
        f"{case.location}\n{listing}expected: {sorted(case.expected)}\nactual:   "
        f"{sorted(actual)}\n"
        + "".join(f"  {f.filename}:{f.line} [{f.name}] {f.message}\n" for f in findings
                  if f.name in names)
    )  # fmt: skip
    assert actual == set(case.expected), report
    missing = [
        f"{path}:{line} [{name}]: message lacks {text!r}"
        for path, line, name, text in case.messages
        if not any(
            (f.filename, f.line, f.name) == (path, line, name) and text in f.message
            for f in findings
        )
    ]
    assert not missing, f"{missing}\n{report}"


@pytest.mark.parametrize("case", PROJECT_CASES, ids=case_ids(PROJECT_CASES))
def test_project_case_recordings_parse(case: ProjectCase) -> None:
    """The cassettes of a book stand for real recordings: they must be valid JSON / YAML."""
    for _, lang, text in case.files:
        if lang == "json":
            json.loads(text)
        elif lang == "yaml":
            yaml.safe_load(text)


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
    firing = [c for c in cases if any(e[-1] == c.book for e in c.expected)]
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


def test_runner_groups_consecutive_file_blocks_into_project_cases() -> None:
    text = (
        "# x (RFL000)\n\n## A project\n"
        '```toml\ntest-patterns = ["spec/"]\n```\n'
        '```py file=app/a.py\nx = 1  # error: [missing-refusal-branch] "text"\n```\n\n'
        '```json file=spec/c.json\n{"a": 1}\n```\n'
        "Prose ends the group.\n"
        "```py file=app/b.py\npass\n```\n"
        "```py\npass\n```\n"
    )
    first, second, third = parse_book("missing-refusal-branch", text)
    assert isinstance(first, ProjectCase) and isinstance(second, ProjectCase)
    assert [path for path, _, _ in first.files] == ["app/a.py", "spec/c.json"]
    assert first.expected == {("app/a.py", 1, "missing-refusal-branch")}
    assert first.messages == (("app/a.py", 1, "missing-refusal-branch", "text"),)
    assert first.settings == (("test_patterns", ("spec/",)),)
    assert [path for path, _, _ in second.files] == ["app/b.py"]
    assert isinstance(third, Case) and (first.number, second.number, third.number) == (1, 2, 3)
    bad = {
        "a project file is py, json or yaml": "```toml file=a.toml\nx = 1\n```\n",
        "takes no other option": "```py file=a.py xfail\npass\n```\n",
        "twice in one project case": "```py file=a.py\npass\n```\n```py file=a.py\npass\n```\n",
        "markers belong in the py files": (
            '```json file=t/a.json\n{"a": 1}  # error: [missing-refusal-branch]\n```\n'
        ),
    }
    for message, block in bad.items():
        with pytest.raises(BookError, match=message):
            parse_book("missing-refusal-branch", "## S\n" + block)


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
