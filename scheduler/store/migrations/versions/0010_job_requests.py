"""Job requests: what an interactive job (a reschedule, insertion options) asks, its answer.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision: a request row beside each interactive job."""
    op.create_table(
        "job_requests",
        sa.Column("job_id", sa.String(length=64), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["job_id"], ["planning_jobs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("job_id"),
    )


def downgrade() -> None:
    """Revert this revision (a second attempt on SQLite finds the table gone already)."""
    if sa.inspect(op.get_bind()).has_table("job_requests"):
        op.drop_table("job_requests")
