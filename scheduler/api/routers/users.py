"""Users and their tokens (admins), and who am I (everyone).

An admin adds, lists, renames, disables, enables and deletes users, and rotates or revokes
their tokens; nobody may disable, delete or revoke themselves, so the agency is never locked
out by accident. Every user may rotate their own token.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Response, status

from scheduler.api.access import (
    AdminUser,
    AnyUser,
    Principal,
    branch_in_reach,
    token_lifetime,
)
from scheduler.api.deps import Limit, Offset, SessionDep, SettingsDep
from scheduler.api.reach import fetch_in_reach
from scheduler.api.schemas.answers import Page
from scheduler.api.schemas.users import UserCreate, UserPublic, UserUpdate, UserWithToken
from scheduler.store import models
from scheduler.store.models import Role
from scheduler.store.users import (
    create_user,
    delete_user,
    get_user,
    list_users,
    revoke_token,
    rotate_token,
    update_user,
)

router = APIRouter(prefix="/v1", tags=["users"])
UserId = Annotated[str, Path(max_length=64)]


def user_or_404(session: SessionDep, user_id: str) -> models.User:
    """The user with this id (404 if none)."""
    user = get_user(session, user_id=user_id)
    if user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no user {user_id!r}")
    return user


def refuse_on_self(principal: Principal, user: models.User, action: str) -> None:
    """409 when an admin would lock themselves out (``action``: what they tried)."""
    if user.id == principal.user_id:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"you cannot {action}: ask another admin, so the agency is never locked out",
        )


def with_token(user: models.User, token: str) -> dict[str, Any]:
    """The user's public fields and its new token."""
    return {**UserPublic.model_validate(user).model_dump(), "token": token}


@router.get("/me", response_model=UserPublic, summary="Who am I")
def read_me(session: SessionDep, principal: AnyUser) -> Any:
    """The user the token belongs to."""
    return user_or_404(session, principal.user_id)


@router.post("/me/token", response_model=UserWithToken, summary="Rotate my token")
def rotate_my_token(session: SessionDep, settings: SettingsDep, principal: AnyUser) -> Any:
    """A new token for the caller (shown only in this answer); the one used here dies at once."""
    user = user_or_404(session, principal.user_id)
    token = rotate_token(session, user=user, valid_for=token_lifetime(settings, principal.role))
    return with_token(user, token)


@router.get("/users", response_model=Page[UserPublic], summary="List users")
def list_all_users(
    session: SessionDep, principal: AdminUser, offset: Offset = 0, limit: Limit = 100
) -> dict[str, Any]:
    """One page of users, by name."""
    users, total = list_users(session, offset=offset, limit=limit)
    return {"items": users, "total": total, "offset": offset, "limit": limit}


@router.post("/users", response_model=UserWithToken, status_code=201, summary="Add a user")
def create_user_with_token(
    session: SessionDep, settings: SettingsDep, principal: AdminUser, payload: UserCreate
) -> Any:
    """A user and its API token (shown only in this answer), expiring as the settings say."""
    needs = {
        Role.ADMIN: set(),
        Role.SCHEDULER: {"branch_id"},
        Role.CLINICIAN: {"clinician_id"},
        Role.AGENCY_SYSTEM: {"agency_id"},
    }[payload.role]
    given = {key for key in ("agency_id", "branch_id", "clinician_id") if getattr(payload, key)}
    if payload.role == Role.CLINICIAN:
        given.discard("agency_id")  # names the clinician's agency when several use the id
    if given != needs:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"a {payload.role} user takes exactly: {', '.join(sorted(needs)) or 'no scope'}",
        )
    values = payload.model_dump()
    if payload.branch_id:
        branch = branch_in_reach(session, principal, payload.branch_id)
        values["agency_id"] = branch.agency_id
    if payload.clinician_id:
        clinician = fetch_in_reach(
            session,
            principal,
            models.Clinician,
            payload.clinician_id,
            label="clinician",
            agency_id=payload.agency_id,
        )
        values["branch_id"] = clinician.branch_id
        values["agency_id"] = clinician.agency_id
    if payload.agency_id and session.get(models.Agency, payload.agency_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no agency {payload.agency_id!r}")
    values.pop("role")
    user, token = create_user(
        session, role=payload.role, valid_for=token_lifetime(settings, payload.role), **values
    )
    return with_token(user, token)


@router.get("/users/{user_id}", response_model=UserPublic, summary="Read a user")
def read_user(session: SessionDep, principal: AdminUser, user_id: UserId) -> Any:
    """A user and the state of its token."""
    return user_or_404(session, user_id)


@router.patch("/users/{user_id}", response_model=UserPublic, summary="Change a user")
def change_user(
    session: SessionDep, principal: AdminUser, user_id: UserId, payload: UserUpdate
) -> Any:
    """Rename, disable (its token is refused from the next call) or enable a user."""
    user = user_or_404(session, user_id)
    if payload.disabled:
        refuse_on_self(principal, user, "disable yourself")
    update_user(session, user=user, name=payload.name, disabled=payload.disabled)
    return user


@router.delete("/users/{user_id}", status_code=204, summary="Delete a user")
def remove_user(session: SessionDep, principal: AdminUser, user_id: UserId) -> Response:
    """Delete a user: its token is refused from the next call."""
    user = user_or_404(session, user_id)
    refuse_on_self(principal, user, "delete yourself")
    delete_user(session, user=user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/users/{user_id}/token", response_model=UserWithToken, summary="Rotate a token")
def rotate_user_token(
    session: SessionDep, settings: SettingsDep, principal: AdminUser, user_id: UserId
) -> Any:
    """A new token for another user (shown only in this answer); the old one dies at once.

    Your own token is rotated with ``POST /v1/me/token``: here it is a 409, so a client acting
    for others (a fuzzer, a sync job) never ends its own access by naming itself.
    """
    user = user_or_404(session, user_id)
    refuse_on_self(principal, user, "rotate your own token here (POST /v1/me/token rotates it)")
    token = rotate_token(session, user=user, valid_for=token_lifetime(settings, Role(user.role)))
    return with_token(user, token)


@router.delete("/users/{user_id}/token", status_code=204, summary="Revoke a token")
def revoke_user_token(session: SessionDep, principal: AdminUser, user_id: UserId) -> Response:
    """Kill the user's token at once; the user stays, with no working token until rotated."""
    user = user_or_404(session, user_id)
    refuse_on_self(principal, user, "revoke your own token (POST /v1/me/token rotates it)")
    revoke_token(session, user=user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
