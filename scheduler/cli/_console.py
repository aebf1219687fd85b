"""Terminal output for the command line: progress while solving, tables of results, errors."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import typer
from rich import box
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from scheduler.bench.report import BenchReport, Cell, format_cell
from scheduler.bench.reschedule import RescheduleBench, spread
from scheduler.bench.week import WeekRow
from scheduler.domain import ClinicianKpis, Kpis, Plan, Problem, format_clock
from scheduler.domain.kpis import WeekKpis

T = TypeVar("T")
console = Console()


def fail(error: Exception) -> typer.Exit:
    """Print a domain error as one clear line and exit non-zero."""
    console.print(f"[bold red]error:[/] {error}")
    return typer.Exit(code=2)


def run_with_progress(label: str, seconds: float, work: Callable[[], T]) -> T:
    """Run ``work`` while a bar fills over its expected ``seconds``."""
    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with ThreadPoolExecutor(max_workers=1) as pool, Progress(*columns, console=console) as bar:
        task = bar.add_task(label, total=seconds)
        future = pool.submit(work)
        started = time.monotonic()
        while not future.done():
            bar.update(task, completed=min(seconds, time.monotonic() - started))
            time.sleep(0.1)
        bar.update(task, completed=seconds)
        return future.result()


def progress_bar() -> Progress:
    """A bar for counted work (instances, matrix blocks)."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
    )
    return Progress(*columns, console=console)


def kpi_table(kpis: Kpis, *, title: str = "Plan KPIs") -> Table:
    """Headline figures in minutes, kilometres and percentages."""
    table = Table(title=title)
    table.add_column("KPI")
    table.add_column("value", justify="right")
    rows = [
        ("visits planned", f"{kpis.visits_planned}"),
        ("visits unassigned", f"{kpis.visits_unassigned}"),
        ("travel (min)", f"{kpis.travel_seconds / 60:.0f}"),
        ("travel (km)", f"{kpis.travel_metres / 1000:.1f}"),
        ("travel per visit (min)", f"{kpis.travel_seconds_per_visit / 60:.1f}"),
        ("time with patients (min)", f"{kpis.service_seconds / 60:.0f}"),
        ("idle (min)", f"{kpis.idle_seconds / 60:.0f}"),
        ("overtime (min)", f"{kpis.overtime_seconds / 60:.0f}"),
        ("lateness (min)", f"{kpis.lateness_seconds / 60:.0f}"),
        ("time with patients / shift hours (lunch in)", f"{kpis.utilisation:.1%}"),
        ("on time", f"{kpis.on_time_share:.1%}"),
        ("frequency compliance", f"{kpis.frequency_compliance:.1%}"),
        ("visits by primary clinician", f"{kpis.continuity_share:.1%}"),
        ("clinicians per patient", f"{kpis.clinicians_per_patient:.2f}"),
    ]
    for name, value in rows:
        table.add_row(name, value)
    return table


def itinerary_table(problem: Problem, plan: Plan) -> Table:
    """One row per clinician-day: hours, lunch, and the visits in order."""
    table = Table(title="Itineraries")
    for column in ("clinician", "day", "out", "back", "lunch", "visits (start patient)"):
        table.add_column(column)
    for route in sorted(plan.routes, key=lambda r: (r.day, r.clinician_id)):
        clinician = problem.clinician_by_id[route.clinician_id]
        lunch = format_clock(route.lunch.start) if route.lunch else "-"
        stops = ", ".join(f"{format_clock(s.start)} {s.patient_id}" for s in route.stops)
        table.add_row(
            f"{clinician.id} {clinician.credential}",
            problem.horizon.date_of(route.day).isoformat(),
            format_clock(route.start),
            format_clock(route.end),
            lunch,
            stops,
        )
    return table


def clinician_table(rows: Sequence[ClinicianKpis]) -> Table:
    """One row per clinician: days, visits, travel, work, overtime, utilisation, continuity."""
    table = Table(title="Per clinician")
    columns = ("clinician", "days", "visits", "travel/visit (min)", "work (h)", "overtime (min)")
    for column in (*columns, "utilisation", "as primary"):
        table.add_column(column, justify="right")
    for row in rows:
        table.add_row(
            row.clinician_id,
            str(row.days),
            str(row.visits),
            f"{row.travel_seconds_per_visit / 60:.1f}",
            f"{row.work_seconds / 3600:.1f}",
            f"{row.overtime_seconds / 60:.0f}",
            f"{row.utilisation:.0%}",
            f"{row.primary_share:.0%}",
        )
    return table


def unassigned_table(problem: Problem, plan: Plan, *, most: int = 15) -> Table:
    """Visits left out with their reason (the first ``most``; required ones first)."""
    items = sorted(plan.unassigned, key=lambda u: problem.visit_by_id[u.visit_id].optional)
    required = sum(not problem.visit_by_id[u.visit_id].optional for u in items)
    table = Table(title=f"Unassigned visits: {len(items)} ({required} required)")
    for column in ("visit", "required", "reason", "why"):
        table.add_column(column)
    for item in items[:most]:
        optional = problem.visit_by_id[item.visit_id].optional
        table.add_row(item.visit_id, "no" if optional else "yes", item.reason.value, item.message)
    if len(items) > most:
        table.add_row("...", "", "", f"{len(items) - most} more in plan.json")
    return table


def week_table(rows: Sequence[WeekRow]) -> Table:
    """Methods side by side on the week's KPIs, then the validator's findings rule by rule."""
    table = Table(title="Week: horizon solver against the day-by-day baseline")
    table.add_column("KPI")
    for row in rows:
        table.add_column(row.method, justify="right")
    lines = [
        ("visits planned", lambda r: f"{r.kpis.visits_planned}"),
        ("required visits left out", lambda r: f"{r.required_unassigned}"),
        ("required placed", lambda r: f"{r.required_placed_share:.1%}"),
        ("frequency compliance", lambda r: f"{r.kpis.frequency_compliance:.1%}"),
        ("travel per visit (min)", lambda r: f"{r.kpis.travel_seconds_per_visit / 60:.2f}"),
        ("visits by primary clinician", lambda r: f"{r.kpis.continuity_share:.1%}"),
        ("clinicians per patient", lambda r: f"{r.kpis.clinicians_per_patient:.2f}"),
        ("overtime (min)", lambda r: f"{r.kpis.overtime_seconds / 60:.0f}"),
        *_week_lines(),
        ("travel estimate 0.75-1.33 of routed", lambda r: f"{r.estimate_share:.1%}"),
        ("solve seconds", lambda r: f"{r.seconds:.0f}"),
        ("validator violations", lambda r: f"{r.violations}"),
        ("no-place reasons checked by the oracle", lambda r: f"{r.reasons_checked}"),
        ("false reasons", lambda r: f"{r.false_reasons}"),
    ]
    for name, cell in lines:
        table.add_row(name, *(cell(row) for row in rows))
    rules = sorted({rule for row in rows for rule in row.violation_rules})
    if rules:
        table.add_section()
    for rule in rules:
        table.add_row(f"  violations: {rule}", *(str(r.violation_rules.get(rule, 0)) for r in rows))
    return table


def _week_lines() -> list[tuple[str, Callable[[WeekRow], str]]]:
    """Rows of the week KPIs (paid time without lunch, fairness, start times, preferences)."""
    lines: list[tuple[str, Callable[[WeekRow], str]]] = [
        (name, lambda r, read=read: read(r.week) if r.week else "-") for name, read in _WEEK_FIGURES
    ]
    disciplines = ("SN", "PT", "OT", "ST", "MSW", "HHA")
    for discipline in disciplines:
        lines.append(
            (
                f"fairness {discipline} (max/min work, equal hours)",
                lambda r, d=discipline: _ratio(r.week.fairness.get(d)) if r.week else "-",
            )
        )
    return lines


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


_WEEK_FIGURES: tuple[tuple[str, Callable[[WeekKpis], str]], ...] = (
    ("utilisation (route time / paid, no lunch)", lambda w: f"{w.utilisation:.1%}"),
    ("service / paid", lambda w: f"{w.service_share:.1%}"),
    ("service + travel / paid", lambda w: f"{w.service_travel_share:.1%}"),
    (
        "median start spread (min)",
        lambda w: "-" if w.start_spread_minutes is None else f"{w.start_spread_minutes:.0f}",
    ),
    ("preferred part of day met", lambda w: _share(w.preferred_met_share)),
)


def week_kpi_table(week: WeekKpis, *, title: str = "Week KPIs (paid time without lunch)") -> Table:
    """The week KPIs of one plan: shares of paid time, fairness, start spread, preferences."""
    table = Table(title=title)
    table.add_column("KPI")
    table.add_column("value", justify="right")
    table.add_row("paid hours", f"{week.paid_seconds / 3600:.0f}")
    for name, read in _WEEK_FIGURES:
        table.add_row(name, read(week))
    for discipline, ratio in sorted(week.fairness.items()):
        table.add_row(f"fairness {discipline} (max/min work, equal hours)", _ratio(ratio))
    return table


def week_runs_table(summary: Sequence[tuple[str, float, float, float]], runs: int) -> Table:
    """Min, median and max of the main figures over the solver's runs."""
    table = Table(title=f"Horizon solver over {runs} runs")
    for column in ("figure", "min", "median", "max"):
        table.add_column(column, justify="right" if column != "figure" else "left")
    for label, low, middle, high in summary:
        table.add_row(label, f"{low:.2f}", f"{middle:.2f}", f"{high:.2f}")
    return table


def reschedule_runs_table(bench: RescheduleBench) -> Table:
    """Each run's least-change answer against its fallback, then min/median/max of the runs.

    ``fallback`` is what the fallback keeps; ``scratch`` what the replan from scratch keeps.
    """
    table = Table(title=f"Least-change replans of one call-out, {len(bench.runs)} run(s)")
    for column in (
        "run",
        "plan",
        "kept",
        "fallback",
        "moved",
        "reassigned",
        "dropped",
        "seconds",
        "scratch",
    ):
        table.add_column(column, justify="right")
    figures = {"kept": [], "moved": [], "reassigned": [], "dropped": [], "seconds": []}
    for number, run in enumerate(bench.runs, start=1):
        answer, scratch = run.least_change, run.from_scratch
        row = {
            "kept": answer.visits_kept,
            "moved": answer.visits_moved,
            "reassigned": answer.visits_reassigned,
            "dropped": answer.visits_dropped,
            "seconds": run.least_change_seconds,
        }
        for name, value in row.items():
            figures[name].append(value)
        table.add_row(
            str(number),
            answer.plan_source,
            str(answer.visits_kept),
            str(answer.fallback_visits_kept),
            str(answer.visits_moved),
            str(answer.visits_reassigned),
            str(answer.visits_dropped),
            f"{run.least_change_seconds:.2f}",
            f"{scratch.visits_kept}{'' if scratch.plan_source == 'replan' else ' (fallback)'}",
        )
    for label, index in (("min", 0), ("median", 1), ("max", 2)):
        cells = {name: spread(values)[index] for name, values in figures.items()}
        table.add_row(
            label,
            "",
            f"{cells['kept']:g}",
            "",
            f"{cells['moved']:g}",
            f"{cells['reassigned']:g}",
            f"{cells['dropped']:g}",
            f"{cells['seconds']:.2f}",
            "",
        )
    return table


def rows_table(title: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> Table:
    """A plain table of rows."""
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(str(cell) for cell in row))
    return table


def report_table(report: BenchReport) -> Table:
    """A benchmark report for a terminal: each solver's best cost, gap and feasibility.

    Ratios, our set's own parts and our seconds follow; the means row is last. The CSV and
    markdown files hold every column.
    """
    peers = report.solvers[1:]
    caption = "cost, % above the best known, * if not feasible; all columns: --csv, --markdown"
    table = Table(
        title=report.title,
        caption=caption,
        box=box.SIMPLE_HEAD,
        collapse_padding=True,
        pad_edge=False,
    )
    table.add_column("instance", no_wrap=True)
    table.add_column("best known", justify="right")
    for solver in report.solvers:
        table.add_column(solver, justify="right", no_wrap=True)
    for header in (*(f"ours ÷ {peer}" for peer in peers), *report.parts, "secs"):
        table.add_column(header, justify="right")

    def cells(row: dict[str, Cell]) -> list[str]:
        solvers = [
            _solver_cell(row, "" if n == 0 else f"{s}_") for n, s in enumerate(report.solvers)
        ]
        ratios = [format_cell(row.get(f"ratio_{peer}")) for peer in peers]
        tail = [format_cell(row.get(column)) for column in (*report.parts, "seconds")]
        return [str(row["instance"]), format_cell(row.get("best_known")), *solvers, *ratios, *tail]

    for row in report.rows:
        table.add_row(*cells(row))
    table.add_section()
    table.add_row(*cells(report.summary))
    return table


def _solver_cell(row: dict[str, Cell], prefix: str) -> str:
    """Cost and gap, starred when not feasible; in the means row, the gap and feasible count."""
    gap, feasible = row.get(f"{prefix}gap_pct"), row.get(f"{prefix}feasible")
    gap_text = "" if gap is None else f"{gap:+.2f}%"
    if isinstance(feasible, str):  # the means row: "5/6" feasible
        return f"{gap_text} {feasible}".strip()
    star = "" if feasible else " *"
    return f"{format_cell(row.get(f'{prefix}cost'))} {gap_text}".strip() + star


def reschedule_table(bench: RescheduleBench) -> Table:
    """The least-change replan and the replan from scratch of one call-out, side by side."""
    table = Table(title="Replanning a call-out")
    for column in (
        "replan",
        "seconds",
        "moved",
        "to another clinician",
        "later or earlier",
        "dropped",
        "visits planned",
        "travel min",
    ):
        table.add_column(column, justify="right")
    for name, outcome, seconds in (
        ("least change", bench.least_change, bench.least_change_seconds),
        ("from scratch", bench.from_scratch, bench.from_scratch_seconds),
    ):
        kinds = Counter(change.kind for change in outcome.changes)
        table.add_row(
            name,
            f"{seconds:.2f}",
            str(outcome.visits_moved),
            str(kinds["reassigned"]),
            str(kinds["retimed"]),
            str(kinds["dropped"]),
            f"{outcome.kpis_before.visits_planned} -> {outcome.kpis_after.visits_planned}",
            f"{outcome.kpis_before.travel_seconds / 60:.0f} -> "
            f"{outcome.kpis_after.travel_seconds / 60:.0f}",
        )
    return table
