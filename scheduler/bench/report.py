"""Benchmark runs as a table: one row per instance, a summary row of means, CSV and markdown.

A row holds each solver's best cost over the seeds (``cost``), its mean (``mean_cost``, with
more than one seed), the gap of the best to the best known, the mean seconds, ``feasible``
only when every seed's answer was feasible, and the set's parts of the best answer. Peers'
columns carry the peer's name as a prefix (``pyvrp_cost``); ``ratio_<peer>`` is our best cost
over the peer's. The summary row holds the mean of every numeric column and, for feasibility,
how many instances were feasible; the CSV holds the instance rows only.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import fmean

from scheduler.bench.harness import OURS, InstanceRuns

Cell = str | float | int | bool | None


@dataclass(frozen=True)
class BenchReport:
    """Rows of one benchmark run under named columns, the summary row, solvers and parts.

    ``solvers`` are in run order, ours first; ``parts`` name the set's own measures.
    """

    title: str
    columns: tuple[str, ...]
    rows: tuple[dict[str, Cell], ...]
    summary: dict[str, Cell]
    solvers: tuple[str, ...]
    parts: tuple[str, ...]


def tabulate_runs(title: str, results: Sequence[InstanceRuns]) -> BenchReport:
    """One row per instance with every solver's columns (solvers in run order), and means."""
    runs = [run for result in results for run in result.runs]
    solvers = tuple(dict.fromkeys(run.solver for run in runs))
    parts = tuple(dict.fromkeys(part for run in runs for part in run.outcome.parts))
    seeds = max((len(result.of(OURS)) for result in results), default=1)
    rows = tuple(_instance_row(result, solvers, several=seeds > 1) for result in results)
    columns = tuple(dict.fromkeys(column for row in rows for column in row))
    summary: dict[str, Cell] = {"instance": f"mean of {len(rows)}"}
    for column in columns[1:]:
        values = [row.get(column) for row in rows]
        if column == "feasible" or column.endswith("_feasible"):
            summary[column] = f"{sum(value is True for value in values)}/{len(rows)}"
        else:
            numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
            summary[column] = round(fmean(numbers), 4) if numbers else None
    return BenchReport(title, columns, rows, summary, solvers, parts)


def mean_by_group(
    rows: Sequence[Mapping[str, Cell]], group_of: Mapping[str, str], column: str = "gap_pct"
) -> dict[str, float]:
    """The mean of ``column`` over the rows of each group (e.g. a benchmark family).

    ``rows`` are a report's or a CSV's (numbers as text); an empty or missing cell is skipped.
    """
    groups: dict[str, list[float]] = {}
    for row in rows:
        value, group = as_number(row.get(column)), group_of.get(str(row["instance"]))
        if group is not None and value is not None:
            groups.setdefault(group, []).append(value)
    return {group: round(fmean(values), 2) for group, values in sorted(groups.items())}


def as_number(cell: Cell) -> float | None:
    """A report's or a CSV's cell as a number (``None``: empty, missing or yes/no)."""
    if cell is None or cell == "" or isinstance(cell, bool):
        return None
    return float(cell)


def _instance_row(
    result: InstanceRuns, solvers: Sequence[str], *, several: bool
) -> dict[str, Cell]:
    """The columns of one instance: ours unprefixed, each peer's with its name, then ratios."""
    row: dict[str, Cell] = {"instance": result.instance, "best_known": result.best_known}
    best: dict[str, float] = {}
    for solver in solvers:
        runs = result.of(solver)
        prefix = "" if solver == OURS else f"{solver}_"
        top = min(runs, key=lambda run: run.outcome.cost)
        best[solver] = top.outcome.cost
        row[f"{prefix}cost"] = round(top.outcome.cost, 3)
        if several:
            row[f"{prefix}mean_cost"] = round(fmean(run.outcome.cost for run in runs), 3)
        row[f"{prefix}gap_pct"] = _gap(top.outcome.cost, result.best_known)
        row[f"{prefix}seconds"] = round(fmean(run.seconds for run in runs), 2)
        row[f"{prefix}feasible"] = all(run.outcome.feasible for run in runs)
        row.update({f"{prefix}{part}": value for part, value in top.outcome.parts.items()})
    for solver in solvers:
        if solver != OURS:
            row[f"ratio_{solver}"] = round(best[OURS] / best[solver], 4) if best[solver] else None
    return row


def _gap(cost: float, best_known: float | None) -> float | None:
    """Percent above the best known cost, or ``None`` when there is none."""
    if not best_known:
        return None
    return round(100 * (cost - best_known) / best_known, 2)


def write_csv(report: BenchReport, path: Path) -> None:
    """Write the instance rows as CSV under the report's columns (empty cells for none)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=report.columns)
        writer.writeheader()
        writer.writerows(report.rows)


def format_cell(value: Cell) -> str:
    """A cell as text for people: yes/no, empty for none."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


def report_markdown(report: BenchReport) -> str:
    """The report as a markdown table with its title, the summary as the last row."""
    lines = [
        f"**{report.title}**",
        "",
        "| " + " | ".join(report.columns) + " |",
        "|" + "|".join("---" if c == "instance" else "---:" for c in report.columns) + "|",
    ]
    for row in (*report.rows, report.summary):
        lines.append("| " + " | ".join(format_cell(row.get(c)) for c in report.columns) + " |")
    return "\n".join(lines) + "\n"


def write_markdown(report: BenchReport, path: Path) -> None:
    """Write the report's markdown table to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report_markdown(report))
