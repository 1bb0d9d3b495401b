"""Normalization tables (RFL006): the prefilter never skips a file that holds one, and the
table fit judges multi-provider maps per provider."""

from __future__ import annotations

import ast
from itertools import combinations
from pathlib import Path

import pytest

from refusal_lint.analyzer import Analyzer
from refusal_lint.catalog import Signal, load_catalog
from refusal_lint.engine import mentions_a_signal
from refusal_lint.settings import Settings
from refusal_lint.tables import table_trigger_words

BOOK = Path(__file__).resolve().parent.parent / "rules" / "lossy-stop-mapping.md"
CATALOG = load_catalog()
SETTINGS = Settings()
REFUSAL_SIGNALS = [s for s in CATALOG.all_signals() if s.refusal]


def _tables(source: str) -> list[tuple[str, ...]]:
    facts = Analyzer(ast.parse(source), CATALOG, SETTINGS).run()
    return [tuple(sorted(v for g in t.judged for v in g.missing)) for t in facts.tables]


@pytest.mark.parametrize(
    "signal", REFUSAL_SIGNALS, ids=[f"{s.provider}.{s.name}" for s in REFUSAL_SIGNALS]
)
def test_every_two_keys_of_a_refusal_vocabulary_pass_the_prefilter(signal: Signal) -> None:
    """A table needs two keys of one vocabulary: whichever two they are, the file is read."""
    values = sorted(v for v in signal.values if v != "null")
    for first, second in combinations(values, 2):
        for quote in "\"'":
            source = f"T = {{{quote}{first}{quote}: 1, {quote}{second}{quote}: 2}}\n"
            assert mentions_a_signal(source, CATALOG, SETTINGS), source


def test_every_firing_case_of_the_book_passes_the_prefilter() -> None:
    text = BOOK.read_text(encoding="utf-8")
    blocks = [b.split("\n```", 1)[0] for b in text.split("```py\n")[1:]]
    firing = [b for b in blocks if "error: [lossy-stop-mapping]" in b]
    assert len(firing) >= 10
    for block in firing:
        assert mentions_a_signal(block, CATALOG, SETTINGS), block


def test_prefilter_still_skips_unrelated_files() -> None:
    source = 'COLORS = {"red": 1, "green": 2}\n\ndef stop():\n    return "stop"\n'
    assert not mentions_a_signal(source, CATALOG, SETTINGS)


def test_trigger_words_are_quoted_stop_values() -> None:
    words = table_trigger_words(CATALOG)
    assert '"end_turn"' in words and "'end_turn'" in words
    assert all(w[0] == w[-1] and w[0] in "\"'" for w in words)


def test_multi_provider_map_is_judged_per_provider() -> None:
    source = (
        "M = {'end_turn': 'stop', 'max_tokens': 'length', 'refusal': 'content_filter',\n"
        "     'STOP': 'stop', 'MAX_TOKENS': 'length', 'SAFETY': 'content_filter',\n"
        "     'stop': 'stop', 'length': 'length'}\n"
    )
    (missing,) = _tables(source)
    assert "content_filter" in missing  # the OpenAI keys lack it
    assert "PROHIBITED_CONTENT" in missing  # the Gemini keys lack it
    assert "refusal" not in missing  # the Anthropic keys have it


def test_imported_family_without_refusal_wins() -> None:
    """Reading 7: in an Ollama module, `stop` / `length` keys are Ollama's."""
    table = "T = {'stop': 'done', 'length': 'cut', 'tool_calls': 'tool'}\n"
    assert _tables(table) == [("content_filter",)]
    assert _tables("import ollama\n" + table) == [()]


def test_dicts_of_handlers_or_single_meanings_are_not_tables() -> None:
    assert _tables("H = {'end_turn': on_done, 'max_tokens': on_cut}\n") == []
    assert _tables("P = {'max_tokens': 1, 'max_completion_tokens': 2}\n") == []
