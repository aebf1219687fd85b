"""Webhook deliveries as their sender sees them: registering a target, claiming, recording.

A delivery is claimed with a conditional UPDATE that moves its ``next_attempt_at`` to the
lease's end, so two senders never hold one delivery at once (on SQLite as on PostgreSQL);
an attempt is recorded only while that lease is still the sender's.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from scheduler.store import models


@dataclass(frozen=True)
class ClaimedDelivery:
    """A delivery held until ``lease_until``, with what sending it needs (body: canonical JSON)."""

    id: str
    webhook_id: str
    event: str
    url: str
    sealed_secret: str
    body: str
    attempts: int
    lease_until: datetime


def add_webhook(
    session: Session, *, agency_id: str, url: str, sealed_secret: str
) -> models.Webhook:
    """Register ``url`` for the agency's plan events with its ``sealed_secret`` (flushed)."""
    hook = models.Webhook(
        id=uuid.uuid4().hex, agency_id=agency_id, url=url, sealed_secret=sealed_secret
    )
    session.add(hook)
    session.flush()
    return hook


def due_delivery_ids(session: Session, *, now: datetime, limit: int) -> list[str]:
    """Ids of up to ``limit`` pending deliveries due at ``now``, the longest due first."""
    delivery = models.WebhookDelivery
    return list(
        session.scalars(
            select(delivery.id)
            .where(delivery.status == "pending", delivery.next_attempt_at <= now)
            .order_by(delivery.next_attempt_at, delivery.id)
            .limit(limit)
        ).all()
    )


def claim_delivery(
    session: Session, *, delivery_id: str, now: datetime, lease_until: datetime
) -> ClaimedDelivery | None:
    """Hold the delivery until ``lease_until`` if it is pending and due at ``now``.

    Returns ``None`` when another sender holds it, it is no longer pending, or it or its
    webhook is gone. The caller's transaction makes the claim.
    """
    table = models.WebhookDelivery
    taken = session.execute(
        update(table)
        .where(table.id == delivery_id, table.status == "pending", table.next_attempt_at <= now)
        .values(next_attempt_at=lease_until)
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        return None
    delivery = session.get(table, delivery_id)
    hook = session.get(models.Webhook, delivery.webhook_id) if delivery else None
    if delivery is None or hook is None:
        return None
    return ClaimedDelivery(
        id=delivery.id,
        webhook_id=hook.id,
        event=delivery.event,
        url=hook.url,
        sealed_secret=hook.sealed_secret,
        body=json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True),
        attempts=delivery.attempts,
        lease_until=lease_until,
    )


def mark_delivered(
    session: Session, *, claimed: ClaimedDelivery, attempts: int, status_code: int, now: datetime
) -> None:
    """Record a delivery answered with a 2xx at ``now``, after ``attempts`` attempts."""
    _record(
        session,
        claimed,
        attempts=attempts,
        last_status_code=status_code,
        status="delivered",
        delivered_at=now,
        last_error=None,
    )


def mark_failed(
    session: Session,
    *,
    claimed: ClaimedDelivery,
    attempts: int,
    status_code: int | None,
    error: str,
) -> None:
    """Record a delivery given up after ``attempts`` attempts, the last one's ``error``."""
    _record(
        session,
        claimed,
        attempts=attempts,
        last_status_code=status_code,
        status="failed",
        last_error=error,
    )


def schedule_retry(
    session: Session,
    *,
    claimed: ClaimedDelivery,
    attempts: int,
    status_code: int | None,
    error: str,
    next_attempt_at: datetime,
) -> None:
    """Record a failed attempt (``status_code``: ``None`` without an answer); retry later."""
    _record(
        session,
        claimed,
        attempts=attempts,
        last_status_code=status_code,
        next_attempt_at=next_attempt_at,
        last_error=error,
    )


def _record(session: Session, claimed: ClaimedDelivery, **values: object) -> None:
    """Write ``values`` onto the delivery, if ``claimed``'s lease still holds it."""
    table = models.WebhookDelivery
    session.execute(
        update(table)
        .where(
            table.id == claimed.id,
            table.status == "pending",
            table.next_attempt_at == claimed.lease_until,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
