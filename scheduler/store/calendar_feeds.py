"""Calendar feeds: a secret address per user that a calendar app subscribes to.

The address holds a random token (a capability: whoever has it reads the feed, no cookie or
header needed); only its SHA-256 is stored. A feed works while its user is enabled; it dies
when the user is disabled or deleted, or when the user resets or stops it.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from scheduler.store import models
from scheduler.store.models import utc_now
from scheduler.store.models.sign_in import CalendarFeed
from scheduler.store.users import hash_token

FEED_PREFIX = "hhf_"


def reset_calendar_feed(session: Session, *, user_id: str) -> str:
    """Give ``user_id`` a new feed token (any old one stops working) and return it, once."""
    token = FEED_PREFIX + secrets.token_urlsafe(32)
    row = session.get(CalendarFeed, user_id)
    if row is None:
        row = CalendarFeed(user_id=user_id, token_hash="")
        session.add(row)
    row.token_hash = hash_token(token)
    row.created_at = utc_now()
    session.flush()
    return token


def calendar_feed_made(session: Session, *, user_id: str) -> datetime | None:
    """When the working feed of ``user_id`` was made (``None``: the user has none)."""
    row = session.get(CalendarFeed, user_id)
    return None if row is None else row.created_at


def stop_calendar_feed(session: Session, *, user_id: str) -> None:
    """End the feed of ``user_id`` (nothing if there is none)."""
    session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user_id))


def feed_user(session: Session, *, token: str) -> models.User | None:
    """The enabled user whose feed ``token`` names (``None``: no such feed, or user disabled)."""
    if not token.startswith(FEED_PREFIX):
        return None
    found = session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == hash_token(token)))
    if found is None:
        return None
    user = session.get(models.User, found.user_id)
    return None if user is None or user.disabled_at is not None else user
