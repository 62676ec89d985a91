"""Huati HTTP API: a thin FastAPI layer over `assistant` (see docs/api.md)."""
