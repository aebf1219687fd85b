"""The scheduler's board: server-rendered pages (Jinja2) with a little same-origin JavaScript.

Sign-in with a password starts a cookie session (see ``_auth.py``); the pages reach what the
API lets the same user reach. Static files (``static/``) are the only scripts: no inline
script, no other host.
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from scheduler.api.board import calendar_feed, call_out, my_day, planning, sign_in, week
from scheduler.api.board._audit import BoardAudit
from scheduler.api.board._auth import SIGN_IN, SignInRequiredError
from scheduler.api.board._pages import NO_STORE, STATIC


def install_board(app: FastAPI) -> None:
    """Serve the board's pages under ``/board``, its static files and the vendored Leaflet.

    Each change made from the board is audited as an API request is.
    """
    for module in (sign_in, week, my_day, planning, call_out, calendar_feed):
        app.include_router(module.router)
    app.mount("/board/static", StaticFiles(directory=STATIC), name="board-static")
    leaflet = files("scheduler.render") / "_leaflet"  # vendored Leaflet, with its licence
    app.mount("/board/leaflet", StaticFiles(directory=str(leaflet)), name="board-leaflet")

    async def sign_in_first(request: Request, error: Exception) -> RedirectResponse:
        return RedirectResponse(SIGN_IN, status_code=303, headers=NO_STORE)

    app.add_exception_handler(SignInRequiredError, sign_in_first)
    app.add_middleware(BoardAudit)  # a row per change, in the API's audit log
