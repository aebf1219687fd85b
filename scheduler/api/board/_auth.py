"""Who is signed in to the board: the session cookie, CSRF checks, and the board's rules.

The cookie is HttpOnly, SameSite=Strict (Secure over https) and names a stored web session;
the session works until it expires, is ended by signing out, or its user is disabled. Every
change is a form POST carrying the session's CSRF token, from the app's own origin.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Form, HTTPException, Request, status

from scheduler.api.access import Principal
from scheduler.api.deps import SessionDep
from scheduler.store import models
from scheduler.store.models import Role, utc_now
from scheduler.store.web_sessions import working_web_session

COOKIE = "board_session"
SIGN_IN = "/board/sign-in"


class SignInRequiredError(Exception):
    """The request has no working session: the browser is sent to sign in."""


@dataclass(frozen=True)
class BoardUser:
    """The signed-in person: who they are (as the API's principal), their name, CSRF token."""

    principal: Principal
    name: str
    csrf_token: str


def signed_in(request: Request, session: SessionDep) -> BoardUser:
    """The person whose session cookie works (otherwise :class:`SignInRequiredError`)."""
    cookie = request.cookies.get(COOKIE)
    found = working_web_session(session, cookie=cookie, now=utc_now()) if cookie else None
    if found is None:
        raise SignInRequiredError
    row, user = found
    principal = principal_of(user)
    request.state.principal = principal
    return BoardUser(principal, user.name, row.csrf_token)


def principal_of(user: models.User) -> Principal:
    """``user`` as the API's principal (who, role and reach)."""
    return Principal(user.id, Role(user.role), user.agency_id, user.branch_id, user.clinician_id)


def check_origin(request: Request) -> None:
    """Refuse (403) a form posted from another site than the app's own.

    Browsers say where a request comes from in ``Sec-Fetch-Site``; with the pages' referrer
    policy (no referrer) their ``Origin`` is ``null``, so it is checked only when it names one.
    """
    site = request.headers.get("sec-fetch-site")
    origin = request.headers.get("origin")
    own = f"{request.url.scheme}://{request.url.netloc}"
    if (site is not None and site not in ("same-origin", "none")) or (
        origin not in (None, "null", own)
    ):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "a form from another site is refused")


def changing(
    request: Request,
    person: Annotated[BoardUser, Depends(signed_in)],
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> BoardUser:
    """The signed-in person making a change, with the session's CSRF token (403 otherwise)."""
    check_origin(request)
    if not secrets.compare_digest(csrf.encode(), person.csrf_token.encode()):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "the form's CSRF token is wrong; reload")
    return person


def staff(person: BoardUser) -> BoardUser:
    """``person`` if an admin or a scheduler (403 otherwise): the board's planning pages."""
    if person.principal.role not in (Role.ADMIN, Role.SCHEDULER):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"a {person.principal.role} may not plan")
    return person


def signed_in_staff(person: Annotated[BoardUser, Depends(signed_in)]) -> BoardUser:
    """The signed-in admin or scheduler."""
    return staff(person)


def changing_staff(person: Annotated[BoardUser, Depends(changing)]) -> BoardUser:
    """The signed-in admin or scheduler making a change."""
    return staff(person)


Person = Annotated[BoardUser, Depends(signed_in)]
Changer = Annotated[BoardUser, Depends(changing)]
Staff = Annotated[BoardUser, Depends(signed_in_staff)]
StaffChanger = Annotated[BoardUser, Depends(changing_staff)]
