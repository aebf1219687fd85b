"""The README's role table is the behaviour: every route with every role, against the table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from scheduler.store.models import Role
from scheduler.store.users import create_user
from tests.api.support import NURSE, bearer

README = Path(__file__).resolve().parents[2] / "README.md"
HEADER = "| action | routes | admin | scheduler | clinician | agency system |"
COLUMNS = (Role.ADMIN, Role.SCHEDULER, Role.CLINICIAN, Role.AGENCY_SYSTEM)
FILL = {
    "patient_id": "nope",
    "care_plan_id": "nope",
    "visit_id": "nope",
    "job_id": "nope",
    "plan_id": "nope",
    "branch_id": "nope",
    "clinician_id": "nope",
    "day": "2026-12-07",
    "kind": "patients",
    "webhook_id": "nope",
    "user_id": "nope",
}
# A body every check up to the role's passes, so the role decides (the rest: {} is enough).
PUBLISHING_RESCHEDULE = {
    "day": "2026-12-07",
    "events": [{"type": "visit_cancelled", "visit_id": "nope"}],
}


def role_table() -> dict[tuple[str, str], dict[Role, str]]:
    """(method, route) -> each role's cell, read from the README's role table."""
    lines = README.read_text().splitlines()
    start = lines.index(HEADER) + 2
    table: dict[tuple[str, str], dict[Role, str]] = {}
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        grants = dict(zip(COLUMNS, cells[2:], strict=True))
        for methods, route in re.findall(r"`([A-Z/]+) (/v1/[^`]*)`", cells[1]):
            for method in methods.split("/"):
                assert (method, route) not in table, f"{method} {route} is in two rows"
                table[(method, route)] = grants
    return table


@pytest.fixture
def tokens(client: TestClient, admin: dict[str, str], branch: str) -> dict[Role, dict[str, str]]:
    """Headers of one user per role in agency ``a1`` (the clinician is ``c1`` of ``b1``)."""
    assert client.post("/v1/clinicians", json=NURSE, headers=admin).status_code == 201
    scopes = {
        Role.SCHEDULER: {"agency_id": "a1", "branch_id": branch},
        Role.CLINICIAN: {"agency_id": "a1", "branch_id": branch, "clinician_id": "c1"},
        Role.AGENCY_SYSTEM: {"agency_id": "a1"},
    }
    with client.app.state.sessions.begin() as session:
        made = {
            role: bearer(create_user(session, name=role.value, role=role, **scope)[1])
            for role, scope in scopes.items()
        }
    return made | {Role.ADMIN: admin}


@pytest.mark.parametrize("role", COLUMNS, ids=[role.value for role in COLUMNS])
def test_every_route_answers_each_role_as_the_readme_role_table_says(client, tokens, role):
    """A "no" cell answers 403 (and the schema documents 403 there); any other is served."""
    table = role_table()
    schema = client.app.openapi()["paths"]
    routes = {(method.upper(), path) for path, ops in schema.items() for method in ops}
    assert routes == set(table), "a route is missing from the README's role table, or gone"
    wrong = []
    # Rotating one's own token kills the one in hand: that route goes last.
    for method, route in sorted(table, key=lambda key: key[1] == "/v1/me/token"):
        cell = table[(method, route)][role]
        path = route.format(**FILL)
        body = PUBLISHING_RESCHEDULE if route.endswith("/reschedules") else {}
        answer = client.request(method, path, json=body, headers=tokens[role]).status_code
        refused = cell == "no" or cell == "dry run only"
        if (answer == 403) != refused or answer == 401:
            wrong.append((method, route, cell, answer))
        documented = "403" in schema[route][method.lower()]["responses"]
        if refused and not documented:
            wrong.append((method, route, "403 undocumented"))
        if cell == "dry run only":
            dry = client.request(method, path, json=body | {"dry_run": True}, headers=tokens[role])
            if dry.status_code in (401, 403):
                wrong.append((method, route, "dry run", dry.status_code))
    assert wrong == []


def test_403_is_documented_only_where_a_role_is_refused(client):
    """Routes every role may call document no 403; each one refusing a role documents it."""
    table = role_table()
    schema = client.app.openapi()["paths"]
    for (method, route), grants in table.items():
        some_refused = any(
            cell == "no" or cell.endswith("only") or "not" in cell for cell in grants.values()
        )
        documented = "403" in schema[route][method.lower()]["responses"]
        assert documented == some_refused, (method, route)
