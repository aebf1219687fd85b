"""UHHC instances read as home health problems, solved, priced and written."""

import json
from pathlib import Path

import pytest

from scheduler.bench.uhhc import read_uhhc
from scheduler.bench.uhhc_costs import price_solution
from scheduler.bench.uhhc_set import UhhcSet, read_families, uhhc_params
from scheduler.bench.uhhc_solution import solution_json
from scheduler.domain import LinkKind
from scheduler.errors import BenchmarkError
from scheduler.settings import Settings
from scheduler.solver import solve
from scheduler.solver.validate import validate

BENCHMARKS = Settings().shared_dir / "benchmarks"
MANKOWSKA = BENCHMARKS / "mankowska"
ITALIAN = BENCHMARKS / "uhhc-italian"
needs_mankowska = pytest.mark.skipif(
    not MANKOWSKA.is_dir(), reason="Mankowska instances not found under the shared folder"
)

TINY = {
    "metadata": {
        "name": "tiny",
        "origin": "mankowska",
        "area": None,
        "cost_components": {"travel_time": 1, "total_tardiness": 1, "highest_tardiness": 1},
    },
    "distances": [[0, 10, 20], [10, 0, 15], [20, 15, 0]],
    "terminal_points": [{"id": "d", "distance_matrix_index": 0, "location": [50, 50]}],
    "caregivers": [
        {"id": "c1", "abilities": ["s1"], "departing_point": "d", "arrival_point": "d"},
        {"id": "c2", "abilities": ["s2"], "departing_point": "d", "arrival_point": "d"},
    ],
    "patients": [
        {
            "id": "p1",
            "required_services": [{"service": "s1", "duration": 30}],
            "distance_matrix_index": 1,
            "time_windows": [{"start": 0, "end": 5}],
            "location": [40, 50],
        },
        {
            "id": "p2",
            "required_services": [
                {"service": "s1", "duration": 20},
                {"service": "s2", "duration": 20},
            ],
            "distance_matrix_index": 2,
            "time_windows": [{"start": 60, "end": 120}],
            "location": [60, 70],
            "synchronization": {"type": "sequential", "distance": {"min": 10, "max": 30}},
        },
    ],
    "services": [
        {"id": "s1", "type": "s1", "default_duration": 30},
        {"id": "s2", "type": "s2", "default_duration": 30},
    ],
}


@pytest.fixture
def tiny_path(tmp_path: Path) -> Path:
    """The tiny instance as a file."""
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(TINY))
    return path


def test_reader_maps_services_to_skills_and_double_services_to_links(tiny_path: Path) -> None:
    """Each required service is a visit needing that skill; a double service is a link."""
    instance = read_uhhc(tiny_path)
    visits = instance.problem.visit_by_id
    assert set(visits) == {"p1:s1", "p2:s1", "p2:s2"}
    assert visits["p2:s2"].required_skills == frozenset({"s2"})
    minute = instance.scale
    assert visits["p1:s1"].due == 5 * minute
    (link,) = instance.problem.links
    assert link.kind is LinkKind.SEQUENTIAL
    assert (link.min_gap, link.max_gap) == (10 * minute, 30 * minute)
    assert instance.travel.seconds[instance.travel.index["d"], instance.travel.index["p:p2"]] == (
        20 * minute
    )


def test_tiny_instance_is_solved_priced_and_written(tiny_path: Path) -> None:
    """The plan validates, keeps the gap, and prices travel and tardiness in minutes."""
    instance = read_uhhc(tiny_path)
    plan = solve(instance.problem, instance.travel, uhhc_params(instance, 2.0)).plan
    assert validate(instance.problem, plan, instance.travel) == []
    assert not plan.unassigned
    solution = solution_json(instance, plan)
    values = price_solution(instance.data, solution)
    # p1 is reached at minute 10, five minutes after its window ends.
    assert values["total_tardiness"] == pytest.approx(5.0)
    assert values["highest_tardiness"] == pytest.approx(5.0)
    starts = {
        (location["patient"], location["service"]): location["start_service_time"]
        for route in solution["routes"]
        for location in route["locations"]
    }
    assert 10 <= starts["p2", "s2"] - starts["p2", "s1"] <= 30
    assert instance.weights.total(values) == pytest.approx(values["travel_time"] + 10.0)


def test_missing_or_broken_instance_is_a_clear_error(tmp_path: Path) -> None:
    """A missing file or one that is not UHHC JSON raises a BenchmarkError naming it."""
    with pytest.raises(BenchmarkError, match="not found"):
        read_uhhc(tmp_path / "absent.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"distances": []}')
    with pytest.raises(BenchmarkError, match="is not a UHHC instance"):
        read_uhhc(broken)


def test_empty_directory_lists_nothing_with_a_message(tmp_path: Path) -> None:
    """A set without instances says where it looked."""
    with pytest.raises(BenchmarkError, match="no UHHC instances"):
        UhhcSet(tmp_path).list_instances()


@needs_mankowska
def test_mankowska_a1_is_feasible_and_near_the_reference(tmp_path: Path) -> None:
    """A1 in 3 s: every service made, validator clean, within 5 % of the best found."""
    bench = UhhcSet(MANKOWSKA, "Mankowska", solutions=tmp_path)
    outcome = bench.solve("InstanzCPLEX_HCSRP_10_1", solver="ours", time_limit=3.0, seed=1)
    assert outcome.feasible
    assert outcome.cost <= 1.05 * bench.best_known("InstanzCPLEX_HCSRP_10_1")
    written = json.loads((tmp_path / "InstanzCPLEX_HCSRP_10_1.solution.json").read_text())
    served = [loc for route in written["routes"] for loc in route["locations"]]
    assert len(served) == len(read_uhhc(MANKOWSKA / "InstanzCPLEX_HCSRP_10_1.json").service_of)
    assert (
        written["cost_components"]["qualification"] == 0
    )  # whole values only: travel has decimals
    assert read_families(MANKOWSKA)["InstanzVNS_HCSRP_300_1"] == "G"
    brkga = 227.00  # reference.csv's brkga_mpipr_mean15 for A1
    assert outcome.parts["brkga_mean15"] == brkga
    assert outcome.parts["gap_brkga_mean_pct"] == round(100 * (outcome.cost - brkga) / brkga, 2)


@pytest.mark.skipif(not ITALIAN.is_dir(), reason="Italian instances not found")
def test_italian_instance_reads_real_coordinates_and_solves() -> None:
    """An Italian instance: places in longitude/latitude, a feasible plan in 3 s."""
    bench = UhhcSet(ITALIAN, "UHHC Italian")
    name = "instance_112-cesena-r40-p45-s5-sim24.5-seq15.2"
    instance = read_uhhc(ITALIAN / f"{name}.json")
    assert 43 < instance.problem.patients[0].location.latitude < 45
    assert bench.best_known(name) is None
    outcome = bench.solve(name, solver="ours", time_limit=3.0, seed=1)
    assert outcome.feasible
    assert "gap_brkga_mean_pct" not in outcome.parts
