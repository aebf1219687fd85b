"""Agency systems' webhooks and their deliveries: counting, listing and removing them."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from scheduler.store import models
from scheduler.store.records import list_records


def count_webhooks(session: Session, *, agency_id: str) -> int:
    """How many webhooks agency ``agency_id`` has."""
    count = session.scalar(
        select(func.count())
        .select_from(models.Webhook)
        .where(models.Webhook.agency_id == agency_id)
    )
    return count or 0


def list_webhooks(
    session: Session,
    *,
    agency_id: str | None,
    every_agency: bool = False,
    offset: int,
    limit: int,
) -> tuple[list[models.Webhook], int]:
    """One page of webhooks, oldest first, and how many there are.

    Parameters
    ----------
    agency_id
        Only this agency's webhooks (``None``: an agency's that has none, so none).
    every_agency
        Every agency's webhooks instead (``agency_id`` is then ignored).
    """
    where = [] if every_agency else [models.Webhook.agency_id == agency_id]
    return list_records(
        session,
        models.Webhook,
        where=where,
        order_by=[models.Webhook.created_at],
        offset=offset,
        limit=limit,
    )


def delete_webhook(session: Session, *, webhook: models.Webhook) -> None:
    """Delete ``webhook`` and its deliveries, sent or not."""
    session.execute(
        delete(models.WebhookDelivery).where(models.WebhookDelivery.webhook_id == webhook.id)
    )
    session.delete(webhook)


def list_deliveries(
    session: Session, *, webhook_id: str, status: str | None, offset: int, limit: int
) -> tuple[list[models.WebhookDelivery], int]:
    """One page of a webhook's deliveries, newest first, and how many there are.

    Parameters
    ----------
    status
        Only deliveries in this status (pending, delivered, failed); ``None``: all.
    """
    delivery = models.WebhookDelivery
    where = [delivery.webhook_id == webhook_id]
    if status is not None:
        where.append(delivery.status == status)
    return list_records(
        session,
        delivery,
        where=where,
        order_by=[delivery.created_at.desc()],
        offset=offset,
        limit=limit,
    )
