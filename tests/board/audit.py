"""The board's audit rows as tests read them: what one action left, and nothing secret."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from scheduler.store import models
from tests.board.support import PASSWORD, Demo

# user id, role, method, action, record acted on, status answered
Row = tuple[str | None, str | None, str, str, str | None, int]


def _newest(demo: Demo) -> int:
    with demo.sessions() as session:
        return session.scalar(select(func.max(models.AuditEntry.id))) or 0


def audit_mark(demo: Demo) -> int:
    """The id of the newest audit row once rows of earlier requests are in (0: none).

    Rows are written by a background thread: the mark waits until none came for a moment.
    """
    newest = _newest(demo)
    while True:
        time.sleep(0.15)
        if (now := _newest(demo)) == newest:
            return newest
        newest = now


def _rows(demo: Demo, mark: int) -> list[models.AuditEntry]:
    with demo.sessions() as session:
        return list(
            session.scalars(
                select(models.AuditEntry)
                .where(models.AuditEntry.id > mark)
                .order_by(models.AuditEntry.id)
            )
        )


def audit_since(demo: Demo, mark: int, *, expected: int = 1, timeout: float = 10.0) -> list[Row]:
    """The rows written after ``mark`` once ``expected`` of them are there (written in batches).

    Each is checked to hold no password, CSRF or feed token, patient name or address.
    """
    deadline = time.monotonic() + timeout
    while len(_rows(demo, mark)) < expected and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.1)  # a row too many would follow as quickly: look once more
    rows = _rows(demo, mark)
    secrets = [PASSWORD, "hhf_", *(p.name for p in demo.problem.patients)]
    secrets += [p.location.address for p in demo.problem.patients if p.location.address]
    for row in rows:
        text = " ".join(str(value) for value in (row.resource, row.resource_id, row.path))
        assert not [secret for secret in secrets if secret in text], text
    return [
        (row.user_id, row.role, row.method, row.resource, row.resource_id, row.status_code)
        for row in rows
    ]
