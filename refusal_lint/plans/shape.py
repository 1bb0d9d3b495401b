"""What a dispatch's values do, as far as a fix needs to know: which values reach which path.

A fix is judged by the invariant of issue 6: it may change behaviour only for refusal and
unknown values, only inside the flagged dispatch. So before planning, the planner asks which
known values reach the path it would change. Anything the analysis cannot see for certain
(a `!=` guard among the arms, code between the `if`s of a run, a subject that is rebound)
means no plan at all, or an unsafe one, never a guess.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import cached_property

from refusal_lint.facts import Branch, Dispatch
from refusal_lint.families import normalize
from refusal_lint.plans.layout import Layout

SUCCESS_GROUPS = ("complete", "tool")
EXITS = (ast.Return, ast.Raise, ast.Continue, ast.Break)
_IDENTIFIER_VALUE = re.compile(r"^[A-Za-z0-9_.:/ -]+$")


@dataclass
class Shape:
    dispatch: Dispatch
    layout: Layout

    # ---- values -------------------------------------------------------------------------
    @cached_property
    def vocabulary(self) -> frozenset[str]:
        """Every known value of the dispatch's families (case-folded like the subject)."""
        case = self.dispatch.subject.case
        values = {normalize(v, case) for s in self.dispatch.families for v in s.values}
        return frozenset(values | set(self.dispatch.refusal_values))

    @cached_property
    def refusal(self) -> frozenset[str]:
        return frozenset(self.dispatch.refusal_values)

    @cached_property
    def missing_refusal(self) -> tuple[str, ...]:
        """Refusal values of every fitting family that no branch takes. (The finding names
        the closest family's; a branch for fewer would hide the others' refusals when the
        code does not say which provider it talks to.)"""
        dispatch = self.dispatch
        handled = dispatch.handled_values | dispatch.handled_elsewhere
        return tuple(v for v in dispatch.refusal_values if v not in handled)

    @cached_property
    def success(self) -> frozenset[str]:
        """Values of a normal completion, tool calls included: never to be broken."""
        case = self.dispatch.subject.case
        return frozenset(
            normalize(v, case)
            for s in self.dispatch.families
            for group in SUCCESS_GROUPS
            for v in s.groups.get(group, ())
        )

    # ---- structure ----------------------------------------------------------------------
    @cached_property
    def members(self) -> list[ast.stmt]:
        return list(self.dispatch.members) or [self.dispatch.node]

    @property
    def single(self) -> bool:
        """One `if` chain or one `match` (not a run of separate `if` statements)."""
        return len(self.members) == 1

    def arms(self, member: ast.stmt) -> list[ast.If]:
        """The `if` / `elif` arms of one member of an `if` dispatch."""
        found: list[ast.If] = []
        current = member
        while isinstance(current, ast.If):
            found.append(current)
            orelse = current.orelse
            if (
                len(orelse) == 1
                and isinstance(orelse[0], ast.If)
                and self.layout.is_elif(orelse[0])
            ):
                current = orelse[0]
            else:
                break
        return found

    def else_body(self, member: ast.stmt) -> list[ast.stmt]:
        arms = self.arms(member)
        return arms[-1].orelse if arms else []

    @cached_property
    def guards(self) -> list[Branch]:
        return [b for b in self.dispatch.branches if b.negated]

    def reaching(self, upto: Branch | None, chain: set[int]) -> frozenset[str]:
        """Known values that get past every branch before `upto` (None: past them all).

        Arms of one chain (`chain` holds their node ids) take their values for good; an
        arm of an earlier `if` of a run does so only when its body always leaves.
        """
        reach = set(self.vocabulary)
        for branch in self.dispatch.branches:
            if branch is upto:
                break
            taken = self._takes(branch)
            if taken and (id(branch.node) in chain or exits(branch.body)):
                reach -= taken
        return frozenset(reach)

    def named(self, chain: set[int]) -> frozenset[str]:
        """Values an arm of the chain takes for certain."""
        return frozenset(
            v for b in self.dispatch.branches if id(b.node) in chain for v in self._takes(b)
        )

    def _takes(self, branch: Branch) -> frozenset[str]:
        """The values a branch surely takes (none when its test says more than that)."""
        if branch.negated:
            return frozenset()
        if not branch.partial:
            return _values(branch)
        node = branch.node
        if isinstance(node, ast.If) and isinstance(node.test, ast.Compare):
            test = node.test
            if len(test.ops) == 1 and isinstance(test.ops[0], (ast.Is, ast.Eq)):
                sides = [test.left, test.comparators[0]]
                others = [s for s in sides if not (isinstance(s, ast.Constant) and s.value is None)]
                subject = self.dispatch.subject
                if len(others) == 1 and self.layout.segment(others[0]) in (
                    subject.signal_texts | {subject.text}
                ):
                    return frozenset({"null"})  # `elif reason is None:`
        return frozenset()

    # ---- source ---------------------------------------------------------------------------
    def subject_text(self, member: ast.stmt) -> str | None:
        """How the code spells the subject where a new branch goes, if it spells it one way."""
        if isinstance(member, ast.Match):
            return self._expression_text(member.subject)
        texts: set[str] = set()
        lines = (member.lineno, self.layout.stmt_end(member))
        for fact in self.dispatch.comparisons:
            node = fact.node
            if not isinstance(node, ast.Compare) or not lines[0] <= node.lineno <= lines[1]:
                continue
            value_nodes = {id(v.node) for v in fact.values}
            sides = [node.left, *node.comparators]
            for side in sides:
                if id(side) in value_nodes or _holds(side, value_nodes):
                    continue
                text = self._expression_text(side)
                if text is None:
                    return None
                texts.add(text)
        return texts.pop() if len(texts) == 1 else None

    def _expression_text(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.NamedExpr):
            return node.target.id if isinstance(node.target, ast.Name) else None
        text = self.layout.segment(node)
        if "\n" in text or "\r" in text or "#" in text:
            return None
        return text

    def literal(self, value: str, quote: str) -> str | None:
        """A string literal for a catalog value, quoted like the file."""
        if value == "null" or not _IDENTIFIER_VALUE.match(value):
            return None
        return f"{quote}{value}{quote}"

    @cached_property
    def quote(self) -> str:
        """The quote the dispatch's own string values use, else the file's."""
        for fact in self.dispatch.comparisons:
            for value in fact.values:
                if value.kind == "str":
                    found = self.layout.literal_quote(value.node)
                    if found:
                        return found
        return self.layout.quote

    @cached_property
    def string_typed(self) -> bool:
        """New branches may compare with string literals: the dispatch itself does, or it
        uses enum members of families whose enums are `str` enums (equal to their value).
        Not for a subject known only from its enum members: a string branch added to it
        would not be seen as part of the dispatch."""
        if self.dispatch.subject.implied:
            return False
        kinds = {v.kind for f in self.dispatch.comparisons for v in f.values} - {"none"}
        if kinds <= {"str"}:
            return True
        return "int" not in kinds and all(s.value_type == "str" for s in self.dispatch.families)

    def rebinds_subject(self, subject: str) -> bool:
        """Could the subject mean something else after the members run? True when code
        stands between them or a body assigns a name the subject is read from."""
        roots = {n.id for n in ast.walk(ast.parse(subject, mode="eval")) if isinstance(n, ast.Name)}
        layout = self.layout
        for before, after in zip(self.members, self.members[1:], strict=False):
            for line in range(layout.stmt_end(before) + 1, after.lineno):
                text = layout.text(line).strip()
                if text and not text.startswith("#"):
                    return True
        for member in self.members:
            for node in ast.walk(member):
                stored = isinstance(getattr(node, "ctx", None), (ast.Store, ast.Del))
                if stored and _root(node) in roots:
                    return True
        return False


def _root(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _values(branch: Branch) -> frozenset[str]:
    """The branch's values, with "null" when it takes `None` (`case None:`, `r is None`)."""
    node = branch.node
    tests: list[ast.AST] = [node.test] if isinstance(node, ast.If) else [node]
    for test in tests:
        for sub in ast.walk(test):
            if isinstance(sub, ast.MatchSingleton) and sub.value is None:
                return branch.values | {"null"}
            if (
                isinstance(sub, ast.Compare)
                and len(sub.ops) == 1
                and isinstance(sub.ops[0], (ast.Is, ast.Eq, ast.In))
                and _holds_none(sub)
            ):
                return branch.values | {"null"}
    return branch.values


def _holds_none(compare: ast.Compare) -> bool:
    sides = [compare.left, *compare.comparators]
    elements = [e for side in sides for e in (side.elts if isinstance(side, ast.Tuple) else [side])]
    return any(isinstance(e, ast.Constant) and e.value is None for e in elements)


def exits(body: list[ast.stmt]) -> bool:
    return bool(body) and isinstance(body[-1], EXITS)


def is_noop(body: list[ast.stmt]) -> bool:
    """`pass`, `...` or a bare string: the branch does nothing at all."""
    return all(
        isinstance(s, ast.Pass) or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
        for s in body
    )


def all_simple(body: list[ast.stmt]) -> bool:
    compound = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.Try, ast.With, ast.AsyncWith,
                ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Match)  # fmt: skip
    return bool(body) and not any(isinstance(s, compound) for s in body)


def _holds(side: ast.expr, value_nodes: set[int]) -> bool:
    return any(id(n) in value_nodes for n in ast.walk(side))


def shown(values: frozenset[str] | set[str] | tuple[str, ...]) -> str:
    """Values for a fix message: `'pause_turn'`, `None` for the null value."""
    ordered = sorted(values, key=lambda v: (v == "null", v))
    return ", ".join("None" if v == "null" else repr(v) for v in ordered)
