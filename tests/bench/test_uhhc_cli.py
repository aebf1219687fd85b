"""``scheduler bench uhhc``: a folder of UHHC instances, checked officially, resumable CSV."""

import csv
import json
from pathlib import Path

from typer.testing import CliRunner

from scheduler.bench.resume import append_rows, done_instances, read_rows
from scheduler.cli import app
from tests.bench.uhhc_support import DAY

runner = CliRunner()


def test_rows_are_appended_under_the_first_header(tmp_path: Path) -> None:
    """A later row keeps the file's header; missing cells stay empty, extra ones are dropped."""
    path = tmp_path / "runs.csv"
    append_rows(path, [{"instance": "a", "cost": 1.5}], ("instance", "cost"))
    append_rows(path, [{"instance": "b", "extra": 3}], ("instance", "extra"))
    assert read_rows(path) == [{"instance": "a", "cost": "1.5"}, {"instance": "b", "cost": ""}]
    assert done_instances(path) == {"a", "b"}
    assert read_rows(tmp_path / "absent.csv") == []


def test_bench_uhhc_checks_each_answer_and_skips_rows_already_written(
    uhhc_validator: Path, tmp_path: Path
) -> None:
    """Two instances valid under the official validator; a rerun solves only the new one."""
    folder = tmp_path / "set"
    folder.mkdir()
    (folder / "day-1.json").write_text(json.dumps(DAY))
    table = tmp_path / "runs.csv"
    options = ["--time-limit", "1", "--csv", str(table), "--validator", str(uhhc_validator)]
    first = runner.invoke(app, ["bench", "uhhc", "--set", str(folder), *options])
    assert first.exit_code == 0, first.output
    (folder / "day-2.json").write_text(json.dumps(DAY))
    second = runner.invoke(app, ["bench", "uhhc", "--set", str(folder), *options])
    assert second.exit_code == 0, second.output
    assert "1 instance(s) already in" in second.output
    with table.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["instance"] for row in rows] == ["day-1", "day-2"]
    assert all(row["validator_valid"] == "True" and row["total_matches"] == "True" for row in rows)
    assert all(0 <= float(row["search_gain_pct"]) < 100 for row in rows)
    assert "the OR-Tools search improved on its first routes on" in second.output
    assert "of 2 instance(s)" in second.output  # the first run's row counted too


def test_bench_uhhc_gives_gaps_by_family_from_every_row_of_the_csv(
    uhhc_validator: Path, tmp_path: Path
) -> None:
    """With a reference.csv of families, the gaps by family cover the rows of earlier runs too."""
    folder = tmp_path / "set"
    folder.mkdir()
    for name in ("day-1", "day-2"):
        (folder / f"{name}.json").write_text(json.dumps(DAY))
    (folder / "reference.csv").write_text(
        "instance,label,best_found,brkga_mpipr_mean15\nday-1.json,A1,100,200\nday-2.json,B1,100,\n"
    )
    table = tmp_path / "runs.csv"
    options = ["--time-limit", "1", "--csv", str(table), "--validator", str(uhhc_validator)]
    first = runner.invoke(
        app, ["bench", "uhhc", "--set", str(folder), "--instances", "day-1", *options]
    )
    assert first.exit_code == 0, first.output
    second = runner.invoke(app, ["bench", "uhhc", "--set", str(folder), *options])
    assert second.exit_code == 0, second.output
    rows = {row["instance"]: row for row in read_rows(table)}
    cost = float(rows["day-1"]["cost"])
    assert float(rows["day-1"]["gap_brkga_mean_pct"]) == round(100 * (cost - 200) / 200, 2)
    assert rows["day-2"]["gap_brkga_mean_pct"] == ""
    family_a = next(
        line for line in second.output.splitlines() if line.strip("│ ").startswith("A ")
    )
    assert f"{float(rows['day-1']['gap_pct']):+.2f}" in family_a
    assert f"{float(rows['day-1']['gap_brkga_mean_pct']):+.2f}" in family_a


def test_bench_uhhc_without_a_validator_at_the_path_exits_2(tmp_path: Path) -> None:
    """A validator path that does not exist is a clear error before any solve."""
    result = runner.invoke(
        app, ["bench", "uhhc", "--set", str(tmp_path), "--validator", str(tmp_path / "none")]
    )
    assert result.exit_code == 2
    assert "no UHHC validator" in result.output
