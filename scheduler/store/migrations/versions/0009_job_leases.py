"""Job leases: who runs a planning job until when, renewed by a heartbeat.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision: a lease row for each job, jobs left unfinished queued again."""
    op.create_table(
        "job_leases",
        sa.Column("job_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("queue", sa.String(length=20), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["planning_jobs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("job_id"),
    )
    op.create_index("ix_job_leases_lease_until", "job_leases", ["lease_until"], unique=False)
    op.execute(
        "INSERT INTO job_leases (job_id, kind, queue, attempts, sent_at) "
        "SELECT id, 'plan', 'planning', 0, created_at FROM planning_jobs"
    )


def downgrade() -> None:
    """Revert this revision.

    On SQLite DDL is not undone when a later step of the same downgrade is refused, so a
    second attempt finds the table gone already.
    """
    if sa.inspect(op.get_bind()).has_table("job_leases"):
        op.drop_index("ix_job_leases_lease_until", table_name="job_leases")
        op.drop_table("job_leases")
