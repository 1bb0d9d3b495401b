"""Where the shipped data (rule docs, provider catalog) lives.

A module of its own so that the cache's engine fingerprint can find the data without
importing the catalog, which a run answered from the cache never needs.
"""

from __future__ import annotations

from importlib import resources
from importlib.abc import Traversable
from pathlib import Path


def data_root() -> Traversable:
    """Where the shipped data lives: the installed package, else the source checkout."""
    try:
        return resources.files("refusal_lint._rules")
    except ModuleNotFoundError:  # plain checkout without an install
        return Path(__file__).resolve().parent.parent / "rules"
