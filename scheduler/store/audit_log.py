"""The audit log: one row per API request, written in batches."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from scheduler.store import models


def add_audit_entries(session: Session, *, entries: Sequence[dict[str, Any]]) -> None:
    """Insert ``entries`` (column values of ``audit_log`` rows) in one statement."""
    session.execute(insert(models.AuditEntry), list(entries))
