"""Care plans record a return home from an inpatient stay (the resumption of care is due).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.add_column("care_plans", sa.Column("resumed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Revert this revision.

    On SQLite the column is dropped in place (SQLite 3.35 or later): rebuilding the table
    would break the visits' foreign keys to it. There DDL is not undone when a later step of
    the same downgrade is refused, so a second attempt finds the column gone already.
    """
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        columns = {column["name"] for column in sa.inspect(bind).get_columns("care_plans")}
        if "resumed_at" in columns:
            op.execute("ALTER TABLE care_plans DROP COLUMN resumed_at")
    else:
        op.drop_column("care_plans", "resumed_at")
