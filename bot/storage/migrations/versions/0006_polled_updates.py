"""updates fetched by long polling and not yet handled (issue 4: polling mode's crash safety)

Revision ID: 0006_polled_updates
Revises: 0005_issue6a
Create Date: 2026-11-28 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0006_polled_updates"
down_revision = "0005_issue6a"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "polled_update",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("received_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("handled_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("restarts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("update_id"),
    )


def downgrade() -> None:
    op.drop_table("polled_update")
