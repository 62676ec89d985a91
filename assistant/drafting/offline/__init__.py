"""The offline engine: pattern library, hooks, memory and rule-based revision."""
