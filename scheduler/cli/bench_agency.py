"""``scheduler bench week|reschedule|andorra``: benchmarks on generated agencies."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scheduler.bench.reschedule import bench_reschedule
from scheduler.bench.roads import plan_week_on_roads
from scheduler.bench.week import bench_week as bench_week_runs
from scheduler.bench.week import summarise_runs
from scheduler.cli import _console
from scheduler.cli._console import console, fail
from scheduler.demo.busy_week import generate_busy_week
from scheduler.demo.reference import reference_plan
from scheduler.demo.week import DEFAULT_START, generate_agency_week
from scheduler.errors import SchedulerError
from scheduler.geo import travel_matrix
from scheduler.render.day_map import day_map_html
from scheduler.settings import get_settings
from scheduler.store.problem_io import write_file


def bench_week(
    clinicians: Annotated[int, typer.Option(min=1, help="Clinicians to generate.")] = 60,
    patients: Annotated[
        int | None,
        typer.Option(min=1, help="Patients (busy: as many as fit, light: 900)."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed of the generated agency.")] = 7,
    time_limit: Annotated[float, typer.Option(min=1.0, help="Seconds for each method.")] = 240.0,
    load: Annotated[str, typer.Option(help="Agency load: busy or light.")] = "busy",
    runs: Annotated[int, typer.Option(min=1, help="Runs of the horizon solver.")] = 1,
    compare_3x: Annotated[
        bool, typer.Option("--compare-3x", help="One more solver run with 3x the time limit.")
    ] = False,
) -> None:
    """Plan a generated agency's week from care plans, against a day-by-day greedy baseline.

    Prints each method's KPIs (over paid time without lunch, fairness among equal-hours
    clinicians, start-time spread, preferred hours) and the validator's findings by rule;
    with ``--runs N``, the min/median/max of the main figures over the solver's runs. A busy
    week also shows the reference plan the generator built it around.
    """
    settings = get_settings()
    reference = None
    try:
        if load == "busy":
            week = generate_busy_week(
                seed=seed,
                clinicians=clinicians,
                patients=patients,
                start_date=DEFAULT_START,
                rules=settings.care_rules(),
            )
            problem = week.problem
        else:
            problem = generate_agency_week(
                seed=seed,
                clinicians=clinicians,
                patients=patients,
                load=load,  # type: ignore[arg-type]  # checked by the generator
                rules=settings.care_rules(),
            )
        travel = travel_matrix(problem.locations(), settings=settings)
    except SchedulerError as error:
        raise fail(error) from error
    if load == "busy":
        try:
            reference = reference_plan(problem, week.reference, travel)
        except ValueError as error:  # another travel provider than the generator's estimate
            console.print(f"no reference plan row: {error}")
    required = sum(not v.optional for v in problem.visits_to_plan)
    console.print(
        f"{len(problem.visits_to_plan)} visits due ({required} required) from "
        f"{len(problem.care_plans)} care plans; {clinicians} clinicians, "
        f"{len(problem.patients)} patients, {load} load; {time_limit:g} s per solve"
    )
    expected = time_limit * (runs + 1 + (3 if compare_3x else 0))
    rows = _console.run_with_progress(
        f"solver x{runs}, baseline{', solver at 3x' if compare_3x else ''}",
        expected,
        lambda: bench_week_runs(
            problem,
            travel,
            time_limit=time_limit,
            workers=settings.solve_workers,
            runs=runs,
            compare_3x=compare_3x,
            reference=reference,
        ),
    )
    console.print(_console.week_table(rows))
    if runs > 1:
        console.print(_console.week_runs_table(summarise_runs(rows[:runs]), runs))


def bench_reschedule_command(
    clinicians: Annotated[int, typer.Option(min=2, help="Clinicians of the demo day.")] = 40,
    patients: Annotated[int, typer.Option(min=1, help="Patients of the demo day.")] = 240,
    plan_seconds: Annotated[float, typer.Option(min=1, help="Seconds to plan the day.")] = 30.0,
    replan_seconds: Annotated[float, typer.Option(min=0.5, help="Seconds per replan.")] = 3.0,
    runs: Annotated[int, typer.Option(min=1, help="Replans of the same published day.")] = 1,
) -> None:
    """A 10:00 call-out of the busiest clinician: least-change replan against from scratch.

    Fails (exit 1) if any replan keeps fewer visits than the fallback, the current routes
    less the called-out clinician's (required visits compared first).
    """
    settings = get_settings()
    try:
        result = _console.run_with_progress(
            f"planning the day, then replanning it twice, {runs} time(s)",
            plan_seconds + runs * (2 * replan_seconds + 1),
            lambda: bench_reschedule(
                clinicians=clinicians,
                patients=patients,
                plan_seconds=plan_seconds,
                replan_seconds=replan_seconds,
                runs=runs,
                settings=settings,
            ),
        )
    except SchedulerError as error:
        raise fail(error) from error
    console.print(
        f"{result.clinicians} clinicians, {result.visits_planned} visits planned; "
        f"{result.called_out} calls out at 10:00 with {result.visits_of_called_out_after_call} "
        "visits still to make"
    )
    console.print(_console.reschedule_table(result))
    console.print(_console.reschedule_runs_table(result))
    shortfalls = result.shortfalls()
    if shortfalls:
        for line in shortfalls:
            console.print(f"[red]a replan kept fewer visits than the fallback: {line}[/red]")
        raise typer.Exit(1)
    console.print("every replan kept at least as many visits as the fallback")


def bench_andorra(
    time_limit: Annotated[float, typer.Option(min=1.0, help="Solver seconds.")] = 40.0,
    osm: Annotated[Path | None, typer.Option(help="OSM extract (default: shared Andorra).")] = None,
    map_path: Annotated[
        Path | None, typer.Option("--map", help="Write the busiest day's map (HTML) here.")
    ] = None,
) -> None:
    """Plan a demo week in Andorra on real roads; price the same plan with straight lines."""
    settings = get_settings()
    source = osm or settings.shared_dir / "osm" / "andorra.osm.gz"
    try:
        week = plan_week_on_roads(source, settings=settings, time_limit=time_limit)
    except SchedulerError as error:
        raise fail(error) from error
    if map_path is not None:
        busiest = max(week.plan.routes, key=lambda route: len(route.stops))
        write_file(day_map_html(week.problem, busiest, network=week.network), map_path)
        console.print(f"map of {busiest.clinician_id} on day {busiest.day} written to {map_path}")
    visits = max(1, week.visits_planned)
    rows = [
        ("visits planned", week.visits_planned),
        ("travel per visit on roads (min)", f"{week.road_seconds / visits / 60:.2f}"),
        ("same plan, geodesic estimate (min)", f"{week.geodesic_seconds / visits / 60:.2f}"),
        ("km per visit on roads", f"{week.road_metres / visits / 1000:.2f}"),
        ("same plan, geodesic km per visit", f"{week.geodesic_metres / visits / 1000:.2f}"),
        ("roads over geodesic (time)", f"{week.road_seconds / max(1, week.geodesic_seconds):.2f}x"),
    ]
    title = "Andorra demo week on roads (OSM (c) OpenStreetMap contributors, ODbL)"
    console.print(_console.rows_table(title, ("KPI", "value"), rows))
