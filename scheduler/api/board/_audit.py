"""The board's audit trail: one ``audit_log`` row per change made from the board.

Every form posted to the board (signing in or out, assigning, moving, planning, publishing,
a call-out, a visit reported, a feed reset) and every read of a calendar feed leaves a row
as an API request does, through the same writer: who (the signed-in user; for a sign-in, the
user who signed in), the action, the record acted on, the path and the status answered
(refusals included). Never a password, a form's values or a feed's address.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from scheduler.api.guards import StatusNote, _storable

FEED_ROUTE = "calendar-feed"
_NOTE = "board_audit"


def audit_as(request: Request, action: str, record_id: str | None) -> None:
    """Name the action a board request makes and the record it acts on, for its audit row."""
    setattr(request.state, _NOTE, (action, record_id))


class BoardAudit:
    """Record an ``audit_log`` row for each board POST and calendar feed read, once answered.

    Rows go to the app's :class:`~scheduler.api.guards.AuditWriter` (``app.state.audit``).
    """

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, note the status, then queue its row."""
        if scope["type"] != "http" or not scope["path"].startswith("/board/"):
            await self.app(scope, receive, send)
            return
        answer = StatusNote(send)
        try:
            await self.app(scope, receive, answer)
        finally:
            route = scope.get("route")
            name = getattr(route, "name", None)
            if scope["method"] == "POST" or name == FEED_ROUTE:
                scope["app"].state.audit.record(_entry(scope, answer.status))


def _entry(scope: Scope, status_code: int) -> dict[str, Any]:
    """The audit row of an answered board request (as ``guards`` writes an API request's)."""
    state = scope.get("state", {})
    principal = state.get("principal")
    route = scope.get("route")
    action, record_id = state.get(_NOTE) or (getattr(route, "name", None) or "board", None)
    path = scope["path"]
    if "token" in (scope.get("path_params") or {}):
        path = route.path  # a feed's address is a secret: its template only
    return {
        "user_id": getattr(principal, "user_id", None),
        "role": getattr(principal, "role", None),
        "method": scope["method"][:8],
        "resource": _storable(action)[:40],
        "resource_id": None if record_id is None else _storable(record_id)[:100],
        "path": _storable(path)[:300],
        "status_code": status_code,
    }
