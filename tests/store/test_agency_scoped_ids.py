"""The migration to ids scoped per agency converts a stored database, and goes back."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text

from scheduler.store.database import MIGRATIONS, upgrade_schema

ROWS = """
INSERT INTO agencies (id, name) VALUES ('a', 'A'), ('z', 'Z');
INSERT INTO branches (id, agency_id, name, timezone, batch_time, batch_days, schedule_revision)
  VALUES ('b', 'a', 'B', 'UTC', '20:00', 1, 0), ('y', 'z', 'Y', 'UTC', '20:00', 1, 0);
INSERT INTO clinicians (id, branch_id, name, credential, skills, home_latitude, home_longitude,
  weekly_hours) VALUES ('c1', 'b', 'C', 'RN', '[]', 0, 0, '[]'),
  ('c2', 'y', 'D', 'RN', '[]', 0, 0, '[]');
INSERT INTO patients (id, branch_id, name, latitude, longitude, availability,
  preferred_clinicians, excluded_clinicians) VALUES ('p1', 'b', 'P', 0, 0, '[]', '[]', '[]');
INSERT INTO care_plans (id, patient_id, branch_id, discipline, frequency, start_of_care,
  visit_minutes, primary_clinician_id, credentials, required_skills, visits_made)
  VALUES ('cp1', 'p1', 'b', 'SN', '1W1', '2026-12-07', 30, 'c1', '[]', '[]', '[]');
INSERT INTO visits (id, patient_id, branch_id, care_plan_id, discipline, visit_type, minutes,
  windows, first_day, credentials, required_skills, priority, optional, status, clinician_id)
  VALUES ('v1', 'p1', 'b', 'cp1', 'SN', 'ROUTINE', 30, '[]', '2026-12-07', '[]', '[]', 3, false,
  'published', 'c1'),
  ('v2', 'p1', 'b', NULL, 'SN', 'ROUTINE', 30, '[]', '2026-12-07', '[]', '[]', 3, false,
  'planned', NULL);
INSERT INTO visit_links (second_visit_id, first_visit_id, kind, min_gap_seconds,
  max_gap_seconds) VALUES ('v2', 'v1', 'sequential', 0, 600);
INSERT INTO users (id, name, role, agency_id, branch_id, clinician_id, token_hash, created_at)
  VALUES ('u1', 'N', 'clinician', NULL, 'y', 'c2', 'h1', '2026-12-01 00:00:00+00:00'),
  ('u2', 'R', 'admin', NULL, NULL, NULL, 'h2', '2026-12-01 00:00:00+00:00');
"""


def migrate(engine, verb: str, revision: str) -> None:
    """Run ``alembic upgrade|downgrade revision`` on ``engine``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, verb)(config, revision)


def rows(engine, query: str) -> list[tuple]:
    """The rows ``query`` answers, sorted."""
    with engine.connect() as connection:
        return sorted(tuple(row) for row in connection.execute(text(query)))


def test_stored_records_take_their_branchs_agency_and_go_back(database_url, engine_for):
    """Every row survives the upgrade with its agency (links, users too) and the way back."""
    engine = engine_for(database_url)
    migrate(engine, "upgrade", "0005")
    with engine.begin() as connection:
        for statement in ROWS.split(";"):
            if statement.strip():
                connection.execute(text(statement))
    upgrade_schema(engine)
    assert rows(engine, "SELECT agency_id, id FROM clinicians") == [("a", "c1"), ("z", "c2")]
    assert rows(engine, "SELECT agency_id, id FROM patients") == [("a", "p1")]
    assert rows(engine, "SELECT agency_id, id, primary_clinician_id FROM care_plans") == [
        ("a", "cp1", "c1")
    ]
    assert rows(engine, "SELECT agency_id, id, care_plan_id, clinician_id FROM visits") == [
        ("a", "v1", "cp1", "c1"),
        ("a", "v2", None, None),
    ]
    assert rows(engine, "SELECT agency_id, second_visit_id, first_visit_id FROM visit_links") == [
        ("a", "v2", "v1")
    ]
    # A clinician's user takes the clinician's agency; an admin stays global.
    assert rows(engine, "SELECT id, agency_id, clinician_id FROM users") == [
        ("u1", "z", "c2"),
        ("u2", None, None),
    ]
    with engine.begin() as connection:  # another agency may now use the same ids
        connection.execute(
            text(
                "INSERT INTO patients (agency_id, id, branch_id, name, latitude, longitude, "
                "availability, preferred_clinicians, excluded_clinicians) "
                "VALUES ('z', 'p1', 'y', 'Q', 0, 0, '[]', '[]', '[]')"
            )
        )
    with pytest.raises(RuntimeError, match="held by several agencies"):
        migrate(engine, "downgrade", "0005")
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM patients WHERE agency_id = 'z'"))
    migrate(engine, "downgrade", "0005")
    assert rows(engine, "SELECT id, patient_id, care_plan_id FROM visits") == [
        ("v1", "p1", "cp1"),
        ("v2", "p1", None),
    ]
    assert rows(engine, "SELECT second_visit_id, first_visit_id FROM visit_links") == [("v2", "v1")]
    assert len(rows(engine, "SELECT id FROM users")) == 2
    upgrade_schema(engine)
    assert rows(engine, "SELECT agency_id, id FROM visits") == [("a", "v1"), ("a", "v2")]
