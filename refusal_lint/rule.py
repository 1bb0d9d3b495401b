"""The rule base class and the context a rule reports through."""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING, ClassVar

from refusal_lint.finding import Finding

if TYPE_CHECKING:
    from refusal_lint.catalog import Catalog
    from refusal_lint.facts import AssertFact, ComparisonFact, Dispatch, RefusalCheck
    from refusal_lint.plans import FixPlan
    from refusal_lint.plans.layout import Layout
    from refusal_lint.responses import PolicyHandler, StreamLoop, UncheckedOutput
    from refusal_lint.settings import Settings
    from refusal_lint.tables import LookupFact, TableFact


class Rule:
    """One rule: identity as class attributes, docs as the docstring, checks as hooks.

    The docstring is the rule's documentation (ruff's headings: What it does / Why is this
    bad? / Example / Use instead: / Options / Known limitations). Its `## Example` block must
    give exactly this rule's finding and its "Use instead:" block none; a test runs both.

    Rules keep no per-file state: one instance serves every file. The engine calls the hooks
    below with facts its single walk collected; a rule overrides the ones it needs.
    """

    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    default_enabled: ClassVar[bool] = True
    pylint_id: ClassVar[str]
    fixable: ClassVar[bool] = False
    # False for a rule no code can trigger on purpose (RFL901): it has no case book and
    # its docs show the report instead of code; a dedicated test covers it.
    has_code_examples: ClassVar[bool] = True
    # True for a rule judged over a whole project (RFL012): it has no per-file hooks; the
    # engine summarizes each file for it and `refusal-lint check` judges the summaries.
    # The flake8 and pylint plugins, which see one file at a time, never report it.
    project_level: ClassVar[bool] = False

    def check_dispatch(self, dispatch: Dispatch, ctx: Context) -> None:
        """Called once per stop-signal dispatch (if chain, match, run of ifs, guard)."""

    def check_refusal_check(self, check: RefusalCheck, ctx: Context) -> None:
        """Called once per truthiness test of a refusal field (`if msg.refusal:`)."""

    def check_comparison(self, comparison: ComparisonFact, ctx: Context) -> None:
        """Called once per comparison of a stop signal with a value."""

    def check_assert(self, fact: AssertFact, ctx: Context) -> None:
        """Called once per `assert` whose test reads a stop signal."""

    def check_table(self, table: TableFact, ctx: Context) -> None:
        """Called once per dict literal keyed by stop values."""

    def check_lookup(self, lookup: LookupFact, ctx: Context) -> None:
        """Called once per lookup of a stop signal in a table."""

    def check_unchecked_response(self, fact: UncheckedOutput, ctx: Context) -> None:
        """Called once per response whose output is read with no stop-signal check."""

    def check_stream_loop(self, fact: StreamLoop, ctx: Context) -> None:
        """Called once per loop that consumes a stream's text with no terminal check."""

    def check_policy_handler(self, fact: PolicyHandler, ctx: Context) -> None:
        """Called once per `except` catching a provider's policy/block error."""

    @classmethod
    def docs(cls) -> str:
        """The rule's Markdown documentation (its docstring, dedented)."""
        import inspect

        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def doc_section(cls, heading: str) -> str:
        """The text under `## heading` in the docs ("" if absent)."""
        match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", cls.docs(), re.M | re.S)
        return match.group(1).strip() if match else ""


class Context:
    """Per-file reporting surface handed to rules."""

    def __init__(
        self,
        filename: str,
        is_test_file: bool,
        catalog: Catalog,
        identified: frozenset[str] = frozenset(),
        *,
        source: str = "",
        settings: Settings | None = None,
    ) -> None:
        self.filename = filename
        self.is_test_file = is_test_file
        self.catalog = catalog
        # Providers whose SDK the module imports (catalog ids).
        self.identified_providers = identified
        self.findings: list[Finding] = []
        # The module's text and settings, for fix plans (indentation, quotes, templates).
        self.source = source
        self.settings = settings
        self._layout: Layout | None = None

    @property
    def layout(self) -> Layout:
        """Lines, newline, indentation and quotes of the module, for fix plans."""
        if self._layout is None:
            from refusal_lint.plans.layout import Layout

            self._layout = Layout(self.source)
        return self._layout

    @property
    def fix_templates(self) -> tuple[str | None, str | None]:
        """The configured (default-branch, refusal-branch) templates; None: the built-in."""
        settings = self.settings
        if settings is None:
            return None, None
        return settings.fix_default_branch, settings.fix_refusal_branch

    def catalog_knows(self, value: str) -> bool:
        """Whether any provider emits `value`, spelled exactly so, for any field."""
        return self.catalog.known_anywhere(value)

    def report(
        self, rule: Rule | type[Rule], node: ast.AST, message: str, fix: FixPlan | None = None
    ) -> None:
        """Record a finding for `rule` spanning `node`, with the plan of its fix if any."""
        line = getattr(node, "lineno", 1)
        col = getattr(node, "col_offset", 0)
        end_line = getattr(node, "end_lineno", None) or line
        end_col = getattr(node, "end_col_offset", None) or col
        self.findings.append(
            Finding(
                filename=self.filename,
                line=line,
                col=col,
                code=rule.code,
                name=rule.name,
                message=message,
                end_line=end_line,
                end_col=end_col,
                fix=fix.to_dict() if fix is not None else None,
            )
        )
