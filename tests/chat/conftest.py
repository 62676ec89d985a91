"""Chat fixtures (see chat_doubles.py)."""

from chat_doubles import chat_env  # noqa: F401
