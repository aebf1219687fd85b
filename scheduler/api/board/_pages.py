"""Rendering the board's pages: Jinja2 templates (autoescaped), never cached."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from scheduler.api.board._auth import BoardUser

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
TEMPLATES = Jinja2Templates(directory=HERE / "templates")
NO_STORE = {"Cache-Control": "no-store"}


def page(
    request: Request,
    template: str,
    *,
    person: BoardUser | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """``template`` rendered for ``person`` (patient data: never stored by the browser)."""
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {"person": person, **context},
        status_code=status_code,
        headers=NO_STORE,
    )


def see_other(url: str) -> RedirectResponse:
    """Send the browser to ``url`` after a change (POST, redirect, GET)."""
    return RedirectResponse(url, status_code=303, headers=NO_STORE)
