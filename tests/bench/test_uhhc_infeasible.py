"""The proof that a UHHC instance has no valid solution: a caregiver's own visits cannot be met."""

import copy
import json
from typing import Any

import pytest

from scheduler.bench.uhhc_infeasible import unmeetable_caregiver
from scheduler.settings import Settings
from tests.bench.uhhc_support import DAY

GENERATED = Settings().shared_dir / "benchmarks" / "uhhc-generated"


def hard_day(**p1: Any) -> dict[str, Any]:
    """The hand-made day with tardiness HARD and patient p1 (c1 alone gives s1) changed."""
    day = copy.deepcopy(DAY)
    day["metadata"]["cost_components"]["total_tardiness"] = "HARD"
    day["patients"][1].update(p1)
    return day


def test_a_caregiver_who_can_meet_each_window_proves_nothing() -> None:
    """c1 reaches p1 at 15, inside its window 0-30: nothing is proven."""
    assert unmeetable_caregiver(hard_day()) is None


def test_a_window_the_only_able_caregiver_cannot_reach_proves_no_valid_solution() -> None:
    """p1's window closes at 10, c1 (the only one giving s1) leaves at 0 and needs 15."""
    found = unmeetable_caregiver(hard_day(time_windows=[{"start": 0, "end": 10}]))
    assert found is not None and "c1" in found and "p1:s1" in found


def test_optional_patients_and_soft_tardiness_prove_nothing() -> None:
    """The same window on an optional patient, or with tardiness priced: no proof."""
    late = [{"start": 0, "end": 10}]
    assert unmeetable_caregiver(hard_day(time_windows=late, optional=True)) is None
    soft = hard_day(time_windows=late)
    soft["metadata"]["cost_components"]["total_tardiness"] = 2
    assert unmeetable_caregiver(soft) is None


def test_a_window_met_at_the_end_of_service_counts_the_service() -> None:
    """Window 0-24: c1 arrives at 15, a start in it; met at the end, p1 must start by 14."""
    day = hard_day(time_windows=[{"start": 0, "end": 24}])
    assert unmeetable_caregiver(day) is None
    day["metadata"]["time_window_met"] = "at_service_end"
    assert unmeetable_caregiver(day) is not None


@pytest.mark.parametrize(
    ("name", "proven"), [("small-instance-000", False), ("small-instance-002", True)]
)
def test_shared_generated_instances(name: str, proven: bool) -> None:
    """small-instance-002: c2 alone gives five services no order of which meets every window."""
    path = GENERATED / f"{name}.json"
    found = unmeetable_caregiver(json.loads(path.read_text()))
    assert (found is not None) == proven
