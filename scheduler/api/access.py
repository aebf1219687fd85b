"""Who is calling and what they may touch: deny by default, check every id.

Roles (the README's role table states the same, and ``tests/api/test_role_matrix.py`` checks
it against every route): an admin may do everything; a scheduler everything in their branch
but set-up; a clinician only reads their own itineraries and visits and reports them; an agency
system keeps its agency's records in sync (creates, replaces and imports clinicians, patients,
care plans and visits, cancels visits), reads its agency's plans and schedules and asks for
reschedules as dry runs only: it deletes nothing, publishes nothing and manages no users,
agencies or branches. Records outside the caller's reach answer 404, as if they did not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any, NoReturn

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import (
    HTTPAuthorizationCredentials,
    HTTPBasic,
    HTTPBasicCredentials,
    HTTPBearer,
)
from sqlalchemy.orm import Session

from scheduler.api.deps import SessionDep
from scheduler.api.schemas.answers import ErrorMessage
from scheduler.settings import Settings
from scheduler.store import models
from scheduler.store.branches import branch_ids_of_agency
from scheduler.store.database import transaction
from scheduler.store.models import Role, utc_now
from scheduler.store.users import record_use, token_refusal, use_is_unrecorded, user_by_token

_bearer = HTTPBearer(auto_error=False, description="An API token: `Authorization: Bearer hhs_...`")
_basic = HTTPBasic(
    auto_error=False,
    realm="scheduler",
    description="The token as the password (any user name): for browsers and calendar apps.",
)


@dataclass(frozen=True)
class Principal:
    """The authenticated caller."""

    user_id: str
    role: Role
    agency_id: str | None
    branch_id: str | None
    clinician_id: str | None


def _refuse(reason: str) -> NoReturn:
    """Answer 401 with ``reason``, asking for a token."""
    raise HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        reason,
        headers={"WWW-Authenticate": 'Bearer, Basic realm="scheduler"'},
    )


def authenticate(
    request: Request,
    session: SessionDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    basic: Annotated[HTTPBasicCredentials | None, Depends(_basic)],
) -> Principal:
    """The caller named by a working token, as a bearer token or a Basic password (else 401).

    A disabled user's, a revoked or an expired token is refused with the reason; a good call
    notes the user's last use (at most once a minute). A token matching no user counts against
    the client's address: too many answer 429 (see :mod:`scheduler.api.throttle`).
    """
    token = bearer.credentials if bearer else basic.password if basic else None
    user = user_by_token(session, token=token) if token else None
    if user is None:
        if token:
            _count_wrong_token(request)
        _refuse("a valid API token is required: Authorization: Bearer <token>")
    now = utc_now()
    refusal = token_refusal(user, now=now)
    if refusal is not None:
        _refuse(refusal)
    if use_is_unrecorded(user, now=now):
        # In a transaction of its own: the request's session holds no write lock for its length.
        with transaction(request.app.state.sessions) as own:
            record_use(own, user_id=user.id, now=now)
        session.refresh(user)
    principal = Principal(
        user.id, Role(user.role), user.agency_id, user.branch_id, user.clinician_id
    )
    request.state.principal = principal
    return principal


def _count_wrong_token(request: Request) -> None:
    """Count a wrong token against the caller's address; 429 while it is blocked."""
    address = request.client.host if request.client else "unknown"
    wait = request.app.state.auth_throttle.fail(address)
    if wait is not None:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"too many wrong API tokens from this address; retry in {wait} seconds",
            headers={"Retry-After": str(wait)},
        )


def token_lifetime(settings: Settings, role: Role) -> timedelta | None:
    """How long a new token of a ``role`` user lives (``None``: until revoked)."""
    days = settings.token_days_system if role == Role.AGENCY_SYSTEM else settings.token_days_person
    return None if days is None else timedelta(days=days)


def allow(*roles: Role) -> Callable[[Principal], Principal]:
    """A dependency letting only ``roles`` through (403 for any other role).

    The check carries its ``roles``: the app documents 403 on every route whose checks leave
    out a role (see :func:`refused_roles`).
    """

    async def check(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        # async: a check of a value, run on the event loop rather than sent to a thread
        if principal.role not in roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"a {principal.role} may not do this")
        return principal

    check.roles = frozenset(roles)  # type: ignore[attr-defined]
    return check


FORBIDDEN: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorMessage, "description": "The caller's role may not do this"}
}


def refused_roles(dependant: Any) -> set[Role]:
    """The roles some ``allow`` check in a route's dependency tree turns away (403)."""
    refused: set[Role] = set()
    for sub in dependant.dependencies:
        roles = getattr(sub.call, "roles", None)
        if roles is not None:
            refused |= set(Role) - roles
        refused |= refused_roles(sub)
    return refused


def branch_in_reach(session: Session, principal: Principal, branch_id: str) -> models.Branch:
    """The branch, if the caller may work with it (404 otherwise)."""
    branch = session.get(models.Branch, branch_id)
    if branch is not None and (
        principal.role == Role.ADMIN
        or (principal.role == Role.SCHEDULER and principal.branch_id == branch.id)
        or (principal.role == Role.AGENCY_SYSTEM and principal.agency_id == branch.agency_id)
    ):
        return branch
    raise HTTPException(status.HTTP_404_NOT_FOUND, f"no branch {branch_id!r}")


def branches_in_reach(session: Session, principal: Principal) -> list[str] | None:
    """Ids of the branches the caller may list (``None``: all, for an admin)."""
    if principal.role == Role.ADMIN:
        return None
    if principal.role == Role.SCHEDULER:
        return [principal.branch_id] if principal.branch_id else []
    if principal.role == Role.AGENCY_SYSTEM:
        return branch_ids_of_agency(session, agency_id=principal.agency_id)
    return []


Staff = (Role.ADMIN, Role.SCHEDULER)
"""Who deletes records, plans, publishes and changes a published day."""
DataWriters = (Role.ADMIN, Role.SCHEDULER, Role.AGENCY_SYSTEM)
"""Who creates, reads, replaces and imports records and reads plans (agency systems too)."""
EveryRole = tuple(Role)
ONLY_DRY_RUNS = "an agency system may only ask for a dry run; a scheduler publishes"

AdminUser = Annotated[Principal, Depends(allow(Role.ADMIN))]
"""The caller, an admin (403 for any other role)."""
StaffUser = Annotated[Principal, Depends(allow(*Staff))]
"""The caller, an admin or a scheduler."""
DataWriter = Annotated[Principal, Depends(allow(*DataWriters))]
"""The caller, an admin, a scheduler or an agency system."""
AnyUser = Annotated[Principal, Depends(allow(*EveryRole))]
"""The caller, of any role (their reach still applies)."""
