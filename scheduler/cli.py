"""The ``scheduler`` command: demo, solve, serve, bench."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from scheduler import _console
from scheduler.api.app import create_app
from scheduler.bench.api_load import bench_api_load
from scheduler.bench.harness import OURS, BenchSet, parse_seeds, run_bench
from scheduler.bench.peers import parse_peers
from scheduler.bench.report import (
    BenchReport,
    mean_by_group,
    tabulate_runs,
    write_csv,
    write_markdown,
)
from scheduler.bench.reschedule import bench_reschedule
from scheduler.bench.roads import bench_roads, plan_week_on_roads
from scheduler.bench.solomon import SolomonSet
from scheduler.bench.uhhc import UhhcSet, read_families
from scheduler.bench.week import bench_week as bench_week_runs
from scheduler.bench.week import summarise_runs
from scheduler.demo.agency import generate_agency
from scheduler.demo.busy_week import generate_busy_week
from scheduler.demo.reference import reference_plan
from scheduler.demo.week import DEFAULT_START, generate_agency_week
from scheduler.domain import Problem, clinician_kpis
from scheduler.domain.kpis import week_kpis
from scheduler.errors import SchedulerError
from scheduler.geo import travel_matrix
from scheduler.jobs.batch import run_batch_now, serve_batch
from scheduler.render.day_map import day_map_html
from scheduler.service.demo_service import DEMO_BRANCH, seed_demo_branch
from scheduler.service.planning import plan_problem
from scheduler.settings import Settings, get_settings
from scheduler.solver import SolveParams
from scheduler.store.batch_runs import DEFAULT_LEASE_SECONDS
from scheduler.store.database import make_engine, session_factory, upgrade_schema
from scheduler.store.models import Branch
from scheduler.store.problem_io import plan_to_json, problem_to_json, read_problem, write_file

app = typer.Typer(no_args_is_help=True, help="Home health visit scheduling and routing.")
bench_app = typer.Typer(no_args_is_help=True, help="Benchmarks on public instances.")
app.add_typer(bench_app, name="bench")
batch_app = typer.Typer(
    invoke_without_command=True, help="The nightly batch: plan and publish each branch's next day."
)
app.add_typer(batch_app, name="batch")
console = _console.console
NIGHTLY_KPIS = (
    "visits_planned",
    "visits_unassigned",
    "published_kept",
    "published_changed",
    "published_dropped",
    "solver_status",
    "solve_seconds",
)


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
            time_limit=settings.resolve_time_limit(time_limit), workers=settings.solve_workers
        )
        _plan_and_report(problem, settings, params, out or problem_path.with_name("plan.json"))
    except SchedulerError as error:
        raise _fail(error) from error


@app.command()
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
        raise _fail(error) from error
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


SecondsPerSolve = Annotated[float, typer.Option(min=0.5, help="Seconds per solve.")]
InstanceNames = Annotated[str | None, typer.Option(help="Comma-separated names (default: all).")]
CsvOut = Annotated[Path | None, typer.Option(help="Write the rows to this CSV file.")]
MarkdownOut = Annotated[Path | None, typer.Option(help="Write the table as markdown.")]
SolutionsOut = Annotated[
    Path | None, typer.Option(help="Write each answer here as a UHHC solution JSON.")
]
OurWorkers = Annotated[int, typer.Option(min=1, help="Our search processes per solve.")]


@bench_app.command("solomon")
def bench_solomon(
    time_limit: SecondsPerSolve = 10.0,
    instances: Annotated[
        str | None, typer.Option(help="Comma-separated names, e.g. C201,R101 (default: all).")
    ] = None,
    directory: Annotated[Path | None, typer.Option("--dir", help="Solomon folder.")] = None,
    peers: Annotated[
        str | None, typer.Option(help="Peers on the same matrix, one thread: pyvrp,vroom.")
    ] = None,
    seeds: Annotated[str, typer.Option(help="A count (3: seeds 1-3) or a list (1,5,9).")] = "1",
    csv: CsvOut = None,
    markdown: MarkdownOut = None,
    workers: OurWorkers = 1,
) -> None:
    """Solve Solomon VRPTW instances: distance, gap to the best known, feasibility, peers."""
    directory = directory or get_settings().shared_dir / "benchmarks" / "solomon"
    try:
        _bench_and_report(
            SolomonSet(directory, workers=workers),
            instances=instances,
            solvers=(OURS, *parse_peers(peers)),
            time_limit=time_limit,
            seeds=parse_seeds(seeds),
            csv=csv,
            markdown=markdown,
        )
    except SchedulerError as error:
        raise _fail(error) from error


@bench_app.command("mankowska")
def bench_mankowska(
    time_limit: SecondsPerSolve = 60.0,
    instances: InstanceNames = None,
    directory: Annotated[Path | None, typer.Option("--dir", help="Mankowska folder.")] = None,
    csv: CsvOut = None,
    markdown: MarkdownOut = None,
    solutions: SolutionsOut = None,
    workers: OurWorkers = 1,
) -> None:
    """Solve the Mankowska et al. home health instances: objective, gap by family."""
    directory = directory or get_settings().shared_dir / "benchmarks" / "mankowska"
    try:
        report = _bench_uhhc(
            UhhcSet(directory, "Mankowska", workers=workers, solutions=solutions),
            instances=instances,
            time_limit=time_limit,
            csv=csv,
            markdown=markdown,
        )
        by_family = mean_by_group(report, read_families(directory))
    except SchedulerError as error:
        raise _fail(error) from error
    console.print(
        _console.rows_table(
            "Mean gap to reference.csv by family (%)",
            ("family", "mean gap %"),
            [(family, f"{gap:+.2f}") for family, gap in by_family.items()],
        )
    )


@bench_app.command("italian")
def bench_italian(
    time_limit: SecondsPerSolve = 60.0,
    instances: InstanceNames = None,
    directory: Annotated[Path | None, typer.Option("--dir", help="UHHC Italian folder.")] = None,
    csv: CsvOut = None,
    markdown: MarkdownOut = None,
    solutions: SolutionsOut = None,
    workers: OurWorkers = 1,
) -> None:
    """Solve the Italian real-road UHHC instances: objective parts, time, feasibility."""
    directory = directory or get_settings().shared_dir / "benchmarks" / "uhhc-italian"
    try:
        _bench_uhhc(
            UhhcSet(directory, "UHHC Italian", workers=workers, solutions=solutions),
            instances=instances,
            time_limit=time_limit,
            csv=csv,
            markdown=markdown,
        )
    except SchedulerError as error:
        raise _fail(error) from error


def _bench_uhhc(
    bench_set: UhhcSet,
    *,
    instances: str | None,
    time_limit: float,
    csv: Path | None,
    markdown: Path | None,
) -> BenchReport:
    """Run a UHHC set by our solver alone (it takes no seed)."""
    return _bench_and_report(
        bench_set,
        instances=instances,
        solvers=(OURS,),
        time_limit=time_limit,
        seeds=(1,),
        csv=csv,
        markdown=markdown,
    )


def _bench_and_report(
    bench_set: BenchSet,
    *,
    instances: str | None,
    solvers: tuple[str, ...],
    time_limit: float,
    seeds: tuple[int, ...],
    csv: Path | None,
    markdown: Path | None,
) -> BenchReport:
    """Run a benchmark set with a progress bar, print its table, write CSV and markdown."""
    names = [name.strip() for name in instances.split(",")] if instances else None
    total = len(names or bench_set.list_instances()) * len(solvers) * len(seeds)
    with _console.progress_bar() as bar:
        task = bar.add_task(f"{bench_set.title} solves", total=total)
        results = run_bench(
            bench_set,
            names,
            solvers=solvers,
            time_limit=time_limit,
            seeds=seeds,
            on_done=lambda run: bar.update(
                task, advance=1, description=f"{run.instance} {run.solver} seed {run.seed}"
            ),
        )
    title = f"{bench_set.title}, {time_limit:g} s per solve, seeds {','.join(map(str, seeds))}"
    report = tabulate_runs(title, results)
    console.print(_console.report_table(report))
    if csv is not None:
        write_csv(report, csv)
        console.print(f"rows written to {csv}")
    if markdown is not None:
        write_markdown(report, markdown)
        console.print(f"markdown table written to {markdown}")
    return report


@bench_app.command("week")
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
        raise _fail(error) from error
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


@bench_app.command("api-load")
def bench_api_load_command(
    rate: Annotated[float, typer.Option(min=1.0, help="Requests a second, on schedule.")] = 200.0,
    seconds: Annotated[float, typer.Option(min=1.0, help="Seconds of load.")] = 60.0,
    database_url: Annotated[
        str | None, typer.Option(help="Database (default: a fresh PostgreSQL schema, dropped).")
    ] = None,
    clinicians: Annotated[int, typer.Option(min=1, help="Clinicians of the demo branch.")] = 25,
    patients: Annotated[int, typer.Option(min=1, help="Patients of the demo branch.")] = 350,
    workers: Annotated[int, typer.Option(min=1, help="uvicorn worker processes.")] = 1,
    time_limit: Annotated[float, typer.Option(min=1.0, help="Solver seconds for the week.")] = 40.0,
) -> None:
    """Read itineraries at a constant rate from a real API server on loopback: latency, errors."""
    try:
        run = bench_api_load(
            settings=get_settings(),
            rate=rate,
            seconds=seconds,
            database_url=database_url,
            clinicians=clinicians,
            patients=patients,
            workers=workers,
            time_limit=time_limit,
            on_step=console.print,
        )
    except SchedulerError as error:
        raise _fail(error) from error
    load = run.load
    rows = [
        ("rate asked (req/s)", f"{load.rate:g}"),
        ("rate achieved (req/s)", f"{load.achieved_rate:.1f}"),
        ("requests due / sent", f"{load.requests} / {load.sent}"),
        ("errors", f"{load.errors} {load.error_kinds or ''}".strip()),
        *((f"{name} (ms)", f"{1000 * value:.1f}") for name, value in load.percentiles.items()),
        ("latest send (ms behind schedule)", f"{1000 * load.max_lag:.1f}"),
    ]
    title = f"API load: itinerary reads, {run.workers} worker(s), {run.database}"
    console.print(_console.rows_table(title, ("measure", "value"), rows))
    met = load.percentile(95) <= 0.020 and load.errors == 0
    console.print(f"goal p95 <= 20 ms and 0 errors: {'met' if met else 'NOT met'}")
    if load.errors:
        console.print(f"server log (tail):\n{run.server_log}", markup=False)


@bench_app.command("reschedule")
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
        raise _fail(error) from error
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


@batch_app.callback()
def batch(
    ctx: typer.Context,
    workers: Annotated[int, typer.Option(min=1, help="Runs that may go at once.")] = 1,
    time_limit: Annotated[
        float | None, typer.Option(min=0.5, help="Solver seconds (default: the settings').")
    ] = None,
    lease_seconds: Annotated[
        float, typer.Option(min=2.0, help="Seconds after which a killed run is redone.")
    ] = DEFAULT_LEASE_SECONDS,
) -> None:
    """Run the nightly batch in this process until SIGTERM or Ctrl+C (never in API workers).

    Each branch is planned at its batch time in its time zone; jobs live in the database
    (``SCHEDULER_DATABASE_URL``), so any number of batch processes may run: each night of each
    branch is planned once.
    """
    if ctx.invoked_subcommand is not None:
        return
    logging.getLogger("scheduler").setLevel(logging.INFO)
    try:
        serve_batch(
            get_settings(), workers=workers, lease_seconds=lease_seconds, time_limit=time_limit
        )
    except SchedulerError as error:
        raise _fail(error) from error


@batch_app.command("run-now")
def batch_run_now(
    branch: Annotated[str, typer.Option(help="Branch id.")],
    day: Annotated[str, typer.Option("--date", help="First local date to plan, YYYY-MM-DD.")],
    time_limit: Annotated[
        float | None, typer.Option(min=0.5, help="Solver seconds (default: the settings').")
    ] = None,
    lease_seconds: Annotated[
        float, typer.Option(min=2.0, help="Seconds after which a killed run is redone.")
    ] = DEFAULT_LEASE_SECONDS,
) -> None:
    """Run a branch's nightly run for a date now, in the foreground, and print how it went.

    A night already planned is not planned again; one another process holds is left to it.
    Exit code 1 when the run failed.
    """
    settings = get_settings()
    try:
        try:
            first_day = date.fromisoformat(day)
        except ValueError:
            raise SchedulerError(f"--date must be a date like 2026-12-08, not {day!r}") from None
        outcome = _console.run_with_progress(
            f"planning {branch} from {first_day}",
            settings.resolve_time_limit(time_limit),
            lambda: run_batch_now(
                settings,
                branch_id=branch,
                day=first_day,
                lease_seconds=lease_seconds,
                time_limit=time_limit,
            ),
        )
    except SchedulerError as error:
        raise _fail(error) from error
    kpis = outcome.kpis or {}
    rows = [
        ("status", outcome.status),
        ("attempt", outcome.attempts),
        ("run", outcome.run_id or "-"),
        ("plan", outcome.plan_id or "-"),
        *((name, kpis[name]) for name in NIGHTLY_KPIS if name in kpis),
        ("detail", outcome.detail or "-"),
    ]
    console.print(
        _console.rows_table(f"Nightly run of {branch} for {first_day}", ("field", "value"), rows)
    )
    if outcome.status == "failed":
        raise typer.Exit(code=1)


if __name__ == "__main__":
    app()
