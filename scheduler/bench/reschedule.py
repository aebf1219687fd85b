"""A call-out on a busy demo day: the least-change replan against a replan from scratch.

The day is planned and published once; each run then replans the same published day (a copy
of its database), so runs differ only by the search. A replan must never keep fewer visits
than the fallback (the current routes less the called-out clinician's), required visits
compared first: ``RescheduleBench.shortfalls`` names the runs where one did.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

from scheduler.demo.agency import generate_agency
from scheduler.errors import BenchmarkError
from scheduler.service.demo_service import DEMO_BRANCH, seed_demo_branch
from scheduler.service.reschedule import RescheduleOutcome, reschedule_day
from scheduler.service.reschedule_events import ClinicianUnavailable
from scheduler.settings import Settings
from scheduler.store import models
from scheduler.store.database import make_engine, session_factory, transaction, upgrade_schema
from scheduler.store.plan_versions import stored_solution


@dataclass(frozen=True)
class ReplanRun:
    """Both replans of the call-out in one run, each with the seconds its answer took."""

    least_change: RescheduleOutcome
    least_change_seconds: float
    from_scratch: RescheduleOutcome
    from_scratch_seconds: float


@dataclass(frozen=True)
class RescheduleBench:
    """The runs of one call-out, and what the day looked like."""

    clinicians: int
    visits_planned: int
    called_out: str
    visits_of_called_out_after_call: int
    runs: tuple[ReplanRun, ...]

    @property
    def least_change(self) -> RescheduleOutcome:
        """The first run's least-change replan."""
        return self.runs[0].least_change

    @property
    def least_change_seconds(self) -> float:
        """Seconds of the first run's least-change answer."""
        return self.runs[0].least_change_seconds

    @property
    def from_scratch(self) -> RescheduleOutcome:
        """The first run's replan from scratch."""
        return self.runs[0].from_scratch

    @property
    def from_scratch_seconds(self) -> float:
        """Seconds of the first run's answer from scratch."""
        return self.runs[0].from_scratch_seconds

    def shortfalls(self) -> list[str]:
        """Each answer that kept fewer visits than the fallback (required first), described."""
        found = []
        for number, run in enumerate(self.runs, start=1):
            for name, outcome in (
                ("least change", run.least_change),
                ("from scratch", run.from_scratch),
            ):
                if kept_key(outcome) < fallback_key(outcome):
                    found.append(
                        f"run {number} {name}: kept {outcome.visits_kept} "
                        f"({outcome.required_visits_kept} required), the fallback "
                        f"{outcome.fallback_visits_kept} ({outcome.fallback_required_visits_kept})"
                    )
        return found


def kept_key(outcome: RescheduleOutcome) -> tuple[int, int]:
    """What an answer keeps: required visits, then all."""
    return (outcome.required_visits_kept, outcome.visits_kept)


def fallback_key(outcome: RescheduleOutcome) -> tuple[int, int]:
    """What the fallback keeps: required visits, then all."""
    return (outcome.fallback_required_visits_kept, outcome.fallback_visits_kept)


def spread(values: list[float]) -> tuple[float, float, float]:
    """Minimum, median and maximum."""
    return min(values), statistics.median(values), max(values)


def bench_reschedule(
    *,
    clinicians: int = 40,
    patients: int = 240,
    call_out_at: clock = clock(10, 0),
    plan_seconds: float = 30.0,
    replan_seconds: float = 3.0,
    runs: int = 1,
    settings: Settings,
    on_run: Callable[[int, ReplanRun], None] | None = None,
) -> RescheduleBench:
    """Plan and publish a demo day, call out its busiest clinician, replan both ways ``runs`` times.

    Each run works on a fresh copy of the published day. The least-change replan is timed as
    the API answers it (written and published); the replan from scratch, on the same frozen
    state and event, as a what-if before it. ``on_run`` hears of each run as it ends.
    """
    with tempfile.TemporaryDirectory() as folder:
        planned = Path(folder) / "planned.db"
        engine = make_engine(f"sqlite:///{planned}")
        upgrade_schema(engine)
        problem = generate_agency(clinicians=clinicians, patients=patients)
        access = seed_demo_branch(
            session_factory(engine), problem, settings=settings, time_limit=plan_seconds
        )
        with session_factory(engine)() as session:
            plan = stored_solution(session.get(models.Plan, access.plan_id))
        engine.dispose()
        if not plan.routes:
            raise BenchmarkError(
                f"the demo day's plan placed no visit in {plan_seconds:g} s; there is no "
                "clinician to call out: give it more time (--plan-seconds)"
            )
        route = max(plan.routes, key=lambda r: len(r.stops))
        now = datetime.combine(
            problem.horizon.start_date, call_out_at, ZoneInfo(problem.horizon.timezone)
        )
        after_call = sum(stop.start >= problem.horizon.second_of(now) for stop in route.stops)
        event = ClinicianUnavailable(route.clinician_id, from_time=now)
        done = []
        for number in range(1, runs + 1):
            copy = Path(folder) / "run.db"
            shutil.copyfile(planned, copy)
            engine = make_engine(f"sqlite:///{copy}")
            sessions = session_factory(engine)
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
            run = ReplanRun(*outcomes[True], *outcomes[False])
            done.append(run)
            if on_run is not None:
                on_run(number, run)
    return RescheduleBench(
        clinicians=clinicians,
        visits_planned=plan.kpis.visits_planned,
        called_out=route.clinician_id,
        visits_of_called_out_after_call=after_call,
        runs=tuple(done),
    )
