"""``Idempotency-Key`` for POSTs with effects: once per key, the same answer every time.

The first request with a key claims it in its own committed transaction; its work and its
answer then commit together. A repeat with the same payload gets the stored answer (waiting
a little while the first is still running, then 409); another payload under the same key
is a 422. A request that fails releases its key, so it may be retried.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from typing import Any

from fastapi import HTTPException, status
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from scheduler.store.database import transaction
from scheduler.store.idempotency import (
    claim_request_key,
    release_request_key,
    request_with_key,
    store_answer,
)

WAIT_SECONDS = 20.0


def payload_hash(payload: Any) -> str:
    """A stable hash of a JSON-ready payload."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def run_once(
    sessions: sessionmaker[Session],
    *,
    user_id: str,
    key: str,
    request_hash: str,
    work: Callable[[Session], dict[str, Any]],
    success_status: int = status.HTTP_200_OK,
) -> dict[str, Any]:
    """Run ``work`` once per (user, key) and return its answer; repeats get the stored one."""
    try:
        with transaction(sessions) as session:
            claim_request_key(session, user_id=user_id, key=key, request_hash=request_hash)
    except IntegrityError:
        return _stored_answer(sessions, user_id, key, request_hash)
    try:
        with transaction(sessions) as session:
            answer = work(session)
            store_answer(
                session, user_id=user_id, key=key, status_code=success_status, response=answer
            )
    except BaseException:
        with transaction(sessions) as session:
            release_request_key(session, user_id=user_id, key=key)
        raise
    return answer


def _stored_answer(
    sessions: sessionmaker[Session], user_id: str, key: str, request_hash: str
) -> dict[str, Any]:
    """The answer stored under the key, once the first request has finished."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        with sessions() as session:
            row = request_with_key(session, user_id=user_id, key=key)
        if row is None:
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                "the first request with this Idempotency-Key failed; retry it",
            )
        if row.request_hash != request_hash:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                "this Idempotency-Key was used with another payload; use a new key",
            )
        if row.response is not None:
            return row.response
        if time.monotonic() > deadline:
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                "a request with this Idempotency-Key is still running; retry later",
            )
        time.sleep(0.1)
