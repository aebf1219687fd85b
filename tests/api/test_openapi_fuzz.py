"""Schemathesis against the app's OpenAPI schema: every operation, its default checks, as admin.

Each operation gets a fresh app on a copy of one seeded SQLite database (a demo branch: people
and care plans imported, one plan published, one left a draft). Schemathesis calls the app
in-process over ASGI and runs its lifespan (planning jobs and webhook sender included), which
its pytest plugin ends with the test. Half the schema-valid cases name the seeded records in
place of drawn ids, so the fuzzer reads, replaces and deletes real rows as well as missing ones.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.openapi.checks import RejectedPositiveData
from starlette.types import Receive, Scope, Send

from scheduler.api.app import create_app
from scheduler.demo.week import generate_agency_week
from scheduler.service.problem_records import problem_to_records
from scheduler.store.models import Role
from scheduler.store.users import create_user
from tests.api.support import bearer, make_settings

EXAMPLES = 12  # per operation in the suite; the CLI run against the served app goes deeper (25)
IMPORTED = ("clinicians", "patients", "care-plans")
# Path parameters and body fields that name a record, and the kind of record they name.
PATH_KINDS = {
    "visit_id": "visits",
    "clinician_id": "clinicians",
    "patient_id": "patients",
    "care_plan_id": "care-plans",
    "plan_id": "plans",
    "job_id": "planning-jobs",
    "branch_id": "branches",
    "day": "days",
    "user_id": "users",
}
BODY_KINDS = {
    "agency_id": "agencies",
    "branch_id": "branches",
    "patient_id": "patients",
    "clinician_id": "clinicians",
}


@dataclass
class Seed:
    """A seeded database file, an admin's headers, and the ids of its records by kind."""

    database: Path
    headers: dict[str, str]
    ids: dict[str, list[str]]


class RunningApp:
    """One ASGI app for the module's schema that passes each call to the running test's app."""

    def __init__(self) -> None:
        self.app: FastAPI | None = None
        self.ids: dict[str, list[str]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Hand the call (a request, or the lifespan) to the current app."""
        assert self.app is not None, "no app is running"
        await self.app(scope, receive, send)


def app_openapi() -> dict[str, Any]:
    """The OpenAPI document ``create_app`` serves (read from an app on a scratch SQLite file)."""
    with tempfile.TemporaryDirectory() as folder:
        return create_app(make_settings(f"sqlite:///{folder}/openapi.db", Path(folder))).openapi()


def plan_week(client: TestClient, headers: dict[str, str], start: str) -> dict[str, Any]:
    """Run a planning job for the week from ``start`` and return the finished job."""
    job = client.post(
        "/v1/planning-jobs",
        json={"branch_id": "b1", "start_date": start, "days": 7, "time_limit_seconds": 1},
        headers=headers,
    ).json()
    deadline = time.monotonic() + 60
    while job["status"] not in ("succeeded", "failed") and time.monotonic() < deadline:
        time.sleep(0.1)
        job = client.get(f"/v1/planning-jobs/{job['id']}", headers=headers).json()
    assert job["status"] == "succeeded", job
    return job


def seed_branch(folder: Path) -> Seed:
    """A demo branch in a fresh database: records imported, one plan published, one a draft."""
    problem = generate_agency_week(clinicians=3, patients=8)
    database = folder / "seed.db"
    app = create_app(make_settings(f"sqlite:///{database}", folder, max_job_seconds=1.0))
    with TestClient(app) as client:
        with app.state.sessions.begin() as session:
            root, token = create_user(session, name="root", role=Role.ADMIN)
            other, _ = create_user(session, name="other admin", role=Role.ADMIN)
        headers = bearer(token)
        for path, record in (
            ("/v1/agencies", {"id": "a1", "name": "A"}),
            (
                "/v1/branches",
                {"id": "b1", "agency_id": "a1", "name": "B", "timezone": "America/New_York"},
            ),
        ):
            assert client.post(path, json=record, headers=headers).status_code == 201
        records = problem_to_records(problem, branch_id="b1")
        imported = client.post("/v1/imports", json=records, headers=headers)
        assert imported.status_code == 200, imported.text
        start = problem.horizon.start_date.isoformat()
        jobs = [plan_week(client, headers, start) for _ in range(2)]
        published = client.post(f"/v1/plans/{jobs[0]['plan_id']}/publish", headers=headers)
        assert published.status_code == 200, published.text
        visits = client.get("/v1/visits", params={"limit": 500}, headers=headers).json()
    ids = {kind: [record["id"] for record in records[kind.replace("-", "_")]] for kind in IMPORTED}
    return Seed(
        database,
        headers,
        ids
        | {
            "agencies": ["a1"],
            "users": [root.id, other.id],
            "branches": ["b1"],
            "visits": sorted(visit["id"] for visit in visits["items"]),
            "plans": [job["plan_id"] for job in jobs],
            "planning-jobs": [job["id"] for job in jobs],
            "days": [str(problem.horizon.date_of(day)) for day in range(problem.horizon.days)],
        },
    )


def beyond_schema(response: schemathesis.Response) -> bool:
    """Whether the answer refuses a request for a rule JSON Schema does not state.

    A 412 says If-Match does not name the stored schedule's ETag; a 428, that a change (not a
    dry run) needs an Idempotency-Key the schema leaves optional. A 422 with a sentence comes
    from a handler or the domain, after the request passed the schema: ids that must exist, a
    role's scope, a plan's size. A 422 listing only ``value_error`` items comes from the
    models' own validators: times in order, a known time zone.
    """
    if response.status_code in (412, 428):
        return True
    if response.status_code != 422:
        return False
    detail = response.json().get("detail")
    if isinstance(detail, str):
        return True
    return bool(detail) and all(item.get("type") == "value_error" for item in detail)


@st.composite
def naming_seeded_records(draw: st.DrawFn, case: schemathesis.Case) -> schemathesis.Case:
    """``case`` with its path ids and body references drawn from the seeded records."""
    ids = RUNNING.ids
    named = case.derive(keep_auth=True)
    path_parameters = dict(case.path_parameters)
    for name in path_parameters:
        choices = ids.get(PATH_KINDS.get(name, ""))
        if choices:
            path_parameters[name] = draw(st.sampled_from(choices))
    named.path_parameters = path_parameters

    def refer(value: Any) -> Any:
        if isinstance(value, list):
            return [refer(item) for item in value]
        if not isinstance(value, dict):
            return value
        return {
            key: draw(st.sampled_from(ids[BODY_KINDS[key]]))
            if key in BODY_KINDS and isinstance(item, str)
            else refer(item)
            for key, item in value.items()
        }

    if isinstance(case.body, dict | list):
        named.body = refer(case.body)
    return named


# Loaded at import and pointed at a stand-in app: `schemathesis.pytest.from_fixture` (4.32)
# reads `Function._nodeid`, which pytest 9.2 no longer has; and a TestClient started here too
# would run a second lifespan, since Schemathesis starts the app's own for its probes.
RUNNING = RunningApp()
schema = schemathesis.openapi.from_dict(app_openapi())
schema.app = RUNNING


@schema.hook
def flatmap_case(
    context: schemathesis.HookContext, case: schemathesis.Case
) -> st.SearchStrategy[schemathesis.Case]:
    """Let half the schema-valid cases name seeded records instead of drawn ids."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return st.just(case)
    return st.one_of(st.just(case), naming_seeded_records(case))


@schema.hook
def filter_failure(
    context: schemathesis.HookContext,
    failure: Exception,
    case: schemathesis.Case,
    response: schemathesis.Response,
) -> bool:
    """Keep every failure but schema-valid data refused for a rule beyond the schema."""
    return not (isinstance(failure, RejectedPositiveData) and beyond_schema(response))


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Seed:
    """The seeded database, made once for the module."""
    return seed_branch(tmp_path_factory.mktemp("seed"))


@pytest.fixture
def running(seed: Seed, tmp_path: Path) -> Iterator[FastAPI]:
    """A fresh app on a copy of the seeded database, as the app the schema calls."""
    for file in seed.database.parent.glob(f"{seed.database.name}*"):
        shutil.copy(file, tmp_path / file.name)
    database = f"sqlite:///{tmp_path / seed.database.name}"
    # Schemathesis sends wrong tokens on purpose to every operation: the throttle is off here
    # (tests/api/test_throttle.py proves it), so each wrong token gets its 401.
    settings = make_settings(database, tmp_path, max_job_seconds=1.0, auth_failures_per_minute=0)
    RUNNING.app = create_app(settings)
    RUNNING.ids = seed.ids
    yield RUNNING.app
    RUNNING.app = None


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
    case: schemathesis.Case, running: FastAPI, seed: Seed
) -> None:
    """Generated requests never get a 5xx, and every answer matches the documented schema."""
    case.call_and_validate(headers=seed.headers)
