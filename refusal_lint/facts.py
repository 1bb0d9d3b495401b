"""Facts the engine's walk collects and hands to rules: plain data, no analysis."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from refusal_lint.catalog import Signal


@dataclass(frozen=True)
class Subject:
    """An expression that reads a stop signal, e.g. `resp.choices[0].finish_reason`.

    `key` groups reads of the same signal (an alias and its source share it); `carriers`
    are the texts of expressions that carry the signal onward when returned or stored
    (the signal itself, the objects it was read from, and alias names).
    """

    key: str
    text: str
    field: str
    signals: tuple[Signal, ...]
    carriers: frozenset[str]
    case: str | None = None  # "lower" / "upper" when the read is case-folded
    as_name: bool = False  # `.name` of an int enum: compared with strings legitimately


@dataclass(frozen=True)
class Value:
    """A value a subject is compared with, resolved to the provider's spelling."""

    text: str
    node: ast.expr
    kind: str  # "str", "enum" (a member, resolved), "int"
    enum_signal: Signal | None = None


@dataclass
class ComparisonFact:
    """One comparison of a subject with literal/enum values."""

    node: ast.expr
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
    refusal_values: tuple[str, ...] = ()
    handled_elsewhere: frozenset[str] = frozenset()  # refusal values handled in the scope

    @property
    def handled_values(self) -> frozenset[str]:
        return frozenset(v for b in self.branches if not b.negated for v in b.values)

    @property
    def missing_refusal(self) -> tuple[str, ...]:
        handled = self.handled_values | self.handled_elsewhere
        return tuple(v for v in self.refusal_values if v not in handled)

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
