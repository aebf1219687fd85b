"""API fixtures: the app on SQLite and on PostgreSQL (a fresh schema per test), with tokens."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from scheduler.api.app import create_app
from scheduler.settings import Settings
from scheduler.store.models import Role
from scheduler.store.users import create_user

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A database URL: a SQLite file, or an empty PostgreSQL schema dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'scheduler.db'}"
        return
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
    except OperationalError as error:
        admin.dispose()
        pytest.skip(
            f"PostgreSQL is not running at 127.0.0.1:5432 ({error.orig}); .ci/run starts it"
        )
    yield f"{POSTGRES}?options=-csearch_path%3D{schema}"
    with admin.connect() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


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
def client(database_url: str, tmp_path) -> Iterator[TestClient]:
    """A test client of the app (lifespan started)."""
    app = create_app(make_settings(database_url, tmp_path))
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
