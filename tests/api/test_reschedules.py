"""Reschedules through the API: frozen past, least change, diff, idempotency, ETags."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

import scheduler.service.reschedule as reschedule_module
from scheduler.demo.agency import generate_agency
from scheduler.demo.week import generate_agency_week
from scheduler.domain import Plan, ReasonCode, Unassigned, compute_kpis
from scheduler.geo import travel_matrix
from scheduler.render.itinerary import route_itineraries
from scheduler.service.demo_service import DEMO_BRANCH, DemoAccess, seed_demo_branch
from scheduler.solver import SolveStatus
from scheduler.solver.result import Result
from scheduler.solver.validate import validate
from scheduler.store import models
from scheduler.store.models import utc_now
from scheduler.store.plan_versions import publish_plan, save_plan, stored_problem, stored_solution
from tests.api.support import BOTH_DATABASES, bearer

DAY = "2026-12-07"
TEN = "2026-12-07T10:00:00-05:00"


@pytest.fixture
def day(client: TestClient, plan_demo_once: None) -> DemoAccess:
    """A published demo day: 6 clinicians, 30 patients, New York time."""
    problem = generate_agency(clinicians=6, patients=30)
    return seed_demo_branch(
        client.app.state.sessions, problem, settings=client.app.state.settings, time_limit=4
    )


def published(client: TestClient) -> tuple:
    """The problem and plan published for the demo day."""
    with client.app.state.sessions() as session:
        plan_id = session.scalar(
            select(models.PublishedDay.plan_id).where(models.PublishedDay.branch_id == DEMO_BRANCH)
        )
        row = session.get(models.Plan, plan_id)
        return plan_id, stored_problem(row), stored_solution(row)


def busiest(plan) -> str:
    """The clinician with the most visits."""
    return max(plan.routes, key=lambda route: len(route.stops)).clinician_id


def post(client, access, body, key="k1", **headers):
    """POST a reschedule as the scheduler."""
    extra = {"Idempotency-Key": key} if key else {}
    return client.post(
        f"/v1/branches/{DEMO_BRANCH}/reschedules",
        json=body,
        headers=bearer(access.scheduler) | extra | headers,
    )


def test_call_out_at_ten_moves_only_the_rest_of_that_day(client, day):
    """A call-out at 10:00: earlier visits stay, later ones go to others, the plan is valid."""
    before_id, _, plan = published(client)
    nurse = busiest(plan)
    body = {
        "day": DAY,
        "now": TEN,
        "events": [{"type": "clinician_unavailable", "clinician_id": nurse, "from": TEN}],
    }
    answer = post(client, day, body)
    assert answer.status_code == 200, answer.text
    diff = answer.json()
    after_id, new_problem, new_plan = published(client)
    assert after_id == diff["plan_id"] != before_id
    assert validate(new_problem, new_plan, travel_matrix(new_problem.locations())) == []
    ten = 10 * 3600
    old_route = plan.route_of(nurse, 0)
    new_route = new_plan.route_of(nurse, 0)
    kept = [s.visit_id for s in old_route.stops if s.start < ten]
    assert [s.visit_id for s in (new_route.stops if new_route else ())] == kept
    moved = {c["visit_id"] for c in diff["changes"] if c["clinician_before"] == nurse}
    assert moved == {s.visit_id for s in old_route.stops if s.start >= ten}
    assert nurse in diff["clinicians_to_tell"]
    assert diff["visits_kept"] >= diff["fallback_visits_kept"]
    others_before = {
        s.visit_id: r.clinician_id for r in plan.routes for s in r.stops if r.clinician_id != nurse
    }
    others_after = {s.visit_id: r.clinician_id for r in new_plan.routes for s in r.stops}
    unchanged = sum(others_after.get(v) == c for v, c in others_before.items())
    assert unchanged >= len(others_before) - 2
    itinerary = client.get(
        f"/v1/itineraries/{nurse}/{DAY}", headers=bearer(day.clinicians[nurse])
    ).json()
    assert [stop["visit_id"] for stop in itinerary["stops"]] == kept


def starved_solve(problem, travel, params=None, *, start_from=None) -> Result:
    """A search that ran out of time before any plan: no routes, every visit not solved."""
    unassigned = tuple(
        Unassigned(v.id, ReasonCode.NOT_SOLVED, "The search stopped before finding a plan.")
        for v in problem.visits_to_plan
    )
    plan = Plan((), unassigned, compute_kpis(problem, (), unassigned))
    return Result(SolveStatus.NO_SOLUTION, plan, None, 0.0, "starved")


def test_a_starved_search_keeps_the_fallback_and_lists_each_visit_it_drops(
    client, day, monkeypatch
):
    """A replan placing nothing is not published: the current routes are, and drops are listed."""
    monkeypatch.setattr(reschedule_module, "solve", starved_solve)
    _, _, plan = published(client)
    nurse = busiest(plan)
    body = {
        "day": DAY,
        "now": TEN,
        "events": [{"type": "clinician_unavailable", "clinician_id": nurse, "from": TEN}],
    }
    answer = post(client, day, body)
    assert answer.status_code == 200, answer.text
    diff = answer.json()
    assert diff["plan_source"] == "fallback"
    assert diff["solver_visits_kept"] < diff["fallback_visits_kept"] <= diff["visits_kept"]
    assert diff["fallback_required_visits_kept"] <= diff["required_visits_kept"]
    _, new_problem, new_plan = published(client)
    assert validate(new_problem, new_plan, travel_matrix(new_problem.locations())) == []
    placed = {s.visit_id for r in new_plan.routes for s in r.stops}
    assert diff["visits_kept"] == len(placed)
    others = {s.visit_id for r in plan.routes if r.clinician_id != nurse for s in r.stops}
    assert others <= placed
    later = {s.visit_id for s in plan.route_of(nurse, 0).stops if s.start >= 10 * 3600}
    lost = {s.visit_id for r in plan.routes for s in r.stops} - placed
    dropped = {item["visit_id"]: item for item in diff["dropped"]}
    assert set(dropped) == lost and lost <= later and diff["visits_dropped"] == len(lost)
    assert {c["visit_id"] for c in diff["changes"] if c["kind"] == "dropped"} == lost
    for item in dropped.values():
        assert item["clinician_before"] == nurse and item["reason_code"]
        assert item["reason"].startswith(f"Its clinician {nurse} is unavailable from 10:00.")


def test_cancel_add_late_and_patient_window_events(client, day):
    """A cancelled visit leaves, an urgent visit comes in, a late visit pushes its day on."""
    _, problem, plan = published(client)
    route = max(plan.routes, key=lambda r: len(r.stops))
    first, second = route.stops[0], route.stops[1]
    patient = problem.patient_by_id[route.stops[-1].patient_id]
    urgent = {
        "id": "urgent-1",
        "patient_id": patient.id,
        "discipline": "SN",
        "minutes": 30,
        "windows": [{"start": "2026-12-07T12:00:00-05:00", "end": "2026-12-07T15:00:00-05:00"}],
    }
    ends_late = problem.horizon.datetime_of(first.end + 1800).isoformat()
    body = {
        "day": DAY,
        "now": problem.horizon.datetime_of(first.start + 60).isoformat(),
        "events": [
            {"type": "visit_cancelled", "visit_id": second.visit_id},
            {"type": "visit_added", "visit": urgent},
            {"type": "visit_running_late", "visit_id": first.visit_id, "ends_at": ends_late},
        ],
    }
    answer = post(client, day, body)
    assert answer.status_code == 200, answer.text
    kinds = {c["visit_id"]: c["kind"] for c in answer.json()["changes"]}
    assert kinds[second.visit_id] == "cancelled" and kinds["urgent-1"] == "added"
    _, new_problem, new_plan = published(client)
    assert validate(new_problem, new_plan, travel_matrix(new_problem.locations())) == []
    placed = {s.visit_id: s for r in new_plan.routes for s in r.stops}
    assert second.visit_id not in placed and "urgent-1" in placed
    assert placed[first.visit_id].end == first.end + 1800
    assert (
        client.get(f"/v1/visits/{second.visit_id}", headers=bearer(day.admin)).json()["status"]
        == "cancelled"
    )


def test_patient_unavailable_moves_their_visit_into_the_new_window(client, day):
    """A patient home only 14:00-17:00 gets their visit in that window."""
    _, _, plan = published(client)
    stop = next(s for r in plan.routes for s in r.stops if s.start >= 10 * 3600)
    body = {
        "day": DAY,
        "now": "2026-12-07T08:00:00-05:00",
        "events": [
            {
                "type": "patient_unavailable",
                "patient_id": stop.patient_id,
                "windows": [
                    {"start": "2026-12-07T14:00:00-05:00", "end": "2026-12-07T17:00:00-05:00"}
                ],
            }
        ],
    }
    assert post(client, day, body).status_code == 200
    _, _, new_plan = published(client)
    new_stop = next(
        (s for r in new_plan.routes for s in r.stops if s.visit_id == stop.visit_id), None
    )
    left_out = {u.visit_id for u in new_plan.unassigned}
    assert (
        new_stop is None and stop.visit_id in left_out
    ) or 14 * 3600 <= new_stop.start <= 17 * 3600 - (new_stop.end - new_stop.start)


def test_same_key_same_answer_once_other_payload_422_no_key_428(client, day):
    """Idempotency-Key: a repeat returns the stored answer without a second effect."""
    _, _, plan = published(client)
    body = {
        "day": DAY,
        "now": TEN,
        "events": [{"type": "clinician_unavailable", "clinician_id": busiest(plan), "from": TEN}],
    }
    first = post(client, day, body, key="same")
    again = post(client, day, body, key="same")
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    with client.app.state.sessions() as session:
        assert session.scalar(select(func.count()).select_from(models.Plan)) == 2
    other = dict(body, now="2026-12-07T11:00:00-05:00")
    assert post(client, day, other, key="same").status_code == 422
    assert post(client, day, body, key=None).status_code == 428


@BOTH_DATABASES
def test_twenty_parallel_posts_with_one_key_have_one_effect(client, day):
    """20 identical POSTs at once with one key: one new plan version, 20 identical answers."""
    _, _, plan = published(client)
    body = {
        "day": DAY,
        "now": TEN,
        "events": [{"type": "clinician_unavailable", "clinician_id": busiest(plan), "from": TEN}],
    }
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda _: post(client, day, body, key="burst"), range(20)))
    assert {a.status_code for a in answers} == {200}
    assert len({a.text for a in answers}) == 1
    with client.app.state.sessions() as session:
        assert session.scalar(select(func.count()).select_from(models.Plan)) == 2


def test_dry_run_answers_the_diff_and_changes_nothing(client, day):
    """A what-if ("if this nurse is out") gives the diff; the schedule and versions stay."""
    before_id, _, plan = published(client)
    schedule = client.get(f"/v1/branches/{DEMO_BRANCH}/schedule", headers=bearer(day.scheduler))
    body = {
        "day": DAY,
        "now": "2026-12-07T07:00:00-05:00",
        "dry_run": True,
        "events": [{"type": "clinician_unavailable", "clinician_id": busiest(plan)}],
    }
    answer = post(client, day, body, key=None)
    assert answer.status_code == 200 and answer.json()["plan_id"] is None
    nurse = busiest(plan)
    assert {c["visit_id"] for c in answer.json()["changes"] if c["clinician_before"] == nurse} == {
        s.visit_id for s in plan.route_of(nurse, 0).stops
    }
    assert published(client)[0] == before_id
    again = client.get(f"/v1/branches/{DEMO_BRANCH}/schedule", headers=bearer(day.scheduler))
    assert again.headers["ETag"] == schedule.headers["ETag"]


def test_stale_if_match_is_a_412(client, day):
    """An edit made on an old read of the schedule is refused with 412; a fresh one passes."""
    _, _, plan = published(client)
    etag = client.get(
        f"/v1/branches/{DEMO_BRANCH}/schedule", headers=bearer(day.scheduler)
    ).headers["ETag"]
    body = {
        "day": DAY,
        "now": TEN,
        "events": [{"type": "clinician_unavailable", "clinician_id": busiest(plan), "from": TEN}],
    }
    assert post(client, day, body, key="a", **{"If-Match": etag}).status_code == 200
    stale = post(
        client, day, dict(body, now="2026-12-07T10:05:00-05:00"), key="b", **{"If-Match": etag}
    )
    assert stale.status_code == 412 and "changed" in stale.json()["detail"]


@pytest.mark.parametrize("far_day", ["0001-01-01", "9999-12-31"])
def test_a_day_outside_1900_2999_is_422_not_404(client, day, far_day):
    """A reschedule for year 1 or 9999 is refused by the schema's date range, like care plans."""
    body = {"day": far_day, "events": [{"type": "visit_cancelled", "visit_id": "v1"}]}
    answer = post(client, day, body)
    assert answer.status_code == 422 and "1900" in answer.text


@BOTH_DATABASES
def test_concurrent_edit_and_batch_publication_exactly_one_wins(client, day):
    """A scheduler's edit and a batch publication from the same revision: one wins, one 412."""
    _, problem, plan = published(client)
    etag = client.get(
        f"/v1/branches/{DEMO_BRANCH}/schedule", headers=bearer(day.scheduler)
    ).headers["ETag"]
    revision = int(etag.strip('"')[1:])
    with client.app.state.sessions.begin() as session:  # the batch run writes its version
        row = save_plan(
            session,
            branch_id=DEMO_BRANCH,
            problem=problem,
            plan=plan,
            itineraries=route_itineraries(problem, plan),
            solver_status="solved",
        )
        publish_plan(session, plan_id=row.id, now=utc_now(), expected_revision=revision)
    body = {
        "day": DAY,
        "now": TEN,
        "events": [{"type": "clinician_unavailable", "clinician_id": busiest(plan), "from": TEN}],
    }
    assert post(client, day, body, key="late", **{"If-Match": etag}).status_code == 412


def test_a_day_of_a_published_week_with_care_plans_is_rescheduled(client, plan_demo_once):
    """Wednesday of a planned week (care plan visits) is replanned after a call-out, validly."""
    access = seed_demo_branch(
        client.app.state.sessions,
        generate_agency_week(clinicians=5, patients=30),
        settings=client.app.state.settings,
        time_limit=6,
    )
    _, _, plan = published(client)
    wednesday = [r for r in plan.routes if r.day == 2]
    nurse = max(wednesday, key=lambda r: len(r.stops)).clinician_id
    body = {
        "day": "2026-12-09",
        "now": "2026-12-09T10:00:00-05:00",
        "events": [
            {
                "type": "clinician_unavailable",
                "clinician_id": nurse,
                "from": "2026-12-09T10:00:00-05:00",
            }
        ],
    }
    answer = post(client, access, body)
    assert answer.status_code == 200, answer.text
    with client.app.state.sessions() as session:
        row = session.get(models.Plan, answer.json()["plan_id"])
        day_problem, day_plan = stored_problem(row), stored_solution(row)
    assert validate(day_problem, day_plan, travel_matrix(day_problem.locations())) == []
    schedule = client.get(
        f"/v1/branches/{DEMO_BRANCH}/schedule", headers=bearer(access.scheduler)
    ).json()
    versions = {day["day"]: day["plan_id"] for day in schedule["days"]}
    assert versions["2026-12-09"] == row.id and versions["2026-12-08"] != row.id


@BOTH_DATABASES
def test_two_reschedules_at_once_with_one_if_match_one_wins_one_412(client, day, monkeypatch):
    """Two reschedules from one ETag saving at the same moment: one 200, the other 412."""
    _, _, plan = published(client)
    etag = client.get(
        f"/v1/branches/{DEMO_BRANCH}/schedule", headers=bearer(day.scheduler)
    ).headers["ETag"]
    both_solved = threading.Barrier(2, timeout=20)
    save_and_publish = reschedule_module.save_and_publish

    def save_together(*args, **kwargs):
        both_solved.wait()  # both have read and solved the same revision before either saves
        return save_and_publish(*args, **kwargs)

    monkeypatch.setattr(reschedule_module, "save_and_publish", save_together)
    body = {
        "day": DAY,
        "now": TEN,
        "time_limit_seconds": 0.5,
        "events": [{"type": "clinician_unavailable", "clinician_id": busiest(plan), "from": TEN}],
    }
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(
            pool.map(lambda key: post(client, day, body, key=key, **{"If-Match": etag}), "ab")
        )
    assert sorted(answer.status_code for answer in answers) == [200, 412], answers[-1].text
