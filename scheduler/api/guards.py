"""ASGI middleware: a body size limit, and an audit row for every API request (batched).

The audit row names the user, role, method, resource and id, and the status answered
(refusals included); never a patient's name or address.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from typing import Any

from sqlalchemy import insert
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


class AuditWriter:
    """Writes audit rows in batches from one background thread, off the request path.

    Requests only queue their row; the thread inserts what has queued in one transaction.
    ``flush`` waits until every queued row is written (shutdown calls it). Rows still queued
    when the process is killed are lost: at most one batch's worth.
    """

    def __init__(self, sessions: sessionmaker[Session], *, batch: int = 500):
        self._sessions = sessions
        self._batch = batch
        self._queue: queue.Queue[dict[str, Any]] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="audit", daemon=True)
        self._thread.start()

    def record(self, entry: dict[str, Any]) -> None:
        """Queue one audit row."""
        self._queue.put(entry)

    def flush(self) -> None:
        """Wait until every row queued so far is written."""
        self._queue.join()

    def _run(self) -> None:
        while True:
            rows = [self._queue.get()]
            while len(rows) < self._batch and not self._queue.empty():
                rows.append(self._queue.get_nowait())
            try:
                with self._sessions() as session, session.begin():
                    session.execute(insert(models.AuditEntry), rows)
            except Exception:
                log.exception("could not write %d audit rows", len(rows))
            finally:
                for _ in rows:
                    self._queue.task_done()


class AuditTrail:
    """Record one ``audit_log`` row per request under ``/v1``, once it is answered."""

    def __init__(self, app: ASGIApp, *, writer: AuditWriter):
        self.app = app
        self.writer = writer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, note the status, then queue its row."""
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
            self.writer.record(_entry(scope, status_code))


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
