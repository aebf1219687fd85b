"""The ``scheduler`` command: demo, solve, bench."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Annotated

import typer

from scheduler import _console
from scheduler.bench.roads import bench_roads, plan_week_on_roads
from scheduler.bench.runner import list_solomon, run_solomon, write_csv
from scheduler.bench.week import plan_week_both_ways
from scheduler.domain import Problem, clinician_kpis
from scheduler.errors import SchedulerError
from scheduler.geo import travel_matrix
from scheduler.service.demo_agency import generate_agency
from scheduler.service.demo_week import generate_agency_week
from scheduler.service.itinerary import build_itinerary, itinerary_to_html
from scheduler.service.planning import plan_problem
from scheduler.service.problem_io import plan_to_json, problem_to_json, read_problem, write_file
from scheduler.service.route_map import route_map_svg, route_places
from scheduler.settings import Settings, get_settings
from scheduler.solver import SolveParams

app = typer.Typer(no_args_is_help=True, help="Home health visit scheduling and routing.")
bench_app = typer.Typer(no_args_is_help=True, help="Benchmarks on public instances.")
app.add_typer(bench_app, name="bench")
console = _console.console


def _fail(error: Exception) -> typer.Exit:
    """Print a domain error as one clear line and exit non-zero."""
    console.print(f"[bold red]error:[/] {error}")
    return typer.Exit(code=2)


@app.callback()
def main(verbose: Annotated[bool, typer.Option(help="Log solver progress.")] = False) -> None:
    """Home health visit scheduling and routing."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING)


@app.command()
def demo(
    day: Annotated[bool, typer.Option("--day", help="Plan one day of visits, not a week.")] = False,
    seed: Annotated[int, typer.Option(help="Random seed of the generated agency.")] = 7,
    clinicians: Annotated[int, typer.Option(min=1, help="Clinicians to generate.")] = 25,
    patients: Annotated[
        int | None, typer.Option(min=1, help="Patients (default 350 for a week, 150 a day).")
    ] = None,
    time_limit: Annotated[float | None, typer.Option(min=0.5, help="Solver seconds.")] = None,
    out: Annotated[Path | None, typer.Option(help="Folder for problem.json and plan.json.")] = None,
    region: Annotated[str, typer.Option(help="Demo region: columbus or andorra.")] = "columbus",
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
            problem = generate_agency_week(
                seed=seed, clinicians=clinicians, patients=patients or 350, region=region
            )
        write_file(problem_to_json(problem), out / "problem.json")
        seconds = time_limit or (15.0 if day else 40.0)
        params = SolveParams(time_limit=seconds, workers=settings.solve_workers)
        _plan_and_report(problem, settings, params, out / "plan.json")
    except SchedulerError as error:
        raise _fail(error) from error
    console.print(f"demo done in {time.monotonic() - started:.1f} s; files in {out}")


@app.command()
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
            time_limit=time_limit or settings.solve_time_limit, workers=settings.solve_workers
        )
        _plan_and_report(problem, settings, params, out or problem_path.with_name("plan.json"))
    except SchedulerError as error:
        raise _fail(error) from error


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
    if problem.horizon.days == 1:
        console.print(_console.itinerary_table(problem, plan))
    else:
        console.print(_console.clinician_table(clinician_kpis(problem, plan.routes)))
    if plan.unassigned:
        console.print(_console.unassigned_table(problem, plan))
    write_file(plan_to_json(plan), plan_path)
    console.print(f"status: {result.status.value} ({result.message}); {result.seconds:.1f} s")
    console.print(f"plan written to {plan_path}")


@bench_app.command("solomon")
def bench_solomon(
    time_limit: Annotated[float, typer.Option(min=0.5, help="Seconds per instance.")] = 10.0,
    instances: Annotated[
        str | None, typer.Option(help="Comma-separated names, e.g. C201,R101 (default: all).")
    ] = None,
    directory: Annotated[Path | None, typer.Option("--dir", help="Solomon folder.")] = None,
    csv: Annotated[Path | None, typer.Option(help="Write the rows to this CSV file.")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Search processes per instance.")] = 1,
) -> None:
    """Solve Solomon VRPTW instances and print the gap to the best known distance."""
    directory = directory or get_settings().shared_dir / "benchmarks" / "solomon"
    try:
        names = instances.split(",") if instances else list_solomon(directory)
        with _console.progress_bar() as bar:
            task = bar.add_task("instances", total=len(names))
            rows = run_solomon(
                [name.strip() for name in names],
                directory=directory,
                time_limit=time_limit,
                workers=workers,
                on_done=lambda _row: bar.advance(task),
            )
    except SchedulerError as error:
        raise _fail(error) from error
    table_rows = [
        (r.instance, r.best_known, r.cost, f"{r.gap_pct:.2f}", r.seconds, r.feasible, r.routes)
        for r in rows
    ]
    mean_gap = sum(r.gap_pct for r in rows) / len(rows)
    columns = ("instance", "best known", "cost", "gap %", "seconds", "feasible", "routes")
    console.print(_console.rows_table(f"Solomon, {time_limit:g} s each", columns, table_rows))
    console.print(f"mean gap: {mean_gap:.2f} % over {len(rows)} instance(s)")
    if csv is not None:
        write_csv(rows, csv)
        console.print(f"rows written to {csv}")


@bench_app.command("week")
def bench_week(
    clinicians: Annotated[int, typer.Option(min=1, help="Clinicians to generate.")] = 60,
    patients: Annotated[int, typer.Option(min=1, help="Patients to generate.")] = 900,
    seed: Annotated[int, typer.Option(help="Random seed of the generated agency.")] = 7,
    time_limit: Annotated[float, typer.Option(min=1.0, help="Seconds for each method.")] = 240.0,
) -> None:
    """Plan a generated agency's week from care plans, against a day-by-day greedy baseline."""
    settings = get_settings()
    try:
        problem = generate_agency_week(seed=seed, clinicians=clinicians, patients=patients)
        travel = travel_matrix(problem.locations(), settings=settings)
    except SchedulerError as error:
        raise _fail(error) from error
    required = sum(not v.optional for v in problem.visits_to_plan)
    console.print(
        f"{len(problem.visits_to_plan)} visits due ({required} required) from "
        f"{len(problem.care_plans)} care plans; {clinicians} clinicians"
    )
    rows = _console.run_with_progress(
        "solver, then baseline",
        2 * time_limit,
        lambda: plan_week_both_ways(
            problem, travel, time_limit=time_limit, workers=settings.solve_workers
        ),
    )
    console.print(_console.week_table(rows))


@bench_app.command("roads")
def bench_roads_command(
    locations: Annotated[int, typer.Option(min=2, help="Random places near the roads.")] = 1000,
    osm: Annotated[Path | None, typer.Option(help="OSM extract (default: shared Andorra).")] = None,
    baseline_pairs: Annotated[int, typer.Option(min=1, help="Pairs timed for the baseline.")] = 300,
    seed: Annotated[int, typer.Option(help="Random seed of the places.")] = 11,
) -> None:
    """Time road matrices in bulk against one networkx query per pair (OSM data: ODbL)."""
    source = osm or get_settings().shared_dir / "osm" / "andorra.osm.gz"
    try:
        result = bench_roads(source, locations=locations, baseline_pairs=baseline_pairs, seed=seed)
    except SchedulerError as error:
        raise _fail(error) from error
    rows = [
        ("road nodes", result.road_nodes),
        ("locations", result.locations),
        ("first load from OSM (s)", f"{result.first_load:.2f}"),
        ("load of the saved network (s)", f"{result.saved_load:.3f}"),
        ("full matrix, bulk (s)", f"{result.matrix:.3f}"),
        (
            f"networkx per pair ({result.baseline_pairs} timed, ms)",
            f"{1000 * result.baseline_per_pair:.2f}",
        ),
        ("networkx for every pair, scaled (s)", f"{result.baseline_full:.0f}"),
        ("speed-up", f"{result.speedup:.0f}x"),
    ]
    console.print(
        _console.rows_table(
            "Road matrix benchmark (OSM (c) OpenStreetMap contributors, ODbL)",
            ("step", "value"),
            rows,
        )
    )


@bench_app.command("andorra")
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
        raise _fail(error) from error
    if map_path is not None:
        busiest = max(week.plan.routes, key=lambda route: len(route.stops))
        itinerary = build_itinerary(
            week.problem, week.plan, clinician_id=busiest.clinician_id, day=busiest.day
        )
        day_map = route_map_svg(route_places(week.problem, busiest), network=week.network)
        write_file(itinerary_to_html(itinerary, map_svg=day_map), map_path)
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
