"""ASGI middleware: a body size limit, an audit row per API request (batched), safe answers.

The audit row names the user, role, method, resource and id, and the status answered
(refusals included); never a patient's name or address.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import queue
import threading
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scheduler.store.audit_log import add_audit_entries
from scheduler.store.models import utc_now
from scheduler.store.users import working_user

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
        too_large = False

        async def counting_receive() -> Message:
            nonlocal received, too_large
            if too_large:
                return {"type": "http.disconnect"}
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                too_large = True  # the app sees the client gone; its answer is replaced
                return {"type": "http.disconnect"}
            return message

        async def answering_send(message: Message) -> None:
            if not too_large:
                await send(message)

        try:
            await self.app(scope, counting_receive, answering_send)
        except Exception:
            if not too_large:
                raise
        if too_large:
            await _too_large(send, self.max_bytes)


async def _too_large(send: Send, max_bytes: int) -> None:
    await _answer(send, 413, f"request body is larger than {max_bytes} bytes")


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
                    add_audit_entries(session, entries=rows)
            except Exception:
                log.exception("could not write %d audit rows", len(rows))
            finally:
                for _ in rows:
                    self._queue.task_done()


class StatusNote:
    """An ASGI ``send`` that passes messages on and notes the status answered.

    ``status`` is 500 until a response starts (an app that raised answered nothing).
    """

    def __init__(self, send: Send):
        self.status = 500
        self._send = send

    async def __call__(self, message: Message) -> None:
        """Note the status of a response's start, then send the message on."""
        if message["type"] == "http.response.start":
            self.status = message["status"]
        await self._send(message)


class AuditTrail:
    """Record one ``audit_log`` row per request under ``/v1``, once it is answered.

    The row names the caller the routes authenticated. An answer given before any route did
    (an unknown path 404, a 405, 413, a NUL-URL 422) names the caller of a working token
    too, looked up only then, and only when ``sessions`` is given.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        writer: AuditWriter,
        sessions: sessionmaker[Session] | None = None,
    ):
        self.app = app
        self.writer = writer
        self.sessions = sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, note the status, then queue its row."""
        if scope["type"] != "http" or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        answer = StatusNote(send)
        try:
            await self.app(scope, receive, answer)
        finally:
            entry = _entry(scope, answer.status)
            token = _token(scope)
            if entry["user_id"] is None and answer.status in _BEFORE_ROUTES and token:
                try:
                    caller = await run_in_threadpool(self._caller, token)
                except Exception:
                    log.exception("could not name the caller of an audited answer")
                    caller = None
                if caller is not None:
                    entry["user_id"], entry["role"] = caller
            self.writer.record(entry)

    def _caller(self, token: str) -> tuple[str, str] | None:
        """The id and role of the user whose ``token`` works, or ``None``."""
        if self.sessions is None:
            return None
        with self.sessions() as session:
            user = working_user(session, token=token, now=utc_now())
            return None if user is None else (user.id, user.role)


# Answers the app may give before a route authenticates the caller.
_BEFORE_ROUTES = frozenset({404, 405, 413, 422})


def _token(scope: Scope) -> str | None:
    """The token of a request's ``Authorization`` header (Bearer, or a Basic password)."""
    header = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        return value.strip() or None
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("latin-1")
        except (ValueError, binascii.Error):
            return None
        return decoded.partition(":")[2] or None
    return None


def _storable(text: str) -> str:
    """``text`` as any database keeps it: NUL and lone surrogates spelled as escapes."""
    return text.replace("\x00", "%00").encode("utf-8", "backslashreplace").decode("utf-8")


def _entry(scope: Scope, status_code: int) -> dict[str, Any]:
    principal = scope.get("state", {}).get("principal")
    parts = scope["path"].split("/")
    params = scope.get("path_params") or {}
    resource_id = next(iter(params.values()), None) if params else None
    return {
        "user_id": getattr(principal, "user_id", None),
        "role": getattr(principal, "role", None),
        "method": scope["method"][:8],
        "resource": _storable(parts[2] if len(parts) > 2 else "")[:40],
        "resource_id": None if resource_id is None else _storable(str(resource_id))[:100],
        "path": _storable(scope["path"])[:300],
        "status_code": status_code,
    }


# Pages carry patient data: nothing cached, nothing framed, no script but our own files.
PAGE_POLICY = (
    "default-src 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
_OWN_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]
_DOCS = ("/docs", "/redoc")  # FastAPI's own documentation pages keep their inline set-up


class SecureAnswers:
    """Security headers on every answer, and 422 for a URL holding a NUL character.

    Every ``/v1`` answer may hold patient data: ``Cache-Control: no-store``. HTML answers get a
    Content-Security-Policy without inline script and ``frame-ancestors 'none'``.
    """

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse NUL in the path or query, then add the headers as the answer starts."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"").lower()
        if "\x00" in scope["path"] or b"%00" in query or b"\x00" in query:
            await _answer(send, 422, "the URL may not contain a NUL character (%00)")
            return
        path = scope["path"]

        async def secured_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if name.lower() != b"cache-control" or not path.startswith("/v1/")
                ]
                headers += _OWN_HEADERS
                if path.startswith("/v1/"):
                    headers.append((b"cache-control", b"no-store"))
                content_type = dict(headers).get(b"content-type", b"")
                if content_type.startswith(b"text/html") and not path.startswith(_DOCS):
                    headers.append((b"content-security-policy", PAGE_POLICY.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, secured_send)


async def _answer(send: Send, status_code: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status_code,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})
