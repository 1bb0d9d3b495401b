"""Which parts of a file can hold a finding, decided on bytes before any parsing.

Two steps, both far cheaper than `ast.parse`:

1. **Trigger scan.** Every finding starts from a *trigger word* of the catalog (a signal
   field, a refusal class, a provider enum, an SDK call shape or constructor; see
   `Catalog.trigger_words`). Testing ~70 words one by one costs one pass over the bytes per
   word, so the words are covered by a few shared *anchors* (`eason` covers `stop_reason`,
   `finish_reason`, `FinishReason`, ...): one `find` pass per anchor, and each anchor hit
   is verified against the words it stands for. A file with no verified word is skipped.
2. **Block selection.** Only the top-level statements that hold a trigger word are worth
   parsing, plus the module context the rules read (imports, assignments, enum classes,
   `if TYPE_CHECKING:` blocks: everything but function and class definitions). The text is
   cut at column-0 lines that start a statement; a definition block without a trigger is
   blanked out (its newlines kept, so every line and column stays where it was).

The cut is textual, so it can be wrong (a column-0 `def` inside a string); the caller
falls back to the whole file whenever the selected text does not parse. The front ends that
get a tree from their host (flake8, pylint) filter its top-level statements with the same
block selection (`keeps_statement`), so every front end analyses the same statements.
"""

from __future__ import annotations

import ast
import copy
import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from refusal_lint.settings import Settings

ANCHOR_LENGTH = 5
# How a quoted dict key ends (`"end_turn": ...`), the longest key looked for, and how far
# apart two keys of one table may be.
_KEY_ENDS = (b'":', b"':", b'" :', b"' :")
_LONGEST_KEY = 64
_TABLE_SPAN = 4096
# A column-0 line that starts a new top-level statement. Lines that continue one
# (`else:`, `except ...:`, a closing bracket, text inside a string) do not match.
_STATEMENT_START = re.compile(
    rb"(?:@|def\s|async\s+def\s|class\s|import\s|from\s|if\s|try\s*:|with\s|for\s|while\s"
    rb"|async\s+(?:with|for)\s|assert\s|raise\b|del\s|global\s|match\s"
    rb"|[A-Za-z_][\w.]*\s*(?:[-+*/%&|^@]?=|:|\(|\[|,))"
)
_DEFINITION = re.compile(rb"(?:def\s|async\s+def\s|class\s)")
# Enum classes are module context (their members name stop values) even without a trigger.
_ENUM_CLASS = re.compile(rb"class\s[^\n]*Enum")
_CONTINUATION = re.compile(rb"(?:else|elif|except|finally)\b")
# A class member: an indented `def`, `async def`, `class` or decorator line.
_MEMBER = re.compile(rb"\n([ \t]+)(?:@|def\s|async\s+def\s|class\s)")


@dataclass(frozen=True)
class Anchor:
    """A short substring standing for the trigger words that contain it."""

    text: bytes
    words: tuple[tuple[bytes, int], ...]  # (word, offset of the anchor inside the word)


def build_anchors(words: Iterable[str], length: int = ANCHOR_LENGTH) -> tuple[Anchor, ...]:
    """Cover every word with as few anchors as a greedy set cover finds (deterministic)."""
    left = {w.encode() for w in words if w}
    anchors: list[Anchor] = []
    while left:
        counts: dict[bytes, int] = {}
        for word in left:
            for sub in _substrings(word, length):
                counts[sub] = counts.get(sub, 0) + 1
        best = max(counts, key=lambda sub: (counts[sub], sub))
        covered = sorted(w for w in left if best in w)
        offsets = tuple((w, i) for w in covered for i in _offsets(w, best))
        anchors.append(Anchor(best, offsets))
        left.difference_update(covered)
    return tuple(anchors)


def _substrings(word: bytes, length: int) -> set[bytes]:
    if len(word) <= length:
        return {word}
    return {word[i : i + length] for i in range(len(word) - length + 1)}


def _offsets(word: bytes, anchor: bytes) -> list[int]:
    found, start = [], word.find(anchor)
    while start != -1:
        found.append(start)
        start = word.find(anchor, start + 1)
    return found


class TriggerScan:
    """Finds the trigger words of the catalog (and of the settings) in a file's bytes."""

    def __init__(self, words: Iterable[str], table_values: Iterable[str] = ()) -> None:
        self.anchors = build_anchors(words)
        self.table_values = frozenset(v.lower().encode() for v in table_values if v)

    def table_offsets(self, data: bytes) -> list[int]:
        """Offsets of the dict keys of what may be a stop-value table: a quoted value some
        provider emits, followed by `:`, with a different such key close by.

        A table needs no trigger word (`{"end_turn": "done", "max_tokens": "cut"}` in a
        helper), but a dict without two keys from the catalog's vocabularies is no stop
        table, so only those keep their block (and bind the name they are assigned to).
        Run only on files that hold a trigger word: elsewhere nothing is read.
        """
        hits: list[tuple[int, bytes]] = []
        for colon in _KEY_ENDS:  # `find` passes: far faster than one regex over the file
            quote = colon[:1]
            end = data.find(colon)
            while end != -1:
                start = data.rfind(quote, max(end - _LONGEST_KEY, 0), end)
                if start != -1 and (key := data[start + 1 : end].lower()) in self.table_values:
                    hits.append((start, key))
                end = data.find(colon, end + len(colon))
        hits.sort()
        return [
            offset
            for index, (offset, key) in enumerate(hits)
            if any(
                other != key and abs(near - offset) <= _TABLE_SPAN
                for near, other in hits[max(index - 8, 0) : index + 9]
            )
        ]

    def offsets(self, data: bytes) -> list[int]:
        """Byte offsets where a trigger word starts; empty when the file has none.

        A call word (`Router(`) counts only as a whole name: `APIRouter(` is not it.
        """
        found: list[int] = []
        for anchor in self.anchors:
            position = data.find(anchor.text)
            while position != -1:
                for word, offset in anchor.words:
                    start = position - offset
                    if (
                        start >= 0
                        and data.startswith(word, start)
                        and not (word.endswith(b"(") and _name_before(data, start))
                    ):
                        found.append(start)
                        break
                position = data.find(anchor.text, position + 1)
        return found


def _name_before(data: bytes, start: int) -> bool:
    """Whether an identifier character precedes `start`."""
    return start > 0 and (data[start - 1 : start].isalnum() or data[start - 1] == 0x5F)


@dataclass(frozen=True)
class Blocks:
    """A file cut into regions, each kept or dropped; a region ends where the next starts.

    Top-level statements are regions; a kept class is cut again at its own statements, so
    one method mentioning a client does not keep a thousand-line class whole.
    """

    starts: tuple[int, ...]  # byte offset of each region's first line (the first is 0)
    kept: tuple[bool, ...]
    indents: tuple[bytes, ...]  # the region's statement indentation (b"" at top level)
    lines: tuple[int, ...]  # 1-based line number of each region's first line

    @property
    def everything_kept(self) -> bool:
        return all(self.kept)

    def keeps_lines(self, first: int, last: int) -> bool:
        """Whether any region overlapping lines `first..last` (1-based) is kept."""
        low = max(bisect_right(self.lines, first) - 1, 0)
        high = max(bisect_right(self.lines, last) - 1, 0)
        return any(self.kept[low : high + 1])


def select_blocks(
    data: bytes, trigger_offsets: Sequence[int], anchors: Sequence[bytes] = ()
) -> Blocks:
    """Cut `data` into regions and keep the ones that can matter.

    Kept: the module header, every top-level statement that is not a definition, enum
    classes, and the definitions holding a trigger word or using a name bound to one (a
    module-level `client = OpenAI()` makes every function calling `client.` matter). A
    module string constant holding one of the scan's `anchors` binds its name too: it may
    be a key one typo away from a signal field (`"amazon-bedrock-guardrailAssessment"`).
    """
    triggers = sorted(trigger_offsets)
    tops = _statement_starts(data, b"", 0, len(data))
    spans = [(start, end, _kind(data, start)) for start, end in _spans(tops, len(data))]
    names = _bound_names(data, spans, triggers) | _key_constants(data, spans, anchors)
    regions: list[tuple[int, bool, bytes]] = []
    for index, (start, end, kind) in enumerate(spans):
        hit = _has_trigger(triggers, start, end) or _mentions(data, start, end, names)
        if index == 0 or kind in ("context", "enum"):
            regions.append((start, True, b""))
        elif kind == "class" and hit:
            regions.extend(_class_regions(data, start, end, triggers, names))
        else:
            regions.append((start, hit, b""))
    starts = tuple(r[0] for r in regions)
    return Blocks(
        starts,
        tuple(r[1] for r in regions),
        tuple(r[2] for r in regions),
        _line_numbers(data, starts),
    )


def _spans(starts: Sequence[int], end: int) -> list[tuple[int, int]]:
    return list(zip(starts, (*starts[1:], end), strict=True))


_ASSIGNED = re.compile(rb"[ \t]*((?:self\.)?[A-Za-z_]\w*)(?:[ \t]*:[^=\n]*)?[ \t]*=(?!=)")
_DEF_NAME = re.compile(rb"(?:async\s+)?def\s+(\w+)")


def _bound_names(
    data: bytes, spans: Sequence[tuple[int, int, str]], triggers: Sequence[int]
) -> set[bytes]:
    """Module-level names bound to something with a trigger word: assignments and functions.

    Repeated until nothing changes, so `chat = client.chat` after `client = OpenAI()` counts.
    """
    names: set[bytes] = set()
    while True:
        found = set(names)
        for start, end, kind in spans:
            if kind == "context":
                if _has_trigger(triggers, start, end) or _mentions(data, start, end, names):
                    found.update(_context_names(data, start, end, triggers))
            elif kind == "def" and _has_trigger(triggers, start, end):
                match = _DEF_NAME.match(data, _definition_line(data, start, b""))
                if match:
                    found.add(match.group(1))
        if found == names:
            return names
        names = found


_STRING_CONSTANT = re.compile(
    rb"([A-Za-z_]\w*)[ \t]*(?::[^=\n]*)?=[ \t]*[rbuRBU]?(['\"])([^'\"\n]*)\2"
)


def _key_constants(
    data: bytes, spans: Sequence[tuple[int, int, str]], anchors: Sequence[bytes]
) -> set[bytes]:
    """Module constants `NAME = "..."` whose string holds an anchor (a near-miss key)."""
    names: set[bytes] = set()
    if not anchors:
        return names
    for start, _, kind in spans:
        if kind != "context":
            continue
        match = _STRING_CONSTANT.match(data, start)
        if match and any(anchor in match.group(3) for anchor in anchors):
            names.add(match.group(1))
    return names


_IMPORT_START = re.compile(rb"(?:from\s+[\w.]+\s+)?import\s")
_IDENTIFIER = re.compile(rb"[A-Za-z_]\w*")
_NOT_NAMES = frozenset({b"import", b"from", b"as"})
_COMMENT = re.compile(rb"#[^\n]*")


_FROM_IMPORT = re.compile(
    rb"^[ \t]*from[ \t]+[\w.]+[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)", re.MULTILINE
)


def _context_names(data: bytes, start: int, end: int, triggers: Sequence[int]) -> set[bytes]:
    """Names a top-level statement binds: an assignment's target, an SDK import's names.

    `from claude_agent_sdk import query`: the module names the SDK, so every name the
    import binds matters (also inside `if TYPE_CHECKING:` or `try:`). A name that is itself
    a trigger word needs no help.
    """
    names: set[bytes] = set()
    for match in _FROM_IMPORT.finditer(data, start, end):
        if _has_trigger(triggers, match.start(), match.start(1)):
            imported = _COMMENT.sub(b"", match.group(1))
            names.update(set(_IDENTIFIER.findall(imported)) - _NOT_NAMES)
    assigned = _ASSIGNED.match(data, start)
    if assigned and not assigned.group(1).startswith(b"self."):
        names.add(assigned.group(1))
    return names


def _mentions(data: bytes, start: int, end: int, names: Iterable[bytes]) -> bool:
    return any(_finds_name(data, name, start, end) for name in names)


# The bytes of an ASCII identifier. A byte >= 0x80 (part of a non-ASCII identifier) counts
# as a boundary, so a doubtful case keeps the block.
_NAME_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def _finds_name(data: bytes, name: bytes, start: int, end: int) -> bool:
    """Whether `name` occurs in `data[start:end]` as a whole name, not inside a longer one:
    a bound `client` is not used by `http_client` or `clients` (a substring test kept whole
    functions of SDK sources for such near names)."""
    position = data.find(name, start, end)
    while position != -1:
        after = position + len(name)
        if (position == 0 or data[position - 1] not in _NAME_BYTES) and (
            after >= len(data) or data[after] not in _NAME_BYTES
        ):
            return True
        position = data.find(name, position + 1, end)
    return False


def _class_regions(
    data: bytes, start: int, end: int, triggers: Sequence[int], names: set[bytes]
) -> list[tuple[int, bool, bytes]]:
    """A kept class: its header and class-level statements, and the members that matter.

    A member matters when it holds a trigger word, uses a module name bound to one, or
    uses an attribute (`self.client`) that a kept member binds to one.
    """
    indent = _body_indent(data, start, end)
    if indent is None:
        return [(start, True, b"")]
    spans = _spans(_statement_starts(data, indent, start, end)[1:], end)
    keep = [
        not _is_definition(data, member + len(indent), indent)
        or _has_trigger(triggers, member, member_end)
        or _mentions(data, member, member_end, names)
        for member, member_end in spans
    ]
    # `self.client = AsyncClient(...)` in a kept member makes `self.client` matter too.
    attributes = _assigned_attributes(data, spans, keep, triggers, names)
    if attributes:
        keep = [
            k or _mentions(data, s, e, attributes) for k, (s, e) in zip(keep, spans, strict=True)
        ]
    return [(start, True, b""), *((s, k, indent) for k, (s, _) in zip(keep, spans, strict=True))]


_SELF_ASSIGNED = re.compile(rb"^[ \t]*(self\.\w+)(?:[ \t]*:[^=\n]*)?[ \t]*=(?!=)([^\n]*)", re.M)


def _assigned_attributes(
    data: bytes,
    spans: Sequence[tuple[int, int]],
    keep: Sequence[bool],
    triggers: Sequence[int],
    names: set[bytes],
) -> set[bytes]:
    """`self.x` assigned, in a kept member, a value holding a trigger word or a bound name."""
    attributes: set[bytes] = set()
    for (start, end), kept in zip(spans, keep, strict=True):
        if not kept:
            continue
        for match in _SELF_ASSIGNED.finditer(data, start, end):
            value_start, value_end = match.span(2)
            if _has_trigger(triggers, value_start, value_end) or _mentions(
                data, value_start, value_end, names
            ):
                attributes.add(match.group(1))
    return attributes


def _body_indent(data: bytes, start: int, end: int) -> bytes | None:
    """The indentation of a class's members: that of its first indented `def`/`@` line."""
    match = _MEMBER.search(data, start, end)
    return match.group(1) if match else None


def _has_trigger(triggers: Sequence[int], start: int, end: int) -> bool:
    index = bisect_right(triggers, start - 1)
    return index < len(triggers) and triggers[index] < end


def _kind(data: bytes, start: int) -> str:
    if not _is_definition(data, start, b""):
        return "context"
    line = _definition_line(data, start, b"")
    if _ENUM_CLASS.match(data, line):
        return "enum"
    return "class" if data.startswith(b"class", line) else "def"


def _line_numbers(data: bytes, starts: Sequence[int]) -> tuple[int, ...]:
    numbers, line, previous = [], 1, 0
    for start in starts:
        line += data.count(b"\n", previous, start)
        numbers.append(line)
        previous = start
    return tuple(numbers)


def _statement_starts(data: bytes, indent: bytes, start: int, end: int) -> list[int]:
    """Offsets of the lines at `indent` that start a statement, decorators merged."""
    starts = [start]
    in_decorator = False
    for match in _line_pattern(indent).finditer(data, start, end):
        line = match.end()
        if not _STATEMENT_START.match(data, line) or _CONTINUATION.match(data, line):
            continue
        if not in_decorator:
            starts.append(line - len(indent))
        in_decorator = data.startswith(b"@", line)
    return starts


_LINE_PATTERNS: dict[bytes, re.Pattern[bytes]] = {}


def _line_pattern(indent: bytes) -> re.Pattern[bytes]:
    """A newline, exactly `indent`, then what may start a statement."""
    pattern = _LINE_PATTERNS.get(indent)
    if pattern is None:
        pattern = re.compile(rb"\n" + re.escape(indent) + rb"(?=[@A-Za-z_])")
        _LINE_PATTERNS[indent] = pattern
    return pattern


def _is_definition(data: bytes, start: int, indent: bytes = b"") -> bool:
    """A `def`/`class` statement (decorators included), the only kind that may be dropped."""
    line = _definition_line(data, start, indent)
    return line >= 0 and _DEFINITION.match(data, line) is not None


def _definition_line(data: bytes, start: int, indent: bytes) -> int:
    """Where the statement after a run of decorator lines starts (after its indent)."""
    while data.startswith(b"@", start):
        position = data.find(b"\n" + indent, start)
        while position != -1:
            line = position + 1 + len(indent)
            if data[line : line + 1] not in (b" ", b"\t", b"\n", b"\r", b")", b""):
                break
            position = data.find(b"\n" + indent, line)
        if position == -1:
            return -1
        start = line
    return start


def blank_dropped(data: bytes, blocks: Blocks) -> bytes:
    """`data` with the dropped regions' text removed but their newlines kept.

    A dropped class member becomes `pass` on its first line, so a class whose members are
    all dropped still parses.
    """
    if blocks.everything_kept:
        return data
    pieces: list[bytes] = []
    ends = (*blocks.starts[1:], len(data))
    for start, end, kept, indent in zip(
        blocks.starts, ends, blocks.kept, blocks.indents, strict=True
    ):
        chunk = data[start:end]
        if kept:
            pieces.append(chunk)
            continue
        newlines = chunk.count(b"\n")
        if indent and newlines:
            pieces.append(indent + b"pass" + b"\n" * newlines)
        else:
            pieces.append(b"\n" * newlines)
    return b"".join(pieces)


_IMPORT_LINE = re.compile(
    rb"[ \t]*(?:from[ \t]+([\w.]+)[ \t]+import\b|import[ \t]+([\w.]+(?:[ \t]*,[ \t]*[\w.]+)*))"
)


def dropped_imports(data: bytes, blocks: Blocks) -> frozenset[str]:
    """Modules imported (`import x`, `from x import y`) inside the dropped regions."""
    if blocks.everything_kept:
        return frozenset()
    modules: set[str] = set()
    ends = (*blocks.starts[1:], len(data))
    for start, end, kept in zip(blocks.starts, ends, blocks.kept, strict=True):
        if kept:
            continue
        position = data.find(b"import", start, end)
        while position != -1:
            line = data.rfind(b"\n", start, position) + 1 or start
            match = _IMPORT_LINE.match(data, line, end)
            if match:
                names = match.group(1) or match.group(2) or b""
                modules.update(
                    n.strip().decode("ascii", "replace")
                    for n in names.split(b",")
                    if n.strip() and not n.startswith(b".")
                )
            position = data.find(b"import", position + 6, end)
    return frozenset(modules)


def prune(tree: ast.Module, blocks: Blocks) -> ast.Module:
    """A copy of `tree` without the statements of dropped regions (`tree` is not changed).

    The same statements `blank_dropped` removes from the text, for a tree parsed whole
    (the fallback, or a host's tree in the flake8 and pylint plugins).
    """
    if blocks.everything_kept:
        return tree
    pruned = copy.copy(tree)
    pruned.body = _kept_statements(tree.body, blocks)
    return pruned


def _kept_statements(body: list[ast.stmt], blocks: Blocks) -> list[ast.stmt]:
    kept: list[ast.stmt] = []
    for stmt in body:
        first = min([stmt.lineno, *(d.lineno for d in getattr(stmt, "decorator_list", ()))])
        last = stmt.end_lineno or stmt.lineno
        if not blocks.keeps_lines(first, last):
            continue
        if isinstance(stmt, ast.ClassDef):
            members = _kept_statements(stmt.body, blocks)
            if len(members) != len(stmt.body):
                stmt = copy.copy(stmt)
                stmt.body = members or [ast.Pass(lineno=stmt.lineno, col_offset=stmt.col_offset)]
        kept.append(stmt)
    return kept


_SCANS: dict[tuple[tuple[str, ...], tuple[str, ...]], TriggerScan] = {}


def trigger_scan(settings: Settings) -> TriggerScan:
    """The scan for the catalog's trigger words plus the settings' extra signal fields (and
    the stop values of its tables, plus the settings' extra refusal values)."""
    key = (settings.extra_signal_fields, settings.extra_refusal_values)
    scan = _SCANS.get(key)
    if scan is None:
        from refusal_lint.catalog import load_catalog

        catalog = load_catalog()
        words = (*catalog.trigger_words(), *settings.extra_signal_fields)
        values = (*catalog.all_values, *settings.extra_refusal_values)
        scan = _SCANS[key] = TriggerScan(words, values)
    return scan
