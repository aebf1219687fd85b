"""Our UHHC solutions checked by the format's official validator, installed from ../shared."""

import copy
import json
from pathlib import Path

import pytest

from scheduler.bench.uhhc_set import UhhcSet
from scheduler.bench.uhhc_validator import read_verdict, run_validator
from scheduler.settings import Settings
from tests.bench.uhhc_support import DAY, SOLUTION

BENCHMARKS = Settings().shared_dir / "benchmarks"
CASES = [
    ("uhhc-generated", "small-instance-000"),
    ("uhhc-generated", "small-instance-003"),
    ("mankowska", "InstanzCPLEX_HCSRP_10_1"),
]


@pytest.mark.parametrize(("family", "name"), CASES)
def test_small_instances_are_valid_and_our_total_is_the_validators(
    uhhc_validator: Path, tmp_path: Path, family: str, name: str
) -> None:
    """Solved for 5 s: the official validator accepts the answer and recomputes our total."""
    directory = BENCHMARKS / family
    if not directory.is_dir():
        pytest.skip(f"{directory} not found")
    bench = UhhcSet(directory, solutions=tmp_path, validator=uhhc_validator)
    outcome = bench.solve(name, solver="ours", time_limit=5.0, seed=1)
    if not outcome.parts["validator_valid"]:
        written = tmp_path / f"{name}.solution.json"
        verdict = run_validator(uhhc_validator, directory / f"{name}.json", written)
        pytest.fail(f"the official validator refused {name}: {verdict.problems}")
    assert outcome.parts["validator_total"] == pytest.approx(outcome.parts["total"], rel=1e-6)
    assert outcome.parts["total_matches"]
    assert outcome.feasible


def test_a_broken_solution_is_refused(uhhc_validator: Path, tmp_path: Path) -> None:
    """A visit started before its caregiver could arrive: the validator's verdict is invalid."""
    instance, path = tmp_path / "day.json", tmp_path / "day.solution.json"
    instance.write_text(json.dumps(DAY))
    broken = copy.deepcopy(SOLUTION)
    last = broken["routes"][0]["locations"][-1]
    last["start_service_time"], last["end_service_time"] = 91, 101  # the leg takes 5 minutes
    path.write_text(json.dumps({**broken, "cost_components": {}}))
    verdict = run_validator(uhhc_validator, instance, path)
    assert not verdict.valid
    assert any("not consistent with the distances" in problem for problem in verdict.problems)


def test_verdict_reads_red_lines_and_the_total() -> None:
    """A red line makes the verdict invalid; the Total line and components are read."""
    output = (
        "\x1b[32mSolution correcly validated\x1b[0m\n"
        "\x1b[34mtraveled_distance......  12 ..... (1 x 12)\x1b[0m\n"
        "\x1b[34mTotal..................  42 ..... (-)\x1b[0m\n"
    )
    verdict = read_verdict(output, exit_code=0)
    assert verdict.valid
    assert verdict.total == 42
    assert verdict.components == {"traveled_distance": 12}
    red = output + "\x1b[31mPatient p3 is not optional, but not scheduled\x1b[0m\n"
    refused = read_verdict(red, exit_code=0)
    assert not refused.valid
    assert refused.problems == ("Patient p3 is not optional, but not scheduled",)
