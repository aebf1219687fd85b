"""Plan events for agency systems' webhooks: queued in the publishing transaction (an outbox).

A delivery row per webhook of the branch's agency is written together with the change it
reports, so an event is never lost nor sent for a change that did not commit; a sender
(``webhook_sender.py``) delivers them, signed and retried.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.store import models
from scheduler.store.models import utc_now


def queue_plan_event(
    session: Session, *, branch_id: str, event: str, payload: dict[str, Any]
) -> int:
    """Queue ``event`` for every webhook of the branch's agency; returns how many."""
    branch = session.get(models.Branch, branch_id)
    if branch is None:
        return 0
    hooks = session.scalars(
        select(models.Webhook).where(models.Webhook.agency_id == branch.agency_id)
    ).all()
    body = {"event": event, "branch_id": branch_id, "at": utc_now().isoformat(), **payload}
    for hook in hooks:
        session.add(
            models.WebhookDelivery(
                id=uuid.uuid4().hex,
                webhook_id=hook.id,
                event=event,
                payload=body,
                status="pending",
                attempts=0,
                next_attempt_at=utc_now(),
            )
        )
    session.flush()
    return len(hooks)
