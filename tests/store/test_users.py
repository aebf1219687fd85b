"""Users in the store: which tokens work, rotation and revocation, last use, clinicians' users."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from scheduler.store import models
from scheduler.store.models import Role, utc_now
from scheduler.store.users import (
    create_user,
    delete_users_of_clinician,
    record_use,
    revoke_token,
    rotate_token,
    token_refusal,
    update_user,
    use_is_unrecorded,
    user_by_token,
)


@pytest.fixture
def session(migrated: sessionmaker[Session]) -> Iterator[Session]:
    """A session on a migrated database, rolled back at the end."""
    with migrated() as session:
        yield session
        session.rollback()


def test_a_token_works_until_disabled_revoked_or_expired(session):
    """token_refusal names the first reason a token fails, and None while it works."""
    user, _ = create_user(session, name="x", role=Role.SCHEDULER, valid_for=timedelta(days=1))
    now = utc_now()
    assert token_refusal(user, now=now) is None
    assert "expired" in token_refusal(user, now=now + timedelta(days=2))
    revoke_token(session, user=user)
    assert "revoked" in token_refusal(user, now=now)
    update_user(session, user=user, disabled=True)
    assert "disabled" in token_refusal(user, now=now)
    update_user(session, user=user, disabled=False)
    rotate_token(session, user=user, valid_for=None)
    assert user.expires_at is None and token_refusal(user, now=now + timedelta(days=9)) is None


def test_rotation_replaces_the_token(session):
    """After rotation the old token finds nobody and the new one finds the user."""
    user, old = create_user(session, name="x", role=Role.ADMIN)
    new = rotate_token(session, user=user, valid_for=timedelta(days=90))
    assert user_by_token(session, token=old) is None
    assert user_by_token(session, token=new) is user


def test_last_use_is_written_at_most_once_a_minute(session):
    """A last use under a minute old is kept (and not worth writing); an older one is replaced."""
    user, _ = create_user(session, name="x", role=Role.ADMIN)
    now = utc_now()
    assert use_is_unrecorded(user, now=now)
    record_use(session, user_id=user.id, now=now)
    session.refresh(user)
    assert user.last_used_at == now
    later = now + timedelta(seconds=59)
    assert not use_is_unrecorded(user, now=later)
    record_use(session, user_id=user.id, now=later)
    session.refresh(user)
    assert user.last_used_at == now
    later = now + timedelta(seconds=60)
    assert use_is_unrecorded(user, now=later)
    record_use(session, user_id=user.id, now=later)
    session.refresh(user)
    assert user.last_used_at == later


def test_a_clinicians_users_are_deleted_with_them(session):
    """delete_users_of_clinician removes exactly that clinician's users."""
    session.add(models.Agency(id="a", name="A"))
    session.add(models.Branch(id="b", agency_id="a", name="B", timezone="UTC"))
    for clinician_id in ("c1", "c2"):
        session.add(
            models.Clinician(
                agency_id="a",
                id=clinician_id,
                branch_id="b",
                name=clinician_id,
                credential="RN",
                home_latitude=0.0,
                home_longitude=0.0,
            )
        )
    session.flush()
    for clinician_id in ("c1", "c1", "c2"):
        create_user(
            session, name="n", role=Role.CLINICIAN, agency_id="a", clinician_id=clinician_id
        )
    assert delete_users_of_clinician(session, agency_id="a", clinician_id="c1") == 2
    left = session.query(models.User.clinician_id).all()
    assert [row.clinician_id for row in left] == ["c2"]
