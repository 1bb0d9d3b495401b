"""A small customer-support assistant that calls four LLM providers, and more
through LiteLLM when the primary one is unavailable.

It is the demo project for refusal-lint: some functions handle a model refusal
properly, others contain the mistakes the linter exists to catch.
"""
