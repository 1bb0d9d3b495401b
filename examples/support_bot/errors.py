"""Exceptions the rest of the support bot raises when a model call cannot be used."""

from __future__ import annotations


class ModelError(Exception):
    """A model call returned something the bot must not use as an answer."""


class ModelRefused(ModelError):
    """The model (or the provider's safety system) declined to answer."""

    def __init__(self, provider: str, detail: object = None) -> None:
        super().__init__(f"{provider} refused: {detail!r}")
        self.provider = provider
        self.detail = detail


class ModelTruncated(ModelError):
    """The answer was cut off by a token limit."""
