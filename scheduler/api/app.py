"""The FastAPI application: routers, limits, audit, and domain errors as HTTP answers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError

from scheduler.api.guards import AuditTrail, BodyLimit
from scheduler.api.routers import admin, imports, itineraries, people, plans, visits
from scheduler.errors import ConflictError, NotFoundError, ProblemError
from scheduler.service.planning_jobs import PlanningJobRunner, fail_interrupted_jobs
from scheduler.settings import Settings, get_settings
from scheduler.store.database import make_engine, session_factory, upgrade_schema

log = logging.getLogger("scheduler")

DESCRIPTION = """
Visit scheduling and route optimization for home health agencies.

Every call needs an API token: `Authorization: Bearer hhs_...`. Times are ISO 8601 with a UTC
offset; dates are the branch's local dates. Lists are paged with `offset` and `limit`.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    """The API on ``settings.database_url`` (migrated to the latest schema on start)."""
    settings = settings or get_settings()
    engine = make_engine(settings.database_url)
    upgrade_schema(engine)
    sessions = session_factory(engine)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        interrupted = fail_interrupted_jobs(sessions)
        if interrupted:
            log.warning("%d planning jobs were interrupted by a restart", interrupted)
        app.state.jobs = PlanningJobRunner(sessions, settings)
        try:
            yield
        finally:
            app.state.jobs.shutdown()
            engine.dispose()

    app = FastAPI(
        title="Home health scheduler",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.sessions = sessions
    for router in (
        admin.router,
        people.clinicians,
        people.patients,
        people.care_plans,
        visits.router,
        imports.router,
        plans.router,
        itineraries.router,
    ):
        app.include_router(router)
    app.add_middleware(AuditTrail, sessions=sessions)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    _answer_domain_errors(app)
    return app


def _answer_domain_errors(app: FastAPI) -> None:
    """Turn domain errors into 4xx answers with their message."""
    answers = (
        (ProblemError, status.HTTP_422_UNPROCESSABLE_CONTENT),
        (NotFoundError, status.HTTP_404_NOT_FOUND),
        (ConflictError, status.HTTP_409_CONFLICT),
    )
    for error_type, code in answers:

        async def answer(request: Request, error: Exception, code: int = code) -> JSONResponse:
            return JSONResponse({"detail": str(error)}, status_code=code)

        app.add_exception_handler(error_type, answer)

    async def conflict(request: Request, error: Exception) -> JSONResponse:
        return JSONResponse(
            {"detail": "the change conflicts with stored records (a duplicate, or still in use)"},
            status_code=status.HTTP_409_CONFLICT,
        )

    app.add_exception_handler(IntegrityError, conflict)
