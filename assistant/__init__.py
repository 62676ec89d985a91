"""Huati (话题): drafts low-barrier daily group topics for Chinese community operators."""

__version__ = "0.1.0"
