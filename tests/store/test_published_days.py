"""Published days in the store: which version is published for each day, and its content."""

from __future__ import annotations

from datetime import timedelta

import pytest

from scheduler.domain import Plan
from scheduler.errors import NotFoundError
from scheduler.store import models
from scheduler.store.database import transaction
from scheduler.store.models import utc_now
from scheduler.store.plan_versions import save_and_publish
from scheduler.store.published_days import (
    published_days,
    published_plan_days,
    published_version,
    stored_version,
)
from tests.builders import MONDAY, ZERO_KPIS, line_problem, nurse

PROBLEM = line_problem([nurse("a")], [])
TUESDAY = MONDAY + timedelta(days=1)


@pytest.fixture
def published(migrated):
    """Branch ``b`` with an empty plan published for Monday; the sessions and its plan id."""
    with transaction(migrated) as session:
        session.add(models.Agency(id="a", name="A"))
        session.add(models.Branch(id="b", agency_id="a", name="B", timezone="UTC"))
        session.flush()
        publication = save_and_publish(
            session,
            branch_id="b",
            problem=PROBLEM,
            plan=Plan((), (), ZERO_KPIS),
            itineraries={},
            solver_status="solved",
            now=utc_now(),
        )
        plan_id = publication.plan.id
    return migrated, plan_id


def test_published_days_name_each_days_version(published):
    """Monday has version 1; asking for Monday and Tuesday finds that version for Monday only."""
    sessions, plan_id = published
    with sessions() as session:
        assert published_days(session, branch_id="b") == [(MONDAY, plan_id, 1)]
        assert published_plan_days(session, branch_id="b", days=[MONDAY, TUESDAY]) == {
            plan_id: [MONDAY]
        }
        assert published_plan_days(session, branch_id="b", days=[TUESDAY]) == {}


def test_a_published_version_reads_back_as_its_problem_and_plan(published):
    """The version published for Monday is the problem and plan written; Tuesday has none."""
    sessions, plan_id = published
    with sessions() as session:
        version = published_version(session, branch_id="b", day=MONDAY)
        assert version is not None and version.plan_id == plan_id
        assert version.problem == PROBLEM and version.plan == Plan((), (), ZERO_KPIS)
        assert published_version(session, branch_id="b", day=TUESDAY) is None
        assert stored_version(session, plan_id=plan_id) == version
        with pytest.raises(NotFoundError, match="no plan 'nope'"):
            stored_version(session, plan_id="nope")
