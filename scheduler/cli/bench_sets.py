"""``scheduler bench solomon|mankowska|italian|uhhc``: the public instance sets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from statistics import median
from typing import Annotated

import typer

from scheduler.bench.harness import OURS, BenchSet, InstanceRuns, parse_seeds, run_bench
from scheduler.bench.peers import parse_peers
from scheduler.bench.report import (
    BenchReport,
    Cell,
    as_number,
    format_cell,
    mean_by_group,
    tabulate_runs,
    write_csv,
    write_markdown,
)
from scheduler.bench.resume import append_rows, done_instances, read_rows
from scheduler.bench.solomon import SolomonSet
from scheduler.bench.uhhc_set import FAMILIES, UhhcSet, read_families, set_directory
from scheduler.cli import _console
from scheduler.cli._console import console, fail
from scheduler.errors import BenchmarkError, SchedulerError
from scheduler.settings import get_settings

SecondsPerSolve = Annotated[float, typer.Option(min=0.5, help="Seconds per solve.")]
InstanceNames = Annotated[str | None, typer.Option(help="Comma-separated names (default: all).")]
CsvOut = Annotated[Path | None, typer.Option(help="Write the rows to this CSV file.")]
MarkdownOut = Annotated[Path | None, typer.Option(help="Write the table as markdown.")]
SolutionsOut = Annotated[
    Path | None, typer.Option(help="Write each answer here as a UHHC solution JSON.")
]
OurWorkers = Annotated[int, typer.Option(min=1, help="Our search processes per solve.")]
UHHC_COLUMNS = (
    "instance",
    "cost",
    "total",
    "validator_total",
    "validator_valid",
    "total_matches",
    "optional_patients",
    "missed_lunch_break",
    "search_gain_pct",
    "seconds",
)
Validator = Annotated[
    Path | None,
    typer.Option(
        envvar="SCHEDULER_UHHC_VALIDATOR",
        help="The official UHHC validator (uhhc-toolbox executable) to check each answer with.",
    ),
]


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
        report = _bench_and_report(
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
    _print_search_gains(report.rows)


def _print_search_gains(rows: Sequence[Mapping[str, Cell]]) -> None:
    """How often, and by how much, the OR-Tools search improved on its first routes.

    ``rows`` are a report's or a CSV's (numbers as text); rows without a gain are skipped.
    """
    gains = [as_number(row.get("search_gain_pct")) for row in rows]
    numbers = [gain for gain in gains if gain is not None]
    improved = sorted(gain for gain in numbers if gain > 0)
    if numbers:
        spread = (
            f" (gain min/median/max {improved[0]:.2f}/{median(improved):.2f}/{improved[-1]:.2f} %)"
            if improved
            else ""
        )
        console.print(
            f"the OR-Tools search improved on its first routes on {len(improved)} of "
            f"{len(numbers)} instance(s){spread}"
        )


def bench_mankowska(
    time_limit: SecondsPerSolve = 60.0,
    instances: InstanceNames = None,
    directory: Annotated[Path | None, typer.Option("--dir", help="Mankowska folder.")] = None,
    csv: CsvOut = None,
    markdown: MarkdownOut = None,
    solutions: SolutionsOut = None,
    workers: OurWorkers = 1,
    validator: Validator = None,
) -> None:
    """Solve the Mankowska et al. home health instances: objective, gap by family."""
    directory = directory or get_settings().shared_dir / "benchmarks" / "mankowska"
    try:
        report = _bench_uhhc(
            UhhcSet(directory, "Mankowska", workers, solutions=solutions, validator=validator),
            instances=instances,
            time_limit=time_limit,
            csv=csv,
            markdown=markdown,
        )
        families = read_families(directory)
    except SchedulerError as error:
        raise fail(error) from error
    _print_family_gaps(report.rows, families)


def _print_family_gaps(rows: Sequence[Mapping[str, Cell]], families: dict[str, str]) -> None:
    """Mean gaps by family: to the best found and to the reference BRKGA's mean of 15 runs."""
    to_best = mean_by_group(rows, families)
    to_brkga = mean_by_group(rows, families, "gap_brkga_mean_pct")
    every = mean_by_group(rows, dict.fromkeys(families, "all"))
    every_brkga = mean_by_group(rows, dict.fromkeys(families, "all"), "gap_brkga_mean_pct")
    console.print(
        _console.rows_table(
            "Mean gap by family (%): to the best found, to the BRKGA's mean of 15 runs",
            ("family", "instances", "to best found", "to BRKGA mean"),
            [
                (
                    family,
                    str(sum(1 for row in rows if families.get(str(row["instance"])) == family)),
                    f"{gap:+.2f}",
                    _signed(to_brkga.get(family)),
                )
                for family, gap in to_best.items()
            ]
            + [("all", str(len(rows)), _signed(every.get("all")), _signed(every_brkga.get("all")))],
        )
    )


def _signed(value: float | None) -> str:
    """A percentage with its sign, empty for none."""
    return "" if value is None else f"{value:+.2f}"


def bench_italian(
    time_limit: SecondsPerSolve = 60.0,
    instances: InstanceNames = None,
    directory: Annotated[Path | None, typer.Option("--dir", help="UHHC Italian folder.")] = None,
    csv: CsvOut = None,
    markdown: MarkdownOut = None,
    solutions: SolutionsOut = None,
    workers: OurWorkers = 1,
    validator: Validator = None,
) -> None:
    """Solve the Italian real-road UHHC instances: objective parts, time, feasibility."""
    directory = directory or get_settings().shared_dir / "benchmarks" / "uhhc-italian"
    try:
        _bench_uhhc(
            UhhcSet(directory, "UHHC Italian", workers, solutions=solutions, validator=validator),
            instances=instances,
            time_limit=time_limit,
            csv=csv,
            markdown=markdown,
        )
    except SchedulerError as error:
        raise fail(error) from error


def bench_uhhc(
    set_name: Annotated[
        str,
        typer.Option("--set", help=f"{'|'.join(FAMILIES)} (under ../shared) or a folder."),
    ] = "generated",
    time_limit: SecondsPerSolve = 60.0,
    instances: InstanceNames = None,
    csv: Annotated[
        Path | None,
        typer.Option(help="Append each instance's row here; a rerun skips the rows present."),
    ] = None,
    solutions: SolutionsOut = None,
    workers: OurWorkers = 1,
    validator: Validator = None,
) -> None:
    """Solve a UHHC set, price it by the format, and check each answer officially."""
    directory = set_directory(set_name, get_settings().shared_dir / "benchmarks")
    bench_set = UhhcSet(
        directory, f"UHHC {set_name}", workers, solutions=solutions, validator=validator
    )
    try:
        if validator is not None and not validator.is_file():
            raise BenchmarkError(f"no UHHC validator at {validator}")
        names = [n.strip() for n in instances.split(",")] if instances else None
        names = names or bench_set.list_instances()
        done = done_instances(csv) if csv is not None else set()
        todo = [name for name in names if name not in done]
        if done & set(names):
            console.print(f"{len(done & set(names))} instance(s) already in {csv}: skipped")
        results, left_out = _run_resumable(bench_set, todo, time_limit=time_limit, csv=csv)
    except SchedulerError as error:
        raise fail(error) from error
    report = tabulate_runs(f"{bench_set.title}, {time_limit:g} s per solve", results)
    console.print(
        _console.rows_table(
            report.title,
            UHHC_COLUMNS,
            [[format_cell(row.get(column)) for column in UHHC_COLUMNS] for row in report.rows],
        )
    )
    if left_out:
        console.print(
            _console.rows_table("Instances not run", ("instance", "why"), left_out.items())
        )
    if csv is not None:
        rows = [row for row in read_rows(csv) if row["instance"] in set(names)]
        valid = sum(row.get("validator_valid") == "True" for row in rows)
        equal = sum(row.get("total_matches") == "True" for row in rows)
        console.print(
            f"{csv}: {len(rows)} row(s); valid under the official validator: {valid}; "
            f"our total equal to its total: {equal}"
        )
        _print_search_gains(rows)
        families = read_families(directory) if (directory / "reference.csv").is_file() else {}
        if families:
            _print_family_gaps(rows, families)


def _run_resumable(
    bench_set: UhhcSet, names: list[str], *, time_limit: float, csv: Path | None
) -> tuple[list[InstanceRuns], dict[str, str]]:
    """Solve each instance with a progress bar, appending its row to ``csv`` at once.

    An instance the reader refuses (a part of the formulation the product does not model)
    is reported with the reader's message and skipped.
    """
    results: list[InstanceRuns] = []
    left_out: dict[str, str] = {}
    with _console.progress_bar() as bar:
        task = bar.add_task(f"{bench_set.title} solves", total=len(names))
        for name in names:
            bar.update(task, description=name)
            try:
                (result,) = run_bench(bench_set, [name], time_limit=time_limit)
            except BenchmarkError as error:
                left_out[name] = str(error)
            else:
                results.append(result)
                if csv is not None:
                    report = tabulate_runs(bench_set.title, [result])
                    append_rows(csv, report.rows, report.columns)
            bar.update(task, advance=1)
    return results, left_out


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
