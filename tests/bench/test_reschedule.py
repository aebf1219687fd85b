"""`scheduler bench reschedule`: runs of one call-out, and a loud failure below the fallback."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from typer.testing import CliRunner

import scheduler.cli as cli
import scheduler.cli.bench_agency as bench_agency_cli
from scheduler.bench.reschedule import ReplanRun, RescheduleBench
from scheduler.domain import Horizon, Problem, compute_kpis
from scheduler.service.reschedule import RescheduleOutcome

runner = CliRunner()


def outcome(kept: int, required: int, fallback: int, fallback_required: int) -> RescheduleOutcome:
    """An answer keeping ``kept`` visits (``required`` of them required) against its fallback's."""
    kpis = compute_kpis(Problem(Horizon(date(2026, 12, 7)), (), (), ()), (), ())
    return RescheduleOutcome(
        day=date(2026, 12, 7),
        changes=(),
        clinicians_to_tell=(),
        patients_to_tell=(),
        kpis_before=kpis,
        kpis_after=kpis,
        seconds=1.0,
        visits_kept=kept,
        required_visits_kept=required,
        fallback_visits_kept=fallback,
        fallback_required_visits_kept=fallback_required,
    )


def bench(*runs: ReplanRun) -> RescheduleBench:
    """A bench of ``runs`` on a 40-clinician day."""
    return RescheduleBench(40, 243, "c07", 6, runs)


def test_shortfalls_compare_required_visits_first_then_all():
    """More required visits kept is no shortfall; fewer required, or as many and fewer, is."""
    fine = outcome(236, 230, 237, 229)
    short = outcome(61, 61, 237, 231)
    also_short = outcome(236, 231, 237, 231)
    runs = (
        ReplanRun(fine, 2.9, fine, 2.8),
        ReplanRun(short, 2.9, fine, 2.8),
        ReplanRun(fine, 2.9, also_short, 2.8),
    )
    found = bench(*runs).shortfalls()
    assert len(found) == 2
    assert found[0].startswith("run 2 least change: kept 61 (61 required)")
    assert found[1].startswith("run 3 from scratch: kept 236")


def test_the_command_exits_non_zero_when_a_replan_keeps_fewer_than_the_fallback(
    monkeypatch: pytest.MonkeyPatch,
):
    """A run below the fallback fails the command (exit 1) and says which run it was."""
    fine = outcome(238, 232, 237, 231)
    short = replace(fine, visits_kept=61, required_visits_kept=61)
    result = bench(ReplanRun(fine, 2.9, fine, 2.8), ReplanRun(short, 2.9, fine, 2.8))
    monkeypatch.setattr(bench_agency_cli, "bench_reschedule", lambda **_: result)
    answer = runner.invoke(cli.app, ["bench", "reschedule", "--runs", "2", "--plan-seconds", "1"])
    assert answer.exit_code == 1, answer.output
    assert "run 2 least change: kept 61" in answer.output
    assert "median" in answer.output


def test_a_small_call_out_replanned_twice_never_keeps_fewer_than_the_fallback():
    """Two runs on a small demo day print each run and end well (no replan below the fallback)."""
    options = ["--clinicians", "6", "--patients", "30", "--plan-seconds", "3"]
    answer = runner.invoke(
        cli.app, ["bench", "reschedule", *options, "--replan-seconds", "0.5", "--runs", "2"]
    )
    assert answer.exit_code == 0, answer.output
    assert "every replan kept at least as many visits as the fallback" in answer.output
    assert "median" in answer.output
