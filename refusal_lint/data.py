"""Where the shipped data (rule docs, provider catalog) lives.

A module of its own so that the cache's engine fingerprint can find the data without
importing the catalog, which a run answered from the cache never needs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.abc import Traversable


def data_root() -> Traversable:
    """Where the shipped data lives: the installed package, else the source checkout."""
    installed = Path(__file__).resolve().parent / "_rules"
    if installed.is_dir():  # a regular install: no need to import importlib.resources
        return installed
    from importlib import resources

    try:
        return resources.files("refusal_lint._rules")  # an editable or zipped install
    except ModuleNotFoundError:  # plain checkout without an install
        return Path(__file__).resolve().parent.parent / "rules"
