"""``scheduler demo`` and ``scheduler solve``: plan an agency or a problem file and report."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from scheduler.cli import _console
from scheduler.cli._console import console, fail
from scheduler.demo.agency import generate_agency
from scheduler.demo.week import generate_agency_week
from scheduler.domain import Problem, clinician_kpis
from scheduler.domain.kpis import week_kpis
from scheduler.errors import SchedulerError
from scheduler.service.planning import plan_problem
from scheduler.settings import Settings, get_settings
from scheduler.solver import SolveParams
from scheduler.store.problem_io import plan_to_json, problem_to_json, read_problem, write_file


def demo(
    day: Annotated[bool, typer.Option("--day", help="Plan one day of visits, not a week.")] = False,
    seed: Annotated[int, typer.Option(help="Random seed of the generated agency.")] = 7,
    clinicians: Annotated[int, typer.Option(min=1, help="Clinicians to generate.")] = 25,
    patients: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Patients (a busy week: as many as fit; a light week 350; a day 150).",
        ),
    ] = None,
    time_limit: Annotated[float | None, typer.Option(min=0.5, help="Solver seconds.")] = None,
    out: Annotated[Path | None, typer.Option(help="Folder for problem.json and plan.json.")] = None,
    region: Annotated[str, typer.Option(help="Demo region: columbus or andorra.")] = "columbus",
    load: Annotated[
        str,
        typer.Option(
            help="Week load: busy (built around a feasible plan filling ~88 % of paid hours) "
            "or light."
        ),
    ] = "busy",
) -> None:
    """Generate a demo agency, plan its week from care plans (or one day), and report.

    Travel follows the settings (``SCHEDULER_TRAVEL_PROVIDER``); in Andorra with road travel
    and no ``SCHEDULER_ROAD_NETWORK``, the shared Andorra extract is used.
    """
    settings = get_settings()
    if region == "andorra" and settings.road_network is None:
        andorra = settings.shared_dir / "osm" / "andorra.osm.gz"
        settings = settings.model_copy(update={"road_network": andorra})
    out = out or settings.data_dir / "demo"
    try:
        started = time.monotonic()
        if day:
            problem = generate_agency(
                seed=seed, clinicians=clinicians, patients=patients or 150, region=region
            )
        else:
            if load == "light" and patients is None:
                patients = 350
            problem = generate_agency_week(
                seed=seed,
                clinicians=clinicians,
                patients=patients,
                region=region,
                load=load,  # type: ignore[arg-type]  # checked by the generator
                rules=settings.care_rules(),
            )
        write_file(problem_to_json(problem), out / "problem.json")
        seconds = time_limit or (15.0 if day else 40.0)
        params = SolveParams(time_limit=seconds, workers=settings.solve_workers)
        _plan_and_report(problem, settings, params, out / "plan.json")
    except SchedulerError as error:
        raise fail(error) from error
    console.print(f"demo done in {time.monotonic() - started:.1f} s; files in {out}")


def solve(
    problem_path: Annotated[Path, typer.Argument(help="Problem JSON file.")],
    time_limit: Annotated[float | None, typer.Option(min=0.5, help="Solver seconds.")] = None,
    out: Annotated[Path | None, typer.Option(help="Where to write the plan JSON.")] = None,
) -> None:
    """Solve a problem JSON file (geodesic travel) and write the plan JSON."""
    settings = get_settings()
    try:
        problem = read_problem(problem_path)
        params = SolveParams(
            time_limit=settings.resolve_time_limit(time_limit), workers=settings.solve_workers
        )
        _plan_and_report(problem, settings, params, out or problem_path.with_name("plan.json"))
    except SchedulerError as error:
        raise fail(error) from error


def _plan_and_report(
    problem: Problem, settings: Settings, params: SolveParams, plan_path: Path
) -> None:
    """Solve with a progress bar, print the tables, write the plan."""
    console.print(
        f"{len(problem.visits_to_plan)} visits, {len(problem.patients)} patients, "
        f"{len(problem.clinicians)} clinicians, {problem.horizon.days} day(s)"
    )
    outcome = _console.run_with_progress(
        "solving",
        params.time_limit,
        lambda: plan_problem(problem, settings=settings, params=params),
    )
    result = outcome.result
    plan = result.plan
    console.print(_console.kpi_table(plan.kpis))
    console.print(_console.week_kpi_table(week_kpis(problem, plan.routes)))
    if problem.horizon.days == 1:
        console.print(_console.itinerary_table(problem, plan))
    else:
        console.print(_console.clinician_table(clinician_kpis(problem, plan.routes)))
    if plan.unassigned:
        console.print(_console.unassigned_table(problem, plan))
    write_file(plan_to_json(plan), plan_path)
    console.print(f"status: {result.status.value} ({result.message}); {result.seconds:.1f} s")
    console.print(f"plan written to {plan_path}")
