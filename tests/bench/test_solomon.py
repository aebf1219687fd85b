"""Solomon instances read with the CVRPLIB convention and solved feasibly."""

import math
from itertools import pairwise
from pathlib import Path

import pytest

from scheduler.bench.harness import run_bench
from scheduler.bench.report import tabulate_runs, write_csv, write_markdown
from scheduler.bench.solomon import SolomonSet, read_best_known, read_solomon
from scheduler.errors import BenchmarkError
from scheduler.settings import Settings

SOLOMON = Settings().shared_dir / "benchmarks" / "solomon"
needs_solomon = pytest.mark.skipif(
    not SOLOMON.is_dir(), reason=f"Solomon instances not found at {SOLOMON}"
)


@needs_solomon
def test_reader_scales_to_tenths_and_truncates() -> None:
    """C201: 100 customers, 25 vehicles of capacity 700, arcs in truncated tenths."""
    problem, travel = read_solomon(SOLOMON / "C201.txt")
    assert len(problem.visits) == 100 and len(problem.clinicians) == 25
    assert problem.clinicians[0].max_points_per_day == 700
    first = problem.visits[0]
    assert (first.windows[0].start, first.windows[0].end, first.duration) == (3110, 4710, 900)
    # depot (40, 50) to customer 1 (52, 75): sqrt(12^2 + 25^2) = 27.73... -> 277 tenths
    assert travel.seconds_between("n0", "n1") == math.floor(10 * math.hypot(12, 25)) == 277


@needs_solomon
def test_best_known_solution_cost_is_reproduced() -> None:
    """The published C201 routes cost exactly the best known 589.1 under our convention."""
    _, travel = read_solomon(SOLOMON / "C201.txt")
    routes = [
        [int(n) for n in line.split(":")[1].split()]
        for line in (SOLOMON / "C201.sol").read_text().splitlines()
        if line.startswith("Route")
    ]
    total = 0
    for route in routes:
        path = [0, *route, 0]
        total += sum(travel.seconds_between(f"n{a}", f"n{b}") for a, b in pairwise(path))
    assert total / 10 == read_best_known(SOLOMON)["C201"] == 589.1


@needs_solomon
def test_two_instances_run_feasible_into_csv_and_markdown(tmp_path: Path) -> None:
    """C101 and C201 at 1 s each validate feasible; CSV and markdown carry the agreed columns."""
    results = run_bench(SolomonSet(SOLOMON), ["C101", "C201"], time_limit=1.0)
    report = tabulate_runs("Solomon", results)
    assert [row["feasible"] for row in report.rows] == [True, True]
    assert all(row["gap_pct"] < 5.0 for row in report.rows)
    write_csv(report, tmp_path / "out.csv")
    write_markdown(report, tmp_path / "out.md")
    header = (tmp_path / "out.csv").read_text().splitlines()[0].split(",")
    required = ["instance", "best_known", "cost", "gap_pct", "seconds", "feasible"]
    assert header[:4] == required[:4] and set(required) <= set(header)
    markdown = (tmp_path / "out.md").read_text()
    assert "| instance | best_known | cost | gap_pct |" in markdown and "| mean of 2 |" in markdown


def test_missing_directory_or_instance_is_a_clear_error(tmp_path: Path) -> None:
    """A missing folder or instance is a BenchmarkError, not a stack trace."""
    with pytest.raises(BenchmarkError, match="no Solomon instances"):
        SolomonSet(tmp_path / "absent").list_instances()
    with pytest.raises(BenchmarkError, match="not found"):
        read_solomon(tmp_path / "X999.txt")
