"""The single walk: reads a module once and collects the facts all rules share.

Statements are visited in source order, so an alias (`reason = resp.stop_reason`) is
known before the dispatch that uses it. Each block is scanned for dispatches: an
if/elif chain plus the later `if`s of the same block over the same subject (a run of
guard clauses), or a `match`. Facts are handed to rules only after the whole module is
read, so scope-wide questions ("is refusal handled anywhere in this function?") need no
second walk.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from refusal_lint.catalog import Catalog
from refusal_lint.facts import (
    AssertFact,
    Branch,
    ComparisonFact,
    Dispatch,
    RefusalCheck,
    Subject,
    Value,
)
from refusal_lint.families import fit_families, normalize, vocabulary
from refusal_lint.loudness import (
    is_loud_body,
    is_loud_path,
    is_translation,
    is_trivially_silent,
    walk_body,
)
from refusal_lint.model import ModuleModel, dotted
from refusal_lint.responses import (
    PolicyHandler,
    ResponseCall,
    ResponseTracker,
    StreamLoop,
    UncheckedOutput,
)
from refusal_lint.settings import Settings
from refusal_lint.tables import LookupFact, TableCollector, TableFact

COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.Lambda)
LOOPS = (ast.For, ast.AsyncFor, ast.While)
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass
class Continuation:
    """What runs after a statement: the rest of its block, then the enclosing block's rest."""

    block: list[ast.stmt]
    parent: Continuation | None = None
    loop: bool = False  # the end of a loop body goes back to the loop header
    after_loop: Continuation | None = None  # where `break` goes, inside a loop body
    # The rest starts at block[start]; sliced only when asked, since a slice per statement
    # made a module of many statements quadratic.
    start: int = 0

    def first_block(self) -> list[ast.stmt]:
        """The next statements to run, or [] if control leaves the function or loops."""
        node: Continuation | None = self
        while node is not None:
            if node.start < len(node.block):
                return node.block[node.start :]
            if node.loop:
                return []
            node = node.parent
        return []

    def break_target(self) -> list[ast.stmt]:
        """The statements a `break` here continues with."""
        node: Continuation | None = self
        while node is not None:
            if node.loop:
                return node.after_loop.first_block() if node.after_loop else []
            node = node.parent
        return []


@dataclass
class Scope:
    aliases: dict[str, Subject] = field(default_factory=dict)
    # `choice = resp.choices[0]`: objects a later signal read comes from
    objects: dict[str, str] = field(default_factory=dict)
    dispatches: list[Dispatch] = field(default_factory=list)


@dataclass
class Term:
    """`subject <op> values` as found in a test."""

    subject: Subject
    positive: bool
    values: tuple[Value, ...]


@dataclass
class Facts:
    dispatches: list[Dispatch] = field(default_factory=list)
    comparisons: list[ComparisonFact] = field(default_factory=list)
    refusal_checks: list[RefusalCheck] = field(default_factory=list)
    asserts: list[AssertFact] = field(default_factory=list)
    tables: list[TableFact] = field(default_factory=list)
    lookups: list[LookupFact] = field(default_factory=list)
    unchecked_responses: list[UncheckedOutput] = field(default_factory=list)
    stream_loops: list[StreamLoop] = field(default_factory=list)
    policy_handlers: list[PolicyHandler] = field(default_factory=list)
    identified: frozenset[str] = frozenset()
    # For `audit` only (no rule hook): every response call and every loop over a stream's
    # text, checked or not.
    response_calls: list[ResponseCall] = field(default_factory=list)
    consuming_loops: list[StreamLoop] = field(default_factory=list)
    # For RFL012's summary (no rule hook): providers the module obtains a stream from.
    streamed: frozenset[str] = frozenset()


class Analyzer:
    def __init__(
        self,
        tree: ast.Module,
        catalog: Catalog,
        settings: Settings,
        dropped_imports: frozenset[str] = frozenset(),
    ) -> None:
        """`dropped_imports`: modules imported inside blocks left out of a partial `tree`."""
        self.tree = tree
        self.settings = settings
        self.model = ModuleModel(catalog, extra_fields=frozenset(settings.extra_signal_fields))
        self.model.imported_modules.update(dropped_imports)
        self.facts = Facts()
        self.tables = TableCollector(self.model)
        self.responses = ResponseTracker(self.model, catalog)
        self._comparisons: dict[int, ComparisonFact] = {}
        self._scopes: list[Scope] = []
        self._chained: set[int] = set()  # `if` nodes already read as part of a chain or run

    # ---- driver -------------------------------------------------------------------------
    def run(self) -> Facts:
        self.model.learn_module(self.tree)
        self.responses.learn_factories(self.tree)
        module_scope = Scope()
        self._scopes.append(module_scope)
        self.model.objects = module_scope.objects
        self._visit_block(self.tree.body, Continuation([]))
        self._close_scope(self._scopes.pop())
        self.facts.identified = self.model.identified_providers()
        for dispatch in self.facts.dispatches:
            self._fit(dispatch)
        self.tables.finish()
        self.facts.tables = self.tables.tables
        self.facts.lookups = self.tables.lookups
        self.responses.finish()
        self.facts.unchecked_responses = self.responses.unchecked
        self.facts.stream_loops = self.responses.loops
        self.facts.policy_handlers = self.responses.handlers
        self.facts.response_calls = self.responses.calls
        self.facts.consuming_loops = self.responses.consuming_loops
        self.facts.streamed = frozenset(self.responses.streamed)
        return self.facts

    @property
    def scope(self) -> Scope:
        return self._scopes[-1]

    def _visit_block(self, stmts: list[ast.stmt], outer: Continuation) -> None:
        for index, stmt in enumerate(stmts):
            rest = Continuation(stmts, outer, start=index + 1)
            if isinstance(stmt, ast.If) and id(stmt) not in self._chained:
                self._dispatch_from_if(stmts, index, outer)
            elif isinstance(stmt, ast.Match):
                self._dispatch_from_match(stmt, rest)
            self._visit_stmt(stmt, rest)

    def _visit_stmt(self, stmt: ast.stmt, rest: Continuation) -> None:
        if isinstance(stmt, FUNCTIONS):
            self._scopes.append(Scope())
            self.model.objects = self.scope.objects
            self.responses.enter_function(stmt)
            self._visit_block(stmt.body, Continuation([]))
            self.responses.exit_function()
            self._close_scope(self._scopes.pop())
            self.model.objects = self.scope.objects
            return
        if isinstance(stmt, ast.ClassDef):
            self.responses.enter_class()
            self._visit_block(stmt.body, Continuation([]))
            self.responses.exit_class()
            return
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            self.model.learn_import(stmt)
            return
        self.responses.on_stmt(stmt)
        self._scan_expressions(stmt)
        self.responses.after_stmt(stmt)
        if isinstance(stmt, ast.Assert):
            self._record_assert(stmt)
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            self._record_alias(stmt)
            self.tables.on_assign(stmt, self.scope.aliases)
        for body, loop in _child_blocks(stmt):
            inner = Continuation([], loop=True, after_loop=rest) if loop else rest
            self._visit_block(body, inner)

    def _close_scope(self, scope: Scope) -> None:
        by_key: dict[str, list[Dispatch]] = {}
        for dispatch in scope.dispatches:
            by_key.setdefault(dispatch.subject.key, []).append(dispatch)
        for group in by_key.values():
            for dispatch in group:
                others = [d for d in group if d is not dispatch]
                dispatch.handled_elsewhere = frozenset(v for d in others for v in d.handled_values)

    # ---- aliases and asserts ------------------------------------------------------------
    def _record_alias(self, stmt: ast.Assign | ast.AnnAssign) -> None:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        if len(targets) != 1 or not isinstance(targets[0], ast.Name) or stmt.value is None:
            return
        self._bind(targets[0].id, stmt.value)

    def _bind(self, name: str, value: ast.expr) -> None:
        subject = self.model.subject_of(value, self.scope.aliases)
        if subject is None or (isinstance(value, ast.Name) and value.id == name):
            self.scope.aliases.pop(name, None)
            source = dotted(value) if isinstance(value, (ast.Attribute, ast.Subscript)) else None
            if source is not None:
                self.scope.objects[name] = source
            else:
                self.scope.objects.pop(name, None)
            return
        self.scope.aliases[name] = Subject(
            key=subject.key,
            text=name,
            field=subject.field,
            signals=subject.signals,
            carriers=subject.carriers | {name},
            names=subject.names | {name},
            case=subject.case,
            as_name=subject.as_name,
        )

    def _bind_walruses(self, tests: list[ast.expr]) -> None:
        """`if (reason := resp.stop_reason) == ...`: the name is an alias for later arms."""
        for test in tests:
            for node in _walk_expr(test):
                if isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
                    self._bind(node.target.id, node.value)

    def _record_assert(self, stmt: ast.Assert) -> None:
        """An assert reading a stop signal, unless it compares it with project values only."""
        subject = None
        for node in _walk_expr(stmt.test):
            if isinstance(node, ast.Compare):
                terms = self._terms_of_compare(node)
                if terms and not _speaks_vocabulary(terms[0]):
                    return  # reading 4: a project's own stop reasons
                if not terms and self._compares_signal(node):
                    return  # compared with something we cannot resolve
            if subject is None and isinstance(
                node, (ast.Name, ast.Attribute, ast.Subscript, ast.Call)
            ):
                subject = self.model.subject_of(node, self.scope.aliases)
        if subject is not None:
            self.facts.asserts.append(AssertFact(stmt, subject))

    def _compares_signal(self, node: ast.Compare) -> bool:
        sides = [node.left, *node.comparators]
        return any(self.model.subject_of(side, self.scope.aliases) for side in sides)

    # ---- comparisons --------------------------------------------------------------------
    def _scan_expressions(self, stmt: ast.stmt) -> None:
        on_table_node, on_response_node = self.tables.on_node, self.responses.on_node
        on_table_load, on_response_load = self.tables.on_name_load, self.responses.on_name_load
        for root in _header_expressions(stmt):
            for node in _walk_expr(root):
                if type(node) is ast.Name:  # most nodes: only a read matters, and only here
                    if type(node.ctx) is ast.Load:
                        on_table_load(node, self.scope.aliases)
                        on_response_load(node)
                    continue
                on_table_node(node, self.scope.aliases)
                on_response_node(node)
                if isinstance(node, ast.Compare):
                    self._terms_of_compare(node)
                elif isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
                    self._bind(node.target.id, node.value)

    def _terms_of_compare(self, node: ast.Compare, *, record: bool = True) -> list[Term]:
        """The subject/value terms of a comparison; records a ComparisonFact once."""
        if len(node.ops) != 1:
            return []
        op, left, right = node.ops[0], node.left, node.comparators[0]
        term = self._term(op, left, right) or self._term(op, right, left, swapped=True)
        if term is None:
            return []
        if record and id(node) not in self._comparisons:
            fact = ComparisonFact(node, term.subject, term.values)
            self._comparisons[id(node)] = fact
            self.facts.comparisons.append(fact)
        return [term]

    def _term(
        self, op: ast.cmpop, subj: ast.expr, other: ast.expr, swapped: bool = False
    ) -> Term | None:
        if isinstance(op, (ast.Eq, ast.NotEq, ast.Is, ast.IsNot)):
            values = self._values([other])
            positive = isinstance(op, (ast.Eq, ast.Is))
        elif isinstance(op, (ast.In, ast.NotIn)):
            if swapped:  # `"content_filter" in reason`: a substring test of one value
                values = self._values([other])
            elif isinstance(other, (ast.Tuple, ast.List, ast.Set)):
                values = self._values(other.elts)
            elif isinstance(other, ast.Name) and other.id in self.model.collections:
                values = self._values(self.model.collections[other.id])
            else:
                return None
            positive = isinstance(op, ast.In)
        else:
            return None
        if not values:
            return None
        subject = self.model.subject_of(subj, self.scope.aliases)
        if subject is None:
            enum_values = [v for v in values if v.enum_signal is not None]
            if enum_values:
                subject = self.model.enum_signal_subject(enum_values[0], subj)
            else:
                subject = self.model.misspelled_subject(subj, [v.text for v in values])
            if subject is None:
                return None
        return Term(subject, positive, values)

    def _values(self, nodes: list[ast.expr]) -> tuple[Value, ...]:
        values = []
        for node in nodes:
            value = self.model.value_of(node)
            if value is None:
                return ()
            values.append(value)
        return tuple(values)

    # ---- dispatches ---------------------------------------------------------------------
    def _dispatch_from_if(self, stmts: list[ast.stmt], index: int, outer: Continuation) -> None:
        first = stmts[index]
        assert isinstance(first, ast.If)
        arms, default_body = _if_chain(first)
        self._chained.update(id(node) for node, _, _ in arms)
        self._bind_walruses([test for _, test, _ in arms])
        subject = self._first_subject(arms)
        self._record_refusal_checks(arms, default_body)
        if subject is None:
            return
        members = [first]
        last = index
        if default_body is None:
            for later_index in range(index + 1, len(stmts)):
                later = stmts[later_index]
                if isinstance(later, ast.If):
                    later_arms, later_default = _if_chain(later)
                    # Only a probe: the names its tests read may be rebound before it runs,
                    # so its comparisons are recorded once it joins the run (or when the
                    # walk reaches it), not here.
                    later_subject = self._first_subject(later_arms, record=False)
                    if later_subject is not None and later_subject.key == subject.key:
                        self._first_subject(later_arms)
                        members.append(later)
                        self._chained.update(id(node) for node, _, _ in later_arms)
                        arms.extend(later_arms)
                        last = later_index
                        if later_default is not None:
                            default_body = later_default
                            break
        rest = Continuation(stmts, outer, start=last + 1)
        branches: list[Branch] = []
        default: Branch | None = None
        for node, test, body in arms:
            values, negated, partial = self._route(test, subject.key)
            branch = self._branch(node, body, values, negated, partial, subject, rest)
            branches.append(branch)
            # A guard's body takes every value it does not name; with extra conditions
            # (`if r and r != "STOP":`) it still does whenever they hold, so a loud body
            # is a loud default there too.
            if negated and default is None and (not partial or branch.loud):
                default = branch
                branch.guard = True
        if default_body is not None:
            anchor = _else_anchor(members[-1])
            default = self._branch(anchor, default_body, frozenset(), False, False, subject, rest)
        dispatch = Dispatch(
            node=self._report_node(arms, subject.key),
            kind="if",
            subject=subject,
            branches=branches,
            default=default,
        )
        dispatch.fallthrough = rest.first_block()
        dispatch.translation = is_translation(dispatch, dispatch.fallthrough)
        dispatch.rewrite = _rewrites_signal(dispatch)
        dispatch.members = members
        if default is None:
            dispatch.continuation_loud = self._loud_path(rest.first_block(), subject)
        self._register(dispatch, [test for _, test, _ in arms])

    def _dispatch_from_match(self, stmt: ast.Match, rest: Continuation) -> None:
        subject = self.model.subject_of(stmt.subject, self.scope.aliases)
        routes = [(case, self._pattern_values(case.pattern)) for case in stmt.cases]
        if subject is None:
            enum_values = [v for _, (vals, _) in routes for v in vals if v.enum_signal]
            if not enum_values:
                return
            subject = self.model.enum_signal_subject(enum_values[0], stmt.subject)
            if subject is None:
                return
        branches: list[Branch] = []
        default: Branch | None = None
        for case, (values, is_default) in routes:
            partial = case.guard is not None
            texts = frozenset(v.text for v in values)
            branch = self._branch(case.pattern, case.body, texts, False, partial, subject, rest)
            if is_default and not partial:
                default = default or branch
            else:
                branches.append(branch)
        if not any(b.values for b in branches):
            return
        dispatch = Dispatch(stmt, "match", subject, branches, default=default, members=[stmt])
        dispatch.fallthrough = rest.first_block()
        dispatch.translation = is_translation(dispatch, dispatch.fallthrough)
        dispatch.rewrite = _rewrites_signal(dispatch)
        if default is None:
            dispatch.continuation_loud = self._loud_path(rest.first_block(), subject)
        for case, (values, _) in routes:
            if values:
                fact = ComparisonFact(case.pattern, subject, tuple(values), dispatch)
                self.facts.comparisons.append(fact)
                dispatch.comparisons.append(fact)
        dispatch.receiver_providers = self._receiver(subject)
        self.facts.dispatches.append(dispatch)
        self.scope.dispatches.append(dispatch)

    def _pattern_values(self, pattern: ast.pattern) -> tuple[list[Value], bool]:
        """Values a case pattern matches, and whether it is a catch-all."""
        if isinstance(pattern, ast.MatchValue):
            value = self.model.value_of(pattern.value)
            return ([value] if value else []), False
        if isinstance(pattern, ast.MatchAs):
            if pattern.pattern is None:
                return [], True
            return self._pattern_values(pattern.pattern)
        if isinstance(pattern, ast.MatchOr):
            found: list[Value] = []
            catch_all = False
            for alternative in pattern.patterns:
                values, is_default = self._pattern_values(alternative)
                found.extend(values)
                catch_all = catch_all or is_default
            return found, catch_all
        return [], False

    def _receiver(self, subject: Subject) -> frozenset[str]:
        """Providers of the response the subject is read from, where the tracker knows it."""
        for carrier in sorted(subject.carriers, key=len):
            tracked = self.responses.lookup(carrier)
            if tracked is not None and tracked.kind != "client":
                return frozenset(s.provider for s in tracked.surfaces)
        return frozenset()

    def _register(self, dispatch: Dispatch, tests: list[ast.expr | None]) -> None:
        for test in tests:
            for node in _walk_expr(test) if test is not None else ():
                fact = self._comparisons.get(id(node))
                if fact is not None and fact.subject.key == dispatch.subject.key:
                    fact.dispatch = dispatch
                    dispatch.comparisons.append(fact)
        dispatch.receiver_providers = self._receiver(dispatch.subject)
        self.facts.dispatches.append(dispatch)
        self.scope.dispatches.append(dispatch)

    def _first_subject(
        self, arms: list[tuple[ast.AST, ast.expr, list[ast.stmt]]], *, record: bool = True
    ) -> Subject | None:
        for _, test, _ in arms:
            for node in _walk_expr(test):
                if isinstance(node, ast.Compare):
                    terms = self._terms_of_compare(node, record=record)
                    if terms and any(v.text != "None" for v in terms[0].values):
                        return terms[0].subject
        return None

    def _report_node(
        self, arms: list[tuple[ast.AST, ast.expr, list[ast.stmt]]], key: str
    ) -> ast.stmt:
        for node, test, _ in arms:
            if self._route(test, key)[0] or self._route(test, key)[1]:
                assert isinstance(node, ast.stmt)
                return node
        node = arms[0][0]
        assert isinstance(node, ast.stmt)
        return node

    def _route(self, test: ast.expr, key: str) -> tuple[frozenset[str], bool, bool]:
        """(values, negated, partial) of a branch test with respect to one subject."""
        found = self._route_expr(test, key)
        if found is None:
            return frozenset(), False, True
        return found

    def _route_expr(self, test: ast.expr, key: str) -> tuple[frozenset[str], bool, bool] | None:
        if self._is_subject_truthiness(test, key):
            # `elif reason:` / `elif reason is not None:` takes every value still unmatched
            return frozenset(), True, False
        if isinstance(test, ast.Compare):
            terms = [t for t in self._terms_of_compare(test) if t.subject.key == key]
            if not terms:
                return None
            term = terms[0]
            values = frozenset(v.text for v in term.values if v.kind != "none")
            return values, not term.positive, False
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            inner = self._route_expr(test.operand, key)
            return None if inner is None else (inner[0], not inner[1], inner[2])
        if isinstance(test, ast.BoolOp):
            parts = [self._route_expr(v, key) for v in test.values]
            matched = [p for p in parts if p is not None]
            if not matched:
                return None
            union = frozenset(v for p in matched for v in p[0])
            negated = [p for p in matched if p[1]]
            if isinstance(test.op, ast.Or):
                if negated:  # `a or r != "x"`: "x" skips the body only when `a` is false
                    return frozenset(v for p in negated for v in p[0]), True, True
                return union, False, any(p[2] for p in matched)
            if len(negated) == len(matched):
                return union, True, len(matched) < len(parts)
            positive = [p for p in matched if not p[1]]
            return frozenset(v for p in positive for v in p[0]), False, True
        return None

    def _is_subject_truthiness(self, test: ast.expr, key: str) -> bool:
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            right = test.comparators[0]
            if not (isinstance(test.ops[0], ast.IsNot) and isinstance(right, ast.Constant)):
                return False
            test = test.left
        if not isinstance(test, (ast.Name, ast.Attribute, ast.Subscript, ast.Call)):
            return False
        subject = self.model.subject_of(test, self.scope.aliases)
        return subject is not None and subject.key == key

    def _branch(
        self,
        node: ast.AST,
        body: list[ast.stmt],
        values: frozenset[str],
        negated: bool,
        partial: bool,
        subject: Subject,
        rest: Continuation,
    ) -> Branch:
        silent = is_trivially_silent(body)
        values = values - {"None"}
        return Branch(
            node=node,
            body=body,
            values=values,
            negated=negated,
            partial=partial,
            loud=self._path_loud(body, subject, rest),
            trivially_silent=silent,
            silent_values=values if silent else self._silent_values(body, subject.key, values),
        )

    def _silent_values(
        self, body: list[ast.stmt], key: str, values: frozenset[str]
    ) -> frozenset[str]:
        """Branch values for which the body is silent once the nested ifs they never enter
        are skipped (the caller handles a body that is silent as a whole)."""
        if not any(isinstance(s, ast.If) for s in body):
            return frozenset()
        silent = set()
        for value in values:
            reached = [s for s in body if not self._skipped_for(s, key, value)]
            if is_trivially_silent(reached):
                silent.add(value)
        return frozenset(silent)

    def _skipped_for(self, stmt: ast.stmt, key: str, value: str) -> bool:
        if not isinstance(stmt, ast.If) or stmt.orelse:
            return False
        route = self._route_expr(stmt.test, key)
        return route is not None and not route[1] and bool(route[0]) and value not in route[0]

    def _path_loud(self, body: list[ast.stmt], subject: Subject, rest: Continuation) -> bool:
        """Loudness of the path a branch starts: its body, then wherever control goes next."""
        if self._loud(body, subject) or self._loud_path(body, subject):
            return True  # (the straight-line check also sees `return process(response)`)
        last = body[-1] if body else None
        if isinstance(last, ast.Break):
            return self._loud_path(rest.break_target(), subject)
        if isinstance(last, (ast.Return, ast.Raise, ast.Continue)):
            return False
        return self._loud_path(rest.first_block(), subject)

    def _loud_path(self, stmts: list[ast.stmt], subject: Subject) -> bool:
        return is_loud_path(stmts, subject, self.settings.loud_calls)

    def _loud(self, body: list[ast.stmt], subject: Subject) -> bool:
        return is_loud_body(body, subject, self.settings.loud_calls)

    def _record_refusal_checks(
        self, arms: list[tuple[ast.AST, ast.expr, list[ast.stmt]]], default: list[ast.stmt] | None
    ) -> None:
        for position, (node, test, body) in enumerate(arms):
            polarity = self._presence_polarity(test)
            if polarity is None:
                continue
            if not polarity:  # `if not msg.refusal:` - the refusal path is the else
                if position != len(arms) - 1 or default is None:
                    continue
                body = default
            text = ast.unparse(test) if len(ast.dump(test)) < 2000 else "refusal field"
            self.facts.refusal_checks.append(
                RefusalCheck(node, text, body, is_trivially_silent(body))
            )
        bodies = [body for _, test, body in arms if self._presence_polarity(test) is None]
        for body in [*bodies, *([default] if default else [])]:
            self._record_refusal_mention(body)

    def _record_refusal_mention(self, body: list[ast.stmt]) -> None:
        """`else: print(message.refusal)`: a branch that names the refusal and drops it."""
        if not is_trivially_silent(body):
            return
        catalog = self.model.catalog
        for node in walk_body(body):
            if isinstance(node, ast.Attribute) and node.attr in catalog.presence_fields:
                text = dotted(node) or node.attr
                self.facts.refusal_checks.append(RefusalCheck(body[0], text, body, True))
                return

    def _presence_polarity(self, test: ast.expr) -> bool | None:
        """True for `x.refusal` / `isinstance(p, Refusal)`; False for their negation."""
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            inner = self._presence_polarity(test.operand)
            return None if inner is None else not inner
        if isinstance(test, ast.BoolOp):  # the body runs whenever the refusal is present
            polarities = [self._presence_polarity(v) for v in test.values]
            return True if True in polarities and False not in polarities else None
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            right = test.comparators[0]
            if isinstance(right, ast.Constant) and right.value is None:
                inner = self._presence_polarity(test.left)
                if inner is None:
                    return None
                return (
                    inner
                    if isinstance(test.ops[0], ast.IsNot)
                    else (not inner if isinstance(test.ops[0], ast.Is) else None)
                )
            return None
        catalog = self.model.catalog
        if isinstance(test, ast.Call) and dotted(test.func) == "isinstance" and len(test.args) == 2:
            kinds = test.args[1].elts if isinstance(test.args[1], ast.Tuple) else [test.args[1]]
            names = {(dotted(k) or "").rsplit(".", 1)[-1] for k in kinds}
            return True if names & catalog.presence_classes else None
        path, _ = self.model._access_path(test)
        return True if path and catalog.is_presence_path(path) else None

    # ---- families -------------------------------------------------------------------------
    def _fit(self, dispatch: Dispatch) -> None:
        values = [v.text for f in dispatch.comparisons for v in f.values]
        enum_signals = tuple(
            v.enum_signal for f in dispatch.comparisons for v in f.values if v.enum_signal
        )
        signals = tuple(dict.fromkeys(enum_signals)) or dispatch.subject.signals
        fit = fit_families(
            signals,
            values,
            dispatch.subject.case,
            dispatch.receiver_providers or self.facts.identified,
            self.settings.extra_refusal_values,
        )
        dispatch.families = fit.families
        dispatch.refusal_values = fit.refusal_values
        dispatch.family_refusals = fit.family_refusals
        dispatch.no_refusal_family = fit.no_refusal_family


def _rewrites_signal(dispatch: Dispatch) -> bool:
    names = dispatch.subject.signal_texts | {dispatch.subject.text}
    bodies = [b.body for b in dispatch.branches]
    if dispatch.default is not None:
        bodies.append(dispatch.default.body)
    return all(
        body and all(isinstance(s, ast.Assign) and _assigns_to(s, names) for s in body)
        for body in bodies
    )


def _assigns_to(stmt: ast.Assign, names: frozenset[str]) -> bool:
    return all(dotted(target) in names for target in stmt.targets)


def _speaks_vocabulary(term: Term) -> bool:
    vocab = vocabulary(term.subject.signals, term.subject.case)
    return any(normalize(v.text, term.subject.case) in vocab for v in term.values)


def _if_chain(
    node: ast.If,
) -> tuple[list[tuple[ast.AST, ast.expr, list[ast.stmt]]], list[ast.stmt] | None]:
    """The arms of an if/elif chain and its final else body (None if there is none)."""
    arms: list[tuple[ast.AST, ast.expr, list[ast.stmt]]] = []
    current: ast.If = node
    while True:
        arms.append((current, current.test, current.body))
        orelse = current.orelse
        if len(orelse) == 1 and isinstance(orelse[0], ast.If):
            current = orelse[0]
            continue
        return arms, (orelse or None)


def _else_anchor(node: ast.If) -> ast.AST:
    """The last `else` body's first statement: where an explicit default is reported."""
    current = node
    while len(current.orelse) == 1 and isinstance(current.orelse[0], ast.If):
        current = current.orelse[0]
    return current.orelse[0] if current.orelse else current


def _child_blocks(stmt: ast.stmt) -> list[tuple[list[ast.stmt], bool]]:
    """Nested statement lists, flagged True where control returns to a loop header."""
    if isinstance(stmt, LOOPS):
        return [(stmt.body, True), (stmt.orelse, False)]
    if isinstance(stmt, ast.If):
        return [(stmt.body, False), (stmt.orelse, False)]
    if isinstance(stmt, (ast.With, ast.AsyncWith)):
        return [(stmt.body, False)]
    if isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
        blocks = [(stmt.body, False), (stmt.orelse, False), (stmt.finalbody, False)]  # type: ignore[attr-defined]
        blocks += [(h.body, False) for h in stmt.handlers]  # type: ignore[attr-defined]
        return blocks
    if isinstance(stmt, ast.Match):
        return [(case.body, False) for case in stmt.cases]
    return []


def _header_expressions(stmt: ast.stmt) -> list[ast.AST]:
    """The expressions a statement evaluates itself (not those of nested blocks)."""
    if isinstance(stmt, ast.If | ast.While):
        return [stmt.test]
    if isinstance(stmt, (ast.For, ast.AsyncFor)):
        return [stmt.iter]
    if isinstance(stmt, (ast.With, ast.AsyncWith)):
        return [item.context_expr for item in stmt.items]
    if isinstance(stmt, ast.Match):
        return [stmt.subject]
    if isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
        return []
    return [stmt]


def _walk_expr(root: ast.AST) -> list[ast.AST]:
    """Nodes of an expression, skipping comprehensions and lambdas (not stop-signal tests).

    Contexts (`Load`, `Store`), operators (`Eq`, `And`) and constants are not listed: no
    collector reads them as nodes, and they are almost half of all nodes.
    """
    found: list[ast.AST] = []
    stack = [root]
    child_fields = _CHILD_FIELDS
    ast_type, constant = ast.AST, ast.Constant
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is constant:  # a leaf no collector reads as a node (a tenth of all nodes)
            continue
        found.append(node)
        fields = child_fields.get(kind)
        if fields is None:
            fields = child_fields[kind] = _child_fields(kind)
        # `ast.iter_child_nodes`, inlined: this loop runs for every expression node.
        children: list[ast.AST] = []
        for name in fields:
            value = getattr(node, name, None)
            if isinstance(value, ast_type):
                children.append(value)
            elif isinstance(value, list):
                children.extend(item for item in value if isinstance(item, ast_type))
        children.reverse()
        stack.extend(children)
    return found


# Fields that never hold a node worth listing: names and flags, contexts, operators.
_NOT_CHILDREN = frozenset(
    {"ctx", "op", "ops", "id", "attr", "arg", "kind", "name", "type_comment", "conversion"}
)
_CHILD_FIELDS: dict[type[ast.AST], tuple[str, ...]] = {}


def _child_fields(kind: type[ast.AST]) -> tuple[str, ...]:
    if issubclass(kind, COMPREHENSIONS) or kind is ast.Constant:
        return ()
    return tuple(name for name in kind._fields if name not in _NOT_CHILDREN)
