"""What the engine knows about one module: imports, enums, constants, and how to read
an expression as a stop-signal subject or a value."""

from __future__ import annotations

import ast
import difflib
from dataclasses import dataclass, field

from refusal_lint.catalog import Catalog, Signal
from refusal_lint.facts import Subject, Value

# Wrappers that keep a signal's identity: `str(x)`, `x.lower()`, `x.value`, `Reason(x)`.
CASE_METHODS = {"lower": "lower", "casefold": "lower", "upper": "upper"}
NEUTRAL_METHODS = frozenset({"strip", "rstrip", "lstrip"})
NEUTRAL_ATTRS = frozenset({"value"})
CONVERTERS = frozenset({"str", "cast"})
ENUM_BASES = frozenset({"Enum", "StrEnum", "IntEnum", "auto", "CaseInSensitiveEnum"})


def dotted(node: ast.AST) -> str | None:
    """`a.b[0].c` as text for Name/Attribute/constant-Subscript chains, else None."""
    parts: list[str] = []
    while True:
        if isinstance(node, ast.Attribute):
            parts.append("." + node.attr)
            node = node.value
        elif isinstance(node, ast.Subscript):
            key = node.slice
            if isinstance(key, ast.Constant) and isinstance(key.value, (str, int)):
                parts.append(f"[{key.value!r}]")
            else:
                parts.append("[]")
            node = node.value
        elif isinstance(node, ast.Call) and not node.args and not node.keywords:
            inner = dotted(node.func)
            if inner is None:
                return None
            parts.append("()")
            return inner + "".join(reversed(parts))
        elif isinstance(node, ast.Name):
            parts.append(node.id)
            return "".join(reversed(parts))
        else:
            return None


def prefixes(node: ast.AST) -> list[str]:
    """Texts of the objects a chain is read from: `a`, `a.b`, `a.b[0]` for `a.b[0].c`."""
    found: list[str] = []
    while True:
        if isinstance(node, (ast.Attribute, ast.Subscript)):
            node = node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            node = node.func.value  # `d.get("stop_reason")` is read from `d`
        else:
            return found
        text = dotted(node)
        if text is not None:
            found.append(text)


@dataclass
class ModuleModel:
    """Module-level knowledge gathered before the walk (top-level statements only)."""

    catalog: Catalog
    extra_fields: frozenset[str] = frozenset()
    imports: dict[str, str] = field(default_factory=dict)  # local name -> dotted origin
    imported_modules: set[str] = field(default_factory=set)
    enums: dict[str, dict[str, str]] = field(default_factory=dict)  # class -> member -> value
    constants: dict[str, str] = field(default_factory=dict)
    # The current scope's object aliases (`choice` -> "resp.choices[0]"), set by the walk.
    objects: dict[str, str] = field(default_factory=dict)
    # NAME = ("a", "b") / frozenset({...}): module-level collections of values
    collections: dict[str, list[ast.expr]] = field(default_factory=dict)
    # Names imported from the project itself (relative imports): never a provider's enum
    project_names: set[str] = field(default_factory=set)

    # ---- module context -------------------------------------------------------------
    def learn_module(self, tree: ast.Module) -> None:
        for stmt in tree.body:
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                self.learn_import(stmt)
            elif isinstance(stmt, ast.ClassDef):
                self._learn_enum(stmt)
            elif isinstance(stmt, ast.Assign):
                name, value = _string_assignment(stmt)
                if name is not None and value is not None:
                    self.constants[name] = value
                self._learn_collection(stmt)

    def _learn_collection(self, stmt: ast.Assign) -> None:
        if len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
            return
        value = stmt.value
        if isinstance(value, ast.Call) and dotted(value.func) in ("frozenset", "set", "tuple"):
            value = value.args[0] if len(value.args) == 1 else value
        if isinstance(value, (ast.Tuple, ast.List, ast.Set)) and value.elts:
            self.collections[stmt.targets[0].id] = list(value.elts)

    def learn_import(self, stmt: ast.Import | ast.ImportFrom) -> None:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                self.imported_modules.add(alias.name)
                local = alias.asname or alias.name.split(".")[0]
                self.imports[local] = alias.name if alias.asname else local
            return
        if stmt.level:  # relative imports name the project's own modules
            self.project_names.update(a.asname or a.name for a in stmt.names)
            return
        module = stmt.module or ""
        self.imported_modules.add(module)
        for alias in stmt.names:
            self.imported_modules.add(f"{module}.{alias.name}")
            self.imports[alias.asname or alias.name] = f"{module}.{alias.name}"

    def _learn_enum(self, cls: ast.ClassDef) -> None:
        base_names = {
            b.attr if isinstance(b, ast.Attribute) else getattr(b, "id", "") for b in cls.bases
        }
        if not base_names & ENUM_BASES:
            return
        members: dict[str, str] = {}
        for stmt in cls.body:
            if isinstance(stmt, ast.Assign):
                name, value = _string_assignment(stmt)
                if name is not None and value is not None:
                    members[name] = value
        if members:
            self.enums[cls.name] = members

    def resolve(self, text: str) -> str:
        """Expand the first segment of a dotted name through the imports."""
        head, _, rest = text.partition(".")
        origin = self.imports.get(head)
        if origin is None:
            return text
        return f"{origin}.{rest}" if rest else origin

    def identified_providers(self) -> frozenset[str]:
        """Providers whose SDK the module imports."""
        # Every dotted prefix of every imported module: `a.b.c` gives `a`, `a.b`, `a.b.c`.
        prefixes: set[str] = set()
        for module in self.imported_modules:
            parts = module.split(".")
            prefixes.update(".".join(parts[: i + 1]) for i in range(len(parts)))
        return frozenset(
            provider.id
            for provider in self.catalog.providers
            if any(root in prefixes for root in provider.imports)
        )

    # ---- subjects ---------------------------------------------------------------------
    def subject_of(self, node: ast.expr, aliases: dict[str, Subject]) -> Subject | None:
        """The stop signal this expression reads, looking through wrappers and aliases."""
        case: str | None = None
        as_name = False
        while True:
            unwrapped = self._unwrap(node)
            if unwrapped is None:
                break
            node, effect = unwrapped
            if effect == "name":
                as_name = True
            elif effect in ("lower", "upper"):
                case = case or effect
        if isinstance(node, ast.IfExp):  # `x.get("stop_reason") if d else x.stop_reason`
            return self.subject_of(node.body, aliases) or self.subject_of(node.orelse, aliases)
        subject = self._direct_subject(node, aliases)
        if subject is None:
            return None
        if case or as_name:
            subject = Subject(
                key=subject.key,
                text=subject.text,
                field=subject.field,
                signals=subject.signals,
                carriers=subject.carriers,
                names=subject.names,
                case=case or subject.case,
                as_name=as_name or subject.as_name,
            )
        return subject

    def _unwrap(self, node: ast.expr) -> tuple[ast.expr, str] | None:
        if isinstance(node, (ast.Await, ast.NamedExpr)):
            return node.value, ""
        if _or_default(node):  # `stop_reason or ""`
            assert isinstance(node, ast.BoolOp)
            return node.values[0], ""
        if isinstance(node, ast.Attribute) and node.attr in NEUTRAL_ATTRS:
            return node.value, ""
        if isinstance(node, ast.Attribute) and node.attr == "name":
            return node.value, "name"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and not node.args:
            method = node.func.attr
            if method in CASE_METHODS:
                return node.func.value, CASE_METHODS[method]
            if method in NEUTRAL_METHODS:
                return node.func.value, ""
        if isinstance(node, ast.Call) and len(node.args) in (1, 2) and not node.keywords:
            name = dotted(node.func)
            if name is None:
                return None
            last = name.rsplit(".", 1)[-1]
            if last in CONVERTERS or last in self.enums or last in self.catalog.enum_classes:
                return node.args[-1], ""
        return None

    def misspelled_subject(self, node: ast.expr, values: list[str]) -> Subject | None:
        """A key one typo away from a signal field, compared with that field's own values.

        `body.get("amazon-bedrock-guardrailAssessment") == "GUARDRAIL_INTERVENED"` can
        never be true: the verdict lives under `amazon-bedrock-guardrailAction`.
        """
        path, _ = self._access_path(node)
        if len(path) < 2 or not path[-1] or path[-1] == "[]":
            return None
        names = self.catalog.signal_field_names()
        near = difflib.get_close_matches(path[-1], names, n=1, cutoff=0.8)
        if not near or near[0] == path[-1]:
            return None
        signals = self.catalog.signals_for_path((*path[:-1], near[0]))
        known = {v for s in signals for v in s.values}
        if not values or not all(v in known for v in values):
            return None
        text = dotted(node) or _source_text(node)
        return Subject(
            key=text,
            text=text,
            field=path[-1],
            signals=signals,
            carriers=frozenset({text}),
            misspelled_field=near[0],
        )

    def _direct_subject(self, node: ast.expr, aliases: dict[str, Subject]) -> Subject | None:
        if isinstance(node, ast.Name) and node.id in aliases:
            return aliases[node.id]
        path, base = self._access_path(node)
        if not path:
            return None
        signals = self.catalog.signals_for_path(path)
        if not signals and isinstance(node, ast.Name):
            signals = self._suffix_signals(node.id)
        if not signals and path[-1] in self.extra_fields:
            signals = tuple(s for s in self.catalog.all_signals() if s.values)
        if not signals:
            return None
        text = dotted(node) or _source_text(node)
        carriers = {text, *prefixes(base)} if base is not None else {text}
        if isinstance(node, ast.Name):
            carriers = {text}
        for carrier in list(carriers):
            source = self.objects.get(carrier)
            if source is not None:  # `choice.finish_reason` came from `resp.choices[0]`
                carriers.add(source)
                carriers.update(_source_prefixes(source))
        return Subject(
            key=text, text=text, field=path[-1], signals=signals, carriers=frozenset(carriers)
        )

    def _suffix_signals(self, name: str) -> tuple[Signal, ...]:
        """A local or parameter named for a field with a prefix (`openai_finish_reason`)."""
        for field_name, signals in self.catalog.by_field.items():
            if "_" in field_name and name.endswith("_" + field_name):
                return signals
        return ()

    def _access_path(self, node: ast.expr) -> tuple[tuple[str, ...], ast.expr | None]:
        """Names along an access chain; `r.choices[0].get("finish_reason")` ends in it."""
        if isinstance(node, ast.Name):
            return (node.id,), None
        if isinstance(node, ast.Attribute):
            return (*self._chain(node.value), node.attr), node
        if isinstance(node, ast.Subscript):
            key_text = self._key(node.slice)
            if key_text is not None:
                return (*self._chain(node.value), key_text), node
            return (*self._chain(node.value), "[]"), node
        if isinstance(node, ast.Call):
            func = node.func
            key_arg = node.args[0] if node.args else None
            if isinstance(func, ast.Attribute) and func.attr == "get":
                key_name = self._key(key_arg)
                if key_name is not None:
                    return (*self._chain(func.value), key_name), node
            if isinstance(func, ast.Name) and func.id == "getattr" and len(node.args) >= 2:
                attr = _str_value(node.args[1])
                if attr is not None:
                    return (*self._chain(node.args[0]), attr), node
        return (), None

    def _key(self, node: ast.AST | None) -> str | None:
        """A string key: a literal, or a module constant naming it (`BODY_KEY`)."""
        if isinstance(node, ast.Name):
            return self.constants.get(node.id)
        return _str_value(node)

    def _chain(self, node: ast.expr) -> tuple[str, ...]:
        path, _ = self._access_path(node)
        return path

    # ---- values -------------------------------------------------------------------------
    def value_of(self, node: ast.expr) -> Value | None:
        """A literal, constant or enum member as the provider's spelling of a value."""
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                return Value(node.value, node, "str")
            if isinstance(node.value, int) and not isinstance(node.value, bool):
                return Value(str(node.value), node, "int")
            return None
        if isinstance(node, ast.Attribute) and node.attr == "value":
            inner = self.value_of(node.value)
            return Value(inner.text, node, inner.kind, inner.enum_signal) if inner else None
        if isinstance(node, ast.Name) and node.id in self.constants:
            return Value(self.constants[node.id], node, "str")
        if isinstance(node, ast.Attribute):
            return self._enum_member(node)
        return None

    def _enum_member(self, node: ast.Attribute) -> Value | None:
        owner = dotted(node.value)
        if owner is None:
            return None
        cls = owner.rsplit(".", 1)[-1]
        member = node.attr
        if cls in self.enums and member in self.enums[cls]:
            return Value(self.enums[cls][member], node, "enum")
        candidates = self.catalog.enum_classes.get(cls, ())
        if not candidates or owner.split(".", 1)[0] in self.project_names:
            return None
        full = self.resolve(owner)
        if full != owner and not any(_same_tail(full, path) for path, _ in candidates):
            return None  # imported from a module that is not the provider's SDK
        exact = [sig for path, sig in candidates if full == path or full.endswith("." + path)]
        ordered = exact or [sig for path, sig in candidates if _same_tail(full, path)]
        ordered = ordered or [sig for _, sig in candidates]
        for signal in ordered:
            value = signal.member_value(member)
            if value is not None:
                return Value(value, node, "enum", signal)
        return Value(member, node, "enum", ordered[0])

    def enum_signal_subject(self, value: Value, node: ast.expr) -> Subject | None:
        """A subject implied by comparing an unknown expression with a provider enum member."""
        if value.enum_signal is None:
            return None
        text = dotted(node)
        if text is None:
            return None
        return Subject(
            key=text,
            text=text,
            field=value.enum_signal.fields[0],
            signals=(value.enum_signal,),
            carriers=frozenset({text, *prefixes(node)}),
            implied=True,
        )


def _or_default(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.BoolOp)
        and isinstance(node.op, ast.Or)
        and len(node.values) == 2
        and isinstance(node.values[1], ast.Constant)
    )


def _source_prefixes(text: str) -> list[str]:
    """`resp.choices[0]` -> ["resp.choices", "resp"] (text of a dotted() chain)."""
    found = []
    for index in range(len(text) - 1, 0, -1):
        if text[index] in ".[":
            found.append(text[:index])
    return found


def _source_text(node: ast.AST) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 80 else text[:77] + "..."


def _string_assignment(stmt: ast.Assign) -> tuple[str | None, str | None]:
    """`NAME = "text"` as (NAME, text); (None, None) for anything else."""
    if len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
        return None, None
    return stmt.targets[0].id, _str_value(stmt.value)


def _str_value(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _same_tail(full: str, path: str) -> bool:
    """`types.FinishReason` and `google.genai.types.FinishReason` share their last two names."""
    return full.split(".")[-2:] == path.split(".")[-2:]


def signal_vocabulary(signals: tuple[Signal, ...]) -> frozenset[str]:
    return frozenset(v for s in signals for v in s.values)
