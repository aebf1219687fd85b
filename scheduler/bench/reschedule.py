"""A call-out on a busy demo day: the least-change replan against a replan from scratch."""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

from scheduler.service.demo_agency import generate_agency
from scheduler.service.demo_service import DEMO_BRANCH, seed_demo_branch
from scheduler.service.reschedule import Event, RescheduleOutcome, reschedule_day
from scheduler.settings import Settings
from scheduler.store import models
from scheduler.store.database import make_engine, session_factory, transaction, upgrade_schema
from scheduler.store.plan_versions import stored_solution


@dataclass(frozen=True)
class RescheduleBench:
    """Both replans of the same call-out, and what the day looked like."""

    clinicians: int
    visits_planned: int
    called_out: str
    visits_of_called_out_after_call: int
    least_change: RescheduleOutcome
    least_change_seconds: float
    from_scratch: RescheduleOutcome
    from_scratch_seconds: float


def bench_reschedule(
    *,
    clinicians: int = 40,
    patients: int = 240,
    call_out_at: clock = clock(10, 0),
    plan_seconds: float = 30.0,
    replan_seconds: float = 3.0,
    settings: Settings,
) -> RescheduleBench:
    """Plan and publish a demo day, call out its busiest clinician, replan both ways.

    The least-change replan is timed as the API answers it (written and published); the
    replan from scratch, on the same frozen state and event, as a what-if before it.
    """
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        engine = make_engine(url)
        upgrade_schema(engine)
        sessions = session_factory(engine)
        problem = generate_agency(clinicians=clinicians, patients=patients)
        access = seed_demo_branch(sessions, problem, settings=settings, time_limit=plan_seconds)
        with sessions() as session:
            plan = stored_solution(session.get(models.Plan, access.plan_id))
        route = max(plan.routes, key=lambda r: len(r.stops))
        now = datetime.combine(
            problem.horizon.start_date, call_out_at, ZoneInfo(problem.horizon.timezone)
        )
        after_call = sum(stop.start >= problem.horizon.second_of(now) for stop in route.stops)
        event = Event("clinician_unavailable", clinician_id=route.clinician_id, at=now)
        outcomes = {}
        for least_change in (False, True):  # from scratch as a what-if, then for real
            started = time.perf_counter()
            with transaction(sessions) as session:
                outcome = reschedule_day(
                    session,
                    branch_id=DEMO_BRANCH,
                    day=problem.horizon.start_date,
                    events=(event,),
                    now=now,
                    settings=settings,
                    time_limit=replan_seconds,
                    dry_run=not least_change,
                    least_change=least_change,
                )
            outcomes[least_change] = (outcome, time.perf_counter() - started)
        engine.dispose()
    return RescheduleBench(
        clinicians=clinicians,
        visits_planned=plan.kpis.visits_planned,
        called_out=route.clinician_id,
        visits_of_called_out_after_call=after_call,
        least_change=outcomes[True][0],
        least_change_seconds=outcomes[True][1],
        from_scratch=outcomes[False][0],
        from_scratch_seconds=outcomes[False][1],
    )
