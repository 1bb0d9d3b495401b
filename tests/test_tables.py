"""Normalization tables (RFL006): the prefilter keeps every file of the book that holds one,
and the table fit judges multi-provider maps per provider."""

from __future__ import annotations

import ast
from pathlib import Path

from refusal_lint.analyzer import Analyzer
from refusal_lint.catalog import load_catalog
from refusal_lint.prefilter import trigger_scan
from refusal_lint.settings import Settings

BOOK = Path(__file__).resolve().parent.parent / "rules" / "lossy-stop-mapping.md"
CATALOG = load_catalog()
SETTINGS = Settings()
REFUSAL_SIGNALS = [s for s in CATALOG.all_signals() if s.refusal]


def _tables(source: str) -> list[tuple[str, ...]]:
    facts = Analyzer(ast.parse(source), CATALOG, SETTINGS).run()
    return [tuple(sorted(v for g in t.judged for v in g.missing)) for t in facts.tables]


def _scanned(source: str) -> bool:
    return bool(trigger_scan(SETTINGS).offsets(source.encode()))


def test_every_firing_case_of_the_book_passes_the_prefilter() -> None:
    text = BOOK.read_text(encoding="utf-8")
    blocks = [b.split("\n```", 1)[0] for b in text.split("```py\n")[1:]]
    firing = [b for b in blocks if "error: [lossy-stop-mapping]" in b]
    assert len(firing) >= 10
    for block in firing:
        assert _scanned(block), block


def test_prefilter_still_skips_unrelated_files() -> None:
    source = 'COLORS = {"red": 1, "green": 2}\n\ndef stop():\n    return "stop"\n'
    assert not _scanned(source)


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
