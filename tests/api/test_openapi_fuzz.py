"""Schemathesis against the app's OpenAPI schema: every operation, its default checks, as admin.

Each operation gets a fresh app on SQLite with its lifespan started (the planning jobs runner
included) and a small demo branch imported, so the fuzzer meets real records as well as unknown
ids. Requests go in-process through a Schemathesis ASGI session that is never entered, so the
lifespan stays the test client's own (one runner, shut down after the test).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.python import asgi

from scheduler.api.app import create_app
from scheduler.service.demo_week import generate_agency_week
from scheduler.service.problem_records import problem_to_records
from scheduler.settings import Settings
from tests.api.conftest import make_settings

EXAMPLES = 100
BASE_URL = f"http://{asgi.HOST}"
CALLS: Counter[str] = Counter()


def app_openapi() -> dict[str, Any]:
    """The OpenAPI document ``create_app`` serves (read from an app on in-memory SQLite)."""
    return create_app(Settings(database_url="sqlite://")).openapi()


schema = schemathesis.openapi.from_dict(app_openapi())


@pytest.fixture
def client(tmp_path) -> Iterator[TestClient]:
    """The app on SQLite with one-second planning jobs (lifespan started); overrides conftest's."""
    settings_ = make_settings(f"sqlite:///{tmp_path / 'fuzz.db'}", tmp_path, max_job_seconds=1.0)
    with TestClient(create_app(settings_)) as test_client:
        yield test_client


@pytest.fixture
def session(client: TestClient, admin: dict[str, str], branch: str) -> Iterator[asgi.ASGIClient]:
    """An in-process session to the app, once a small demo branch is imported."""
    records = problem_to_records(generate_agency_week(clinicians=3, patients=8), branch_id=branch)
    imported = client.post("/v1/imports", json=records, headers=admin)
    assert imported.status_code == 200, imported.text
    http = asgi.get_client(client.app)
    yield http
    http.close()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
)
def test_every_operation_keeps_its_contract(
    case: schemathesis.Case, session: asgi.ASGIClient, admin: dict[str, str]
) -> None:
    """Generated requests never get a 5xx, and every answer matches the documented schema."""
    CALLS[f"{case.method} {case.path}"] += 1
    case.call_and_validate(base_url=BASE_URL, session=session, headers=admin)
