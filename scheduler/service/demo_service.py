"""A demo agency in the database: records, users with tokens, a planned and published week.

Used by ``scheduler serve --demo`` and the API benchmarks; the records come from the demo
generator (trusted), so they go straight to the store rather than through the import API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from scheduler.domain import Problem
from scheduler.service.planning import plan_problem
from scheduler.service.problem_records import problem_to_records
from scheduler.service.publishing import save_and_publish
from scheduler.settings import Settings
from scheduler.solver import SolveParams
from scheduler.store import models
from scheduler.store.branch_problem import load_branch_problem
from scheduler.store.database import transaction
from scheduler.store.models import Role, utc_now
from scheduler.store.records import upsert_records
from scheduler.store.users import create_user
from scheduler.store.visit_links import add_visit_link

DEMO_BRANCH = "demo-columbus"


@dataclass(frozen=True)
class DemoAccess:
    """Tokens of the demo's users and the published plan's id."""

    admin: str
    scheduler: str
    agency_system: str
    clinicians: dict[str, str] = field(default_factory=dict)
    plan_id: str = ""


def seed_demo_branch(
    sessions: sessionmaker[Session],
    problem: Problem,
    *,
    settings: Settings,
    agency_id: str = "demo",
    branch_id: str = DEMO_BRANCH,
    time_limit: float = 20.0,
) -> DemoAccess:
    """Store ``problem`` as a branch, give everyone a token, plan its horizon and publish.

    Its links must join visits given one by one (``problem.visits``).
    """
    horizon = problem.horizon
    with transaction(sessions) as session:
        store_branch(session, problem, agency_id=agency_id, branch_id=branch_id)
        tokens = {
            role: create_user(session, name=f"demo {role}", role=role, **scope)[1]
            for role, scope in (
                (Role.ADMIN, {}),
                (Role.SCHEDULER, {"agency_id": agency_id, "branch_id": branch_id}),
                (Role.AGENCY_SYSTEM, {"agency_id": agency_id}),
            )
        }
        clinician_tokens = {
            clinician.id: create_user(
                session,
                name=f"clinician {clinician.id}",
                role=Role.CLINICIAN,
                agency_id=agency_id,
                branch_id=branch_id,
                clinician_id=clinician.id,
            )[1]
            for clinician in problem.clinicians
        }
    with sessions() as session:
        stored = load_branch_problem(
            session,
            branch_id=branch_id,
            start_date=horizon.start_date,
            days=horizon.days,
            rules=settings.care_rules(),
        )
    params = SolveParams(time_limit=time_limit, workers=settings.solve_workers)
    outcome = plan_problem(stored, settings=settings, params=params)
    with transaction(sessions) as session:
        plan = save_and_publish(
            session,
            branch_id=branch_id,
            problem=stored,
            plan=outcome.result.plan,
            solver_status=outcome.result.status.value,
            now=utc_now(),
        )
    return DemoAccess(
        admin=tokens[Role.ADMIN],
        scheduler=tokens[Role.SCHEDULER],
        agency_system=tokens[Role.AGENCY_SYSTEM],
        clinicians=clinician_tokens,
        plan_id=plan.id,
    )


def store_branch(session: Session, problem: Problem, *, agency_id: str, branch_id: str) -> None:
    """Store ``problem``'s people, care plans and visits as branch ``branch_id`` of ``agency_id``.

    Its links must join visits given one by one (``problem.visits``).
    """
    records = problem_to_records(problem, branch_id=branch_id)
    horizon = problem.horizon
    upsert_records(session, models.Agency, [{"id": agency_id, "name": "Demo home health"}])
    upsert_records(
        session,
        models.Branch,
        [
            {
                "id": branch_id,
                "agency_id": agency_id,
                "name": "Demo branch",
                "timezone": horizon.timezone,
            }
        ],
    )
    upsert_records(session, models.Clinician, records["clinicians"])
    upsert_records(session, models.Patient, records["patients"])
    upsert_records(
        session,
        models.CarePlan,
        [plan | {"branch_id": branch_id} for plan in records["care_plans"]],
    )
    upsert_records(
        session,
        models.Visit,
        [
            {key: value for key, value in visit.items() if key != "link"}
            | {"branch_id": branch_id, "first_day": _first_day(visit)}
            for visit in records["visits"]
        ],
    )
    for link in problem.links:
        add_visit_link(session, link=link)


def _first_day(visit: dict) -> str:
    return min(datetime.fromisoformat(w["start"]) for w in visit["windows"]).date().isoformat()
