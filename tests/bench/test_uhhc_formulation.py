"""The whole UHHC formulation: read into the product's model, priced by the format's rules."""

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from scheduler.bench.uhhc import read_uhhc
from scheduler.bench.uhhc_costs import price_solution, read_weights
from scheduler.bench.uhhc_solution import solution_json, with_cost_components, write_solution
from scheduler.bench.uhhc_validator import run_validator
from scheduler.domain import LinkKind, Plan, Route, Stop
from scheduler.errors import BenchmarkError
from tests.bench.uhhc_support import DAY, SOLUTION
from tests.builders import ZERO_KPIS


def _write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "day.json"
    path.write_text(json.dumps(data))
    return path


def test_every_component_follows_the_formats_definitions() -> None:
    """Travel, tardiness by window, waits (lunch's too), idle, counts, extra time."""
    values = price_solution(DAY, SOLUTION)
    assert values["travel_time"] == 10 + 0 + 5 + 15
    assert (values["total_tardiness"], values["highest_tardiness"]) == (80, 70)
    assert (values["total_waiting_time"], values["max_waiting_time"]) == (25, 20)
    assert values["max_idle_time"] == 20 + 25 + (200 - 125)
    assert values["caregiver_preferences"] == 1
    assert values["incompabilities"] == 0
    assert values["optional_patients"] == 1
    assert values["missed_lunch_break"] == 1  # c2 has no route, so no lunch
    assert values["total_extra_time"] == 0


def test_a_window_met_at_service_end_measures_tardiness_at_the_end() -> None:
    """With windows met at the end of service, p0 ending at 40 is 20 late on its first window."""
    data = copy.deepcopy(DAY)
    data["metadata"]["time_window_met"] = "at_service_end"
    values = price_solution(data, SOLUTION)
    assert values["total_tardiness"] == 20 + 80


def test_the_official_validator_agrees_with_our_pricing(
    uhhc_validator: Path, tmp_path: Path
) -> None:
    """The hand-made day, written with its components: valid, same total, all consistent."""
    instance = _write(tmp_path, DAY)
    values = price_solution(DAY, SOLUTION)
    path = tmp_path / "day.solution.json"
    write_solution(with_cost_components({"instance": "day", **SOLUTION}, values), path)
    verdict = run_validator(uhhc_validator, instance, path)
    total = read_weights(DAY["metadata"]["cost_components"]).total(values)
    assert verdict.total == pytest.approx(total)
    assert verdict.components["max_idle_time"] == 5 * values["max_idle_time"]
    # nothing hard is broken: lateness, waiting, idle time and the counts are priced
    assert verdict.problems == ()
    assert verdict.valid


def test_reader_models_each_part_of_the_formulation(tmp_path: Path) -> None:
    """Windows, shifts, lunch, optional pairs, preferences, exclusions and the weights."""
    instance = read_uhhc(_write(tmp_path, DAY))
    minute = instance.scale
    visits = instance.problem.visit_by_id
    first, last = visits["p0:s0"].windows
    assert (first.start, first.end) == (0, 20 * minute)  # earlier windows end hard
    assert last.start == 50 * minute and visits["p0:s0"].due == 100 * minute
    assert visits["p2:s0"].optional and visits["p2:s0"].duration == 15 * minute
    (link,) = instance.problem.links  # an independent pair: both or neither
    assert link.kind is LinkKind.SEQUENTIAL and link.min_gap == 0
    patient = instance.problem.patient_by_id["p1"]
    assert patient.preferred_clinicians == ("c2",) and patient.excluded_clinicians == {"c2"}
    c1, c2 = instance.problem.clinicians
    (shift,) = c1.shifts
    assert (shift.window.start, shift.window.end) == (0, 200 * minute)
    assert shift.lunch is not None and shift.lunch.duration == 30 * minute
    assert shift.max_overtime > 0  # extra time is priced, not forbidden
    assert c2.shifts[0].lunch is not None


def test_hard_tardiness_and_windows_met_at_the_end_shorten_the_windows(tmp_path: Path) -> None:
    """HARD tardiness: every window ends hard; met at the end: it ends a duration earlier."""
    data = copy.deepcopy(DAY)
    data["metadata"]["time_window_met"] = "at_service_end"
    data["metadata"]["cost_components"]["total_tardiness"] = "HARD"
    instance = read_uhhc(_write(tmp_path, data))
    minute = instance.scale
    visit = instance.problem.visit_by_id["p0:s0"]
    assert [(w.start, w.end) for w in visit.windows] == [
        (0, 10 * minute),
        (50 * minute, 90 * minute),
    ]
    assert visit.due is None
    lunch = instance.problem.clinicians[0].shifts[0].lunch
    assert lunch is not None and lunch.window.end == 90 * minute  # its end inside the window


def test_unsupported_components_are_named(tmp_path: Path) -> None:
    """A component the format defines but the product does not price is a clear error."""
    data = copy.deepcopy(DAY)
    data["metadata"]["cost_components"]["tw_max_dev_in_time"] = 1
    with pytest.raises(BenchmarkError, match=r"unsupported cost component.*tw_max_dev_in_time"):
        read_uhhc(_write(tmp_path, data))


def test_lunch_goes_where_it_leaves_the_least_waiting(tmp_path: Path) -> None:
    """Between p0 (ends 40) and p1 (starts 100): after the 5-minute leg, at p1's, 60 to 100."""
    instance = read_uhhc(_write(tmp_path, DAY))
    minute = instance.scale
    stops = tuple(
        Stop(f"{patient}:{service}", patient, start * minute, start * minute, end * minute, 0, 0)
        for patient, service, start, end in (("p0", "s0", 30, 40), ("p1", "s1", 100, 110))
    )
    route = Route("c1", 0, 20 * minute, 125 * minute, stops, 0, 0)
    solution = solution_json(instance, Plan((route,), (), ZERO_KPIS))
    lunch = solution["routes"][0]["locations"][1]
    assert lunch == {
        "patient": "p1",
        "service": "lunch_break",
        "start_service_time": 60,
        "end_service_time": 100,
    }
    values = price_solution(DAY, solution)
    assert values["total_waiting_time"] == 15  # 45 to 60 at p1's door, none after lunch
    assert values["missed_lunch_break"] == 1  # c2, who has no route


def test_decimal_minutes_are_written_so_the_validators_float_sums_hold(tmp_path: Path) -> None:
    """414.024 + 14 and 428.024 + 20.518 fall a last digit short in floats: nudged up."""
    data = {
        "metadata": {"name": "decimals", "origin": "mankowska", "cost_components": {}},
        "distances": [[0, 35.735, 10], [35.735, 0, 20.518], [10, 20.518, 0]],
        "terminal_points": [{"id": "d", "distance_matrix_index": 0}],
        "caregivers": [{"id": "c1", "abilities": ["s"], "departing_point": "d"}],
        "patients": [
            {
                "id": patient,
                "required_services": [{"service": "s", "duration": 14}],
                "distance_matrix_index": row,
                "time_windows": [{"start": 0, "end": 600}],
            }
            for patient, row in (("p0", 1), ("p1", 2))
        ],
        "services": [{"id": "s", "type": "s", "default_duration": 14}],
    }
    instance = read_uhhc(_write(tmp_path, data))
    assert instance.scale == 1000
    stops = tuple(
        Stop(f"{patient}:s", patient, start, start, start + 14_000, 0, 0)
        for patient, start in (("p0", 414_024), ("p1", 448_542))
    )
    plan = Plan((Route("c1", 0, 378_289, 472_542, stops, 0, 0),), (), ZERO_KPIS)
    first, second = solution_json(instance, plan)["routes"][0]["locations"]
    leaving = first["start_service_time"] - 35.735
    assert first["start_service_time"] >= leaving + 35.735
    assert first["end_service_time"] - first["start_service_time"] >= 14
    assert second["start_service_time"] >= first["end_service_time"] + 20.518
    assert second["start_service_time"] == pytest.approx(448.542, abs=1e-9)


def test_a_breached_sequential_gap_is_written_as_it_is(tmp_path: Path) -> None:
    """A gap 50 minutes over its maximum stays for the validator to report.

    Times are nudged by a float's last digits only (stepping one up a digit at a time until
    the gap held never ended).
    """
    data = {
        "metadata": {"name": "gap", "origin": "mankowska", "cost_components": {}},
        "distances": [[0, 10.5], [10.5, 0]],
        "terminal_points": [{"id": "d", "distance_matrix_index": 0}],
        "caregivers": [
            {"id": caregiver, "abilities": ["s", "t"], "departing_point": "d"}
            for caregiver in ("c1", "c2")
        ],
        "patients": [
            {
                "id": "p0",
                "required_services": [
                    {"service": "s", "duration": 10},
                    {"service": "t", "duration": 10},
                ],
                "synchronization": {"type": "sequential", "distance": [0, 10]},
                "distance_matrix_index": 1,
                "time_windows": [{"start": 0, "end": 600}],
            }
        ],
        "services": [
            {"id": service, "type": service, "default_duration": 10} for service in ("s", "t")
        ],
    }
    instance = read_uhhc(_write(tmp_path, data))
    minute = instance.scale
    routes = tuple(
        Route(
            caregiver,
            0,
            0,
            (start + 30) * minute,
            (
                Stop(
                    f"p0:{service}",
                    "p0",
                    start * minute,
                    start * minute,
                    (start + 10) * minute,
                    0,
                    0,
                ),
            ),
            0,
            0,
        )
        for caregiver, service, start in (("c1", "s", 20), ("c2", "t", 80))
    )
    solution = solution_json(instance, Plan(routes, (), ZERO_KPIS))
    starts = {
        location["service"]: location["start_service_time"]
        for route in solution["routes"]
        for location in route["locations"]
    }
    assert starts["t"] - starts["s"] == pytest.approx(60)


def test_parts_of_the_format_the_product_does_not_model_are_named(tmp_path: Path) -> None:
    """A patient's preferred start time is refused with what it is, not read silently."""
    data = copy.deepcopy(DAY)
    data["patients"][0]["preferred_start_time"] = 60
    with pytest.raises(BenchmarkError, match=r"unsupported: a patient's preferred start time"):
        read_uhhc(_write(tmp_path, data))
