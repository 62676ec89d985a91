"""baseline: the schema of release 0.1 (what `metadata.create_all` made before migrations)

Revision ID: 0001_baseline
Revises:
Create Date: 2026-12-04

Frozen on purpose: the tables of `assistant.storage.migrations.release_0_1`; later changes are new revisions.
"""

from __future__ import annotations

from alembic import op

from assistant.storage.migrations import release_0_1

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    release_0_1.metadata.create_all(op.get_bind())


def downgrade() -> None:
    release_0_1.metadata.drop_all(op.get_bind())
