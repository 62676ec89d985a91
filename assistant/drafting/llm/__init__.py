"""The LLM drafting chain (LCEL)."""
