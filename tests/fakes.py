"""Fake provider responses, to run code before and after a fix (tests/test_fix_behaviour.py).

A `Fake` stands for anything the code under test reads from a client or a response: every
attribute, item and call gives another `Fake`, named by its access path, so results compare
by what was read (`resp.content[0].text`). The stop-signal field under test gives a
`StopValue` instead (or `None` for the catalog's "null"), which compares equal to its string
and to an enum member of the same name (`types.FinishReason.SAFETY`). Imports of anything
outside the standard library, and names the module never defines, are `Fake`s too, so a case
runs without any SDK installed.
"""

from __future__ import annotations

import asyncio
import builtins
import inspect
import itertools
import logging
import sys
import warnings
from collections.abc import Callable, Generator
from dataclasses import dataclass
from types import CodeType
from typing import Any

UNKNOWN = "zz_undocumented_stop_value"
REFUSAL_TEXT = "I can't help with that."
# Errors the harness itself can cause (a Fake is not an int, a class, ...): an outcome that
# only raises these says nothing about the code under test.
HARNESS_ERRORS = frozenset({"TypeError", "AttributeError", "NameError", "KeyError", "IndexError"})


@dataclass
class World:
    """What the fake responses answer for the current call."""

    field: str = ""  # attribute / key name that holds the stop value
    value: object = None
    presence: str = ""  # refusal-text attribute (`message.refusal`) in presence mode
    refusal_text: str | None = None


CURRENT = World()


class Fake(str):
    """Anything read from a fake client or response; its string is its access path."""

    def __getattribute__(self, name: str) -> Any:
        if name.startswith("__") or name in ("get", "_child"):
            return object.__getattribute__(self, name)
        return _read(self, name, f".{name}")

    def _child(self, suffix: str) -> Fake:
        return Fake(str.__str__(self) + suffix)

    def __getitem__(self, key: object) -> Any:  # type: ignore[override]
        return _read(self, key, f"[{key!r}]")

    def get(self, key: object, default: object = None) -> Any:
        return _read(self, key, f".get({key!r})")

    def __call__(self, *args: object, **kwargs: object) -> Fake:
        return self._child("()")

    def __mro_entries__(self, bases: tuple[object, ...]) -> tuple[type, ...]:
        return (object,)  # `class Answer(BaseModel):` with a fake BaseModel

    def __iter__(self) -> Any:
        return iter([self._child("[0]")])

    def __await__(self) -> Generator[None, None, Fake]:
        return self
        yield  # a generator: `await fake` gives the fake itself

    def __enter__(self) -> Fake:
        return self

    def __exit__(self, *exc: object) -> bool:
        return False


class StopValue(Fake):
    """A stop value: equal to its string, and to an enum member of that name."""

    def __getattribute__(self, name: str) -> Any:
        return object.__getattribute__(self, name)

    def __getattr__(self, name: str) -> Any:
        if name in ("value", "name"):  # `reason.value` of an enum
            return self
        raise AttributeError(name)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Fake) and not isinstance(other, StopValue):
            return str.__str__(other).rsplit(".", 1)[-1] == str.__str__(self)
        return str.__eq__(self, other)  # type: ignore[operator]

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = str.__hash__


def _read(owner: Fake, key: object, suffix: str) -> Any:
    world = CURRENT
    if world.field and key == world.field:
        return world.value
    if world.presence and key == world.presence:
        return world.refusal_text
    if world.refusal_text is not None and key in ("parsed", "content"):
        return None  # a refused message has no content and nothing parsed
    return owner._child(suffix)


class _Builtins(dict[str, Any]):
    """Builtins in which every name the module never defines is a Fake."""

    def __missing__(self, key: str) -> Fake:
        return Fake(key)


def _import(
    name: str,
    globals: Any = None,
    locals: Any = None,
    fromlist: Any = (),
    level: int = 0,
) -> Any:
    root = name.split(".")[0]
    if level == 0 and (root in sys.stdlib_module_names or root == "__future__"):
        return builtins.__import__(name, globals, locals, fromlist, level)
    return Fake(name if fromlist else root)


def load(code: CodeType) -> dict[str, Any]:
    """Run a module's code with fake imports; its namespace."""
    fake_builtins = _Builtins(builtins.__dict__)
    fake_builtins["__import__"] = _import
    namespace: dict[str, Any] = {"__name__": "case_module", "__builtins__": fake_builtins}
    exec(code, namespace)
    return namespace


@dataclass(frozen=True)
class Outcome:
    result: tuple[Any, ...]  # ("return", value) or ("raise", type name, message)
    logged: tuple[tuple[str, str], ...]  # warning-or-worse log records
    warned: tuple[str, ...]

    @property
    def loud(self) -> bool:
        return self.result[0] == "raise" or bool(self.logged) or bool(self.warned)

    @property
    def harness_error(self) -> bool:
        return self.result[0] == "raise" and self.result[1] in HARNESS_ERRORS


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.levelname, record.getMessage()))


def run(call: Callable[[], Any], world: World) -> Outcome:
    """Call `call` with `world` in force; what it returned or raised, logged and warned."""
    global CURRENT
    CURRENT = world
    capture = _Capture()
    root = logging.getLogger()
    root.addHandler(capture)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                value = call()
                if inspect.iscoroutine(value):
                    value = asyncio.run(value)
                if inspect.isgenerator(value):
                    value = list(itertools.islice(value, 20))
                result: tuple[Any, ...] = ("return", normal(value))
            except Exception as exc:
                result = ("raise", type(exc).__name__, normal(str(exc)))
    finally:
        root.removeHandler(capture)
        CURRENT = World()
    return Outcome(result, tuple(capture.records), tuple(str(w.message) for w in caught))


def normal(value: Any) -> Any:
    """A comparable form of a result."""
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return (type(value).__name__, tuple(normal(v) for v in value))
    if isinstance(value, dict):
        return tuple(sorted((normal(k), normal(v)) for k, v in value.items()))
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return type(value).__name__
