"""Branches in the store: an agency's ids, listing by id, batch times."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from scheduler.store import models
from scheduler.store.branches import branch_batch_times, branch_ids_of_agency, find_branches


@pytest.fixture
def session(migrated: sessionmaker[Session]) -> Iterator[Session]:
    """Two agencies' three branches, rolled back at the end."""
    with migrated() as session:
        session.add_all([models.Agency(id="a1", name="A1"), models.Agency(id="a2", name="A2")])
        session.flush()
        session.add_all(
            [
                models.Branch(id="b2", agency_id="a1", name="B2", timezone="America/Chicago"),
                models.Branch(id="b1", agency_id="a1", name="B1", timezone="UTC"),
                models.Branch(
                    id="b3", agency_id="a2", name="B3", timezone="UTC", batch_time="21:30"
                ),
            ]
        )
        session.flush()
        yield session
        session.rollback()


def test_an_agency_has_its_own_branches_only(session):
    """branch_ids_of_agency names the agency's branches; no agency has none."""
    assert sorted(branch_ids_of_agency(session, agency_id="a1")) == ["b1", "b2"]
    assert branch_ids_of_agency(session, agency_id="a2") == ["b3"]
    assert branch_ids_of_agency(session, agency_id=None) == []


def test_branches_are_found_by_id_in_id_order(session):
    """find_branches lists the ids asked for (None: all), by id."""
    assert [b.id for b in find_branches(session, branch_ids=None)] == ["b1", "b2", "b3"]
    assert [b.id for b in find_branches(session, branch_ids=["b3", "b1"])] == ["b1", "b3"]
    assert find_branches(session, branch_ids=[]) == []


def test_batch_times_come_with_time_zones(session):
    """branch_batch_times gives each branch's batch time (default 20:00) and time zone."""
    assert sorted(branch_batch_times(session)) == [
        ("b1", "20:00", "UTC"),
        ("b2", "20:00", "America/Chicago"),
        ("b3", "21:30", "UTC"),
    ]
