"""Benchmark reports: best and mean over seeds, peer columns and ratios, means, CSV, markdown."""

import csv
from pathlib import Path

from scheduler.bench.harness import OURS, InstanceRuns, Outcome, Run
from scheduler.bench.report import (
    as_number,
    mean_by_group,
    report_markdown,
    tabulate_runs,
    write_csv,
)


def _runs(instance: str, best: float | None, costs: dict[str, list[float]]) -> InstanceRuns:
    """Runs of each solver with the given cost per seed (seed 1 onward), all feasible but 99."""
    runs = tuple(
        Run(instance, solver, seed, Outcome(cost, cost != 99, {"routes": 3}), 1.0)
        for solver, values in costs.items()
        for seed, cost in enumerate(values, start=1)
    )
    return InstanceRuns(instance, best, runs)


def test_row_holds_best_and_mean_over_seeds_with_peer_ratios() -> None:
    """Ours unprefixed, the peer prefixed, the ratio ours/peer of the best costs."""
    report = tabulate_runs("t", [_runs("A", 100.0, {OURS: [110, 104], "pyvrp": [100, 102]})])
    row = report.rows[0]
    assert (row["cost"], row["mean_cost"], row["gap_pct"], row["feasible"]) == (104, 107, 4, True)
    assert (row["pyvrp_cost"], row["pyvrp_gap_pct"], row["ratio_pyvrp"]) == (100, 0, 1.04)
    assert row["routes"] == row["pyvrp_routes"] == 3
    assert report.columns[:6] == (
        "instance",
        "best_known",
        "cost",
        "mean_cost",
        "gap_pct",
        "seconds",
    )
    assert report.columns[-1] == "ratio_pyvrp"


def test_summary_means_numbers_and_counts_feasible() -> None:
    """The summary row averages gaps and ratios and counts feasible instances per solver."""
    report = tabulate_runs(
        "t",
        [
            _runs("A", 100.0, {OURS: [104], "vroom": [100]}),
            _runs("B", None, {OURS: [99], "vroom": [90]}),
        ],
    )
    assert "mean_cost" not in report.columns
    summary = report.summary
    assert summary["gap_pct"] == 4.0  # B has no best known: no gap
    assert (summary["feasible"], summary["vroom_feasible"]) == ("1/2", "2/2")
    assert summary["ratio_vroom"] == round((1.04 + 1.1) / 2, 3)


def test_csv_has_instance_rows_and_markdown_ends_with_means(tmp_path: Path) -> None:
    """The CSV holds one row per instance; the markdown table adds the summary row."""
    report = tabulate_runs(
        "Tiny", [_runs("A", 100.0, {OURS: [104]}), _runs("B", 50.0, {OURS: [99]})]
    )
    write_csv(report, tmp_path / "r.csv")
    with (tmp_path / "r.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [row["instance"] for row in rows] == ["A", "B"] and rows[1]["feasible"] == "False"
    lines = report_markdown(report).splitlines()
    assert lines[0] == "**Tiny**" and lines[2].startswith("| instance | best_known | cost |")
    assert lines[-1].startswith("| mean of 2 | 75.0 | 101.5 | 51.0 |")
    assert "| no |" in lines[-2]


def test_mean_by_group_reads_report_rows_and_csv_text_alike() -> None:
    """Numbers or their text average by group; empty cells and unknown instances are skipped."""
    rows = [
        {"instance": "a1", "gap_pct": 1.0},
        {"instance": "a2", "gap_pct": "2.5"},
        {"instance": "a3", "gap_pct": ""},
        {"instance": "b1", "gap_pct": "-1"},
        {"instance": "z9", "gap_pct": 100.0},
    ]
    families = {"a1": "A", "a2": "A", "a3": "A", "b1": "B"}
    assert mean_by_group(rows, families) == {"A": 1.75, "B": -1.0}


def test_a_cell_is_a_number_unless_empty_or_yes_no() -> None:
    """CSV text and report numbers read alike; empty, missing and booleans are no number."""
    assert [as_number(cell) for cell in ("2.5", 3, -1.0)] == [2.5, 3.0, -1.0]
    assert [as_number(cell) for cell in ("", None, True)] == [None, None, None]
