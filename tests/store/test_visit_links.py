"""Linked visits in the store: migrated, written, read from either side, gone with a visit."""

from __future__ import annotations

from datetime import date

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect

from scheduler.domain import HOUR, LinkKind, VisitLink
from scheduler.store import models
from scheduler.store.database import (
    MIGRATIONS,
    make_engine,
    session_factory,
    transaction,
    upgrade_schema,
)
from scheduler.store.visit_links import (
    add_visit_link,
    branch_visit_links,
    delete_visit_link,
    visit_links,
)

AIDE_AFTER_NURSE = VisitLink("nurse", "aide", LinkKind.SEQUENTIAL, HOUR, 2 * HOUR)
TRANSFER = VisitLink("lift-a", "lift-b", LinkKind.SIMULTANEOUS)


def stored_branch(database_url: str):
    """A migrated database with branch ``b``, patient ``p`` and visits of each link."""
    engine = make_engine(database_url)
    upgrade_schema(engine)
    sessions = session_factory(engine)
    with transaction(sessions) as session:
        session.add(models.Agency(id="a", name="A"))
        session.add(models.Branch(id="b", agency_id="a", name="B", timezone="UTC"))
        session.add(
            models.Patient(agency_id="a", id="p", branch_id="b", name="P", latitude=0, longitude=0)
        )
        session.flush()
        for visit_id in ("nurse", "aide", "lift-a", "lift-b"):
            session.add(
                models.Visit(
                    agency_id="a",
                    id=visit_id,
                    patient_id="p",
                    branch_id="b",
                    discipline="SN",
                    visit_type="ROUTINE",
                    minutes=30,
                    windows=[],
                    first_day=date(2026, 12, 7),
                )
            )
    return engine, sessions


def test_links_round_trip_and_read_from_either_visit(database_url):
    """Both kinds come back as written, keyed by each of their visits and listed per branch."""
    engine, sessions = stored_branch(database_url)
    with transaction(sessions) as session:
        add_visit_link(session, link=AIDE_AFTER_NURSE)
        add_visit_link(session, link=TRANSFER)
    with sessions() as session:
        found = visit_links(session, agency_id="a", visit_ids=["nurse", "lift-b", "other"])
        assert found == {"nurse": AIDE_AFTER_NURSE, "lift-b": TRANSFER}
        assert branch_visit_links(session, branch_id="b") == [AIDE_AFTER_NURSE, TRANSFER]
    with transaction(sessions) as session:
        delete_visit_link(
            session, agency_id="a", second_visit_id="nurse"
        )  # not a second visit: no-op
        delete_visit_link(session, agency_id="a", second_visit_id="aide")
    with sessions() as session:
        assert branch_visit_links(session, branch_id="b") == [TRANSFER]
    engine.dispose()


def test_deleting_either_visit_deletes_its_link(database_url):
    """The foreign keys cascade: removing the first visit leaves its partner unlinked."""
    engine, sessions = stored_branch(database_url)
    with transaction(sessions) as session:
        add_visit_link(session, link=TRANSFER)
    with transaction(sessions) as session:
        session.delete(session.get(models.Visit, ("a", "lift-a")))
    with sessions() as session:
        assert visit_links(session, agency_id="a", visit_ids=["lift-a", "lift-b"]) == {}
    engine.dispose()


def test_the_links_migration_goes_down_and_up_again(database_url):
    """Downgrading to 0002 drops the table; upgrading brings it back."""
    engine = make_engine(database_url)
    upgrade_schema(engine)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0002")
    assert "visit_links" not in inspect(engine).get_table_names()
    upgrade_schema(engine)
    assert "visit_links" in inspect(engine).get_table_names()
    engine.dispose()
