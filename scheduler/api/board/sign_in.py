"""Signing in and out of the board, and where a signed-in person starts."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from scheduler.api.board._audit import audit_as
from scheduler.api.board._auth import (
    COOKIE,
    SIGN_IN,
    Changer,
    Person,
    check_origin,
    principal_of,
)
from scheduler.api.board._pages import page, see_other
from scheduler.api.deps import SessionDep, SettingsDep
from scheduler.store.models import Role
from scheduler.store.web_sessions import (
    end_web_session,
    login_user_id,
    start_web_session,
    user_by_password,
)

router = APIRouter(prefix="/board", include_in_schema=False)


@router.get(SIGN_IN.removeprefix("/board"), response_class=HTMLResponse)
def sign_in_form(request: Request) -> HTMLResponse:
    """The sign-in form."""
    return page(request, "sign_in.html", person=None, failed=False)


@router.post(SIGN_IN.removeprefix("/board"), name="sign-in", response_class=HTMLResponse)
def sign_in(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    login: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=500)],
) -> Response:
    """Check the name and password; start a session (a cookie) or say they are wrong.

    Wrong ones count against the address as wrong API tokens do (429 when too many). The
    audit row names the user signed in, or (refused) the user whose login was given.
    """
    check_origin(request)
    user = user_by_password(session, login=login, password=password)
    if user is None or user.disabled_at is not None:
        audit_as(request, "sign-in", login_user_id(session, login=login))
        address = request.client.host if request.client else "unknown"
        wait = request.app.state.auth_throttle.fail(address)
        if wait is not None:
            raise HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS,
                f"too many wrong sign-ins from this address; retry in {wait} seconds",
                headers={"Retry-After": str(wait)},
            )
        return page(request, "sign_in.html", person=None, failed=True, status_code=401)
    request.state.principal = principal_of(user)
    audit_as(request, "sign-in", user.id)
    if request.cookies.get(COOKIE):
        end_web_session(session, cookie=request.cookies[COOKIE])  # one session per browser
    lifetime = timedelta(hours=settings.board_session_hours)
    started = start_web_session(session, user_id=user.id, lifetime=lifetime)
    answer = see_other("/board")
    answer.set_cookie(
        COOKIE,
        started.cookie,
        max_age=int(lifetime.total_seconds()),
        path="/board",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )
    return answer


@router.post("/sign-out", name="sign-out")
def sign_out(request: Request, session: SessionDep, person: Changer) -> RedirectResponse:
    """End the session and forget its cookie."""
    audit_as(request, "sign-out", person.principal.user_id)
    end_web_session(session, cookie=request.cookies[COOKIE])
    answer = see_other(SIGN_IN)
    answer.delete_cookie(COOKIE, path="/board", httponly=True, samesite="strict")
    return answer


@router.get("", response_class=HTMLResponse)
def start(request: Request, person: Person) -> Response:
    """A clinician's own day, a scheduler's branch week; an admin names a branch."""
    principal = person.principal
    if principal.role == Role.CLINICIAN:
        return see_other("/board/my-day")
    if principal.role == Role.SCHEDULER and principal.branch_id:
        return see_other(f"/board/branches/{principal.branch_id}/week")
    return page(request, "start.html", person=person)
