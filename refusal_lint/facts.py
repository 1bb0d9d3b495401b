"""Facts the engine's walk collects and hands to rules: plain data, no analysis."""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass, field

from refusal_lint.catalog import Signal


@dataclass(frozen=True)
class Subject:
    """An expression that reads a stop signal, e.g. `resp.choices[0].finish_reason`.

    `signal_texts` are spellings of the signal itself (storing one carries it on);
    `carriers` add the objects it was read from (returning one carries it on).

    `key` groups reads of the same signal (an alias and its source share it); `carriers`
    are the texts of expressions that carry the signal onward when returned or stored
    (the signal itself, the objects it was read from, and alias names).
    """

    key: str
    text: str
    field: str
    signals: tuple[Signal, ...]
    carriers: frozenset[str]
    names: frozenset[str] = frozenset()  # local names bound to the signal itself
    misspelled_field: str = ""  # the signal field a mistyped key was meant to be
    case: str | None = None  # "lower" / "upper" when the read is case-folded
    as_name: bool = False  # `.name` of an int enum: compared with strings legitimately
    # Known only from the provider enum member it is compared with (`x == FinishReason.SAFETY`):
    # a comparison of it with a string is not recognized as a read of the signal.
    implied: bool = False

    @property
    def signal_texts(self) -> frozenset[str]:
        return self.names | {self.key}


@dataclass(frozen=True)
class Value:
    """A value a subject is compared with, resolved to the provider's spelling."""

    text: str
    node: ast.expr
    kind: str  # "str", "enum" (a member, resolved), "int"
    enum_signal: Signal | None = None


@dataclass
class ComparisonFact:
    """One comparison of a subject with literal/enum values (or a `case` pattern)."""

    node: ast.expr | ast.pattern
    subject: Subject
    values: tuple[Value, ...]
    dispatch: Dispatch | None = None


@dataclass
class Branch:
    """One arm of a dispatch: the values routed to it and its body."""

    node: ast.AST
    body: list[ast.stmt]
    values: frozenset[str]
    negated: bool = False  # a guard (`!=`, `not in`): the body gets every *other* value
    partial: bool = False  # extra conditions: the values only sometimes reach the body
    loud: bool = False
    trivially_silent: bool = False
    guard: bool = False  # the default path of a `!=` / `not in` guard, not an `else`
    # Values for which the body is silent once nested ifs taken only by other values are
    # skipped (`if r == "MAX_TOKENS": show(...)` inside a STOP/MAX_TOKENS/SAFETY branch).
    silent_values: frozenset[str] = frozenset()


@dataclass
class Dispatch:
    """An if/elif chain, a match, or a run of ifs over one subject."""

    node: ast.stmt
    kind: str  # "if" or "match"
    subject: Subject
    branches: list[Branch]
    comparisons: list[ComparisonFact] = field(default_factory=list)
    default: Branch | None = None  # the explicit default: else / case _ / capture / guard
    continuation_loud: bool = False  # the success path after a dispatch without default
    families: tuple[Signal, ...] = ()
    no_refusal_family: bool = False  # an identified family that has no refusal value
    refusal_values: tuple[str, ...] = ()  # union over the families, most shared first
    family_refusals: tuple[tuple[str, ...], ...] = ()  # each family's own refusal values
    handled_elsewhere: frozenset[str] = frozenset()  # refusal values handled in the scope
    # Every value branch only returns / assigns a constant of another vocabulary: a
    # translation table in code (rule-semantics 14), judged by RFL006, not as a dispatch.
    translation: bool = False
    # Every branch only rewrites the signal itself (`if r == "x": r = "y"`): a
    # normalization step before the real dispatch, not a decision about the response.
    rewrite: bool = False
    # The statements that run after a dispatch without an explicit default (RFL006 reads a
    # translation's fall-through `return "stop"` there).
    fallthrough: list[ast.stmt] = field(default_factory=list)
    # Providers of the response the subject is read from, when the receiver is known
    # (reading 7: the receiver decides the family).
    receiver_providers: frozenset[str] = frozenset()
    # The statements that make up the dispatch: the `if` statements of a chain or run (in
    # source order), or the `match`. Fix plans insert branches relative to them.
    members: Sequence[ast.stmt] = ()

    @property
    def handled_values(self) -> frozenset[str]:
        """Values routed somewhere on purpose: to a branch body, or past a guard that names
        them (`if r != "refusal": return` hands refusal to the code after it)."""
        return frozenset(v for b in self.branches for v in b.values)

    @property
    def missing_refusal(self) -> tuple[str, ...]:
        """Refusal values with no branch, for the family that comes closest to covering them.

        Where several families fit, covering any one of them counts (so `content_filter`
        covers OpenAI even though LiteLLM also has `guardrail_intervened`).
        """
        handled = self.handled_values | self.handled_elsewhere
        gaps = [tuple(v for v in family if v not in handled) for family in self.family_refusals]
        if not gaps:
            return ()
        fewest = min(len(gap) for gap in gaps)
        closest = {v for gap in gaps if len(gap) == fewest for v in gap}
        return tuple(v for v in self.refusal_values if v in closest)

    @property
    def handles_refusal(self) -> bool:
        """Some branch (here or in the same scope) takes at least one refusal value."""
        handled = self.handled_values | self.handled_elsewhere
        return any(v in handled for v in self.refusal_values)

    @property
    def refusal_branches(self) -> list[Branch]:
        refusal = set(self.refusal_values)
        return [b for b in self.branches if not b.negated and b.values & refusal]

    @property
    def kind_label(self) -> str:
        return "`match`" if self.kind == "match" else "`if` chain"


@dataclass
class RefusalCheck:
    """A truthiness test of a refusal field (`if msg.refusal:`): a refusal branch."""

    node: ast.AST
    text: str
    body: list[ast.stmt]
    trivially_silent: bool


@dataclass
class AssertFact:
    node: ast.Assert
    subject: Subject
