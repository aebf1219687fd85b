"""Users' lifecycle: disabled, token expiry and revocation, last use.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

COLUMNS = ("disabled_at", "expires_at", "revoked_at", "last_used_at")


def upgrade() -> None:
    """Apply this revision."""
    for column in COLUMNS:
        op.add_column("users", sa.Column(column, sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("users") as users:
        for column in reversed(COLUMNS):
            users.drop_column(column)
