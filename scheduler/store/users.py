"""Users and their API tokens: a token is shown once and only its SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.store import models

TOKEN_PREFIX = "hhs_"


def hash_token(token: str) -> str:
    """The stored form of a token (tokens are random, so a plain SHA-256 suffices)."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(
    session: Session,
    *,
    name: str,
    role: models.Role,
    agency_id: str | None = None,
    branch_id: str | None = None,
    clinician_id: str | None = None,
) -> tuple[models.User, str]:
    """Add a user and return it with its new token (the only time the token is seen)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    user = models.User(
        id=uuid.uuid4().hex,
        name=name,
        role=role.value,
        agency_id=agency_id,
        branch_id=branch_id,
        clinician_id=clinician_id,
        token_hash=hash_token(token),
    )
    session.add(user)
    session.flush()
    return user, token


def user_by_token(session: Session, token: str) -> models.User | None:
    """The user holding ``token``, or ``None``."""
    return session.scalar(select(models.User).where(models.User.token_hash == hash_token(token)))
