"""Property tests of issue 9 ("never crash, never corrupt"), with hypothesis and hypothesmith.

On generated stop-signal modules (tests/fuzz_programs.py), on hypothesmith's programs dressed
up with stop-signal names, and on arbitrary text and bytes, with every rule enabled:

- the engine never raises and never reports RFL901 (its own caught exception), and its fast
  path (prefilter, partial parse) reports what it reports on the whole file;
- `fix_source(..., unsafe=True)` never fails its checks, its output parses, a second fix
  changes nothing, no applicable fix is left, no finding appears that a fix does not
  legitimately lead to, and each fixing round changes only the lines of the constructs its
  findings flagged (line diff) and leaves every other top-level statement as it was (AST).

The profile (tests/conftest.py) sets the number of examples: `quick` (the default, fixed
examples) or `long` (`--hypothesis-profile=long` or REFUSAL_LINT_FUZZ=long, 20,000 random
examples per property; see docs/reliability.md). A bug found here gets a minimal
reproduction in tests/test_fuzz_regressions.py.
"""

from __future__ import annotations

import ast
import difflib
from collections import Counter

import hypothesmith
import pytest
from fuzz_programs import ALL_CODES, dispatch_programs, fuzz_settings, signal_programs
from hypothesis import given, settings
from hypothesis import strategies as st

from refusal_lint import api, engine, plans
from refusal_lint.fixing import MAX_ROUNDS, apply_round, is_applicable, select
from refusal_lint.prefilter import trigger_scan
from refusal_lint.settings import Settings

BROKEN = ("RFL900", "RFL901")
# Judged only in what the fast path reads, by design (bench/soundness.py): syntax errors and
# unused suppressions outside the blocks it parses; RFL901 is asserted on its own.
READ_SCOPED = frozenset({"RFL900", "RFL901", "RFL902"})
# What each fix may legitimately lead to (refusal_lint/fixing.py `_verify`): a handled
# refusal turns the dispatch's RFL001 into advice about its default (RFL002); a new loud
# default, or a refusal branch that now raises inside an outer dispatch's default, may not
# tell refusal apart (RFL009); a new refusal branch (or a configured refusal template) may
# not read the refusal category (RFL010); a corrected value or an assert turned into an `if`
# makes a dispatch (or a translation, RFL006) the rules then judge like any other; and any
# fix can leave a noqa comment elsewhere with nothing to suppress (RFL902).
DISPATCH_ADVICE = frozenset({"RFL001", "RFL002", "RFL005", "RFL006", "RFL009", "RFL010"})
FOLLOW_UPS = {
    "RFL001": frozenset({"RFL002", "RFL009", "RFL010"}),
    "RFL002": frozenset({"RFL009", "RFL010"}),
    "RFL005": frozenset({"RFL009", "RFL010"}),
    "RFL007": DISPATCH_ADVICE,
    "RFL008": DISPATCH_ADVICE,
}


def scaled(fraction: float) -> settings:
    """The profile's settings with `fraction` times its examples (fewer for a slow
    generator, more for a cheap one)."""
    return settings(max_examples=max(10, int(settings.default.max_examples * fraction)))


@pytest.fixture(autouse=True)
def strict_plans(monkeypatch: pytest.MonkeyPatch) -> None:
    """A planning bug fails the property instead of silently dropping a fix."""
    monkeypatch.setattr(plans, "STRICT", True)


def assert_checks_cleanly(source: str, filename: str, config: Settings) -> None:
    """No RFL901, and the fast path (prefilter, only the blocks that can matter parsed)
    reports what the engine reports on the whole file (bench/soundness.py's comparison)."""
    findings = api.check_source(source, filename, config, noqa=False)
    internal = [f.message for f in findings if f.code == "RFL901"]
    assert not internal, internal
    try:
        tree = ast.parse(source, filename=filename)
    except (SyntaxError, ValueError):
        return
    if reads_error_code_by_key(tree):
        return  # the prefilter's known gap (tests/test_fuzz_regressions.py, xfail)
    reference = engine.run_rules(tree, source, filename, config)
    whole = {(f.line, f.code) for f in reference}
    misspelled = {(f.line, f.code) for f in reference if "that is a value of" in f.message}
    fast = {(f.line, f.code) for f in findings}
    if not trigger_scan(config).offsets(source.encode("utf-8", "surrogatepass")):
        # Documented scope limit (rules/lossy-stop-mapping.md): a table in a module that
        # never names a signal or an SDK is not read.
        whole = {k for k in whole if k[1] != "RFL006"}
    # Documented scope limit (rules/unknown-stop-value.md): a field misspelled so that it no
    # longer holds the trigger word is not read in a block that names no other.
    missed = {k for k in whole - fast if k[1] not in READ_SCOPED and k not in misspelled}
    extra = {k for k in fast - whole if k[1] not in READ_SCOPED}
    assert not missed and not extra, f"whole file only: {missed}; fast path only: {extra}"


def reads_error_code_by_key(tree: ast.Module) -> bool:
    """`x["error"]["code"]`, `x.error.get("code")`, `getattr(x.error, "code")`, ...: a read
    of the dotted field `error.code` other than `x.error.code`, which has no trigger word."""

    def field(node: ast.AST) -> tuple[str, ast.AST, bool] | None:
        """(name, object, read as an attribute) of one field access."""
        if isinstance(node, ast.Attribute):
            return node.attr, node.value, True
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            return str(node.slice.value), node.value, False
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            key = str(node.args[0].value)
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr == "get":
                return key, func.value, False
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "getattr"
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
        ):
            return str(node.args[1].value), node.args[0], False
        return None

    for node in ast.walk(tree):
        code = field(node)
        error = field(code[1]) if code is not None and code[0] == "code" else None
        if code and error and error[0] == "error" and not (code[2] and error[2]):
            return True
    return False


def assert_fix_is_sound(source: str, filename: str, config: Settings) -> None:
    result = api.fix_source(source, filename, config, unsafe=True)
    assert result.error is None, result.error.message
    if not result.count:
        assert result.source == source
        return
    ast.parse(result.source)
    again = api.fix_source(result.source, filename, config, unsafe=True)
    assert again.error is None, again.error.message
    assert again.source == result.source, "a second fix changed the code"
    left = [f"{f.code}:{f.line}" for f in result.findings if is_applicable(f, unsafe=True)]
    assert not left, f"fixes left after fixing: {left}"
    assert not [f for f in result.findings if f.code in BROKEN]
    assert replay_rounds(source, filename, config) == result.source
    before = Counter(f.code for f in api.check_source(source, filename, config))
    after = Counter(f.code for f in result.findings)
    allowed = frozenset({"RFL902"}).union(*(FOLLOW_UPS.get(code, ()) for code in result.fixed))
    new = {code for code in after if after[code] > before[code] and code not in allowed}
    assert not new, f"the fix added findings: {sorted(new)}"


def replay_rounds(source: str, filename: str, config: Settings) -> str:
    """The fixer's rounds one by one, each checked to change only its constructs."""
    for _ in range(MAX_ROUNDS):
        findings = api.check_source(source, filename, config)
        chosen = select([f for f in findings if is_applicable(f, unsafe=True)])
        if not chosen:
            break
        fixed = apply_round(source, chosen)
        constructs = [tuple(f.fix["plan"]["construct"]) for f in chosen if f.fix]
        assert_lines_change_inside(source, fixed, constructs)
        assert_other_statements_unchanged(source, fixed, constructs)
        source = fixed
    return source


def assert_lines_change_inside(before: str, after: str, constructs: list[tuple[int, ...]]) -> None:
    # A line just after a construct counts as inside it (a branch added at its end), and
    # difflib may merge the changes of two adjacent constructs into one block.
    inside = {line for a, b in constructs for line in range(a, b + 2)}
    matcher = difflib.SequenceMatcher(None, before.splitlines(), after.splitlines(), autojunk=False)
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        first, last = i1 + 1, max(i2, i1 + 1)  # 1-based lines of `before` touched
        touched = set(range(first, last + 1))
        assert tag == "equal" or touched <= inside, (
            f"lines {first}-{last} changed outside {constructs}"
        )


def assert_other_statements_unchanged(
    before: str, after: str, constructs: list[tuple[int, ...]]
) -> None:
    """Every top-level statement clear of the constructs is in the output, in order."""

    def clear(node: ast.stmt) -> bool:
        end = node.end_lineno or node.lineno
        return all(end < a or node.lineno > b for a, b in constructs)

    kept = [ast.dump(s) for s in ast.parse(before).body if clear(s)]
    remaining = iter(ast.dump(s) for s in ast.parse(after).body)
    missing = [dump for dump in kept if dump not in remaining]  # subsequence test
    assert not missing, f"a statement outside {constructs} changed: {missing[0][:200]}"


@given(dispatch_programs(), fuzz_settings())
def test_generated_dispatches_check_cleanly(program: tuple[str, str], config: Settings) -> None:
    filename, source = program
    ast.parse(source)  # the generator writes valid Python only
    assert_checks_cleanly(source, filename, config)


@given(dispatch_programs(), fuzz_settings())
def test_generated_dispatches_fix_soundly(program: tuple[str, str], config: Settings) -> None:
    filename, source = program
    assert_fix_is_sound(source, filename, config)


@given(signal_programs(), fuzz_settings())
def test_hypothesmith_programs_with_signal_names(source: str, config: Settings) -> None:
    assert_checks_cleanly(source, "app/generated.py", config)
    assert_fix_is_sound(source, "app/generated.py", config)


@scaled(0.25)
@given(signal_programs(hypothesmith.from_node()), fuzz_settings())
def test_hypothesmith_node_programs_with_signal_names(source: str, config: Settings) -> None:
    assert_checks_cleanly(source, "app/generated.py", config)
    assert_fix_is_sound(source, "app/generated.py", config)


@scaled(4)  # cheap: mostly undecodable or unparseable
@given(st.binary(max_size=400), fuzz_settings())
def test_arbitrary_bytes_never_break_the_engine(data: bytes, config: Settings) -> None:
    findings = api.check_bytes(b"# stop_reason\n" + data, "app/bytes.py", config)
    assert not [f for f in findings if f.code == "RFL901"]


@given(dispatch_programs(), st.data())
def test_damaged_programs_never_break_the_engine(
    program: tuple[str, str], data: st.DataObject
) -> None:
    """A generated module with a slice cut out or a character put in: mostly unparseable."""
    filename, source = program
    start = data.draw(st.integers(0, len(source)))
    end = data.draw(st.integers(start, min(len(source), start + 12)))
    insert = data.draw(st.sampled_from(["", ":", "(", '"', "\\", "\t", "\r", "\x00", "é"]))
    damaged = source[:start] + insert + source[end:]
    config = Settings(enabled=ALL_CODES)
    assert_checks_cleanly(damaged, filename, config)
    result = api.fix_source(damaged, filename, config, unsafe=True)
    assert result.error is None, result.error.message
