"""Users and their API tokens: a token is shown once and only its SHA-256 is stored.

A token works while its user is enabled and it is neither revoked nor expired. Rotating
replaces it (the old one is dead at once) and starts a new lifetime; revoking kills it and
leaves the user with no working token until an admin rotates it.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, or_, select, update
from sqlalchemy.orm import Session

from scheduler.store import models
from scheduler.store.models import utc_now
from scheduler.store.models.sign_in import CalendarFeed
from scheduler.store.records import delete_record, list_records

TOKEN_PREFIX = "hhs_"
LAST_USE_RESOLUTION = timedelta(minutes=1)


def hash_token(token: str) -> str:
    """The stored form of a token (tokens are random, so a plain SHA-256 suffices)."""
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token(user: models.User, valid_for: timedelta | None) -> str:
    """Give ``user`` a fresh token living ``valid_for`` (``None``: forever) and return it."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    user.token_hash = hash_token(token)
    user.revoked_at = None
    user.expires_at = None if valid_for is None else utc_now() + valid_for
    return token


def create_user(
    session: Session,
    *,
    name: str,
    role: models.Role,
    agency_id: str | None = None,
    branch_id: str | None = None,
    clinician_id: str | None = None,
    valid_for: timedelta | None = None,
) -> tuple[models.User, str]:
    """Add a user and return it with its new token (the only time the token is seen)."""
    user = models.User(
        id=uuid.uuid4().hex,
        name=name,
        role=role.value,
        agency_id=agency_id,
        branch_id=branch_id,
        clinician_id=clinician_id,
    )
    token = _new_token(user, valid_for)
    session.add(user)
    session.flush()
    return user, token


def user_by_token(session: Session, *, token: str) -> models.User | None:
    """The user holding ``token`` (working or not), or ``None``."""
    return session.scalar(_USER_BY_TOKEN, {"token_hash": hash_token(token)})


# Built once: every API request looks its caller up.
_USER_BY_TOKEN = select(models.User).where(models.User.token_hash == bindparam("token_hash"))


def token_refusal(user: models.User, *, now: datetime) -> str | None:
    """Why ``user``'s token does not work at ``now`` (``None``: it works)."""
    if user.disabled_at is not None:
        return f"user {user.id} is disabled; ask an admin to enable it"
    if user.revoked_at is not None:
        return f"token revoked on {user.revoked_at:%Y-%m-%d %H:%M} UTC; ask an admin to rotate it"
    if user.expires_at is not None and user.expires_at <= now:
        return f"token expired on {user.expires_at:%Y-%m-%d %H:%M} UTC; ask an admin to rotate it"
    return None


def working_user(session: Session, *, token: str, now: datetime) -> models.User | None:
    """The user whose ``token`` works at ``now`` (enabled, neither revoked nor expired)."""
    user = user_by_token(session, token=token)
    return user if user is not None and token_refusal(user, now=now) is None else None


def use_is_unrecorded(user: models.User, *, now: datetime) -> bool:
    """Whether a call at ``now`` is worth writing down (the last one noted is a minute old)."""
    return user.last_used_at is None or now - user.last_used_at >= LAST_USE_RESOLUTION


def record_use(session: Session, *, user_id: str, now: datetime) -> None:
    """Note that user ``user_id`` called at ``now`` (unless a call a minute later is noted)."""
    session.execute(
        update(models.User)
        .where(
            models.User.id == user_id,
            or_(
                models.User.last_used_at.is_(None),
                models.User.last_used_at <= now - LAST_USE_RESOLUTION,
            ),
        )
        .values(last_used_at=now)
    )


def get_user(session: Session, *, user_id: str) -> models.User | None:
    """The user with id ``user_id``, or ``None``."""
    return session.get(models.User, user_id)


def list_users(session: Session, *, offset: int, limit: int) -> tuple[list[models.User], int]:
    """One page of users by name, and how many there are."""
    return list_records(
        session, models.User, order_by=[models.User.name], offset=offset, limit=limit
    )


def update_user(
    session: Session, *, user: models.User, name: str | None = None, disabled: bool | None = None
) -> None:
    """Rename, disable or enable ``user`` (``None``: keep as is); disabling ends its feed."""
    if name is not None:
        user.name = name
    if disabled is not None and disabled != user.disabled:
        user.disabled_at = utc_now() if disabled else None
        if disabled:  # the calendar feed dies with it (enabling again gives no feed back)
            session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user.id))
    session.flush()


def rotate_token(session: Session, *, user: models.User, valid_for: timedelta | None) -> str:
    """Replace ``user``'s token (the old one stops working) and return the new one."""
    token = _new_token(user, valid_for)
    session.flush()
    return token


def revoke_token(session: Session, *, user: models.User) -> None:
    """Kill ``user``'s token; the user keeps no working token until it is rotated."""
    user.revoked_at = user.revoked_at or utc_now()
    session.flush()


def delete_user(session: Session, *, user: models.User) -> None:
    """Delete ``user`` and so its token."""
    delete_record(session, user)


def delete_users_of_clinician(session: Session, *, agency_id: str, clinician_id: str) -> int:
    """Delete the users acting as the agency's clinician ``clinician_id``; returns how many."""
    users = session.scalars(
        select(models.User).where(
            models.User.agency_id == agency_id, models.User.clinician_id == clinician_id
        )
    ).all()
    for user in users:
        session.delete(user)
    session.flush()
    return len(users)
