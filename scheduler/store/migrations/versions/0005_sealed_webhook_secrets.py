"""Webhook secrets sealed at rest: the column renamed and widened for Fernet tokens.

Revision ID: 0005
Revises: 0004

The secrets themselves are sealed when the service starts (``seal_stored_secrets``): the key
is a setting, which a migration does not see. Until then a row holds its clear-text secret.
On SQLite the new column is added and filled, and the old one dropped, in place (SQLite
3.35 or later): rebuilding the table, as a type change there does, would delete the
webhooks' deliveries through their foreign key.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    if op.get_bind().dialect.name == "sqlite":
        _move_in_place("secret", "sealed_secret", sa.String(length=500))
    else:
        op.alter_column("webhooks", "secret", new_column_name="sealed_secret")
        op.alter_column(
            "webhooks",
            "sealed_secret",
            type_=sa.String(length=500),
            existing_type=sa.String(length=100),
            existing_nullable=False,
        )


def downgrade() -> None:
    """Revert this revision (sealed secrets stay sealed: open them first to go back)."""
    if op.get_bind().dialect.name == "sqlite":
        _move_in_place("sealed_secret", "secret", sa.String(length=100))
        return
    op.alter_column(
        "webhooks",
        "sealed_secret",
        type_=sa.String(length=100),
        existing_type=sa.String(length=500),
        existing_nullable=False,
    )
    op.alter_column("webhooks", "sealed_secret", new_column_name="secret")


def _move_in_place(old: str, new: str, type_: sa.String) -> None:
    """SQLite: add column ``new``, copy ``old`` into it, drop ``old``; no table rebuilt."""
    op.add_column("webhooks", sa.Column(new, type_, nullable=False, server_default=sa.text("''")))
    op.execute(f"UPDATE webhooks SET {new} = {old}")
    op.drop_column("webhooks", old)
