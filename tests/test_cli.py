"""The command line end to end: demo to itineraries, solve, bench, and clear errors."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from scheduler.cli import app
from scheduler.geo import travel_matrix
from scheduler.service.problem_io import plan_from_json, read_problem
from scheduler.settings import Settings
from scheduler.solver.validate import validate

runner = CliRunner()


@pytest.mark.parametrize(("flags", "table"), [(["--day"], "Itineraries"), ([], "Per clinician")])
def test_demo_prints_kpis_and_writes_a_valid_plan(tmp_path: Path, flags: list, table: str) -> None:
    """`scheduler demo` (a week, or --day) plans a small agency; the plan passes the validator."""
    options = ["--patients", "30", "--clinicians", "6", "--time-limit", "3"]
    result = runner.invoke(app, ["demo", *flags, *options, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Plan KPIs" in result.output and table in result.output
    problem = read_problem(tmp_path / "problem.json")
    plan = plan_from_json((tmp_path / "plan.json").read_text())
    travel = travel_matrix(problem.locations(), settings=Settings())
    assert validate(problem, plan, travel) == []
    assert plan.kpis.visits_planned + plan.kpis.visits_unassigned == len(problem.visits_to_plan)
    assert plan.kpis.visits_planned > 0


def test_solve_reads_a_problem_file_and_writes_the_plan(tmp_path: Path) -> None:
    """`scheduler solve` plans the demo's problem file into the given plan path."""
    runner.invoke(
        app,
        [
            "demo",
            "--patients",
            "10",
            "--clinicians",
            "3",
            "--time-limit",
            "1",
            "--out",
            str(tmp_path),
        ],
    )
    out = tmp_path / "again.json"
    result = runner.invoke(
        app, ["solve", str(tmp_path / "problem.json"), "--time-limit", "1", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert plan_from_json(out.read_text()).kpis.visits_planned > 0


def test_solve_bad_input_exits_2_with_a_message(tmp_path: Path) -> None:
    """A missing or malformed problem file is one clear line and exit code 2, no traceback."""
    missing = runner.invoke(app, ["solve", str(tmp_path / "none.json")])
    assert missing.exit_code == 2 and "no problem file" in missing.output
    bad = tmp_path / "bad.json"
    bad.write_text('{"horizon": {}}')
    malformed = runner.invoke(app, ["solve", str(bad)])
    assert malformed.exit_code == 2 and "invalid problem JSON" in malformed.output
    assert "Traceback" not in malformed.output


@pytest.mark.skipif(
    not (Settings().shared_dir / "benchmarks" / "solomon").is_dir(),
    reason="Solomon instances not found under the shared folder",
)
def test_bench_solomon_unknown_instance_exits_2() -> None:
    """Naming an instance that does not exist is refused with a message."""
    result = runner.invoke(app, ["bench", "solomon", "--instances", "ZZ999", "--time-limit", "1"])
    assert result.exit_code == 2 and "unknown Solomon instance" in result.output
