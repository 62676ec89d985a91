"""web sessions: the web page's server-side browser sessions (revoked on logout and with their key)

Revision ID: 0003_web_sessions
Revises: 0002_job_items
Create Date: 2026-12-05

A database made before migrations by a build that already had web sessions (`metadata.create_all`, adopted at
the baseline) has the table and its rows: they are kept as they are.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_web_sessions"
down_revision = "0002_job_items"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if "web_sessions" in sa.inspect(op.get_bind()).get_table_names():
        return
    op.create_table(
        "web_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("last_seen", sa.Float(), nullable=False),
        sa.Column("user_agent", sa.String(length=200), nullable=False),
        sa.Column("revoked_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index("ix_web_sessions_key_id", "web_sessions", ["key_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_web_sessions_key_id", table_name="web_sessions")
    op.drop_table("web_sessions")
