"""Calendar feeds in the store: a secret token per user, reset, stopped, dead with its user."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from scheduler.store import models
from scheduler.store.calendar_feeds import (
    calendar_feed_made,
    feed_user,
    reset_calendar_feed,
    stop_calendar_feed,
)
from scheduler.store.models import Role
from scheduler.store.models.sign_in import CalendarFeed
from scheduler.store.users import create_user, delete_user, update_user


@pytest.fixture
def session(migrated: sessionmaker[Session]) -> Iterator[Session]:
    """A session on a migrated database, rolled back at the end."""
    with migrated() as session:
        yield session
        session.rollback()


def test_a_feed_token_is_stored_hashed_and_a_reset_kills_the_old_one(session):
    """Only the token's hash is kept; after a reset the old token names nobody."""
    user, _ = create_user(session, name="x", role=Role.SCHEDULER)
    first = reset_calendar_feed(session, user_id=user.id)
    assert first.startswith("hhf_") and feed_user(session, token=first) is user
    assert first not in session.scalar(select(CalendarFeed.token_hash))
    second = reset_calendar_feed(session, user_id=user.id)
    assert feed_user(session, token=first) is None
    assert feed_user(session, token=second) is user
    assert feed_user(session, token="hhf_guessed") is None
    assert feed_user(session, token="") is None


def test_a_feed_dies_when_stopped_or_its_user_is_disabled_or_deleted(session):
    """Stopping, disabling (enabling again gives no feed back) and deleting each end it."""
    user, _ = create_user(session, name="x", role=Role.SCHEDULER)
    token = reset_calendar_feed(session, user_id=user.id)
    stop_calendar_feed(session, user_id=user.id)
    assert (
        feed_user(session, token=token) is None
        and calendar_feed_made(session, user_id=user.id) is None
    )
    token = reset_calendar_feed(session, user_id=user.id)
    update_user(session, user=user, disabled=True)
    assert feed_user(session, token=token) is None
    update_user(session, user=user, disabled=False)
    assert feed_user(session, token=token) is None
    token = reset_calendar_feed(session, user_id=user.id)
    user.disabled_at = models.utc_now()  # disabled by any other path: refused all the same
    assert feed_user(session, token=token) is None
    user.disabled_at = None
    assert feed_user(session, token=token) is user
    delete_user(session, user=user)
    session.flush()
    assert feed_user(session, token=token) is None
    assert session.scalar(select(CalendarFeed)) is None
