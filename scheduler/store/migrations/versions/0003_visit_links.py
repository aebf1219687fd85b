"""Linked visits: two visits of one patient made together or one after the other.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "visit_links",
        sa.Column("second_visit_id", sa.String(length=100), nullable=False),
        sa.Column("first_visit_id", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("min_gap_seconds", sa.Integer(), nullable=False),
        sa.Column("max_gap_seconds", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["first_visit_id"], ["visits.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["second_visit_id"], ["visits.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("second_visit_id"),
        sa.UniqueConstraint("first_visit_id"),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("visit_links")
