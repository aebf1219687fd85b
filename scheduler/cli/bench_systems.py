"""``scheduler bench roads|api-load``: road matrix and API server speed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scheduler.bench.api_load import bench_api_load
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
        raise fail(error) from error
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
