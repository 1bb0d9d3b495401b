"""The shape of a source file that a fix must follow: lines, newline, indentation, quotes.

Stdlib only (plans are computed during detection, where libcst is never imported). Where a
block ends follows libcst's whitespace ownership, so the text edits of a plan are exactly
what the libcst fixers produce: after its last statement, an indented block owns the blank
and comment lines up to the last comment indented at least as deep as the block; the lines
after that belong to whatever comes next.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from functools import cached_property
from typing import cast

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
_NEWLINE = re.compile(r"\r\n|\r|\n")
_WHITESPACE = " \t\f"
_STRING_START = re.compile(r"^[rRbBuUfF]{0,2}('''|\"\"\"|'|\")")
DEFAULT_UNIT = "    "


class Layout:
    """Lines and conventions of one module's source, with `ast` positions made usable."""

    def __init__(self, source: str) -> None:
        self.source = source
        # Only \r\n, \r and \n end lines for Python (str.splitlines also splits on \x0c,
        # \u2028, ..., which would shift every line number after one of them).
        self.lines = _LINE.findall(source)
        found = _NEWLINE.search(source)
        self.newline = found.group(0) if found else "\n"

    # ---- lines and columns ----------------------------------------------------------------
    def text(self, line: int) -> str:
        """Line `line` (1-based) without its line ending; "" past the end."""
        if not 1 <= line <= len(self.lines):
            return ""
        raw: str = self.lines[line - 1]
        return raw.rstrip("\r\n")

    def ending(self, line: int) -> str:
        raw = self.lines[line - 1] if 1 <= line <= len(self.lines) else ""
        return raw[len(raw.rstrip("\r\n")) :]

    def col(self, line: int, byte_col: int) -> int:
        """`ast` gives UTF-8 byte columns; edits use code points."""
        text = self.text(line)
        if text.isascii():
            return byte_col
        return len(text.encode("utf-8")[:byte_col].decode("utf-8", errors="replace"))

    def start(self, node: ast.AST) -> tuple[int, int]:
        line = node.lineno  # type: ignore[attr-defined]
        return line, self.col(line, node.col_offset)  # type: ignore[attr-defined]

    def end(self, node: ast.AST) -> tuple[int, int]:
        line = node.end_lineno  # type: ignore[attr-defined]
        return line, self.col(line, node.end_col_offset)  # type: ignore[attr-defined]

    def segment(self, node: ast.AST) -> str:
        """The exact source text of `node`."""
        return self.between(self.start(node), self.end(node))

    def between(self, start: tuple[int, int], end: tuple[int, int]) -> str:
        (line, col), (end_line, end_col) = start, end
        if line == end_line:
            return self.text(line)[col:end_col]
        parts = [self.lines[line - 1][col:]]
        parts += self.lines[line : end_line - 1]
        parts.append(self.text(end_line)[:end_col])
        return "".join(parts)

    def indent(self, line: int) -> str:
        text = self.text(line)
        return text[: len(text) - len(text.lstrip(_WHITESPACE))]

    def starts_line(self, node: ast.AST) -> bool:
        """Nothing but indentation before `node` on its line."""
        line, col = self.start(node)
        return not self.text(line)[:col].strip(_WHITESPACE)

    def ends_line(self, node: ast.AST) -> bool:
        """Nothing but whitespace or a comment after `node` on its last line."""
        line, col = self.end(node)
        rest = self.text(line)[col:].strip(_WHITESPACE)
        return not rest or rest.startswith("#")

    # ---- blocks ---------------------------------------------------------------------------
    def is_suite(self, body: list[ast.stmt]) -> bool:
        """A body written on its header's line (`else: pass`)."""
        return not self.starts_line(body[0])

    def block_end(self, body: list[ast.stmt]) -> int:
        """The last line a block owns: its last statement, then its trailing comments."""
        end = self.stmt_end(body[-1])
        if self.is_suite(body):
            return end
        return self._claim(end, self.indent(body[0].lineno))

    def _claim(self, end: int, depth: str) -> int:
        """`end`, extended over the blank and comment lines up to the last comment indented
        at least `depth` deep (libcst's `footer`)."""
        owned = end
        line = end + 1
        while line <= len(self.lines):
            stripped = self.text(line).lstrip(_WHITESPACE)
            if stripped.startswith("#"):
                if self.indent(line).startswith(depth):
                    owned = line
            elif stripped:
                break
            line += 1
        return owned

    def stmt_end(self, stmt: ast.stmt) -> int:
        """The last line of a statement, including the trailing comments its blocks own."""
        last = self.last_block(stmt)
        if last is None:
            return stmt.end_lineno or stmt.lineno
        end = self.block_end(last)
        if isinstance(stmt, ast.Match):  # the cases are a block of their own
            end = self._claim(end, self.indent(stmt.cases[0].pattern.lineno))
        return end

    def is_elif(self, node: ast.If) -> bool:
        """`elif` (rather than an `if` alone inside `else:`): `ast` spells both the same."""
        line, col = self.start(node)
        return self.text(line)[col:].startswith("elif")

    def last_block(self, stmt: ast.stmt) -> list[ast.stmt] | None:
        """The block that ends a compound statement (None for a simple statement)."""
        if isinstance(stmt, ast.If):
            orelse = stmt.orelse
            if len(orelse) == 1 and isinstance(orelse[0], ast.If) and self.is_elif(orelse[0]):
                return self.last_block(orelse[0])
            return orelse or stmt.body
        return last_block(stmt)

    def body_unit(self, header_line: int, body: list[ast.stmt]) -> str:
        """The indentation step a block uses relative to its header."""
        if not self.is_suite(body):
            outer, inner = self.indent(header_line), self.indent(body[0].lineno)
            if inner.startswith(outer) and len(inner) > len(outer):
                return inner[len(outer) :]
        return self.unit

    # ---- file-wide conventions ------------------------------------------------------------
    @cached_property
    def unit(self) -> str:
        """The file's indentation step: its first indented block's, else four spaces."""
        for token in self._tokens:
            if token.type == tokenize.INDENT:
                return token.string
        return DEFAULT_UNIT

    @cached_property
    def quote(self) -> str:
        """The quote character most string literals of the file use (ties: double)."""
        counts = {'"': 0, "'": 0}
        for token in self._tokens:
            if token.type in (tokenize.STRING, getattr(tokenize, "FSTRING_START", -1)):
                match = _STRING_START.match(token.string)
                if match:
                    counts[match.group(1)[0]] += 1
        return "'" if counts["'"] > counts['"'] else '"'

    @cached_property
    def _tokens(self) -> list[tokenize.TokenInfo]:
        tokens: list[tokenize.TokenInfo] = []
        try:
            for token in tokenize.generate_tokens(io.StringIO(self.source, newline=None).readline):
                tokens.append(token)
        except (tokenize.TokenError, SyntaxError, IndentationError):
            pass
        return tokens

    def literal_quote(self, node: ast.AST) -> str | None:
        """The quote character of a string literal node, as written."""
        match = _STRING_START.match(self.segment(node))
        return match.group(1)[0] if match else None


def last_block(stmt: ast.stmt) -> list[ast.stmt] | None:
    """The block that ends a compound statement other than `if` (None for a simple one)."""
    if isinstance(stmt, ast.If):
        return stmt.orelse or stmt.body
    if isinstance(stmt, (ast.For, ast.AsyncFor, ast.While)):
        return stmt.orelse or stmt.body
    if isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
        tried = cast(ast.Try, stmt)  # TryStar (3.11+) has the same fields
        last_handler = tried.handlers[-1].body if tried.handlers else []
        for block in (tried.finalbody, tried.orelse, last_handler, tried.body):
            if block:
                return block
        return None
    if isinstance(stmt, ast.Match):
        return stmt.cases[-1].body
    if isinstance(
        stmt, (ast.With, ast.AsyncWith, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    ):
        return stmt.body
    return None
