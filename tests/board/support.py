"""The board under test: a demo branch in SQLite served by uvicorn, people with passwords."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import uvicorn
from sqlalchemy.orm import Session, sessionmaker

from scheduler.api.app import create_app
from scheduler.demo.week import generate_agency_week
from scheduler.domain import Problem
from scheduler.geo import travel_matrix
from scheduler.render.itinerary import route_itineraries
from scheduler.service.demo_service import DEMO_BRANCH, seed_demo_branch
from scheduler.settings import Settings
from scheduler.solver.insertion import plan_without
from scheduler.store.board_week import published_stop_times
from scheduler.store.database import make_engine, session_factory, transaction
from scheduler.store.models import utc_now
from scheduler.store.plan_versions import save_and_publish
from scheduler.store.published_days import published_version
from scheduler.store.users import user_by_token
from scheduler.store.web_sessions import set_password

ARTEFACTS = Path(__file__).resolve().parent / "artefacts"
SCRIPT_NAME = "<script>alert(1)</script>"
PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class Demo:
    """A served demo branch: the app's address, its database, the users given passwords."""

    base: str
    sessions: sessionmaker[Session]
    settings: Settings
    problem: Problem
    plan_id: str
    start: date
    user_ids: dict[str, str]

    def url(self, path: str) -> str:
        """The app's address of ``path``."""
        return self.base + path


def monday(weeks_from_now: int) -> date:
    """The Monday ``weeks_from_now`` weeks from this week's."""
    today = date.today()
    return today - timedelta(days=today.weekday()) + timedelta(weeks=weeks_from_now)


def demo_problem(start: date) -> Problem:
    """The tiny demo agency's week from ``start``; its first patient named like a script."""
    problem = generate_agency_week(clinicians=3, patients=12, start_date=start)
    first = replace(problem.patients[0], name=SCRIPT_NAME)
    return replace(problem, patients=(first, *problem.patients[1:]))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def served_demo(
    folder: Path, *, start: date, logins: tuple[str, ...] = ("scheduler",)
) -> Iterator[Demo]:
    """The demo branch planned from ``start``, served on a free loopback port.

    ``logins`` (``scheduler``, ``admin``, ``clinician c01``, ...) get the test password.
    """
    settings = Settings(
        database_url=f"sqlite:///{folder / 'board.db'}",
        data_dir=folder,
        cache_dir=folder / "cache",
        solve_workers=1,
        solve_time_limit=1.0,
    )
    app = create_app(settings)  # migrates the new database
    engine = make_engine(settings.database_url)
    sessions = session_factory(engine)
    problem = demo_problem(start)
    access = seed_demo_branch(sessions, problem, settings=settings, time_limit=1.0)
    user_ids = {}
    with transaction(sessions) as session:
        tokens = {"scheduler": access.scheduler, "admin": access.admin}
        tokens |= {f"clinician {c}": t for c, t in access.clinicians.items()}
        for login in logins:
            token = tokens[login]
            user = user_by_token(session, token=token)
            set_password(session, user_id=user.id, login=login, password=PASSWORD)
            user_ids[login] = user.id
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=_free_port(), log_level="warning", ws="none")
    )
    thread = threading.Thread(target=server.run, name="board-server", daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield Demo(
            base=f"http://127.0.0.1:{server.config.port}",
            sessions=sessions,
            settings=settings,
            problem=problem,
            plan_id=access.plan_id,
            start=start,
            user_ids=user_ids,
        )
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()


def leave_out_one(demo: Demo) -> str:
    """Take a visit out of the published week (a new version leaves it out); its id.

    The visit fits where it was, so the board has options for it.
    """
    with transaction(demo.sessions) as session:
        version = published_version(session, branch_id=DEMO_BRANCH, day=demo.start)
        problem, plan = version.problem, version.plan
        route = next(route for route in plan.routes if len(route.stops) >= 2)
        visit_id = route.stops[-1].visit_id
        travel = travel_matrix(problem.locations(), settings=demo.settings)
        save_and_publish(
            session,
            branch_id=DEMO_BRANCH,
            problem=problem,
            plan=(without := plan_without(problem, plan, visit_id, travel)),
            itineraries=route_itineraries(problem, without),
            solver_status="edited",
            now=utc_now(),
        )
    return visit_id


def published_stops(demo: Demo) -> dict[tuple[str, str], set[str]]:
    """The visits of each clinician and day (ISO date) in the published plan."""
    zone = ZoneInfo(demo.problem.horizon.timezone)
    days = [demo.start + timedelta(days=k) for k in range(7)]
    with demo.sessions() as session:
        slots = published_stop_times(session, branch_id=DEMO_BRANCH, days=days)
    stops: dict[tuple[str, str], set[str]] = {}
    for visit_id, (clinician, start) in slots.items():
        day = start.astimezone(zone).date().isoformat()
        stops.setdefault((clinician, day), set()).add(visit_id)
    return stops
