"""Visit rows as a replan touches them: a new one (stored or a what-if), statuses, cancelling."""

from __future__ import annotations

from datetime import date

import pytest

from scheduler.errors import ConflictError
from scheduler.store import models
from scheduler.store.database import transaction
from scheduler.store.visits import cancel_visits, new_visit, visit_statuses

FIELDS = {
    "id": "v1",
    "patient_id": "p",
    "discipline": "SN",
    "visit_type": "ROUTINE",
    "minutes": 30,
    "windows": [{"start": "2026-12-07T09:00:00+00:00", "end": "2026-12-07T12:00:00+00:00"}],
    "first_day": "2026-12-07",
}


@pytest.fixture
def sessions(migrated):
    """Agency ``a`` with branch ``b`` and its patient ``p``."""
    with transaction(migrated) as session:
        session.add(models.Agency(id="a", name="A"))
        session.add(models.Branch(id="b", agency_id="a", name="B", timezone="UTC"))
        session.add(
            models.Patient(agency_id="a", id="p", branch_id="b", name="P", latitude=0, longitude=0)
        )
    return migrated


def test_a_what_if_visit_is_a_row_not_stored_and_a_new_visit_is_stored(sessions):
    """Without ``save`` the row stays out of the session; with it the visit is planned."""
    with transaction(sessions) as session:
        what_if = new_visit(session, branch_id="b", fields=FIELDS, save=False)
        assert what_if.agency_id == "a" and what_if.first_day == date(2026, 12, 7)
        assert visit_statuses(session, branch_id="b", visit_ids=["v1"]) == {}
        new_visit(session, branch_id="b", fields=FIELDS, save=True)
    with sessions() as session:
        assert visit_statuses(session, branch_id="b", visit_ids=["v1", "v2"]) == {"v1": "planned"}


def test_a_visit_id_the_agency_has_is_a_conflict_and_cancelling_marks_the_row(sessions):
    """The same id again is a ConflictError; ``cancel_visits`` makes the row cancelled."""
    with transaction(sessions) as session:
        new_visit(session, branch_id="b", fields=FIELDS, save=True)
    with transaction(sessions) as session:
        with pytest.raises(ConflictError, match="visit 'v1' exists"):
            new_visit(session, branch_id="b", fields=FIELDS, save=False)
        cancel_visits(session, branch_id="b", visit_ids={"v1"})
    with sessions() as session:
        assert visit_statuses(session, branch_id="b", visit_ids=["v1"]) == {"v1": "cancelled"}
