"""API fixtures: the app on the test database, with tokens."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from _pytest.nodeid import coerce_node_id
from fastapi.testclient import TestClient

from scheduler.api.app import create_app
from scheduler.store.models import Role
from scheduler.store.users import create_user
from tests.api.support import bearer, make_settings
from tests.conftest import database_for


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give each Schemathesis operation its own node id, as its name has.

    Schemathesis 4.32 builds every operation's item with the test function's node id under
    pytest 9.2; pytest-xdist then runs only the first of them (one of 52 operations).
    """
    for item in items:
        if type(item).__name__ == "SchemathesisFunction" and not item.nodeid.endswith(item.name):
            item._id = coerce_node_id(f"{item.path.relative_to(item.config.rootpath)}::{item.name}")


@pytest.fixture(params=["postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """API tests run on PostgreSQL, the production store; ``BOTH_DATABASES`` adds SQLite.

    SQLite (the embedded default) is kept where storage itself is tested through the API:
    records kept or refused, concurrent writers, text a database cannot keep, the end-to-end
    path; the in-process fuzz runs on SQLite too, and ``tests/store`` runs every store
    function on both.
    """
    with database_for(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def client(migrated_url: str, tmp_path, request: pytest.FixtureRequest) -> Iterator[TestClient]:
    """A test client of the app (lifespan started); indirect parameters override settings.

    The database is migrated already (a copy, see ``MigratedTemplate``): the app's start finds
    it at the latest migration.
    """
    overrides = getattr(request, "param", {})
    app = create_app(make_settings(migrated_url, tmp_path, **overrides))
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def admin(client: TestClient) -> dict[str, str]:
    """Headers of an admin user created straight in the store."""
    with client.app.state.sessions.begin() as session:
        _, token = create_user(session, name="root", role=Role.ADMIN)
    return bearer(token)


@pytest.fixture
def branch(client: TestClient, admin: dict[str, str]) -> str:
    """An agency ``a1`` with a branch ``b1`` in New York time; returns the branch id."""
    assert (
        client.post("/v1/agencies", json={"id": "a1", "name": "A"}, headers=admin).status_code
        == 201
    )
    response = client.post(
        "/v1/branches",
        json={"id": "b1", "agency_id": "a1", "name": "B", "timezone": "America/New_York"},
        headers=admin,
    )
    assert response.status_code == 201
    return "b1"
