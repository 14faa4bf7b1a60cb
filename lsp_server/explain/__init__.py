"""Explanations from the chat model: hover (and, next, code actions)."""
