"""The command line end to end: demo to itineraries, solve, bench, and clear errors."""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from scheduler.cli import app
from scheduler.geo import travel_matrix
from scheduler.settings import Settings
from scheduler.solver.validate import validate
from scheduler.store.problem_io import plan_from_json, read_problem

runner = CliRunner()


@pytest.mark.parametrize(("flags", "table"), [(["--day"], "Itineraries"), ([], "Per clinician")])
def test_demo_prints_kpis_and_writes_a_valid_plan(tmp_path: Path, flags: list, table: str) -> None:
    """`scheduler demo` (a week, or --day) plans a small agency; the plan passes the validator."""
    options = ["--patients", "30", "--clinicians", "6", "--time-limit", "3"]
    result = runner.invoke(app, ["demo", *flags, *options, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Plan KPIs" in result.output and table in result.output
    assert "Week KPIs (paid time without lunch)" in result.output
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
        app, ["solve", str(tmp_path / "problem.json"), "--time-limit", "4", "--out", str(out)]
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


@pytest.mark.skipif(
    not (Settings().shared_dir / "benchmarks" / "solomon").is_dir(),
    reason="Solomon instances not found under the shared folder",
)
def test_bench_solomon_with_peers_writes_csv_and_markdown(tmp_path: Path) -> None:
    """C101 by us, PyVRP and VROOM at 1 s: the table, CSV and markdown carry the peer columns."""
    pytest.importorskip("pyvrp")
    pytest.importorskip("vroom")
    out_csv, out_md = tmp_path / "s.csv", tmp_path / "s.md"
    options = ["--instances", "C101", "--time-limit", "1", "--peers", "pyvrp,vroom"]
    files = ["--csv", str(out_csv), "--markdown", str(out_md)]
    result = runner.invoke(app, ["bench", "solomon", *options, *files])
    assert result.exit_code == 0, result.output
    assert "mean of 1" in result.output
    header = out_csv.read_text().splitlines()[0].split(",")
    for column in ("gap_pct", "feasible", "pyvrp_cost", "vroom_gap_pct", "ratio_vroom"):
        assert column in header
    assert "| ratio_pyvrp | ratio_vroom |" in out_md.read_text()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--dir", "/nonexistent/solomon"], "no Solomon instances"),
        (["--seeds", "two"], "--seeds takes a count"),
        (["--peers", "gurobi"], "unknown peer"),
    ],
)
def test_bench_solomon_bad_options_exit_2(options: list[str], message: str) -> None:
    """A missing folder, bad seeds or an unknown peer is one clear line and exit code 2."""
    result = runner.invoke(app, ["bench", "solomon", "--time-limit", "1", *options])
    assert result.exit_code == 2 and message in result.output, result.output


def test_serve_demo_starts_the_api_with_a_published_week(tmp_path: Path) -> None:
    """`scheduler serve --demo` serves a demo week and an itinerary page; it prints no token."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = os.environ | {
        "SCHEDULER_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
        "SCHEDULER_DATA_DIR": str(tmp_path),
        "SCHEDULER_SOLVE_WORKERS": "1",
    }
    command = [sys.executable, "-m", "scheduler.cli", "serve", "--demo", "--port", str(port)]
    command += ["--clinicians", "4", "--patients", "20", "--time-limit", "3"]
    server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/docs", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.3)
        else:
            raise AssertionError("the API did not start")
        tokens = json.loads((tmp_path / "demo" / "tokens.json").read_text())
        assert (tmp_path / "demo" / "tokens.json").stat().st_mode & 0o077 == 0
        clinician, token = sorted(tokens["clinicians"].items())[0]
        page = httpx.get(f"{base}/v1/itineraries/{clinician}/2026-12-07/html", auth=("x", token))
        assert page.status_code == 200 and "<svg" in page.text
    finally:
        server.terminate()
        printed = server.communicate(timeout=30)[0].decode()
    assert "demo tokens in" in printed
    assert not any(
        secret in printed for secret in [tokens["admin"], *tokens["clinicians"].values()]
    )
