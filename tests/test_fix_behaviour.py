"""The executable safety test of issue 6: fixed code behaves as its fix promises.

For every fixable example (the case books' `py fixed` cases, the fixable rules' docstring
examples, and `examples/`), the fixes `--fix --unsafe-fixes` applies are replayed round by
round, each plan's *promise* collected (`refusal_lint.plans`: the refusal values it makes
loud, the other documented values it changes, whether undocumented values become loud). Then
every function the fixes changed runs before and after, against fake responses
(`tests/fakes.py`) for each value of the provider family's vocabulary plus one no provider
documents, and:

- a refusal value the fix targets must be loud afterwards (a raise, a warning, a warning log);
- an undocumented value must be loud afterwards when the fix added or replaced a default,
  and behave exactly as before otherwise;
- a documented value an unsafe fix declares it changes must behave as before or be loud;
- every other value (the success values, the ones the code already handled) must behave
  exactly as before: same return value or exception, same warnings and logs.

A safe fix may declare no changed value at all. RFL008's fix must also survive `python -O`.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import fakes
import pytest
from test_case_books import CASES
from test_fix_case_books import settings_of, strip_markers

from refusal_lint import plans
from refusal_lint.api import check_source
from refusal_lint.fixing import apply_round, is_applicable, select
from refusal_lint.registry import all_rules, default_codes
from refusal_lint.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
MODULE = "<module>"


@dataclass
class Example:
    id: str
    before: str
    filename: str
    settings: Settings
    after: str = ""
    # function name -> promises of the plans applied inside it
    promises: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def replay(example: Example) -> Example:
    """Apply the fixes round by round, as `fix_source` does, keeping every plan's promise."""
    plans.STRICT = True
    try:
        current = example.before
        for _ in range(25):
            findings = check_source(current, example.filename, example.settings)
            chosen = select([f for f in findings if is_applicable(f, unsafe=True)])
            if not chosen:
                break
            spans = function_spans(current)
            for finding in chosen:
                assert finding.fix is not None
                plan = finding.fix["plan"]
                promise = dict(plan["promise"], applicability=finding.fix["applicability"])
                line = plan["construct"][0]
                name = next((n for n, (a, b) in spans.items() if a <= line <= b), MODULE)
                example.promises.setdefault(name, []).append(promise)
            current = apply_round(current, chosen)
        example.after = current
    finally:
        plans.STRICT = False
    return example


def function_spans(source: str) -> dict[str, tuple[int, int]]:
    """Top-level functions and methods: name -> (first line, last line)."""
    spans: dict[str, tuple[int, int]] = {}
    for name, node in _functions(ast.parse(source)):
        spans[name] = (node.lineno, node.end_lineno or node.lineno)
    return spans


def _functions(tree: ast.Module) -> list[tuple[str, ast.AST]]:
    found: list[tuple[str, ast.AST]] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found.append((node.name, node))
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    found.append((f"{node.name}.{item.name}", item))
    return found


def _examples() -> list[Example]:
    found = [
        Example(case_id(case), strip_markers(case.source), case.filename, settings_of(case))
        for case in CASES
        if case.fixed is not None
    ]
    for rule in all_rules():
        if rule.fixable:
            bad = rule.doc_section("Example").partition("Use instead:")[0]
            source = bad.split("```python\n", 1)[1].split("```", 1)[0]
            settings = Settings(enabled=frozenset(default_codes()) | {rule.code})
            found.append(Example(f"docstring:{rule.name}", source, "example.py", settings))
    for path in sorted((ROOT / "examples").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        settings = Settings(enabled=frozenset(default_codes()))
        found.append(Example(relative, path.read_text(encoding="utf-8"), relative, settings))
    return [e for e in map(replay, found) if e.promises]


def case_id(case: Any) -> str:
    return f"{case.book}:{case.md_line}"


EXAMPLES = _examples()


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.id for e in EXAMPLES])
def test_fixed_code_behaves_as_promised(example: Example) -> None:
    before = _namespace(example.before, example.filename)
    after = _namespace(example.after, example.filename)
    for name, promises in example.promises.items():
        for promise in promises:
            if promise["applicability"] == "safe":
                assert not promise["changes"], f"a safe fix declares changes: {promise}"
        exercised = False
        for world, value in _worlds(promises):
            old = fakes.run(_caller(before, name, example), world)
            new = fakes.run(_caller(after, name, example), world)
            _judge(example, name, value, promises, old, new)
            exercised = exercised or not old.harness_error
        assert exercised, f"{example.id}: {name} only fails in the harness before the fix"


def _judge(
    example: Example,
    name: str,
    value: object,
    promises: list[dict[str, Any]],
    old: fakes.Outcome,
    new: fakes.Outcome,
) -> None:
    targets = {v for p in promises for v in p["targets"]}
    changes = {v for p in promises for v in p["changes"]}
    unknown_loud = any(p["unknown_loud"] for p in promises)
    where = f"{example.id}: {name}({value!r})\n  before: {old}\n  after:  {new}"
    key = "null" if value is None else value
    if key in targets or (value == fakes.REFUSAL_TEXT):
        assert new.loud, f"a refusal the fix targets is not loud\n{where}"
    elif value == fakes.UNKNOWN and unknown_loud:
        assert new.loud, f"an undocumented value is not loud after adding a default\n{where}"
    elif key in changes:
        assert new == old or new.loud, f"a changed value got quieter\n{where}"
    else:
        assert new == old, f"the fix changed a value it does not declare\n{where}"


def _worlds(promises: list[dict[str, Any]]) -> list[tuple[fakes.World, object]]:
    worlds: list[tuple[fakes.World, object]] = []
    for presence in sorted({p["presence"] for p in promises if p.get("presence")}):
        worlds.append((fakes.World(presence=presence, refusal_text=None), None))
        worlds.append((fakes.World(presence=presence, refusal_text=fakes.REFUSAL_TEXT),
                       fakes.REFUSAL_TEXT))  # fmt: skip
    for field_name in sorted({p["field"] for p in promises if p.get("field")}):
        attribute = field_name.rsplit(".", 1)[-1]
        values = sorted({v for p in promises if p.get("field") == field_name
                         for v in p["vocabulary"]} | {fakes.UNKNOWN})  # fmt: skip
        for text in values:
            stop = None if text == "null" else fakes.StopValue(text)
            worlds.append((fakes.World(field=attribute, value=stop), stop))
    return worlds


def _namespace(source: str, filename: str) -> dict[str, Any]:
    return {"source": source, "filename": filename}


def _caller(module: dict[str, Any], name: str, example: Example) -> Callable[[], Any]:
    """Run the module (fresh, so module-level code sees the current fake world), then call
    `name` with a fake for every parameter."""

    def call() -> Any:
        code = compile(module["source"], module["filename"], "exec")
        namespace = fakes.load(code)
        if name == MODULE:
            return None
        owner, _, method = name.rpartition(".")
        if owner:
            function = namespace[owner].__dict__[method]
            return function(*_arguments(function))
        function = namespace[name]
        return function(*_arguments(function))

    return call


def _arguments(function: Any) -> list[fakes.Fake]:
    return [
        fakes.Fake(p.name)
        for p in inspect.signature(function).parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
    ]


ASSERT_EXAMPLES = [e for e in EXAMPLES if any(
    p.get("same_behaviour") for ps in e.promises.values() for p in ps)]  # fmt: skip


@pytest.mark.parametrize("example", ASSERT_EXAMPLES, ids=[e.id for e in ASSERT_EXAMPLES])
def test_assert_fix_survives_python_dash_o(example: Example) -> None:
    """Under `python -O` the assert vanished; the fixed check still raises."""
    optimized = {"source": example.after, "filename": example.filename}
    plain = _namespace(example.after, example.filename)
    for name, promises in example.promises.items():
        for world, value in _worlds(promises):
            normal = fakes.run(_caller(plain, name, example), world)
            dash_o = fakes.run(_optimized_caller(optimized, name), world)
            assert dash_o == normal, f"{example.id}: {name}({value!r}) differs under -O"


def _optimized_caller(module: dict[str, Any], name: str) -> Callable[[], Any]:
    def call() -> Any:
        code = compile(module["source"], module["filename"], "exec", optimize=1)
        namespace = fakes.load(code)
        if name == MODULE:
            return None
        function = namespace[name]
        return function(*_arguments(function))

    return call
