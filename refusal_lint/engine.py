"""Runs every enabled rule over the facts of one module's single walk."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import PurePath

from refusal_lint.analyzer import Analyzer, Facts
from refusal_lint.catalog import Catalog, load_catalog
from refusal_lint.finding import Finding
from refusal_lint.limits import RESOURCE_ERRORS, unanalysable
from refusal_lint.registry import all_rules
from refusal_lint.rule import Context, Rule
from refusal_lint.settings import Settings

INTERNAL_ERROR = ("RFL901", "internal-error")
_TEST_FILE = re.compile(r"(^test_.*\.py$)|(_test\.py$)|(^conftest\.py$)")


def is_test_file(filename: str) -> bool:
    """`test_*.py`, `*_test.py`, `conftest.py`, or anything under a `tests/` folder."""
    path = PurePath(filename.replace("\\", "/"))
    return bool(_TEST_FILE.search(path.name)) or "tests" in path.parts[:-1]


def enabled_rules(settings: Settings) -> list[Rule]:
    """One instance of each enabled rule; disabled rules cost nothing."""
    return [rule() for rule in all_rules() if rule.code in settings.enabled]


def run_rules(
    tree: ast.Module,
    source: str,
    filename: str,
    settings: Settings,
    catalog: Catalog | None = None,
    dropped_imports: frozenset[str] = frozenset(),
) -> list[Finding]:
    """Walk `tree` once, then hand the collected facts to every enabled rule.

    `dropped_imports` are the modules imported in blocks left out of a partial `tree`: which
    SDKs a module imports anywhere decides which vocabularies its dispatches are fitted to.
    """
    rules = enabled_rules(settings)
    if not rules:
        return []
    return analyze(tree, source, filename, settings, catalog, rules, dropped_imports).findings


@dataclass
class Analysis:
    """One module's walk: its facts (None when the prefilter or an engine error skipped
    the walk) and the findings of the rules run over them."""

    facts: Facts | None
    findings: list[Finding]


def analyze(
    tree: ast.Module,
    source: str,
    filename: str,
    settings: Settings,
    catalog: Catalog | None = None,
    rules: list[Rule] | None = None,
    dropped_imports: frozenset[str] = frozenset(),
) -> Analysis:
    """The walk of `run_rules`, keeping its facts: `audit` derives its sites and their
    findings from one walk, and needs the facts even when no rule is enabled."""
    rules = enabled_rules(settings) if rules is None else rules
    catalog = catalog or load_catalog()
    try:
        facts = Analyzer(tree, catalog, settings, dropped_imports).run()
    except RESOURCE_ERRORS as exc:  # deep or huge code: a limit, not a bug (RFL900)
        return Analysis(None, unanalysable(filename, exc, settings))
    except Exception as exc:  # an engine bug must not stop the run (RFL901)
        error = internal_error(filename, tree, "the analyzer", exception_reason(exc))
        return Analysis(None, [error])
    test_file = is_test_file(filename)
    ctx = Context(filename, test_file, catalog, facts.identified, source=source, settings=settings)
    for rule in rules:
        try:
            _run_rule(rule, facts, ctx)
        except Exception as exc:  # one failing rule: report it, keep the others' findings
            ctx.findings.append(internal_error(filename, tree, rule.code, exception_reason(exc)))
    return Analysis(facts, ctx.findings)


def internal_error(filename: str, tree: ast.AST | None, where: str, reason: str) -> Finding:
    """RFL901: the engine failed on this file; reported so CI notices (exit 2)."""
    return Finding(
        filename=filename,
        line=1,
        col=0,
        code=INTERNAL_ERROR[0],
        name=INTERNAL_ERROR[1],
        message=(
            f"internal error in {where}: {reason} (this is a refusal-lint bug; please "
            "report it with this file)"
        ),
        end_line=1,
        end_col=0,
    )


def exception_reason(exc: BaseException) -> str:
    """`Type: first line of the message`, at most 200 characters: an RFL901 reason."""
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}"[:200] if text else type(exc).__name__


# Which facts feed which rule hook. A rule that does not override a hook costs nothing.
_HOOKS = (
    ("dispatches", "check_dispatch"),
    ("refusal_checks", "check_refusal_check"),
    ("comparisons", "check_comparison"),
    ("asserts", "check_assert"),
    ("tables", "check_table"),
    ("lookups", "check_lookup"),
    ("unchecked_responses", "check_unchecked_response"),
    ("stream_loops", "check_stream_loop"),
    ("policy_handlers", "check_policy_handler"),
)


def _run_rule(rule: Rule, facts: Facts, ctx: Context) -> None:
    """Hand every fact to the hooks the rule implements."""
    for facts_field, hook in _HOOKS:
        if getattr(type(rule), hook) is getattr(Rule, hook):
            continue
        check = getattr(rule, hook)
        for fact in getattr(facts, facts_field):
            check(fact, ctx)
