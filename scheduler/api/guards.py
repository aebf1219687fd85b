"""ASGI middleware: a body size limit, and an audit row for every API request.

The audit row names the user, role, method, resource and id, and the status answered
(refusals included); never a patient's name or address.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import anyio
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scheduler.store import models

log = logging.getLogger("scheduler")


class BodyLimit:
    """Answer 413 to a request whose body is larger than ``max_bytes``, before reading it."""

    def __init__(self, app: ASGIApp, *, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the declared length, then count what actually arrives."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await _too_large(send, self.max_bytes)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise _BodyTooLargeError
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _BodyTooLargeError:
            if not started:
                await _too_large(send, self.max_bytes)


class _BodyTooLargeError(Exception):
    """A streamed body went past the limit."""


async def _too_large(send: Send, max_bytes: int) -> None:
    body = json.dumps({"detail": f"request body is larger than {max_bytes} bytes"}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})


class AuditTrail:
    """Write one ``audit_log`` row per request under ``/v1``, after it is answered."""

    def __init__(self, app: ASGIApp, *, sessions: sessionmaker[Session]):
        self.app = app
        self.sessions = sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, note the status, then record it."""
        if scope["type"] != "http" or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        status_code = 500

        async def noting_send(message: Message) -> None:
            nonlocal status_code
            if message["type"] == "http.response.start":
                status_code = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting_send)
        finally:
            entry = _entry(scope, status_code)
            await anyio.to_thread.run_sync(self._write, entry)

    def _write(self, entry: dict[str, Any]) -> None:
        try:
            with self.sessions() as session, session.begin():
                session.add(models.AuditEntry(**entry))
        except Exception:
            log.exception("could not write the audit row of %s %s", entry["method"], entry["path"])


def _entry(scope: Scope, status_code: int) -> dict[str, Any]:
    principal = scope.get("state", {}).get("principal")
    parts = scope["path"].split("/")
    params = scope.get("path_params") or {}
    resource_id = next(iter(params.values()), None) if params else None
    return {
        "user_id": getattr(principal, "user_id", None),
        "role": getattr(principal, "role", None),
        "method": scope["method"][:8],
        "resource": (parts[2] if len(parts) > 2 else "")[:40],
        "resource_id": None if resource_id is None else str(resource_id)[:100],
        "path": scope["path"][:300],
        "status_code": status_code,
    }
