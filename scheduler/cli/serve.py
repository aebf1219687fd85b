"""``scheduler serve``: the API, with a stored demo branch on request."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

import typer
import uvicorn

from scheduler.api.app import create_app
from scheduler.cli import _console
from scheduler.cli._console import console, fail
from scheduler.demo.week import generate_agency_week
from scheduler.errors import SchedulerError
from scheduler.service.demo_service import DEMO_BRANCH, seed_demo_branch
from scheduler.settings import Settings, get_settings
from scheduler.store.database import make_engine, session_factory, upgrade_schema
from scheduler.store.models import Branch
from scheduler.store.problem_io import write_file


def serve(
    demo: Annotated[
        bool, typer.Option("--demo", help="Store a demo branch with a published week first.")
    ] = False,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    clinicians: Annotated[int, typer.Option(min=1, help="Demo clinicians.")] = 25,
    patients: Annotated[int, typer.Option(min=1, help="Demo patients.")] = 350,
    time_limit: Annotated[float, typer.Option(min=0.5, help="Demo solver seconds.")] = 30.0,
) -> None:
    """Start the API (docs at /docs) on ``SCHEDULER_DATABASE_URL`` (SQLite under data/).

    With ``--demo``, a demo branch is stored, planned and published the first time, and its
    tokens are written to data/demo/tokens.json (open an itinerary in a browser with any user
    name and a token as the password).
    """
    settings = get_settings()
    try:
        if demo:
            _seed_demo(settings, clinicians, patients, time_limit, host, port)
        api = create_app(settings)
    except SchedulerError as error:
        raise fail(error) from error
    console.print(f"API docs: http://{host}:{port}/docs (Ctrl+C stops)")
    uvicorn.run(api, host=host, port=port, log_level="warning")


def _seed_demo(
    settings: Settings, clinicians: int, patients: int, time_limit: float, host: str, port: int
) -> None:
    """Store the demo branch unless the database has it; print where to look."""
    engine = make_engine(settings.database_url)
    upgrade_schema(engine)
    sessions = session_factory(engine)
    tokens_path = settings.data_dir / "demo" / "tokens.json"
    with sessions() as session:
        seeded = session.get(Branch, DEMO_BRANCH) is not None
    if not seeded:
        problem = generate_agency_week(clinicians=clinicians, patients=patients)
        access = _console.run_with_progress(
            "planning the demo week",
            time_limit,
            lambda: seed_demo_branch(
                sessions, problem, settings=settings, branch_id=DEMO_BRANCH, time_limit=time_limit
            ),
        )
        write_file(json.dumps(asdict(access), indent=1), tokens_path)
        tokens_path.chmod(0o600)
    engine.dispose()
    if not tokens_path.is_file():
        raise SchedulerError(
            f"the demo branch exists but {tokens_path} is gone; delete the database"
        )
    access = json.loads(tokens_path.read_text())
    first = sorted(access["clinicians"])[0]
    console.print(f"demo tokens in {tokens_path} (readable by you only; never printed)")
    console.print(
        f"{first}'s Monday: http://{host}:{port}/v1/itineraries/{first}/2026-12-07/html "
        f"(any user name; the password is clinicians.{first} in that file)"
    )
