"""Board sign-in: login names with argon2 password hashes, and web sessions.

A session cookie is random; only its SHA-256 is stored, with the session's CSRF token. A
session works until it expires, is ended, or its user is disabled or deleted.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from scheduler.store import models
from scheduler.store.models import utc_now
from scheduler.store.users import hash_token

_HASHER = PasswordHasher()
_UNKNOWN_LOGIN = _HASHER.hash("no such login")  # checked against, so a wrong name costs the same


@dataclass(frozen=True)
class NewWebSession:
    """A session just started: the cookie's value (shown once) and the CSRF token."""

    cookie: str
    csrf_token: str
    expires_at: datetime


def set_password(session: Session, *, user_id: str, login: str, password: str) -> None:
    """Give user ``user_id`` the login name ``login`` and ``password`` (argon2-hashed).

    Ends the user's web sessions: a new password signs everyone out.
    """
    row = session.get(models.UserPassword, user_id)
    if row is None:
        row = models.UserPassword(user_id=user_id, login=login, password_hash="")
        session.add(row)
    row.login = login
    row.password_hash = _HASHER.hash(password)
    row.changed_at = utc_now()
    end_user_sessions(session, user_id=user_id)
    session.flush()


def user_by_password(session: Session, *, login: str, password: str) -> models.User | None:
    """The user signing in as ``login`` with ``password`` (``None``: wrong name or password).

    A hash made with weaker parameters than today's is made again.
    """
    row = session.scalar(select(models.UserPassword).where(models.UserPassword.login == login))
    try:
        _HASHER.verify(row.password_hash if row else _UNKNOWN_LOGIN, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None:
        return None
    if _HASHER.check_needs_rehash(row.password_hash):
        row.password_hash = _HASHER.hash(password)
    return session.get(models.User, row.user_id)


def login_user_id(session: Session, *, login: str) -> str | None:
    """The id of the user signing in as ``login`` (``None``: no such login)."""
    return session.scalar(
        select(models.UserPassword.user_id).where(models.UserPassword.login == login)
    )


def start_web_session(session: Session, *, user_id: str, lifetime: timedelta) -> NewWebSession:
    """Start a session of ``user_id`` living ``lifetime`` (expired sessions are cleared)."""
    session.execute(delete(models.WebSession).where(models.WebSession.expires_at <= utc_now()))
    cookie = secrets.token_urlsafe(32)
    started = NewWebSession(cookie, secrets.token_urlsafe(32), utc_now() + lifetime)
    session.add(
        models.WebSession(
            token_hash=hash_token(cookie),
            user_id=user_id,
            csrf_token=started.csrf_token,
            expires_at=started.expires_at,
        )
    )
    session.flush()
    return started


def working_web_session(
    session: Session, *, cookie: str, now: datetime
) -> tuple[models.WebSession, models.User] | None:
    """The session of ``cookie`` and its user, while neither expired nor disabled."""
    row = session.get(models.WebSession, hash_token(cookie))
    if row is None or row.expires_at <= now:
        return None
    user = session.get(models.User, row.user_id)
    if user is None or user.disabled_at is not None:
        return None
    return row, user


def end_web_session(session: Session, *, cookie: str) -> None:
    """End the session of ``cookie`` (nothing if there is none)."""
    session.execute(
        delete(models.WebSession).where(models.WebSession.token_hash == hash_token(cookie))
    )


def end_user_sessions(session: Session, *, user_id: str) -> None:
    """End every session of ``user_id``."""
    session.execute(delete(models.WebSession).where(models.WebSession.user_id == user_id))
