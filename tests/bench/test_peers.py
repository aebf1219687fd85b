"""Peers on our matrix: validated feasible plans, a broken order caught, clear errors."""

import importlib

import pytest

from scheduler.bench.peers import parse_peers, plan_routes, solve_with_peer
from scheduler.bench.solomon import SCALE, read_best_known, read_solomon
from scheduler.errors import BenchmarkError
from scheduler.settings import Settings
from scheduler.solver.validate import validate

SOLOMON = Settings().shared_dir / "benchmarks" / "solomon"
needs_solomon = pytest.mark.skipif(
    not SOLOMON.is_dir(), reason=f"Solomon instances not found at {SOLOMON}"
)


@needs_solomon
@pytest.mark.parametrize("peer", ["pyvrp", "vroom"])
def test_peer_plan_on_c101_is_feasible_and_near_best_known(peer: str) -> None:
    """In 1 s a peer serves every C101 customer; our validator passes its plan; cost in tenths."""
    pytest.importorskip({"pyvrp": "pyvrp", "vroom": "vroom"}[peer])
    problem, travel = read_solomon(SOLOMON / "C101.txt")
    plan = solve_with_peer(peer, problem, travel, time_limit=1.0, seed=1)
    assert not plan.unassigned and validate(problem, plan, travel) == []
    cost = plan.kpis.travel_seconds / SCALE
    assert read_best_known(SOLOMON)["C101"] <= cost <= 1.01 * read_best_known(SOLOMON)["C101"]
    assert len(plan.routes) <= len(problem.clinicians)


@needs_solomon
def test_a_peer_route_out_of_order_is_caught_by_the_validator() -> None:
    """Routes are timed from the problem, so a wrong order shows as late visits, not hidden."""
    problem, travel = read_solomon(SOLOMON / "C101.txt")
    visit_ids = tuple(visit.id for visit in problem.visits)
    clinicians = [clinician.id for clinician in problem.clinicians]
    routes = [(clinicians[0], visit_ids[:10][::-1]), (clinicians[1], visit_ids[10:])]
    plan = plan_routes(problem, travel, routes, left_out="left out")
    rules = {violation.rule for violation in validate(problem, plan, travel)}
    assert "time_window" in rules and "max_points" in rules
    partial = plan_routes(problem, travel, routes[:1], left_out="left out")
    assert len(partial.unassigned) == 90 and partial.unassigned[0].message == "left out"


def test_unknown_or_missing_peer_says_how_to_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    """An unknown name lists the peers; a missing package names what to install."""
    assert parse_peers(None) == ()
    with pytest.raises(BenchmarkError, match="choose from pyvrp, vroom"):
        parse_peers("pyvrp,ortools")

    def absent(name: str) -> None:
        raise ImportError(name)

    monkeypatch.setattr(importlib, "import_module", absent)
    with pytest.raises(BenchmarkError, match=r"pip install pyvroom .*\[bench\]"):
        parse_peers("vroom")
