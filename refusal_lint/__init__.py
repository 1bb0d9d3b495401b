"""refusal-lint: find code that silently treats an LLM refusal as an answer."""

__version__ = "0.1.0"
