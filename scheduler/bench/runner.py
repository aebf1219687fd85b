"""Run a benchmark set and report the gap to the best known values."""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from scheduler.bench.solomon import SCALE, read_best_known, read_solomon, solomon_params
from scheduler.errors import BenchmarkError
from scheduler.solver import solve
from scheduler.solver.validate import validate


@dataclass(frozen=True)
class BenchRow:
    """One instance's outcome."""

    instance: str
    best_known: float
    cost: float
    gap_pct: float
    seconds: float
    feasible: bool
    routes: int


def list_solomon(directory: Path) -> list[str]:
    """Names of the Solomon instances in ``directory``, sorted."""
    if not directory.is_dir():
        raise BenchmarkError(
            f"no benchmark directory at {directory}; pass --dir or check ../shared/benchmarks"
        )
    return sorted(path.stem for path in directory.glob("*.txt"))


def run_solomon(
    names: Sequence[str],
    *,
    directory: Path,
    time_limit: float,
    workers: int = 1,
    on_done: Callable[[BenchRow], None] | None = None,
) -> list[BenchRow]:
    """Solve each named instance within ``time_limit`` seconds and compare with the best known.

    ``workers`` search processes run per instance (1 for comparisons at one thread).

    ``feasible`` means every customer is served and the validator finds no violation.
    """
    best = read_best_known(directory)
    unknown = [name for name in names if name not in best]
    if unknown:
        raise BenchmarkError(f"unknown Solomon instance(s): {', '.join(unknown)}")
    rows = []
    for name in names:
        problem, travel = read_solomon(directory / f"{name}.txt")
        result = solve(problem, travel, solomon_params(time_limit, workers=workers))
        plan = result.plan
        feasible = not plan.unassigned and not validate(problem, plan, travel)
        cost = plan.kpis.travel_seconds / SCALE
        row = BenchRow(
            instance=name,
            best_known=best[name],
            cost=cost,
            gap_pct=round(100 * (cost - best[name]) / best[name], 3),
            seconds=round(result.seconds, 2),
            feasible=feasible,
            routes=len(plan.routes),
        )
        rows.append(row)
        if on_done is not None:
            on_done(row)
    return rows


def write_csv(rows: Sequence[BenchRow], path: Path) -> None:
    """Write rows as CSV with a header."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=[field.name for field in fields(BenchRow)])
        writer.writeheader()
        writer.writerows(asdict(row) for row in rows)
