"""``scheduler bench solomon|mankowska|italian``: the public instance sets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scheduler.bench.harness import OURS, BenchSet, parse_seeds, run_bench
from scheduler.bench.peers import parse_peers
from scheduler.bench.report import (
    BenchReport,
    mean_by_group,
    tabulate_runs,
    write_csv,
    write_markdown,
)
from scheduler.bench.solomon import SolomonSet
from scheduler.bench.uhhc import UhhcSet, read_families
from scheduler.cli import _console
from scheduler.cli._console import console, fail
from scheduler.errors import SchedulerError
from scheduler.settings import get_settings

SecondsPerSolve = Annotated[float, typer.Option(min=0.5, help="Seconds per solve.")]
InstanceNames = Annotated[str | None, typer.Option(help="Comma-separated names (default: all).")]
CsvOut = Annotated[Path | None, typer.Option(help="Write the rows to this CSV file.")]
MarkdownOut = Annotated[Path | None, typer.Option(help="Write the table as markdown.")]
SolutionsOut = Annotated[
    Path | None, typer.Option(help="Write each answer here as a UHHC solution JSON.")
]
OurWorkers = Annotated[int, typer.Option(min=1, help="Our search processes per solve.")]


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
        raise fail(error) from error


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
        raise fail(error) from error
    console.print(
        _console.rows_table(
            "Mean gap to reference.csv by family (%)",
            ("family", "mean gap %"),
            [(family, f"{gap:+.2f}") for family, gap in by_family.items()],
        )
    )


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
        raise fail(error) from error


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
