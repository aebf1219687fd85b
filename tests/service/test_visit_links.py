"""Linking two stored visits: the rules the service keeps beyond what the API checks."""

from __future__ import annotations

from datetime import date

import pytest

from scheduler.domain import LinkKind, VisitLink
from scheduler.errors import NotFoundError, ProblemError
from scheduler.service.visit_links import replace_visit_link
from scheduler.store import models
from scheduler.store.database import make_engine, session_factory, upgrade_schema
from scheduler.store.visit_links import visit_links

TRANSFER = VisitLink("lift-a", "lift-b", LinkKind.SIMULTANEOUS)


@pytest.fixture
def sessions(tmp_path):
    """A branch with patient ``p``, care plan ``cp`` and visits ``lift-a``, ``lift-b``, ``cp-1``."""
    engine = make_engine(f"sqlite:///{tmp_path / 'links.db'}")
    upgrade_schema(engine)
    factory = session_factory(engine)
    with factory.begin() as session:
        session.add(models.Agency(id="a", name="A"))
        session.add(models.Branch(id="b", agency_id="a", name="B", timezone="UTC"))
        session.add(
            models.Patient(agency_id="a", id="p", branch_id="b", name="P", latitude=0, longitude=0)
        )
        session.flush()
        session.add(
            models.CarePlan(
                agency_id="a",
                id="cp",
                patient_id="p",
                branch_id="b",
                discipline="SN",
                frequency="1W1",
                start_of_care=date(2026, 12, 7),
                visit_minutes=30,
            )
        )
        session.flush()
        for visit_id, care_plan_id in (("lift-a", None), ("lift-b", None), ("cp-1", "cp")):
            session.add(
                models.Visit(
                    agency_id="a",
                    id=visit_id,
                    patient_id="p",
                    branch_id="b",
                    care_plan_id=care_plan_id,
                    discipline="SN",
                    visit_type="ROUTINE",
                    minutes=30,
                    windows=[],
                    first_day=date(2026, 12, 7),
                )
            )
    yield factory
    engine.dispose()


def test_a_link_is_replaced_on_its_second_visit_and_kept_from_the_first(sessions):
    """Writing the second visit again replaces its link; unlinking the first changes nothing."""
    with sessions.begin() as session:
        replace_visit_link(session, agency_id="a", visit_id="lift-b", link=TRANSFER)
        replace_visit_link(session, agency_id="a", visit_id="lift-a", link=None)
        assert visit_links(session, agency_id="a", visit_ids=["lift-a"]) == {"lift-a": TRANSFER}
        sequential = VisitLink("lift-a", "lift-b", LinkKind.SEQUENTIAL, 0, 600)
        replace_visit_link(session, agency_id="a", visit_id="lift-b", link=sequential)
        assert visit_links(session, agency_id="a", visit_ids=["lift-b"]) == {"lift-b": sequential}


def test_care_plan_visits_unknown_visits_and_misplaced_links_are_refused(sessions):
    """A care plan's visit cannot be linked; an unknown visit or a link of others is named."""
    with sessions() as session:
        with pytest.raises(ProblemError, match="comes from care plan 'cp'"):
            replace_visit_link(
                session,
                agency_id="a",
                visit_id="cp-1",
                link=VisitLink("lift-a", "cp-1", LinkKind.SIMULTANEOUS),
            )
        with pytest.raises(ProblemError, match="needs it as its second visit"):
            replace_visit_link(session, agency_id="a", visit_id="lift-a", link=TRANSFER)
        with pytest.raises(NotFoundError, match="no visit 'ghost'"):
            replace_visit_link(session, agency_id="a", visit_id="ghost", link=None)
