"""Normalization tables: dict literals keyed by stop values, and lookups into them (RFL006).

Filled during the analyzer's single walk through three hooks: `on_node` for every
expression node, `on_assign` for assignments, and `finish` once the module is read.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from refusal_lint.facts import Subject
from refusal_lint.model import ModuleModel


@dataclass
class TableFact:
    """A dict literal keyed by stop values of one vocabulary (placeholder: see RFL006)."""

    node: ast.Dict


@dataclass
class LookupFact:
    """A lookup of a stop signal in a table (placeholder: see RFL006)."""

    node: ast.Call


@dataclass
class TableCollector:
    model: ModuleModel
    tables: list[TableFact] = field(default_factory=list)
    lookups: list[LookupFact] = field(default_factory=list)

    def on_node(self, node: ast.AST, aliases: dict[str, Subject]) -> None:
        """Every expression node of every statement, in source order."""

    def on_assign(self, stmt: ast.Assign | ast.AnnAssign, aliases: dict[str, Subject]) -> None:
        """Every assignment statement, after its expressions were scanned."""

    def finish(self) -> None:
        """The whole module has been read."""
