"""A clinician reading their own day, the API's busiest read: two statements, no transaction."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select

from scheduler.demo.agency import generate_agency
from scheduler.service.demo_service import DemoAccess, seed_demo_branch
from scheduler.store import models
from tests.api.support import BOTH_DATABASES, bearer

READ_TABLES = ("users", "clinicians", "plan_routes", "published_days", "branches")


@pytest.fixture
def access(client: TestClient, plan_demo_once: None) -> DemoAccess:
    """A published demo day: 3 clinicians, 12 patients."""
    problem = generate_agency(clinicians=3, patients=12)
    return seed_demo_branch(
        client.app.state.sessions, problem, settings=client.app.state.settings, time_limit=2
    )


@BOTH_DATABASES
def test_a_clinicians_own_day_is_two_statements_outside_a_transaction(
    client: TestClient, access: DemoAccess
) -> None:
    """The token's user, then the clinician with their published route: the stored itinerary."""
    with client.app.state.sessions() as session:
        route = session.scalars(
            select(models.PlanRoute).where(models.PlanRoute.plan_id == access.plan_id).limit(1)
        ).one()
    path = f"/v1/itineraries/{route.clinician_id}/{route.day.isoformat()}"
    headers = bearer(access.clinicians[route.clinician_id])
    assert client.get(path, headers=headers).status_code == 200  # notes the token's first use
    engine = client.app.state.sessions.kw["bind"]
    statements: list[tuple[str, bool]] = []

    def note(connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if any(f" {table}" in statement for table in READ_TABLES):  # not the background threads
            in_transaction = not _autocommit(connection.connection.dbapi_connection)
            statements.append((statement.split()[0], in_transaction))

    event.listen(engine, "before_cursor_execute", note)
    try:
        answer = client.get(path, headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert answer.status_code == 200
    assert answer.json() == route.itinerary
    assert statements == [("SELECT", False), ("SELECT", False)]


def _autocommit(dbapi_connection: Any) -> bool:
    """Whether a psycopg or sqlite3 connection runs each statement on its own."""
    if hasattr(dbapi_connection, "autocommit") and isinstance(dbapi_connection.autocommit, bool):
        return dbapi_connection.autocommit
    return dbapi_connection.isolation_level is None
