"""``scheduler bench roads|api-load|board|fleet``: roads, API, board and workers speed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scheduler.bench.api_load import BROKER, ApiLoad, bench_api_load
from scheduler.bench.board import bench_board
from scheduler.bench.fixed_rate import spread
from scheduler.bench.fleet import bench_fleet
from scheduler.bench.roads import bench_roads
from scheduler.cli import _console
from scheduler.cli._console import console, fail
from scheduler.errors import SchedulerError
from scheduler.settings import get_settings


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
        raise fail(error) from error
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


def bench_api_load_command(
    rate: Annotated[float, typer.Option(min=1.0, help="Requests a second, on schedule.")] = 200.0,
    seconds: Annotated[float, typer.Option(min=1.0, help="Seconds of load a run.")] = 60.0,
    runs: Annotated[int, typer.Option(min=1, help="Runs in a row (min/median/max).")] = 1,
    database_url: Annotated[
        str | None, typer.Option(help="Database (default: a fresh PostgreSQL schema, dropped).")
    ] = None,
    clinicians: Annotated[int, typer.Option(min=1, help="Clinicians of the demo branch.")] = 25,
    patients: Annotated[int, typer.Option(min=1, help="Patients of the demo branch.")] = 350,
    workers: Annotated[int, typer.Option(min=1, help="uvicorn worker processes.")] = 1,
    time_limit: Annotated[float, typer.Option(min=1.0, help="Solver seconds for the week.")] = 40.0,
    solving: Annotated[
        bool, typer.Option(help="One `scheduler worker` solves the week all along, niced.")
    ] = False,
    nice: Annotated[int, typer.Option(min=0, max=19, help="The solving worker's nice.")] = 10,
    broker_url: Annotated[
        str, typer.Option(help="An idle Redis database for --solving (emptied at the end).")
    ] = BROKER,
    profile: Annotated[
        bool, typer.Option(help="Profile itinerary requests in the served app (pyinstrument).")
    ] = False,
) -> None:
    """Read itineraries at a fixed rate (Locust) from the API served by uvicorn: latency, errors."""
    try:
        run = bench_api_load(
            settings=get_settings(),
            rate=rate,
            seconds=seconds,
            runs=runs,
            database_url=database_url,
            clinicians=clinicians,
            patients=patients,
            workers=workers,
            time_limit=time_limit,
            solving=solving,
            nice=nice,
            broker_url=broker_url,
            profile=profile,
            on_step=console.print,
        )
    except SchedulerError as error:
        raise fail(error) from error
    _print_api_load(run)


def _print_api_load(run: ApiLoad) -> None:
    """Each run's figures, their min/median/max, the goal per run, the profile."""
    columns = ("run", "sent", "req/s", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms")
    columns += ("rate held", "Locust cores", "server CPU ms/req", "load")
    if run.solving:
        columns += ("solver cores", "solving")
    rows = []
    for number, each in enumerate(run.runs, start=1):
        load = each.load
        row = [
            str(number),
            str(load.requests),
            f"{load.achieved_rate:.1f}",
            str(load.errors),
            *(f"{1000 * value:.1f}" for value in load.percentiles.values()),
            "yes" if load.held else "NO",
            f"{load.generator_cores:.2f}",
            f"{each.server_ms_per_request:.2f}",
            f"{load.load_average:.2f}",
        ]
        if each.solver is not None:
            row += [f"{each.solver.cores:.2f}", "yes" if each.solver.solving else "NO"]
        rows.append(row)
    loads = [each.load for each in run.runs]
    if len(loads) > 1:
        figures = {
            "sent": [float(load.requests) for load in loads],
            "req/s": [load.achieved_rate for load in loads],
            "errors": [float(load.errors) for load in loads],
            **{
                f"{name} ms": [1000 * load.percentiles[name] for load in loads]
                for name in ("p50", "p95", "p99", "max")
            },
        }
        for index, name in enumerate(("min", "median", "max")):
            rows.append(
                [
                    name,
                    *(f"{spread(values)[index]:.1f}" for values in figures.values()),
                    *([""] * (len(columns) - 1 - len(figures))),
                ]
            )
    title = f"API load: itinerary reads, {run.workers} uvicorn worker(s), {run.database}"
    if run.solving:
        title += (
            f", one planning worker solving at nice {run.nice} "
            f"({run.solve_processes} search processes)"
        )
    console.print(_console.rows_table(title, columns, rows))
    for number, load in enumerate(loads, start=1):
        met = load.percentile(95) <= 0.020 and load.errors == 0
        kinds = f" {load.error_kinds}" if load.error_kinds else ""
        console.print(
            f"run {number}: goal p95 <= 20 ms and 0 errors {'met' if met else 'NOT met'}{kinds}",
            markup=False,
        )
    if any(load.errors for load in loads):
        console.print(f"server log (tail):\n{run.server_log}", markup=False)
    console.print(f"Locust's output: {run.folder}/locust.log", markup=False)
    if run.profile is not None:
        console.print(run.profile, markup=False, highlight=False)
        console.print(f"profile written to {run.folder}/profile.txt", markup=False)


def bench_board_command(
    clinicians: Annotated[int, typer.Option(min=1, help="Clinicians of the busy week.")] = 60,
    runs: Annotated[int, typer.Option(min=1, help="Timed runs (after one warm-up).")] = 3,
    time_limit: Annotated[float, typer.Option(min=1.0, help="Solver seconds for the week.")] = 60.0,
) -> None:
    """The week board of a busy week: server render time, time until Chromium can use it."""
    try:
        times = bench_board(
            settings=get_settings(),
            clinicians=clinicians,
            runs=runs,
            time_limit=time_limit,
            on_step=console.print,
        )
    except SchedulerError as error:
        raise fail(error) from error
    rows = [
        (name, *(f"{1000 * value:.0f}" for value in times.spread(values)), goal)
        for name, values, goal in (
            ("server render (ms)", times.render_seconds, "<= 300"),
            ("time to usable in Chromium (ms)", times.usable_seconds, "<= 2000"),
        )
    ]
    title = f"Board: {times.clinicians} clinicians, {times.visits} visits, {runs} runs"
    console.print(_console.rows_table(title, ("measure", "min", "median", "max", "goal"), rows))


def bench_fleet_command(
    branches: Annotated[int, typer.Option(min=1, help="Branches, one night each.")] = 200,
    clinicians: Annotated[int, typer.Option(min=1, help="Clinicians per branch.")] = 8,
    patients: Annotated[int, typer.Option(min=1, help="Patients per branch.")] = 70,
    workers: Annotated[
        str, typer.Option(help="Worker processes of each phase, comma-separated.")
    ] = "1,2",
    broker_url: Annotated[
        str, typer.Option(help="An idle Redis database for the bench's tasks.")
    ] = "redis://127.0.0.1:6379/9",
) -> None:
    """Nights of many branches planned through 1, then 2 worker processes (fixed work a solve)."""
    settings = get_settings()
    try:
        counts = [int(count) for count in workers.split(",")]
    except ValueError:
        raise fail(SchedulerError(f"--workers takes numbers like 1,2, not {workers!r}")) from None
    try:
        with _console.progress_bar() as bar:
            task = bar.add_task("nights planned", total=branches)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            phases = bench_fleet(
                settings=settings,
                broker_url=broker_url,
                branches=branches,
                clinicians=clinicians,
                patients=patients,
                worker_counts=counts,
                folder=settings.data_dir / "bench" / "fleet",
                on_progress=progress,
            )
    except SchedulerError as error:
        raise fail(error) from error
    rows = [
        (
            phase.workers,
            f"{phase.seconds:.0f}",
            f"{phase.branches_per_minute:.1f}",
            f"{phase.cpu_per_branch:.2f}",
            f"{phase.cores:.2f}",
            f"{phase.branches_per_minute / phases[0].branches_per_minute:.2f}",
            phase.branches - phase.counts.succeeded,
            phase.counts.plans - phase.counts.planned_branches,
            phase.counts.retried,
            f"{phase.peak_megabytes:.0f}",
            f"{phase.load_average:.1f}",
        )
        for phase in phases
    ]
    columns = ("workers", "s", "br/min", "CPU s/br", "cores", "ratio", "lost", "dup.")
    columns += ("retried", "peak MB", "load")
    title = f"Fleet: {branches} branches, {clinicians} clinicians each, fixed work a solve"
    console.print(_console.rows_table(title, columns, rows))
