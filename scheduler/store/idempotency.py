"""Idempotency keys: one row per (user, key) holding the payload's hash and, once done, the answer.

A key is claimed by inserting its row (the primary key lets one request win); the answer is
stored in the transaction that does the work, and a request that fails releases its key.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from scheduler.store import models


def claim_request_key(session: Session, *, user_id: str, key: str, request_hash: str) -> None:
    """Add the row of ``key`` for ``user_id``, without an answer yet.

    The insert happens when the caller's transaction flushes or commits; a key already held
    then raises :class:`sqlalchemy.exc.IntegrityError`.
    """
    session.add(models.IdempotentRequest(user_id=user_id, key=key, request_hash=request_hash))


def store_answer(
    session: Session, *, user_id: str, key: str, status_code: int, response: dict[str, Any]
) -> None:
    """Keep ``response`` (answered with ``status_code``) as the answer under ``key``."""
    request = models.IdempotentRequest
    session.execute(
        update(request)
        .where(request.user_id == user_id, request.key == key)
        .values(status_code=status_code, response=response)
    )


def release_request_key(session: Session, *, user_id: str, key: str) -> None:
    """Delete the row of ``key`` so a request with it may be made again."""
    request = models.IdempotentRequest
    session.execute(delete(request).where(request.user_id == user_id, request.key == key))


def request_with_key(
    session: Session, *, user_id: str, key: str
) -> models.IdempotentRequest | None:
    """The row of ``key`` for ``user_id``, or ``None`` (never made, or released)."""
    return session.get(models.IdempotentRequest, (user_id, key))
