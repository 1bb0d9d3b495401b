"""Layouts that tend to break fixers: the libcst fixers and the plans' text edits must agree
on every one (a disagreement is an RFL901 and no fix), the result must parse, and a second
fix must change nothing. A few outputs are pinned where the layout choice matters."""

from __future__ import annotations

import ast

import pytest

from refusal_lint import plans
from refusal_lint.fixing import fix_source
from refusal_lint.settings import default_settings

RUN_OF_IFS = 'def f(c):\n    if c.finish_reason == "length":\n        raise X\n'
LAYOUTS = {
    "end of file without newline": (
        'def f(resp):\n    if resp.stop_reason == "max_tokens":\n        raise X\n    return 1'
    ),
    "if last in a loop at end of file": (
        'def f(resp):\n    for x in y:\n        if resp.stop_reason == "max_tokens":\n'
        "            raise X"
    ),
    "module level, comments after": (
        'if resp.stop_reason == "max_tokens":\n    raise X\n    # deep\n# top'
    ),
    "arm body on the header line": (
        'def f(resp):\n    if resp.stop_reason == "max_tokens": raise X\n    return 1\n'
    ),
    "else: pass on one line": (
        'def f(resp):\n    if resp.stop_reason in ("end_turn", "stop_sequence", "tool_use"): '
        'return 1\n    elif resp.stop_reason == "refusal": raise R\n    else: pass\n    return 2\n'
    ),
    "pass; with a comment": (
        'def f(resp):\n    if resp.stop_reason in ("end_turn", "stop_sequence", "tool_use"):\n'
        '        return 1\n    elif resp.stop_reason == "refusal":\n        raise R\n'
        "    else:\n        pass ;  # x\n    return 2\n"
    ),
    "several statements and comments in the body": (
        'def f(resp):\n    if resp.stop_reason in ("end_turn", "stop_sequence", "tool_use"):\n'
        '        return 1\n    elif resp.stop_reason == "refusal":\n        raise R\n'
        "    else:\n        # why\n        x = 1; y = 2\n        # between\n"
        "        return None  # tail\n        # after\n    return 2\n"
    ),
    "comments at every depth": (
        'def f(resp):\n    # lead\n    if resp.stop_reason == "max_tokens":  # c1\n'
        "        raise X  # c2\n        # deep\n\n      # mid\n    # outer\n\n"
        "    return 1  # c3\n"
    ),
    "multi-line string ends the body": (
        'def f(resp):\n    if resp.stop_reason == "max_tokens":\n        raise X("""a\nb\n""")\n'
        "    return 1\n"
    ),
    "backslash continuations": (
        'def f(resp):\n    if resp.stop_reason == \\\n            "max_tokens":\n'
        "        raise X(1,\n                2)\n    return 1\n"
    ),
    "form feed": (
        'def f(resp):\n    if resp.stop_reason == "max_tokens":\n        raise X\n'
        "\x0c\n    return 1\n"
    ),
    "lone CR line endings": (
        'def f(resp):\r    if resp.stop_reason == "max_tokens":\r        raise X\r    return 1\r'
    ),
    "CRLF with comments": (
        'def f(resp):\r\n    if resp.stop_reason == "max_tokens":\r\n        raise X\r\n'
        "        # deep\r\n\r\n    # outer\r\n    return 1\r\n"
    ),
    "match cases on one line": (
        'def f(m):\n    match m.stop_reason:\n        case "max_tokens": raise X\n'
        '        case "pause_turn": raise Y\n    return 1\n'
    ),
    "match at the end of the file": (
        'match m.stop_reason:\n    case "max_tokens":\n        raise X\n'
        '    case "pause_turn":\n        raise Y'
    ),
    "comments owned by the match": (
        'def f(m):\n    match m.stop_reason:\n        case "max_tokens":\n            raise X\n'
        "            # deep\n        # case level\n    # fn level\n    return 1\n"
    ),
    "run of ifs with comments between": (
        'def f(c):\n    if c.finish_reason == "length":\n        raise X\n    # between\n'
        '    if c.finish_reason == "tool_calls":\n        return 1\n        # deep\n'
        "    # after\n    return c.message.content\n"
    ),
    "method": (
        'class A:\n    def f(self, resp):\n        if resp.stop_reason == "max_tokens":\n'
        "            raise X\n        return 1\n\n    def g(self):\n        pass\n"
    ),
    "tabs with comments": (
        'def f(resp):\n\tif resp.stop_reason == "max_tokens":\n\t\traise X\n\t\t# deep\n'
        "\t# outer\n\treturn 1\n"
    ),
    "nested blocks end together": (
        "def f(resp):\n    with a:\n        for b in c:\n            try:\n"
        '                if resp.stop_reason == "max_tokens":\n                    raise X\n'
        "                    # d\n            except E:\n                pass\n"
        "            # e\n    return 1\n"
    ),
    "assert with a backslash": (
        'def f(resp):\n    assert resp.stop_reason == "end_turn", \\\n        "msg"\n    return 1\n'
    ),
    "assert with parenthesized test and message": (
        'def f(resp):\n    assert (resp.stop_reason\n            == "end_turn"), ("m"\n'
        '                               "n")  # c\n    return 1\n'
    ),
    "assert message over lines at module level": (
        'assert resp.stop_reason == "end_turn", (\n    "m"\n\n    "n"\n)\n'
    ),
    "assert message with a multi-line string": (
        'def f(resp):\n    assert resp.stop_reason == "end_turn", (\n"m"\n  """x\n    y"""  # c\n'
        "\n        # d\n    )\n    return 1\n"
    ),
    "assert with a walrus": (
        'def f(resp):\n    assert (r := resp.stop_reason) == "end_turn"\n    return r\n'
    ),
    "assert at the end of the file": 'assert resp.stop_reason == "end_turn"',
    "refusal check on one line": (
        "def f(c):\n    m = c.choices[0].message\n"
        "    if m.refusal: return None\n    return m.parsed\n"
    ),
    "line separator inside strings": (
        'def f(resp):\n    s = "a\u2028b"\n    if resp.stop_reason == "max_tokens":\n'
        '        raise X("é\u2028")\n    return 1\n'
    ),
    "non-ASCII before a mistyped value": (
        'def f(réponse):\n    if réponse.stop_reason == "refused": raise X\n'
        '    if réponse.stop_reason == "max_tokens": raise Y\n    return 1\n'
    ),
}


@pytest.fixture(autouse=True)
def strict_plans(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plans, "STRICT", True)


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
@pytest.mark.parametrize("source", list(LAYOUTS.values()), ids=list(LAYOUTS))
def test_layout(source: str, unsafe: bool) -> None:
    result = fix_source(source, "app.py", default_settings(), unsafe=unsafe)
    assert result.error is None, result.error.message
    assert result.count >= 1 or not unsafe
    ast.parse(result.source)
    again = fix_source(result.source, "app.py", default_settings(), unsafe=unsafe)
    assert again.source == result.source


def test_pinned_layouts() -> None:
    def fixed(name: str) -> str:
        return fix_source(LAYOUTS[name], "app.py", default_settings(), unsafe=True).source

    assert fixed("pass; with a comment").endswith(
        '        raise ValueError(f"unhandled stop reason: {resp.stop_reason!r}")  # x\n'
        "    return 2\n"
    )
    assert fixed("end of file without newline").endswith(
        '    elif resp.stop_reason == "refusal":\n'
        "        raise RuntimeError(f\"model refused: {getattr(resp, 'stop_details', None)!r}\")\n"
        "    return 1"
    )
    assert fixed("lone CR line endings").count("\r") == 6 and "\n" not in fixed(
        "lone CR line endings"
    )
    assert fixed("comments owned by the match").replace(" ", "").count("#caselevel") == 1
    assert (
        '        case "refusal":\n' in fixed("comments owned by the match").split("# case level")[0]
    )
    assert fixed("assert message over lines at module level") == (
        'if not resp.stop_reason == "end_turn":\n'
        '    raise AssertionError((\n        "m"\n    \n        "n"\n    ))\n'
    )
