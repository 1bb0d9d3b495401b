"""The prefilter and the partial parse: soundness against the full engine, and the block
selection's details.

Soundness: the full engine (every file parsed whole, every statement walked) and the fast
path (`refusal_lint.api`: trigger scan, block selection, partial parse) must report the same
findings on every case-book example, every shipped example and the tricky modules below.
The only differences allowed are the two scope limits the case books document.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from test_case_books import CASES

from refusal_lint import registry
from refusal_lint.checks import ALL_RULES
from refusal_lint.prefilter import blank_dropped, prune, select_blocks, trigger_scan
from refusal_lint.settings import default_settings

ROOT = Path(__file__).resolve().parent.parent


def _load_soundness() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "bench_soundness", ROOT / "bench" / "soundness.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


SOUNDNESS = _load_soundness()
SETTINGS = SOUNDNESS.all_rules_settings()
# Documented scope limits (each is a quiet case in its book saying why).
KNOWN_LIMITS = {
    "unknown-stop-value:a-mistyped-key-in-a-function-that-names-no-signal:1",
    "unknown-stop-value:a-mistyped-key-in-a-function-that-names-no-signal:2",
    "lossy-stop-mapping:a-table-in-a-module-that-never-names-a-signal-or-an-sdk:1",
}

TRICKY = {
    "client_in_init": '''
from openai import OpenAI


class Bot:
    """A bot.

def looks_like_a_def_but_is_text():
    """

    def __init__(self):
        self.client = OpenAI()

    @property
    def name(self):
        return "bot"

    def ask(self, prompt):
        response = self.client.responses.create(model="gpt-4.1", input=prompt)
        return response.output_text

    def unrelated(self):
        return 1
''',
    "nested_sdk_import": """
def helper(x):
    from mistralai.extra import response_format_from_pydantic_model
    return response_format_from_pydantic_model(x)


def check(response):
    finish_reason = response.choices[0].finish_reason
    if finish_reason == "length":
        raise RuntimeError("truncated")
    return response.choices[0].message.content
""",
    "module_client_after_defs": """
import anthropic


def first():
    return 1


client = anthropic.Anthropic()
DONE = ("end_turn", "stop_sequence")


@decorator(
    option=True,
)
def summarize(text):
    message = client.messages.create(model="claude-sonnet-4-5", max_tokens=100, messages=[])
    if message.stop_reason in DONE:
        return message.content[0].text
    return ""
""",
    "compound_top_level": """
try:
    import anthropic
except ImportError:
    anthropic = None
else:
    pass
finally:
    pass

if anthropic is not None:
    client = anthropic.Anthropic()


def go(prompt):
    resp = client.messages.create(model="m", max_tokens=10, messages=[prompt])
    return resp.content[0].text
""",
    "router_lookalike": """
from fastapi import APIRouter

router = APIRouter()


@router.get("/")
def index(resp):
    if resp.stop_reason == "max_tokens":
        raise RuntimeError("cut")
    return resp.content[0].text
""",
    "enum_defined_late": """
from enum import Enum


def route(message):
    if message.stop_reason == Stop.END:
        return message.content[0].text
    if message.stop_reason == Stop.MAX:
        raise RuntimeError("truncated")
    return None


class Stop(str, Enum):
    END = "end_turn"
    MAX = "max_tokens"
""",
    # Tables need no trigger word; found by the long fuzz profile (a module table read in
    # a function that names no signal was dropped with that function).
    "tables_without_a_trigger": """
STOP_MAP = {"function_call": "stop", "content_filter": "stop"}


def route(resp):
    if resp.stop_reason == "refusal":
        raise RuntimeError("refused")


def mapped(resp):
    return STOP_MAP.get(resp.outcome, "stop")


def local(x):
    table = {'end_turn': "done", 'max_tokens' : "cut"}
    return table.get(x, "done")
""",
}


def _sources() -> list[tuple[str, str, str]]:
    found = [(c.id, c.source, c.filename) for c in CASES if not c.raw_bytes]
    found += [
        (str(p.relative_to(ROOT)), p.read_text("utf-8"), str(p))
        for p in ROOT.glob("examples/**/*.py")
    ]
    found += [(name, source, f"{name}.py") for name, source in TRICKY.items()]
    return found


def test_fast_path_finds_what_the_full_engine_finds() -> None:
    differences: dict[str, tuple[set[object], set[object]]] = {}
    sources = _sources()
    assert len(sources) > 450
    for name, source, filename in sources:
        missed, extra = SOUNDNESS.compare(source, filename, SETTINGS)
        if missed or extra:
            differences[name] = (missed, extra)
    assert set(differences) == KNOWN_LIMITS, differences


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_tricky_modules_hold_findings(name: str) -> None:
    """The tricky modules are worth comparing: most of them hold a finding."""
    full = SOUNDNESS.reference(TRICKY[name], f"{name}.py", SETTINGS)
    assert full is not None
    # Quiet on purpose: the nested Mistral import makes `length` Mistral's (no refusal);
    # losing it would make the dispatch an OpenAI one and fire RFL001.
    quiet = {"nested_sdk_import"}
    assert bool(full) is (name not in quiet), (name, full)


def test_dropped_blocks_keep_every_line_and_column() -> None:
    source = TRICKY["module_client_after_defs"].encode()
    scan = trigger_scan(default_settings())
    blocks = select_blocks(source, scan.offsets(source))
    assert not blocks.everything_kept
    partial = blank_dropped(source, blocks)
    assert partial.count(b"\n") == source.count(b"\n")
    assert b"def first" not in partial and b"def summarize" in partial
    kept = [line for line in partial.splitlines() if line]
    assert all(line in source.splitlines() for line in kept)


def test_pruned_tree_has_the_statements_of_the_partial_parse() -> None:
    compared = 0
    for name, text in TRICKY.items():
        source = text.encode()
        blocks = select_blocks(source, trigger_scan(default_settings()).offsets(source))
        pruned = prune(ast.parse(source), blocks)
        try:
            partial = ast.parse(blank_dropped(source, blocks))
        except SyntaxError:  # a cut inside a string: the engine falls back to `pruned`
            assert name == "client_in_init"
            continue
        assert _shape(pruned) == _shape(partial), name
        compared += 1
    assert compared == len(TRICKY) - 1


def _shape(tree: ast.Module) -> list[tuple[int, list[int]]]:
    """Top-level statements and class members by line (dropped members become `pass`)."""
    shape = []
    for stmt in tree.body:
        members = (
            [m.lineno for m in stmt.body if not isinstance(m, ast.Pass)]
            if isinstance(stmt, ast.ClassDef)
            else []
        )
        shape.append((stmt.lineno, members))
    return shape


def test_a_bound_name_counts_only_as_a_whole_name() -> None:
    source = (
        b"from openai import OpenAI\n"
        b"client = OpenAI()\n"
        b"def near_names():\n"
        b"    return http_client.get(clients)\n"
        b"def uses_it():\n"
        b"    return client.models.list()\n"
        b"def attribute():\n"
        b"    return self.client\n"
    )
    blocks = select_blocks(source, trigger_scan(default_settings()).offsets(source))
    partial = blank_dropped(source, blocks)
    assert b"near_names" not in partial
    assert b"def uses_it" in partial and b"def attribute" in partial


def test_a_file_without_a_trigger_has_no_offsets() -> None:
    scan = trigger_scan(default_settings())
    assert scan.offsets(b"def stop(reason):\n    return reason\n") == []
    assert scan.offsets(b"x = resp.stop_reason\n") == [9]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        (b"router = APIRouter()\n", False),
        (b"router = litellm.Router(model_list=[])\n", True),
        (b"r = Router(model_list=[])\n", True),
        (b"client = AzureOpenAI()\n", True),
        (b"client = MyOpenAI()\n", False),
        (b"c = boto3.client('bedrock-runtime')\n", True),
        (b"c = httpx.Client()\n", False),
    ],
)
def test_call_words_match_whole_names(text: bytes, found: bool) -> None:
    assert bool(trigger_scan(default_settings()).offsets(text)) is found


def test_rule_index_matches_the_rule_classes() -> None:
    assert tuple((r.code, r.name, r.default_enabled) for r in ALL_RULES) == registry.RULE_INDEX
