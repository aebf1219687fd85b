"""API fixtures: the app on the test database, with tokens."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from scheduler.api.app import create_app
from scheduler.settings import Settings
from scheduler.store.models import Role
from scheduler.store.users import create_user


def make_settings(database_url: str, tmp_path, **overrides) -> Settings:
    """Settings for a test app: its own database and data folder, one search process."""
    values = {
        "database_url": database_url,
        "data_dir": tmp_path,
        "cache_dir": tmp_path / "cache",
        "solve_workers": 1,
    }
    return Settings(**(values | overrides))


@pytest.fixture
def client(database_url: str, tmp_path, request: pytest.FixtureRequest) -> Iterator[TestClient]:
    """A test client of the app (lifespan started); indirect parameters override settings."""
    overrides = getattr(request, "param", {})
    app = create_app(make_settings(database_url, tmp_path, **overrides))
    with TestClient(app) as test_client:
        yield test_client


def bearer(token: str) -> dict[str, str]:
    """Authorization headers for ``token``."""
    return {"Authorization": f"Bearer {token}"}


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
