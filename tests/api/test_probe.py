"""One probe per database: the hostile request kinds, counted, against the zeros they must show.

Four kinds, each counted: other branches' and agencies' records through their callers'
tokens (never the record: 403 or 404, lists without it, the records unchanged); hostile text
into every writable resource (NUL, unpaired surrogates, deep nesting, NaN, infinities, 1e400,
dates out of range, "localtime" and "Factory" zones: 4xx, never 500, nothing kept);
publishing after a delete, a cancellation or a completion (409, nothing resurrected); internal
webhook targets (all refused). ``pytest -s`` prints one summary line per database. Ids differ
between agencies here: the same id in two agencies is another test's subject.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select

from scheduler.api.app import create_app
from scheduler.api.routers.webhooks import host_resolver
from scheduler.store import models
from scheduler.store.models import Role
from scheduler.store.users import create_user
from tests.api.support import INTERNAL_TARGETS, NAMES, bearer, make_settings, wait_for_job
from tests.webhook_support import table

DAY = "2026-12-07"  # a Monday
MARK = "Confidential"  # in every probed record's name: an answer holding it leaks the record
HOOK_URL = "https://ehr.example.com/hooks/scheduler"


@dataclass
class Tally:
    """Requests sent per kind and the faults found."""

    sent: Counter[str] = field(default_factory=Counter)
    leaks: list[str] = field(default_factory=list)
    resurrections: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # answers of 500 (or any 5xx)
    accepted_hostile: list[str] = field(default_factory=list)
    accepted_targets: list[str] = field(default_factory=list)
    blind: list[str] = field(default_factory=list)  # failed controls: the probe cannot see

    def answer(self, kind: str, response: Response, what: str) -> Response:
        """Count ``response`` under ``kind``; a 5xx is an error whatever the kind."""
        self.sent[kind] += 1
        if response.status_code >= 500:
            self.errors.append(f"{what}: {response.status_code}")
        return response

    def summary(self, database: str) -> str:
        """The one line ``pytest -s`` shows."""
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(self.sent.items()))
        return (
            f"probe {database}: {sum(self.sent.values())} requests ({kinds}), "
            f"{len(self.leaks)} leaks, {len(self.resurrections)} resurrections, "
            f"{len(self.errors)} x 500, {len(self.accepted_hostile)} hostile writes accepted, "
            f"{len(self.accepted_targets)} internal targets accepted"
        )


@pytest.fixture
def client(migrated_url: str, tmp_path) -> Iterator[TestClient]:
    """The app with a secret key, webhook names resolved from a table (no network)."""
    settings = make_settings(migrated_url, tmp_path, secret_key=Fernet.generate_key().decode())
    with TestClient(create_app(settings)) as test_client:
        test_client.app.dependency_overrides[host_resolver] = lambda: table(NAMES)
        yield test_client


def people(branch: str, count: int) -> dict[str, list[dict[str, Any]]]:
    """Clinicians, patients, care plans and Monday visits of ``branch``, named with ``MARK``."""
    clinicians = [
        {
            "id": f"{branch}-c{k}",
            "branch_id": branch,
            "name": f"{MARK} {branch} nurse {k}",
            "credential": "RN",
            "home_latitude": 39.96,
            "home_longitude": -83.0 + k / 50,
            "weekly_hours": [{"weekday": 0, "start": "08:00", "end": "17:00"}],
        }
        for k in (1, 2)
    ]
    patients = [
        {
            "id": f"{branch}-p{k}",
            "branch_id": branch,
            "name": f"{MARK} {branch} patient {k}",
            "address": f"{k} {MARK} Road",
            "latitude": 39.97,
            "longitude": -83.0 + k / 100,
        }
        for k in range(1, count + 1)
    ]
    care_plans = [
        {
            "id": f"{branch}-cp1",
            "patient_id": f"{branch}-p1",
            "discipline": "PT",
            "frequency": "1W2",
            "start_of_care": DAY,
            "visit_minutes": 45,
        }
    ]
    visits = [
        {
            "id": f"{branch}-v{k}",
            "patient_id": f"{branch}-p{k}",
            "discipline": "SN",
            "minutes": 30,
            "windows": [{"start": f"{DAY}T09:00:00-05:00", "end": f"{DAY}T15:00:00-05:00"}],
        }
        for k in range(1, count + 1)
    ]
    return {"clinicians": clinicians, "patients": patients, "care_plans": care_plans} | {
        "visits": visits
    }


@dataclass
class World:
    """Three branches (b1, b2 of agency a1; b3 of agency a2), their callers and records."""

    admin: dict[str, str]
    callers: dict[str, dict[str, str]]
    records: dict[str, dict[str, list[dict[str, Any]]]]
    user_ids: dict[str, str]
    hooks: dict[str, str]  # agency -> its webhook's id


def build_world(client: TestClient, admin: dict[str, str]) -> World:
    """Agencies, branches, records, one user per caller, a webhook per agency."""
    for body in ({"id": "a1", "name": "One"}, {"id": "a2", "name": "Two"}):
        assert client.post("/v1/agencies", json=body, headers=admin).status_code == 201
    for branch, agency in (("b1", "a1"), ("b2", "a1"), ("b3", "a2")):
        body = {"id": branch, "agency_id": agency, "name": branch, "timezone": "America/New_York"}
        assert client.post("/v1/branches", json=body, headers=admin).status_code == 201
    records = {"b1": people("b1", 6), "b2": people("b2", 2), "b3": people("b3", 2)}
    for branch, batch in records.items():
        answer = client.post("/v1/imports", json=batch, headers=admin)
        assert answer.status_code in (200, 201), (branch, answer.text)
    scopes = {
        "scheduler b1": (Role.SCHEDULER, {"agency_id": "a1", "branch_id": "b1"}),
        "scheduler b2": (Role.SCHEDULER, {"agency_id": "a1", "branch_id": "b2"}),
        "clinician b1-c1": (
            Role.CLINICIAN,
            {"agency_id": "a1", "branch_id": "b1", "clinician_id": "b1-c1"},
        ),
        "system a1": (Role.AGENCY_SYSTEM, {"agency_id": "a1"}),
        "system a2": (Role.AGENCY_SYSTEM, {"agency_id": "a2"}),
    }
    callers, user_ids = {}, {}
    with client.app.state.sessions.begin() as session:
        for name, (role, scope) in scopes.items():
            user, token = create_user(session, name=name, role=role, **scope)
            callers[name], user_ids[name] = bearer(token), user.id
    hooks = {}
    for agency in ("a1", "a2"):
        body = {"agency_id": agency, "url": f"{HOOK_URL}/{agency}"}
        created = client.post("/v1/webhooks", json=body, headers=admin)
        assert created.status_code == 201, created.text
        hooks[agency] = created.json()["id"]
    return World(admin, callers, records, user_ids, hooks)


def plan_branch(client: TestClient, admin: dict[str, str], branch: str) -> str:
    """A draft plan of the Monday for ``branch`` (1 s); returns its id."""
    started = client.post(
        "/v1/planning-jobs",
        json={"branch_id": branch, "start_date": DAY, "days": 1, "time_limit_seconds": 1},
        headers=admin,
    )
    assert started.status_code == 202, started.text
    job = wait_for_job(client, started.json()["id"], admin)
    assert job["status"] == "succeeded", job["error"]
    return job["plan_id"]


def visit_states(client: TestClient, admin: dict[str, str], branch: str) -> dict[str, tuple]:
    """Each visit of ``branch``: (status, clinician, start), read as the admin."""
    listed = client.get(f"/v1/visits?branch_id={branch}&limit=500", headers=admin).json()
    return {v["id"]: (v["status"], v["clinician_id"], v["start_at"]) for v in listed["items"]}


def complete_in_store(client: TestClient, visit_id: str) -> None:
    """Record a visit completed (the Monday is ahead of the clock: straight in the store)."""
    with client.app.state.sessions.begin() as session:
        visit = session.scalars(select(models.Visit).filter_by(id=visit_id)).one()
        visit.status = models.VisitStatus.COMPLETED


def probe_resurrection(client: TestClient, world: World, tally: Tally) -> str:
    """Delete, cancel, complete after planning; publishing answers 409 and changes nothing.

    Then a fresh plan is published, and after more cancellations and completions neither it
    nor the older plan may be published again over them. Returns the published plan's id.
    """
    admin = world.admin
    stale = plan_branch(client, admin, "b1")
    assert client.delete("/v1/visits/b1-v1", headers=admin).status_code == 204
    cancelled = {"status": "cancelled"}
    assert client.patch("/v1/visits/b1-v2/status", json=cancelled, headers=admin).is_success
    complete_in_store(client, "b1-v3")
    before = visit_states(client, admin, "b1")
    schedule = client.get("/v1/branches/b1/schedule", headers=admin).headers["ETag"]
    publishers = (admin, world.callers["scheduler b1"])

    def publish_refused(plan_id: str, why: str) -> None:
        for headers in publishers * 2:
            answer = tally.answer(
                "publish-after", client.post(f"/v1/plans/{plan_id}/publish", headers=headers), why
            )
            if answer.status_code != 409:
                tally.resurrections.append(f"{why}: publish answered {answer.status_code}")

    def unchanged(why: str) -> None:
        after = visit_states(client, admin, "b1")
        tally.sent["publish-after"] += 1
        for visit_id, state in before.items():
            if after.get(visit_id) != state:
                tally.resurrections.append(f"{why}: {visit_id} {state} -> {after.get(visit_id)}")
        if "b1-v1" in after or client.get("/v1/visits/b1-v1", headers=admin).status_code != 404:
            tally.resurrections.append(f"{why}: deleted visit b1-v1 is back")
        tag = client.get("/v1/branches/b1/schedule", headers=admin).headers["ETag"]
        if tag != schedule:
            tally.resurrections.append(f"{why}: the schedule changed")

    publish_refused(stale, "deleted, cancelled, completed since planning")
    unchanged("deleted, cancelled, completed since planning")
    fresh = plan_branch(client, admin, "b1")
    published = client.post(f"/v1/plans/{fresh}/publish", headers=admin)
    assert published.status_code == 200, published.text
    assert client.patch("/v1/visits/b1-v4/status", json=cancelled, headers=admin).is_success
    complete_in_store(client, "b1-v5")
    before = visit_states(client, admin, "b1")
    schedule = client.get("/v1/branches/b1/schedule", headers=admin).headers["ETag"]
    publish_refused(stale, "an older plan over a published one")
    publish_refused(fresh, "the published plan again, after a cancellation and a completion")
    unchanged("after publishing")
    return fresh


def probe_reach(client: TestClient, world: World, plan_id: str, tally: Tally) -> None:
    """Every caller against every branch out of its reach: never the record, nothing changed."""
    outside = {
        "scheduler b1": ("b2", "b3"),
        "scheduler b2": ("b1", "b3"),
        "clinician b1-c1": ("b2", "b3"),
        "system a1": ("b3",),
        "system a2": ("b1", "b2"),
    }
    snapshot = {branch: snapshot_of(client, world, branch) for branch in world.records}
    for branch in world.records:  # the admin sees each record: the leak check would too
        for method, path, _, kind in reach_requests(world, branch, plan_id)[:16]:
            if method == "GET" and kind == "one":
                answer = tally.answer("control", client.get(path, headers=world.admin), path)
                if answer.status_code != 200 or not leaked(answer, kind, world, branch):
                    tally.blind.append(f"admin GET {path}: {answer.status_code}")
    for caller, branches in outside.items():
        headers = world.callers[caller]
        for branch in branches:
            for method, path, body, kind in reach_requests(world, branch, plan_id):
                extra = (
                    {"Idempotency-Key": f"k{tally.sent['reach']}"} if "reschedules" in path else {}
                )
                what = f"{caller} {method} {path}"
                answer = tally.answer(
                    "reach",
                    client.request(method, path, json=body, headers=headers | extra),
                    what,
                )
                if leaked(answer, kind, world, branch):
                    tally.leaks.append(f"{what}: {answer.status_code} {answer.text[:120]}")
    for branch, before in snapshot.items():
        tally.sent["reach"] += 1
        if snapshot_of(client, world, branch) != before:
            tally.leaks.append(f"branch {branch}'s records changed through another's token")


def reach_requests(world: World, branch: str, plan_id: str) -> list[tuple]:
    """(method, path, body, kind) against ``branch``: kind "one" names a record, "list" filters."""
    records = world.records[branch]
    clinician, patient = records["clinicians"][0], records["patients"][0]
    care_plan, visit = records["care_plans"][0], records["visits"][-1]
    agency = "a2" if branch == "b3" else "a1"

    def plain(record: dict[str, Any], **changes: Any) -> dict[str, Any]:
        """The record without its identity, named "Probe" (an echo of it is no leak)."""
        body = {k: v for k, v in record.items() if k not in ("id", "branch_id", "patient_id")}
        body |= {key: "Probe" for key in ("name", "address") if key in body}
        return body | changes

    requests: list[tuple] = []
    for name, record in (
        ("clinicians", clinician),
        ("patients", patient),
        ("care-plans", care_plan),
        ("visits", visit),
    ):
        path = f"/v1/{name}/{record['id']}"
        requests += [
            ("GET", path, None, "one"),
            ("PUT", path, plain(record), "one"),
            ("DELETE", path, None, "one"),
            ("GET", f"/v1/{name}?branch_id={branch}", None, "list"),
        ]
    new_visit = plain(visit, id="probe-v", patient_id=patient["id"])
    new_patient = plain(patient, id="probe-p", branch_id=branch)
    requests += [
        ("GET", f"/v1/visits?patient_id={patient['id']}", None, "list"),
        ("GET", f"/v1/visits?clinician_id={clinician['id']}", None, "list"),
        ("PATCH", f"/v1/visits/{visit['id']}/status", {"status": "cancelled"}, "one"),
        ("POST", "/v1/visits", new_visit, "one"),
        (
            "POST",
            "/v1/care-plans",
            plain(care_plan, id="probe-cp", patient_id=patient["id"]),
            "one",
        ),
        ("POST", "/v1/patients", new_patient, "one"),
        ("POST", "/v1/clinicians", plain(clinician, id="probe-c", branch_id=branch), "one"),
        ("POST", "/v1/imports", {"patients": [new_patient | {"id": "probe-p2"}]}, "one"),
        ("GET", f"/v1/branches/{branch}/schedule", None, "one"),
        ("GET", f"/v1/plans?branch_id={branch}", None, "list"),
        ("POST", "/v1/planning-jobs", {"branch_id": branch, "start_date": DAY, "days": 1}, "one"),
        (
            "POST",
            f"/v1/branches/{branch}/reschedules",
            {"day": DAY, "events": [{"type": "visit_cancelled", "visit_id": visit["id"]}]},
            "one",
        ),
        (
            "POST",
            f"/v1/branches/{branch}/insertion-options",
            {"visit": new_visit},
            "one",
        ),
        ("GET", "/v1/branches", None, "list"),
        ("GET", f"/v1/webhooks/{world.hooks[agency]}/deliveries", None, "one"),
        ("DELETE", f"/v1/webhooks/{world.hooks[agency]}", None, "one"),
        ("POST", "/v1/webhooks", {"agency_id": agency, "url": HOOK_URL}, "one"),
    ]
    for suffix in ("", "/ics", "/html"):
        requests.append(("GET", f"/v1/itineraries/{clinician['id']}/{DAY}{suffix}", None, "one"))
    if branch == "b1":
        for suffix in ("", "/unassigned", "/publish"):
            method = "POST" if suffix == "/publish" else "GET"
            requests.append((method, f"/v1/plans/{plan_id}{suffix}", None, "one"))
    return requests


def leaked(answer: Response, kind: str, world: World, branch: str) -> bool:
    """Whether ``answer`` served a record of ``branch`` (or let a write through)."""
    if f"{MARK} {branch}" in answer.text:
        return True
    if kind == "one":
        return answer.status_code not in (403, 404)
    if answer.status_code in (403, 404):
        return False
    foreign = {record["id"] for batch in world.records[branch].values() for record in batch} | {
        branch
    }
    items = answer.json() if answer.status_code == 200 else []
    items = items["items"] if isinstance(items, dict) else items
    return answer.status_code != 200 or any(item.get("id") in foreign for item in items)


def snapshot_of(client: TestClient, world: World, branch: str) -> dict[str, Any]:
    """Every record of ``branch`` and its agency's webhooks, as the admin reads them."""
    admin = world.admin
    seen = {
        name: client.get(f"/v1/{name}?branch_id={branch}&limit=500", headers=admin).json()
        for name in ("clinicians", "patients", "care-plans", "visits", "plans")
    }
    seen["webhooks"] = client.get("/v1/webhooks", headers=admin).json()
    return seen


HOSTILE_TEXT = {"NUL": r'"a\u0000b"', "unpaired surrogate": r'"a\ud800b"'}
HOSTILE_NUMBERS = {"NaN": "NaN", "Infinity": "Infinity", "-Infinity": "-Infinity", "1e400": "1e400"}
HOSTILE_DATES = {"year 1": '"0001-01-01"', "year 9999": '"9999-12-31"'}
HOSTILE_MOMENTS = {
    "year 1": '"0001-01-01T00:00:00+00:00"',
    "last moment": '"9999-12-31T23:59:59-14:00"',
}
HOSTILE_ZONES = {"localtime": '"localtime"', "Factory": '"Factory"'}
DEEP = 50_000
SENTINEL = "@@hostile@@"


def hostile_bodies(template: Any) -> Iterator[tuple[str, str]]:
    """(what, raw JSON) for each hostile value fitting each leaf of ``template``, and nesting."""
    for path, leaf in leaves(template):
        name = str(path[-1]) if path else ""
        if isinstance(leaf, bool):
            continue
        if isinstance(leaf, int | float):
            kinds = HOSTILE_NUMBERS
        elif name == "timezone":
            kinds = HOSTILE_ZONES | HOSTILE_TEXT
        elif isinstance(leaf, str) and len(leaf) == 10 and leaf[4] == "-":
            kinds = HOSTILE_DATES | HOSTILE_TEXT
        elif isinstance(leaf, str) and "T" in leaf and leaf[:4].isdigit():
            kinds = HOSTILE_MOMENTS | HOSTILE_TEXT
        else:
            kinds = HOSTILE_TEXT
        marked = json.dumps(replaced(template, path, SENTINEL))
        for kind, raw in kinds.items():
            yield f"{kind} at {'.'.join(map(str, path))}", marked.replace(f'"{SENTINEL}"', raw)
    first = next(iter(template))
    nested = json.dumps(replaced(template, (first,), SENTINEL))
    yield "nested 50,000 deep", "[" * DEEP
    yield f"nested 50,000 deep at {first}", nested.replace(f'"{SENTINEL}"', "[" * DEEP + "]" * DEEP)


def leaves(value: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    """(path, value) of each scalar inside ``value``."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaves(item, (*path, index))
    elif value is not None:
        yield path, value


def replaced(value: Any, path: tuple, new: Any) -> Any:
    """A copy of ``value`` with the leaf at ``path`` replaced by ``new``."""
    if not path:
        return new
    head, *rest = path
    copy = list(value) if isinstance(value, list) else dict(value)
    copy[head] = replaced(value[head], tuple(rest), new)
    return copy


def writable(world: World) -> list[tuple[str, str, dict[str, str], Any]]:
    """(method, path, caller's headers, a valid body) of every writable resource."""
    admin, b1 = world.admin, world.records["b1"]
    clinician, patient = b1["clinicians"][1], b1["patients"][-1]
    care_plan, visit = b1["care_plans"][0], b1["visits"][-1]

    def fields(record: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in record.items() if k not in ("id", "branch_id", "patient_id")}

    new_visit = visit | {
        "id": "h-v",
        "due_at": f"{DAY}T17:00:00-05:00",
        "pinned_start_at": f"{DAY}T10:00:00-05:00",
    }
    rich_care_plan = care_plan | {
        "id": "h-cp",
        "visits_made": [DAY],
        "referral_at": f"{DAY}T08:00:00-05:00",
        "episode_start": DAY,
    }
    rich_clinician = clinician | {
        "id": "h-c",
        "weekly_hours": [
            {
                "weekday": 0,
                "start": "08:00",
                "end": "17:00",
                "lunch_start": "11:30",
                "lunch_end": "13:30",
                "lunch_minutes": 30,
            }
        ],
    }
    rich_patient = patient | {
        "id": "h-p",
        "availability": [{"weekday": 0, "start": "09:00", "end": "12:00"}],
    }
    return [
        ("POST", "/v1/agencies", admin, {"id": "h-a", "name": "H"}),
        (
            "POST",
            "/v1/branches",
            admin,
            {"id": "h-b", "agency_id": "a1", "name": "H", "timezone": "America/New_York"},
        ),
        ("POST", "/v1/clinicians", admin, rich_clinician),
        ("PUT", f"/v1/clinicians/{clinician['id']}", admin, fields(rich_clinician)),
        ("POST", "/v1/patients", admin, rich_patient),
        ("PUT", f"/v1/patients/{patient['id']}", admin, fields(rich_patient)),
        ("POST", "/v1/care-plans", admin, rich_care_plan),
        ("PUT", f"/v1/care-plans/{care_plan['id']}", admin, fields(rich_care_plan)),
        ("POST", "/v1/visits", admin, new_visit),
        ("PUT", f"/v1/visits/{visit['id']}", admin, fields(new_visit)),
        ("PATCH", f"/v1/visits/{visit['id']}/status", admin, {"status": "cancelled"}),
        (
            "POST",
            "/v1/imports",
            admin,
            {"patients": [rich_patient | {"id": "h-p2"}], "visits": [new_visit | {"id": "h-v2"}]},
        ),
        (
            "POST",
            "/v1/users",
            admin,
            {"name": "H", "role": "scheduler", "branch_id": "b1"},
        ),
        ("PATCH", f"/v1/users/{world.user_ids['scheduler b2']}", admin, {"name": "H"}),
        (
            "POST",
            "/v1/planning-jobs",
            admin,
            {"branch_id": "b1", "start_date": DAY, "days": 1, "time_limit_seconds": 1},
        ),
        (
            "POST",
            "/v1/branches/b1/reschedules",
            admin,
            {
                "day": DAY,
                "now": f"{DAY}T10:00:00-05:00",
                "dry_run": True,
                "time_limit_seconds": 1,
                "events": [
                    {"type": "visit_cancelled", "visit_id": visit["id"]},
                    {
                        "type": "visit_running_late",
                        "visit_id": visit["id"],
                        "ends_at": f"{DAY}T11:00:00-05:00",
                    },
                    {
                        "type": "patient_unavailable",
                        "patient_id": patient["id"],
                        "windows": visit["windows"],
                    },
                ],
            },
        ),
        ("POST", "/v1/branches/b1/insertion-options", admin, {"visit": new_visit, "limit": 3}),
        ("POST", "/v1/webhooks", world.callers["system a1"], {"url": HOOK_URL}),
    ]


CSV_ROWS = {
    "NUL": b"h-p,b1,A\x00n,39.9,-83,\n",
    "unpaired surrogate": b"h-p,b1,A\xed\xa0\x80n,39.9,-83,\n",
    "not UTF-8": b"h-p,b1,A\xffn,39.9,-83,\n",
    "NaN": b"h-p,b1,Ann,NaN,-83,\n",
    "Infinity": b"h-p,b1,Ann,39.9,Infinity,\n",
    "1e400": b"h-p,b1,Ann,1e400,-83,\n",
    "nested 50,000 deep": b'h-p,b1,Ann,39.9,-83,"' + b"[" * DEEP + b'"\n',
}


def probe_hostile(client: TestClient, world: World, tally: Tally) -> None:
    """Each hostile value into each writable resource: a 4xx, never a 500, nothing kept."""
    before = snapshot_of(client, world, "b1")
    with client.app.state.sessions() as session:
        users = session.scalar(select(func.count()).select_from(models.User))
    for method, path, headers, template in writable(world):
        for what, raw in hostile_bodies(template):
            extra = {"Content-Type": "application/json"}
            if "reschedules" in path:
                extra["Idempotency-Key"] = f"h{tally.sent['hostile']}"
            answer = tally.answer(
                "hostile",
                client.request(method, path, content=raw.encode(), headers=headers | extra),
                f"{method} {path} {what}",
            )
            if answer.status_code < 400:
                tally.accepted_hostile.append(f"{method} {path} {what}: {answer.status_code}")
    header = b"id,branch_id,name,latitude,longitude,availability\n"
    for what, row in CSV_ROWS.items():
        answer = tally.answer(
            "hostile",
            client.post(
                "/v1/imports/patients.csv",
                content=header + row,
                headers=world.admin | {"Content-Type": "text/csv"},
            ),
            f"CSV {what}",
        )
        if answer.status_code < 400:
            tally.accepted_hostile.append(f"CSV {what}: {answer.status_code}")
    tally.sent["hostile"] += 1
    if snapshot_of(client, world, "b1") != before:
        tally.accepted_hostile.append("branch b1's records changed")
    with client.app.state.sessions() as session:
        if session.scalar(select(func.count()).select_from(models.User)) != users:
            tally.accepted_hostile.append("a user was added")
    for method, path, headers, template in writable(world):  # the bodies themselves: accepted
        extra = {"Idempotency-Key": "valid"} if "reschedules" in path else {}
        answer = tally.answer(
            "control",
            client.request(method, path, json=template, headers=headers | extra),
            f"{method} {path}",
        )
        if not answer.is_success:
            tally.blind.append(f"valid {method} {path}: {answer.status_code} {answer.text[:120]}")


EXTRA_TARGETS = [
    "https://127.0.0.1:8443/hook",
    "https://169.254.169.254/latest/meta-data/iam/",
    "https://metadata.google.internal./computeMetadata/v1/",
    "https://METADATA.GOOGLE.INTERNAL/computeMetadata/v1/",
    "https://10.1.2.3/hook",
    "https://10.255.255.255/hook",
    "https://192.168.0.1/hook",
    "https://192.168.255.254/hook",
    "https://[::1]:8443/hook",
    "https://[0:0:0:0:0:0:0:1]/hook",
    "https://2130706433:443/hook",
    "https://0x7f000001:443/hook",
    "https://0x7f.0.0.1/hook",
    "https://017700000001/hook",
    "https://[::ffff:127.0.0.1]:443/hook",
    "https://[::ffff:7f00:1]/hook",
    "https://[::ffff:169.254.169.254]/hook",
    "https://[::ffff:a9fe:a9fe]/hook",
    "https://[::ffff:10.0.0.1]/hook",
    "https://[::ffff:192.168.1.1]/hook",
    "https://[64:ff9b::a9fe:a9fe]/hook",
    "https://[2002:7f00:1::]/hook",
    "https://169.254.169.254.:443/hook",
    "https://2852039166/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/hook",
]


def probe_targets(client: TestClient, world: World, tally: Tally) -> None:
    """Every internal webhook target, by the agency's system and by an admin: all refused."""
    targets = [url for url, _ in INTERNAL_TARGETS] + EXTRA_TARGETS
    before = client.get("/v1/webhooks", headers=world.admin).json()["total"]
    for url in targets:
        for headers, body in (
            (world.callers["system a1"], {"url": url}),
            (world.admin, {"agency_id": "a2", "url": url}),
        ):
            answer = tally.answer(
                "internal-target", client.post("/v1/webhooks", json=body, headers=headers), url
            )
            if answer.is_success:
                tally.accepted_targets.append(url)
    tally.sent["internal-target"] += 1
    if client.get("/v1/webhooks", headers=world.admin).json()["total"] != before:
        tally.accepted_targets.append("a webhook row was kept")


def test_the_probe_finds_no_leak_resurrection_500_or_internal_target(client, admin, database_url):
    """Hundreds of hostile requests of four kinds: 0 leaks, 0 resurrections, 0 x 500, 0 kept."""
    started = time.monotonic()
    tally = Tally()
    world = build_world(client, admin)
    plan_id = probe_resurrection(client, world, tally)
    probe_reach(client, world, plan_id, tally)
    probe_hostile(client, world, tally)
    probe_targets(client, world, tally)
    database = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    print(f"\n{tally.summary(database)} in {time.monotonic() - started:.1f} s")

    assert tally.leaks == []
    assert tally.resurrections == []
    assert tally.errors == []
    assert tally.accepted_hostile == []
    assert tally.accepted_targets == []
    assert tally.blind == [], "a control failed: the probe would not see what it looks for"
    assert sum(tally.sent.values()) >= 400
