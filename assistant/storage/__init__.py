"""Storage: the database engine and the plan store (plans, feedback, revisions, history)."""

from assistant.storage.plans import Store, retarget_timeline

__all__ = ["Store", "retarget_timeline"]
