"""Hypothesis strategies for the fuzz tests (tests/test_fuzz.py).

- `dispatch_programs()` writes whole modules of stop-signal code built from the provider
  catalog: every signal's vocabulary (plus misspellings and other families' values), enum
  members in their import forms, attribute / `["key"]` / `.get()` / `getattr()` reads,
  aliases and walrus bindings, if/elif chains, `match`es, early-exit runs, guards, asserts,
  tables and translations, refusal-field tests, stream loops, unchecked responses and policy
  handlers, nested in functions, methods, loops, `try` and `with`, with silent, loud and
  nested bodies, in several layouts (indent unit, line endings, quotes, comments, one-line
  bodies, continuation lines).
- `signal_programs()` takes hypothesmith's syntactically valid programs and, keeping their
  layout, renames some identifiers and strings to stop-signal names and values, so the
  engine walks unusual syntax that it would otherwise skip at the prefilter.
- `fuzz_settings()` enables every rule and sometimes configures loud calls, extra signal
  fields, extra refusal values and fix templates.
"""

from __future__ import annotations
import __future__

import io
import keyword
import tokenize
from collections.abc import Sequence
from dataclasses import dataclass, field

import hypothesmith
from hypothesis import strategies as st
from hypothesis.strategies import DrawFn

from refusal_lint.catalog import ResponseSurface, Signal, load_catalog
from refusal_lint.registry import all_rules
from refusal_lint.settings import Settings

CATALOG = load_catalog()
ALL_CODES = frozenset(rule.code for rule in all_rules())
FILENAMES = (
    "app/llm.py",
    "examples/demo.py",
    "docs/snippet.py",
    "tests/test_llm.py",
    "conftest.py",
    "pkg/client_test.py",
    "bot.py",
)
RECEIVERS = (
    "resp",
    "response",
    "message",
    "msg",
    "result",
    "choice",
    "candidate",
    "event.delta",
    "chunk.choices[0]",
    "resp.choices[0]",
    "response.candidates[0]",
    "self.response",
    "data",
    'body["output"]',
    "completion.choices[-1]",
    "r",
)
CONFIGURED_FIELD = "outcome"  # the extra signal field fuzz_settings() may configure
LOUD_CALL = "alert"  # the loud call fuzz_settings() may configure
TEMPLATES = (
    "raise Refused({subject})",
    'log.error("stop %s", {subject}); raise SystemExit(1)',
    'raise RuntimeError(f"stopped: {subject!r}")',
)

Lines = list[tuple[int, str]]  # (depth relative to the enclosing block, text)
COMPOUND = frozenset(
    {"if", "elif", "else:", "for", "while", "try:", "except", "with", "def", "class", "async",
     "match", "case", "@staticmethod"}
)  # fmt: skip


# ---- the catalog, prepared for writing code ------------------------------------------------
@dataclass(frozen=True)
class Vocabulary:
    """One catalog signal with what it takes to write code that reads it."""

    signal: Signal
    surfaces: tuple[ResponseSurface, ...]
    members: tuple[tuple[str, str], ...]  # (enum member name, value)

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(self.signal.fields[0].split("."))


def _vocabularies() -> tuple[Vocabulary, ...]:
    found = []
    for provider in CATALOG.providers:
        for signal in provider.signals:
            if not signal.values:
                continue
            members: dict[str, str] = {}
            if signal.enum_classes:
                members = dict(signal.enum_members) or {
                    v: v for v in sorted(signal.values) if v.isidentifier()
                }
            found.append(Vocabulary(signal, provider.responses, tuple(members.items())))
    return tuple(found)


VOCABULARIES = _vocabularies()
ALL_VALUES = tuple(sorted(CATALOG.all_values))
SURFACES = tuple(s for v in VOCABULARIES for s in v.surfaces)


# ---- layout -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Style:
    indent: str
    newline: str
    quote: str


@dataclass
class Module:
    """The module being written: its layout, imports and module-level helpers."""

    style: Style
    imports: list[str] = field(default_factory=list)
    prelude: Lines = field(default_factory=list)
    names: int = 0

    def need(self, line: str) -> None:
        if line not in self.imports:
            self.imports.append(line)

    def fresh(self, stem: str) -> str:
        self.names += 1
        return f"{stem}_{self.names}"

    def text(self, value: str) -> str:
        """A string literal in the file's quote style."""
        q = self.style.quote
        if q in value or "\\" in value or "\n" in value:
            return repr(value)
        return f"{q}{value}{q}"

    def render(self, body: Lines, final_newline: bool) -> str:
        blocks = [self.imports, self.prelude, body]
        out: list[str] = []
        for depth, text in (item for block in blocks for item in _as_lines(block)):
            first, *rest = text.split("\n")
            prefix = self.style.indent * depth
            out.append(prefix + first if first else "")
            out.extend(prefix + self.style.indent + more if more else "" for more in rest)
        source = self.style.newline.join(out)
        return source + self.style.newline if final_newline else source


def _as_lines(block: Sequence[tuple[int, str]] | Sequence[str]) -> Lines:
    return [(0, item) if isinstance(item, str) else item for item in block]


def shift(lines: Lines, by: int = 1) -> Lines:
    return [(depth + by, text) for depth, text in lines]


def is_simple(lines: Lines) -> bool:
    """One simple statement that can follow a compound header on its line."""
    if len(lines) != 1 or "\n" in lines[0][1]:
        return False
    first = lines[0][1].split(" ", 1)[0]
    return first not in COMPOUND and not first.startswith("#")


def compound(draw: DrawFn, header: str, body: Lines) -> Lines:
    """`header` (ending in ':') with its body, on one line when it is short and simple."""
    if is_simple(body) and draw(st.integers(0, 4)) == 0:
        return [(0, f"{header} {body[0][1]}")]
    return [(0, comment(draw, header)), *shift(body)]


def comment(draw: DrawFn, text: str) -> str:
    """Sometimes a trailing comment: prose, a `# noqa` (judged by RFL902), a pragma."""
    choice = draw(st.integers(0, 24))
    notes = (
        "# note",
        "# noqa",
        "# noqa: RFL001",
        "# noqa: RFL002,RFL005",
        "# type: ignore",
        "# fmt: skip",
        "# pragma: no cover",
    )
    return f"{text}  {notes[choice]}" if choice < len(notes) else text


def sprinkle(draw: DrawFn, lines: Lines) -> Lines:
    """Blank lines and comment lines between the statements of a block."""
    out: Lines = []
    for depth, text in lines:
        roll = draw(st.integers(0, 12))
        if roll == 0 and depth == lines[0][0]:
            out.append((depth, "# a comment line"))
        elif roll == 1:
            out.append((0, ""))
        out.append((depth, text))
    return out


# ---- values and subjects ------------------------------------------------------------------
@dataclass(frozen=True)
class Subject:
    vocab: Vocabulary
    text: str  # what conditions compare
    receiver: str  # the object the signal was read from
    enum_prefix: str | None = None  # "FinishReason" when values may be written as members
    as_name: bool = False  # an int enum read through `.name`


def typo(draw: DrawFn, value: str) -> str:
    """A near miss of a real value (RFL007's territory)."""
    kinds = [
        value.upper(),
        value.lower(),
        value.title(),
        value.replace("_", "-"),
        value.replace("-", "_"),
        value[:-1],
        value + "ed",
        value.replace("_", ""),
        value[1:] + value[:1],
        value + " ",
    ]
    return draw(st.sampled_from([k for k in kinds if k and k != value] or ["refused"]))


def raw_value(draw: DrawFn, vocab: Vocabulary) -> str:
    """Mostly the signal's own values, refusal ones often; sometimes a near miss or any
    provider's value (or a project's own)."""
    signal = vocab.signal
    roll = draw(st.integers(0, 19))
    if roll < 4 and signal.refusal:
        return draw(st.sampled_from(signal.refusal))
    if roll == 18:
        return typo(draw, draw(st.sampled_from(sorted(signal.values))))
    if roll == 19:
        return draw(st.sampled_from((*ALL_VALUES, "dnf", "unknown", "weird_value")))
    return draw(st.sampled_from(sorted(signal.values)))


def value_expr(draw: DrawFn, mod: Module, subject: Subject) -> str:
    """A value to compare the subject with: a literal, an enum member or an int."""
    value = raw_value(draw, subject.vocab)
    vocab = subject.vocab
    members = [m for m, v in vocab.members if v == value]
    if subject.enum_prefix and members and draw(st.booleans()):
        return f"{subject.enum_prefix}.{draw(st.sampled_from(members))}"
    numbers = vocab.signal.int_values
    if numbers and value in numbers and not subject.as_name and draw(st.integers(0, 3)) == 0:
        return str(numbers[value])
    return mod.text(value)


def enum_prefix(draw: DrawFn, mod: Module, vocab: Vocabulary) -> str | None:
    """Import an enum class of the signal in one of its forms; the prefix of its members."""
    if not vocab.signal.enum_classes or not vocab.members:
        return None
    parts = draw(st.sampled_from(vocab.signal.enum_classes)).split(".")
    cut = draw(st.integers(1, len(parts) - 1))
    form = draw(st.integers(0, 3))
    if form == 0:
        mod.need(f"import {'.'.join(parts[:cut])}")
        return ".".join(parts)
    alias = f" as {parts[cut]}_alias" if form == 1 else ""
    mod.need(f"from {'.'.join(parts[:cut])} import {parts[cut]}{alias}")
    head = f"{parts[cut]}_alias" if alias else parts[cut]
    return ".".join([head, *parts[cut + 1 :]])


def access(draw: DrawFn, mod: Module, receiver: str, path: Sequence[str]) -> str:
    """Read a dotted signal field: `.x`, `["x"]`, `.get("x")` or `getattr(r, "x")`."""
    text = receiver
    for i, part in enumerate(path):
        form = draw(st.integers(0, 5))
        if not part.isidentifier() or keyword.iskeyword(part):
            form = 3 + form % 2
        if form <= 2:
            text = f"{text}.{part}"
        elif form == 3:
            text = f"{text}[{mod.text(part)}]"
        elif form == 4:
            text = f"{text}.get({mod.text(part)})"
        elif i == len(path) - 1:
            default = draw(st.sampled_from(["", ", None", ", ''"]))
            text = f"getattr({text}, {mod.text(part)}{default})"
        else:
            text = f"{text}.{part}"
    return text


def subject_setup(draw: DrawFn, mod: Module, vocab: Vocabulary) -> tuple[Subject, Lines]:
    """How the signal is read, and the statements that bind it (an alias) if any."""
    receiver = draw(st.sampled_from(RECEIVERS))
    path = vocab.path
    if draw(st.integers(0, 9)) == 0:
        path = (CONFIGURED_FIELD,)  # only a signal when fuzz_settings() configures it
    read = access(draw, mod, receiver, path)
    prefix = enum_prefix(draw, mod, vocab)
    as_name = vocab.signal.value_type == "int_enum" and prefix is None and draw(st.booleans())
    if as_name:
        read = f"{read}.name"
    form = draw(st.integers(0, 7))
    if form <= 3:
        return Subject(vocab, read, receiver, prefix, as_name), []
    name = draw(st.sampled_from(["reason", "r", "finish_reason", "stop", "status", path[-1]]))
    name = name if name.isidentifier() and not keyword.iskeyword(name) else "reason"
    wrapped = draw(
        st.sampled_from([read, read, f"str({read}).lower()", f"{read} or ''", f"({read})"])
    )
    return Subject(vocab, name, receiver, prefix, as_name), [(0, f"{name} = {wrapped}")]


# ---- statements ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Scope:
    in_function: bool = False
    is_async: bool = False
    in_loop: bool = False
    depth: int = 0  # nesting of sites inside bodies


def silent_statement(draw: DrawFn, mod: Module, scope: Scope, subject: Subject) -> str:
    options = [
        "pass",
        "...",
        f"print({mod.text('stopped')})",
        "log.info('stop %s', 1)",
        "log.debug('x')",
        f"text = {mod.text('')}",
        "counter += 1",
    ]
    if scope.in_function:
        options += [
            "return",
            "return None",
            f"return {mod.text('')}",
            "return []",
            f"return {subject.receiver}.content[0].text",
            "return {}",
        ]
    if scope.in_loop:
        options += ["continue", "break"]
    return draw(st.sampled_from(options))


def loud_statement(draw: DrawFn, mod: Module, scope: Scope, subject: Subject) -> str:
    options = [
        f"raise RuntimeError({mod.text('stopped')})",
        "raise ValueError(reason)",
        f"log.warning({mod.text('stop: %s')}, {subject.text})",
        "logger.error('bad stop')",
        f"warnings.warn({mod.text('stop')})",
        f"{LOUD_CALL}({subject.text})",
        "raise",
        f"self.stop = {subject.text}",
        f"raise SystemExit({mod.text('refused')})",
    ]
    if scope.in_function:
        options += [
            f"return {subject.receiver}",
            f"return text, {subject.text}",
            f"return {subject.text}",
        ]
    return draw(st.sampled_from(options))


def body(draw: DrawFn, mod: Module, scope: Scope, subject: Subject, mood: str = "any") -> Lines:
    """A branch body: silent, loud, a nested site, or a few statements."""
    if mood == "any":
        mood = draw(st.sampled_from(["silent", "silent", "loud", "nested", "mixed"]))
    if mood == "nested" and scope.depth < 2:
        inner = Scope(scope.in_function, scope.is_async, scope.in_loop, scope.depth + 1)
        return site(draw, mod, inner, subject if draw(st.booleans()) else None)
    if mood == "loud":
        return [(0, comment(draw, loud_statement(draw, mod, scope, subject)))]
    if mood == "mixed":
        first = silent_statement(draw, mod, scope, subject)
        second = loud_statement(draw, mod, scope, subject)
        return [(0, "x = 1" if first in ("continue", "break") else first), (0, second)]
    return [(0, comment(draw, silent_statement(draw, mod, scope, subject)))]


def condition(draw: DrawFn, mod: Module, subject: Subject, negated: bool = False) -> str:
    """A test of the subject against one or more values."""
    count = draw(st.integers(1, 3))
    values = [value_expr(draw, mod, subject) for _ in range(count)]
    s = subject.text
    if count == 1:
        op = "!=" if negated else "=="
        forms = [f"{s} {op} {values[0]}", f"{values[0]} {op} {s}"]
        if negated:
            forms.append(f"not {s} == {values[0]}")
        text = draw(st.sampled_from(forms))
    else:
        op = "not in" if negated else "in"
        joined = ", ".join(values)
        forms = [f"{s} {op} ({joined})", f"{s} {op} [{joined}]", f"{s} {op} {{{joined}}}"]
        if not negated:
            forms.append(" or ".join(f"{s} == {v}" for v in values))
            forms.append("(\n" + "\n or ".join(f"{s} == {v}  # alt" for v in values) + "\n)")
            forms.append(f"{s} == {values[0]} or \\\n{s} == {values[1]}")
        text = draw(st.sampled_from(forms))
    roll = draw(st.integers(0, 9))
    if roll == 0:
        return f"({text}) and flag"
    if roll == 1:
        return f"flag and ({text})"
    return text


def walrus(draw: DrawFn, subject: Subject, test: str) -> tuple[Subject, str]:
    """Bind the subject with `:=` in the first test: later tests use the name."""
    if subject.text.isidentifier() or not test.startswith(subject.text + " "):
        return subject, test
    if draw(st.integers(0, 3)) != 0:
        return subject, test
    name = "fr"
    bound = Subject(subject.vocab, name, subject.receiver, subject.enum_prefix, subject.as_name)
    return bound, f"({name} := {subject.text})" + test[len(subject.text) :]


def if_chain(draw: DrawFn, mod: Module, scope: Scope, subject: Subject) -> Lines:
    first = condition(draw, mod, subject)
    subject, first = walrus(draw, subject, first)
    out = compound(draw, f"if {first}:", body(draw, mod, scope, subject))
    for _ in range(draw(st.integers(0, 3))):
        test = condition(draw, mod, subject)
        if draw(st.integers(0, 9)) == 0:
            test = f"{subject.receiver}.usage is None"  # a test of another field mid-chain
        out += compound(draw, f"elif {test}:", body(draw, mod, scope, subject))
    if draw(st.booleans()):
        out += compound(draw, "else:", body(draw, mod, scope, subject))
    return out


def pattern(draw: DrawFn, mod: Module, subject: Subject) -> str:
    alternatives = [value_expr(draw, mod, subject) for _ in range(draw(st.integers(1, 3)))]
    text = " | ".join(alternatives)
    roll = draw(st.integers(0, 9))
    if roll == 0:
        text = f"({text}) as hit"
    elif roll == 1:
        text = f"{text} if flag"
    return text


def match_statement(draw: DrawFn, mod: Module, scope: Scope, subject: Subject) -> Lines:
    target = subject.text
    if draw(st.integers(0, 5)) == 0 and not target.isidentifier():
        target = f"(m := {target})"
    cases: Lines = []
    for _ in range(draw(st.integers(1, 4))):
        cases += compound(
            draw, f"case {pattern(draw, mod, subject)}:", body(draw, mod, scope, subject)
        )
    tail = draw(st.integers(0, 3))
    if tail == 1:
        cases += compound(draw, "case _:", body(draw, mod, scope, subject))
    elif tail == 2:
        cases += compound(draw, "case other:", body(draw, mod, scope, subject))
    return [(0, comment(draw, f"match {target}:")), *shift(cases)]


def exit_run(draw: DrawFn, mod: Module, scope: Scope, subject: Subject) -> Lines:
    """A run of early-exit `if`s (maybe ending in a `not in` guard), then the success path."""
    out: Lines = []
    for _ in range(draw(st.integers(1, 3))):
        out += compound(
            draw, f"if {condition(draw, mod, subject)}:", body(draw, mod, scope, subject, "loud")
        )
    if draw(st.integers(0, 3)) == 0:
        out += compound(
            draw,
            f"if {condition(draw, mod, subject, negated=True)}:",
            body(draw, mod, scope, subject),
        )
    return out + success_path(draw, mod, scope, subject)


def guard(draw: DrawFn, mod: Module, scope: Scope, subject: Subject) -> Lines:
    test = condition(draw, mod, subject, negated=True)
    return compound(draw, f"if {test}:", body(draw, mod, scope, subject)) + success_path(
        draw, mod, scope, subject
    )


def success_path(draw: DrawFn, mod: Module, scope: Scope, subject: Subject) -> Lines:
    r = subject.receiver
    uses = [f"text = {r}.content[0].text", f"print({r}.text)", f"out.append({r}.message.content)"]
    if scope.in_function:
        uses += [f"return {r}.content[0].text", f"return {r}.message.content", "return text"]
    return [(0, draw(st.sampled_from(uses)))] if draw(st.integers(0, 4)) else []


def assertion(draw: DrawFn, mod: Module, scope: Scope, subject: Subject) -> Lines:
    test = condition(draw, mod, subject, negated=draw(st.integers(0, 3)) == 0)
    test = test if "\n" not in test or test.startswith("(") else f"({test})"
    message = draw(st.sampled_from(["", f", {mod.text('bad stop')}", ", f'{x}'"]))
    return [(0, comment(draw, f"assert {test}{message}")), *success_path(draw, mod, scope, subject)]


def table_lookup(draw: DrawFn, mod: Module, scope: Scope, subject: Subject) -> Lines:
    """A module-level table keyed by stop values and a lookup into it."""
    name = mod.fresh("STOP_MAP")
    keys = list(
        dict.fromkeys(value_expr(draw, mod, subject) for _ in range(draw(st.integers(2, 5))))
    )
    targets = ["stop", "length", "content_filter", "end_turn", "refusal", "unknown"]
    items = [f"{k}: {mod.text(draw(st.sampled_from(targets)))}" for k in keys]
    if draw(st.booleans()):
        mod.prelude += [(0, f"{name} = {{"), *[(1, f"{item},") for item in items], (0, "}")]
    else:
        mod.prelude.append((0, f"{name} = {{{', '.join(items)}}}"))
    s = subject.text
    lookup = draw(
        st.sampled_from(
            [
                f"{name}[{s}]",
                f"{name}.get({s})",
                f"{name}.get({s}, {s})",
                f"{name}.get({s}, {mod.text('stop')})",
                f"{name}.get({s}) or {mod.text('end_turn')}",
                f"dict.get({name}, {s}, {mod.text('stop')})",
            ]
        )
    )
    if scope.in_function:
        return [(0, f"return {lookup}")]
    return [(0, f"mapped = {lookup}")]


def translation(draw: DrawFn, mod: Module, scope: Scope, subject: Subject) -> Lines:
    """An if/elif chain whose every branch returns (or assigns) a constant of another
    vocabulary: a table in disguise (RFL006)."""
    constants = ["'stop'", "'length'", "'content_filter'", "'end_turn'", "None", "'unknown'"]
    verb = "return " if scope.in_function else "mapped = "
    out: Lines = []
    for i in range(draw(st.integers(2, 4))):
        keyword_ = "if" if i == 0 else "elif"
        constant = draw(st.sampled_from(constants))
        out += compound(
            draw, f"{keyword_} {condition(draw, mod, subject)}:", [(0, verb + constant)]
        )
    if draw(st.booleans()):
        out += compound(draw, "else:", [(0, verb + draw(st.sampled_from(constants)))])
    elif scope.in_function:
        out.append((0, verb + draw(st.sampled_from(constants))))
    return out


def refusal_test(draw: DrawFn, mod: Module, scope: Scope, subject: Subject) -> Lines:
    """A truthiness or isinstance test of a refusal field, with its branch."""
    r = subject.receiver
    tests = [
        f"{r}.refusal",
        f"{r}.message.refusal",
        f"{r}.stop_details",
        f"{r}.prompt_feedback.block_reason",
        f"getattr({r}, 'refusal', None)",
        "isinstance(part, ResponseOutputRefusal)",
        f"not {r}.refusal",
        f"{r}.refusal is not None",
        f"{r}.refusal or {r}.stop_details",
    ]
    out = compound(draw, f"if {draw(st.sampled_from(tests))}:", body(draw, mod, scope, subject))
    if draw(st.booleans()):
        out += compound(draw, "else:", body(draw, mod, scope, subject))
    return out


def sdk_call(
    draw: DrawFn, mod: Module, stream: bool = False, surface: ResponseSurface | None = None
) -> str:
    """A call the catalog knows returns a response (or a stream), with its client."""
    surface = surface or draw(st.sampled_from(SURFACES))
    methods = (surface.stream_methods if stream else surface.methods) or surface.methods
    args = "model='m', messages=msgs" + (", stream=True" if stream else "")
    if surface.functions and draw(st.booleans()):
        function = draw(st.sampled_from(surface.functions))
        mod.need(f"import {function.rsplit('.', 1)[0]}")
        return f"{function}({args})"
    if not methods or not surface.clients:
        return f"client.chat.completions.create({args})"
    client = draw(st.sampled_from(surface.clients))
    target, _, service = client.partition(":")
    module, _, name = target.rpartition(".")
    if draw(st.booleans()):
        mod.need(f"import {module}")
        make = f"{target}({mod.text(service) if service else ''})"
    else:
        mod.need(f"from {module} import {name}")
        make = f"{name}({mod.text(service) if service else ''})"
    method = draw(st.sampled_from(methods))
    return f"{make}.{method}({args})"


def stream_loop(draw: DrawFn, mod: Module, scope: Scope, subject: Subject) -> Lines:
    head = "async for" if scope.is_async and draw(st.booleans()) else "for"
    inner = Scope(scope.in_function, scope.is_async, True, scope.depth + 1)
    chunk = Subject(
        subject.vocab,
        access(draw, mod, "chunk.choices[0]", subject.vocab.path),
        "chunk",
        subject.enum_prefix,
        subject.as_name,
    )
    loop: Lines = [(0, "text += chunk.choices[0].delta.content or ''")]
    if draw(st.booleans()):
        loop += site(draw, mod, inner, chunk)
    return [
        (0, f"stream = {sdk_call(draw, mod, stream=True)}"),
        (0, f"{head} chunk in stream:"),
        *shift(loop),
    ]


def output_read(response: str, path: str) -> str:
    """A catalog output path (`choices[].message.content`, `get_final_text()`) read."""
    text = response + ("" if path.startswith("[") else ".") + path
    return text.replace("[]", "[0]")


def unchecked_use(draw: DrawFn, mod: Module, scope: Scope, subject: Subject) -> Lines:
    """A response from a known SDK call whose output is used, checked first or not."""
    surface = draw(st.sampled_from([s for s in SURFACES if s.outputs and s.methods]))
    call = sdk_call(draw, mod, surface=surface)
    if scope.is_async and draw(st.booleans()):
        call = f"await {call}"
    r = draw(st.sampled_from(["resp", "response", "completion", "message", "result"]))
    out: Lines = [(0, f"{r} = {call}")]
    if draw(st.booleans()):
        checked = Subject(subject.vocab, access(draw, mod, r, subject.vocab.path), r)
        out += site(draw, mod, Scope(scope.in_function, scope.is_async, scope.in_loop, 2), checked)
    used = output_read(r, draw(st.sampled_from(surface.outputs)))
    verb = draw(st.sampled_from(["return ", "text = ", "print(", "yield_later("]))
    return [*out, (0, verb + used + (")" if verb.endswith("(") else ""))]


def policy_handler(draw: DrawFn, mod: Module, scope: Scope, subject: Subject) -> Lines:
    surface = draw(st.sampled_from([s for s in SURFACES if s.policy_exceptions] or SURFACES))
    names = surface.policy_exceptions + surface.request_exceptions + ("Exception",)
    caught = draw(st.sampled_from(names))
    if caught != "Exception":
        module = surface.clients[0].split(":")[0].rpartition(".")[0] if surface.clients else ""
        module = module or (surface.functions[0].rpartition(".")[0] if surface.functions else "")
        if module:
            mod.need(f"import {module}")
            caught = f"{module}.{caught}"
    bind = " as exc" if draw(st.booleans()) else ""
    return [
        (0, "try:"),
        (1, f"resp = {sdk_call(draw, mod)}"),
        *compound(draw, f"except {caught}{bind}:", body(draw, mod, scope, subject)),
    ]


FORMS = (
    if_chain,
    if_chain,
    match_statement,
    exit_run,
    guard,
    assertion,
    table_lookup,
    translation,
    refusal_test,
    stream_loop,
    unchecked_use,
    policy_handler,
)


def site(draw: DrawFn, mod: Module, scope: Scope, subject: Subject | None = None) -> Lines:
    """One construct the rules judge, with the statements that set its subject up."""
    setup: Lines = []
    if subject is None:
        vocab = draw(st.sampled_from(VOCABULARIES))
        subject, setup = subject_setup(draw, mod, vocab)
    forms = (
        FORMS
        if scope.in_function
        else tuple(f for f in FORMS if f not in (stream_loop, unchecked_use))
    )
    if scope.depth >= 2:
        forms = (if_chain, match_statement, guard, refusal_test)
    form = draw(st.sampled_from(forms))
    if form in (stream_loop, unchecked_use) and scope.depth > 0:
        form = if_chain
    return setup + form(draw, mod, scope, subject)


# ---- containers ---------------------------------------------------------------------------
def function(draw: DrawFn, mod: Module, method: bool = False) -> Lines:
    is_async = draw(st.integers(0, 4)) == 0
    name = mod.fresh("handle")
    params = draw(
        st.sampled_from(
            [
                "resp",
                "response, text=''",
                "finish_reason",
                "*args, **kw",
                "message: Message",
                "client, msgs",
                "",
            ]
        )
    )
    if method:
        params = "self" + (f", {params}" if params else "")
    scope = Scope(in_function=True, is_async=is_async)
    inner: Lines = []
    if draw(st.integers(0, 3)) == 0:
        inner.append((0, draw(st.sampled_from(['"""Handle it."""', '"""Doc.\n\nMore."""']))))
    wrapper = draw(st.integers(0, 6))
    if wrapper in (1, 2):
        content = site(draw, mod, Scope(True, is_async, in_loop=True))
    else:  # a nested `def inner` is not async
        content = site(draw, mod, Scope(True, is_async and wrapper != 5))
    if wrapper == 1:
        content = [(0, "for choice in resp.choices:"), *shift(content)]
    elif wrapper == 2:
        content = [(0, "while True:"), *shift(content)]
    elif wrapper == 3:
        handler = draw(st.sampled_from(["raise", "pass", "return None", "log.exception('x')"]))
        content = [(0, "try:"), *shift(content), (0, "except Exception:"), (1, handler)]
    elif wrapper == 4:
        content = [(0, "with lock:"), *shift(content)]
    elif wrapper == 5:
        content = [(0, "def inner(resp):"), *shift(content), (0, "return inner")]
    inner += sprinkle(draw, content)
    if draw(st.integers(0, 3)) == 0:
        inner += site(draw, mod, scope)
    keyword_ = "async def" if is_async else "def"
    decorator: Lines = [(0, "@staticmethod")] if method and draw(st.integers(0, 9)) == 0 else []
    if decorator:
        params = params.removeprefix("self").lstrip(", ")
    return [*decorator, (0, comment(draw, f"{keyword_} {name}({params}):")), *shift(inner)]


def unit(draw: DrawFn, mod: Module) -> Lines:
    kind = draw(st.integers(0, 5))
    if kind <= 2:
        return function(draw, mod)
    if kind == 3:
        methods = [
            line for _ in range(draw(st.integers(1, 2))) for line in function(draw, mod, True)
        ]
        return [(0, f"class {mod.fresh('Handler')}:"), *shift(methods)]
    if kind == 4:
        return site(draw, mod, Scope())  # a top-level script
    return [(0, "for resp in results:"), *shift(site(draw, mod, Scope(in_loop=True)))]


@st.composite
def dispatch_programs(draw: DrawFn) -> tuple[str, str]:
    """(filename, source): a module of stop-signal code in a random layout."""
    style = Style(
        indent=draw(st.sampled_from(["    ", "    ", "  ", "\t"])),
        newline=draw(st.sampled_from(["\n", "\n", "\n", "\r\n"])),
        quote=draw(st.sampled_from(['"', "'"])),
    )
    mod = Module(style)
    if draw(st.booleans()):
        mod.prelude += [(0, "import logging"), (0, "log = logging.getLogger(__name__)")]
    units: Lines = []
    for _ in range(draw(st.integers(1, 3))):
        units += [(0, ""), *unit(draw, mod)]
    if draw(st.integers(0, 5)) == 0:
        mod.need("from __future__ import annotations")
        mod.imports.insert(0, mod.imports.pop())
    return draw(st.sampled_from(FILENAMES)), mod.render(units, final_newline=draw(st.booleans()))


# ---- hypothesmith programs with stop-signal names -----------------------------------------
SIGNAL_NAMES = tuple(
    sorted(
        {p for v in VOCABULARIES for p in v.path if p.isidentifier()}
        | {
            "resp",
            "choice",
            "refusal",
            "stop_details",
            "FinishReason",
            "anthropic",
            "openai",
            "client",
            "messages",
            "create",
            "types",
            "block_reason",
            "prompt_feedback",
            "candidates",
            "choices",
        }
    )
)
# Built once: each `from_grammar()` call builds its own parser (seconds).
GRAMMAR_PROGRAMS = hypothesmith.from_grammar()
SOFT = frozenset(
    {*keyword.kwlist, *keyword.softkwlist, *__future__.all_feature_names, "print", "__future__"}
)


def _tokens(source: str) -> list[tokenize.TokenInfo]:
    try:
        return list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return []


def _is_plain_string(token: tokenize.TokenInfo) -> bool:
    text = token.string
    return token.start[0] == token.end[0] and text[:1] in "'\"" and not text.startswith(text[0] * 3)


@st.composite
def signal_programs(draw: DrawFn, source_strategy: st.SearchStrategy[str] | None = None) -> str:
    """A hypothesmith program (layout kept) with some names and strings turned into stop-signal
    names and values, and an import of a provider SDK where imports may go."""
    source = draw(source_strategy if source_strategy is not None else GRAMMAR_PROGRAMS)
    tokens = _tokens(source)
    names = sorted({t.string for t in tokens if t.type == tokenize.NAME and t.string not in SOFT})
    renames = {n: draw(st.sampled_from(SIGNAL_NAMES)) for n in names if draw(st.booleans())}
    edits: list[tuple[tuple[int, int], tuple[int, int], str]] = []
    for token in tokens:
        if token.type == tokenize.NAME and token.string in renames:
            edits.append((token.start, token.end, renames[token.string]))
        elif token.type == tokenize.STRING and _is_plain_string(token) and draw(st.booleans()):
            edits.append((token.start, token.end, repr(draw(st.sampled_from(ALL_VALUES)))))
    lines = io.StringIO(source).readlines()  # the rows tokenize counted
    for (row, col), (_, end), text in sorted(edits, reverse=True):
        line = lines[row - 1]
        lines[row - 1] = line[:col] + text + line[end:]
    # Imports count wherever they are; the comment gets the module past the prefilter.
    return "".join(lines) + "\nimport anthropic\n# stop_reason finish_reason\n"


# ---- settings -----------------------------------------------------------------------------
@st.composite
def fuzz_settings(draw: DrawFn) -> Settings:
    """Every rule enabled; sometimes the project options and fix templates are set."""
    return Settings(
        enabled=ALL_CODES,
        loud_calls=(LOUD_CALL,) if draw(st.booleans()) else (),
        extra_signal_fields=(CONFIGURED_FIELD,) if draw(st.booleans()) else (),
        extra_refusal_values=("refused", "blocked") if draw(st.integers(0, 3)) == 0 else (),
        fix_default_branch=draw(st.sampled_from([None, None, None, *TEMPLATES])),
        fix_refusal_branch=draw(st.sampled_from([None, None, None, *TEMPLATES])),
    )
