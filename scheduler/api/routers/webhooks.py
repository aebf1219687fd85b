"""Webhooks of agency systems: register (the secret is shown once), list, remove, deliveries.

Secrets are kept sealed with the ``secret_key`` setting's key; the API shows a secret once,
in the registration's answer, and never again.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response, status
from sqlalchemy.orm import Session

from scheduler.api.access import Principal, allow
from scheduler.api.deps import Limit, Offset, SessionDep, SettingsDep
from scheduler.api.schemas.answers import ErrorMessage, Page
from scheduler.api.schemas.webhooks import (
    WebhookCreate,
    WebhookDeliveryPublic,
    WebhookPublic,
    WebhookWithSecret,
)
from scheduler.errors import SecretKeyError
from scheduler.service.webhook_sender import Resolver, create_webhook, resolve_host
from scheduler.store import models
from scheduler.store import webhooks as stored
from scheduler.store.models import Role
from scheduler.store.secret_box import SecretBox

log = logging.getLogger("scheduler")

MAX_WEBHOOKS_PER_AGENCY = 10

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
Owner = Annotated[Principal, Depends(allow(Role.ADMIN, Role.AGENCY_SYSTEM))]
WebhookId = Annotated[str, Path(max_length=64)]


def host_resolver() -> Resolver:
    """How a new webhook's host name is resolved: the system's resolver."""
    return resolve_host


ResolverDep = Annotated[Resolver, Depends(host_resolver)]


def secret_box(request: Request) -> SecretBox:
    """The box new webhooks' secrets are sealed in (the app's, from the settings)."""
    return request.app.state.secret_box


SecretBoxDep = Annotated[SecretBox, Depends(secret_box)]
NO_KEY = {
    503: {
        "model": ErrorMessage,
        "description": "No key to encrypt the secret with: the service needs its "
        "SCHEDULER_SECRET_KEY setting",
    }
}


def webhook_in_reach(session: Session, principal: Principal, webhook_id: str) -> models.Webhook:
    """The webhook, if the caller is an admin or its agency's system (404 otherwise)."""
    hook = session.get(models.Webhook, webhook_id)
    if hook is not None and (
        principal.role == Role.ADMIN
        or (principal.role == Role.AGENCY_SYSTEM and principal.agency_id == hook.agency_id)
    ):
        return hook
    raise HTTPException(status.HTTP_404_NOT_FOUND, f"no webhook {webhook_id!r}")


def _agency_of_new_webhook(session: Session, principal: Principal, payload: WebhookCreate) -> str:
    """The agency a new webhook belongs to: an admin names it, an agency system's is its own."""
    if principal.role != Role.ADMIN:
        if payload.agency_id not in (None, principal.agency_id):
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no agency {payload.agency_id!r}")
        return str(principal.agency_id)
    if payload.agency_id is None:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "an admin names the webhook's agency_id"
        )
    if session.get(models.Agency, payload.agency_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no agency {payload.agency_id!r}")
    return payload.agency_id


@router.post(
    "",
    response_model=WebhookWithSecret,
    status_code=status.HTTP_201_CREATED,
    summary="Register a webhook",
    responses=NO_KEY,
)
def register_webhook(
    session: SessionDep,
    settings: SettingsDep,
    resolve: ResolverDep,
    box: SecretBoxDep,
    principal: Owner,
    payload: WebhookCreate,
) -> Any:
    """Send the agency's plan events to ``url``; the answer holds the signing secret, once.

    The URL must be https and its host must resolve to public addresses only: a private,
    loopback, link-local or other internal address, a cloud metadata host, or a name that
    does not resolve is refused with 422 saying why. Each delivery checks the host again
    and never follows a redirect.

    Each delivery is a JSON POST with ``X-Scheduler-Event``, ``X-Scheduler-Delivery``,
    ``X-Scheduler-Timestamp`` and ``X-Scheduler-Signature: sha256=<hex>``, the HMAC-SHA256
    with the secret of ``"{timestamp}.{body}"``. Failed deliveries are retried with backoff.

    The secret is stored encrypted and never shown again. A service with no key to encrypt
    it with (PostgreSQL without the ``SCHEDULER_SECRET_KEY`` setting) answers 503 saying so.
    """
    agency_id = _agency_of_new_webhook(session, principal, payload)
    if stored.count_webhooks(session, agency_id=agency_id) >= MAX_WEBHOOKS_PER_AGENCY:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"agency {agency_id!r} has {MAX_WEBHOOKS_PER_AGENCY} webhooks; remove one first",
        )
    try:
        return create_webhook(
            session,
            agency_id=agency_id,
            url=payload.url,
            allow_loopback=settings.webhooks_allow_loopback,
            box=box,
            resolve=resolve,
        )
    except SecretKeyError as error:
        log.error("webhook not registered for agency %s: %s", agency_id, error)
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "webhooks cannot be registered now: the service has no key to encrypt their "
            "secrets with (its operator sets SCHEDULER_SECRET_KEY; the log says more)",
        ) from None


@router.get("", response_model=Page[WebhookPublic], summary="List webhooks")
def list_webhooks(
    session: SessionDep, principal: Owner, offset: Offset = 0, limit: Limit = 100
) -> dict[str, Any]:
    """The webhooks in reach (an agency system's own agency's), oldest first; no secrets."""
    rows, total = stored.list_webhooks(
        session,
        agency_id=principal.agency_id,
        every_agency=principal.role == Role.ADMIN,
        offset=offset,
        limit=limit,
    )
    return {"items": rows, "total": total, "offset": offset, "limit": limit}


@router.delete("/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Remove a webhook")
def remove_webhook(session: SessionDep, principal: Owner, webhook_id: WebhookId) -> Response:
    """Stop sending to the webhook; its deliveries, sent or not, go with it."""
    hook = webhook_in_reach(session, principal, webhook_id)
    stored.delete_webhook(session, webhook=hook)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{webhook_id}/deliveries",
    response_model=Page[WebhookDeliveryPublic],
    summary="A webhook's deliveries",
)
def list_deliveries(
    session: SessionDep,
    principal: Owner,
    webhook_id: WebhookId,
    delivery_status: Annotated[
        Literal["pending", "delivered", "failed"] | None, Query(alias="status")
    ] = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> dict[str, Any]:
    """Events sent or to send, newest first: status, attempts, last answer, next try."""
    hook = webhook_in_reach(session, principal, webhook_id)
    rows, total = stored.list_deliveries(
        session, webhook_id=hook.id, status=delivery_status, offset=offset, limit=limit
    )
    return {"items": rows, "total": total, "offset": offset, "limit": limit}
