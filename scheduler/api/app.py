"""The FastAPI application: routers, limits, audit, and domain errors as HTTP answers."""

from __future__ import annotations

import logging
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy.exc import IntegrityError
from starlette.routing import BaseRoute, Match

from scheduler.api.access import FORBIDDEN, refused_roles
from scheduler.api.admission import Admission, requests_at_once
from scheduler.api.board import install_board
from scheduler.api.guards import AuditTrail, AuditWriter, BodyLimit, SecureAnswers
from scheduler.api.routers import (
    admin,
    care_plans,
    clinicians,
    fhir,
    imports,
    insertions,
    itineraries,
    jobs,
    patients,
    plans,
    reschedules,
    users,
    visits,
    webhooks,
)
from scheduler.api.schemas.answers import ErrorMessage, InvalidRequest
from scheduler.api.throttle import FailedAuthThrottle
from scheduler.errors import (
    ConflictError,
    NotFoundError,
    OutdatedPlanError,
    ProblemError,
    StaleError,
)
from scheduler.service.job_queue import Sweeper
from scheduler.service.planning_jobs import open_job_queue
from scheduler.service.webhook_sender import WebhookSender, webhook_secret_box
from scheduler.settings import Settings, get_settings
from scheduler.store.database import (
    make_engine,
    pool_connections,
    session_factory,
    upgrade_schema,
)
from scheduler.store.secret_box import seal_stored_secrets

log = logging.getLogger("scheduler")

DESCRIPTION = """
Visit scheduling and route optimization for home health agencies.

Every call needs an API token: `Authorization: Bearer hhs_...`. Many wrong tokens from one
address are answered 429 for a while (`Retry-After`); a working token is always served. Times
are ISO 8601 with a UTC offset; dates are the branch's local dates. Lists are paged with
`offset` and `limit`.
"""


# Answers every route may give besides its own: auth, reach, conflicts, size, bad input
# (403 only where a role check turns some role away: see _document_refusals).
ERROR_ANSWERS: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorMessage, "description": "The body is not valid JSON"},
    401: {"model": ErrorMessage, "description": "No valid API token"},
    404: {"model": ErrorMessage, "description": "No such record within the caller's reach"},
    409: {"model": ErrorMessage, "description": "Conflicts with stored records"},
    413: {"model": ErrorMessage, "description": "The request body is too large"},
    422: {"model": InvalidRequest, "description": "The request is not valid"},
    429: {
        "model": ErrorMessage,
        "description": "Too many wrong API tokens from the caller's address lately (a working "
        "token is always served)",
        "headers": {
            "Retry-After": {
                "description": "Seconds until wrong tokens from this address are heard again",
                "required": True,
                "schema": {"type": "integer", "minimum": 1},
            }
        },
    },
}


def create_app(settings: Settings | None = None) -> FastAPI:
    """The API on ``settings.database_url`` (migrated to the latest schema on start)."""
    settings = settings or get_settings()
    secret_box = webhook_secret_box(settings)  # a malformed key stops here, before the database
    engine = make_engine(settings.database_url)
    upgrade_schema(engine)
    sessions = session_factory(engine)
    seal_stored_secrets(sessions, secret_box)  # clear-text webhook secrets of old, sealed
    audit = AuditWriter(sessions)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # No job is failed at start: one another process runs holds its lease; the sweeper
        # sends again those whose runner died (lease run out) or that nobody took.
        app.state.jobs = open_job_queue(sessions, settings)
        sweeper = Sweeper(sessions, app.state.jobs, settings=settings)
        sweeper.start()
        app.state.webhooks = WebhookSender(
            sessions, allow_loopback=settings.webhooks_allow_loopback, box=secret_box
        )
        app.state.webhooks.start()
        try:
            yield
        finally:
            app.state.webhooks.stop()
            sweeper.stop()
            app.state.jobs.close()
            audit.flush()
            engine.dispose()

    app = FastAPI(
        title="Home health scheduler",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.sessions = sessions
    app.state.read_sessions = session_factory(
        engine.execution_options(isolation_level="AUTOCOMMIT")
    )
    app.state.secret_box = secret_box
    app.state.auth_throttle = FailedAuthThrottle(limit=settings.auth_failures_per_minute)
    routers = (
        admin.router,
        users.router,
        clinicians.router,
        patients.router,
        care_plans.router,
        visits.router,
        imports.router,
        plans.router,
        jobs.router,
        itineraries.router,
        webhooks.router,
        reschedules.router,
        insertions.router,
        fhir.router,
    )
    _document_refusals([route for router in routers for route in router.routes])
    for router in routers:
        app.include_router(router, responses=ERROR_ANSWERS)
    install_board(app)
    app.state.audit = audit
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecureAnswers)
    # Refusals above are audited too, naming the caller of a working token.
    app.add_middleware(AuditTrail, writer=audit, sessions=sessions)
    # Outermost: a request waiting for its turn holds nothing (see admission.py).
    limit = requests_at_once(pool_connections(settings.database_url))
    app.add_middleware(Admission, limit=limit)
    _answer_domain_errors(app)
    _allow_every_method(app, [route for router in routers for route in router.routes])
    return app


def _document_refusals(routes: list[BaseRoute]) -> None:
    """Document 403 on each route whose role checks turn some role away, and only there."""
    for route in routes:
        if isinstance(route, APIRoute) and refused_roles(route.dependant):
            route.responses = {**route.responses, **FORBIDDEN}


def _answer_domain_errors(app: FastAPI) -> None:
    """Turn domain errors into 4xx answers with their message."""
    answers = (
        (ProblemError, status.HTTP_422_UNPROCESSABLE_CONTENT),
        (NotFoundError, status.HTTP_404_NOT_FOUND),
        (ConflictError, status.HTTP_409_CONFLICT),
        (StaleError, status.HTTP_412_PRECONDITION_FAILED),
    )
    for error_type, code in answers:

        async def answer(request: Request, error: Exception, code: int = code) -> JSONResponse:
            return JSONResponse({"detail": str(error)}, status_code=code)

        app.add_exception_handler(error_type, answer)

    async def outdated(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, OutdatedPlanError)
        return JSONResponse(
            {"detail": str(error), "outdated": error.stops}, status_code=status.HTTP_409_CONFLICT
        )

    app.add_exception_handler(OutdatedPlanError, outdated)

    async def invalid(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        return JSONResponse(
            {"detail": _json_safe(jsonable_encoder(error.errors()))},
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )

    app.add_exception_handler(RequestValidationError, invalid)

    async def conflict(request: Request, error: Exception) -> JSONResponse:
        return JSONResponse(
            {"detail": "the change conflicts with stored records (a duplicate, or still in use)"},
            status_code=status.HTTP_409_CONFLICT,
        )

    app.add_exception_handler(IntegrityError, conflict)


def _json_safe(value: Any) -> Any:
    """``value`` with what JSON cannot carry spelled out: NaN and infinities, lone surrogates."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {_json_safe(key): _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    return value


def _allow_every_method(app: FastAPI, routes: list[BaseRoute]) -> None:
    """Answer 405 naming in ``Allow`` every method the path takes, not one route's only."""

    async def method_not_allowed(request: Request, error: Exception) -> JSONResponse:
        methods: set[str] = set()
        for route in routes:
            if route.matches(request.scope)[0] != Match.NONE:
                methods |= getattr(route, "methods", None) or set()
        return JSONResponse(
            {"detail": "Method Not Allowed"},
            status_code=status.HTTP_405_METHOD_NOT_ALLOWED,
            headers={"Allow": ", ".join(sorted(methods))},
        )

    app.add_exception_handler(status.HTTP_405_METHOD_NOT_ALLOWED, method_not_allowed)
