"""Problems and plans survive JSON round trips; malformed files get readable errors."""

from pathlib import Path

import pytest

from scheduler.demo.agency import generate_agency
from scheduler.domain import Kpis, Plan, ReasonCode, Unassigned
from scheduler.errors import ProblemError
from scheduler.store.problem_io import (
    plan_from_json,
    plan_to_json,
    problem_from_json,
    problem_to_json,
    read_problem,
    write_file,
)


def test_problem_round_trip(tmp_path: Path) -> None:
    """A generated agency written and read back is equal to the original."""
    problem = generate_agency(patients=20, clinicians=5)
    path = tmp_path / "problem.json"
    write_file(problem_to_json(problem), path)
    assert read_problem(path) == problem
    assert not list(tmp_path.glob("*.partial"))


def test_plan_round_trip() -> None:
    """A plan with an unassigned visit round-trips through JSON."""
    kpis = Kpis(0, 1, 0, 0, 0.0, 0, 0, 0, 0, 0, 0.0, 1.0)
    plan = Plan((), (Unassigned("v1", ReasonCode.CAPACITY, "full"),), kpis)
    assert plan_from_json(plan_to_json(plan)) == plan


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda text: text[:-5], "Invalid JSON"),
        (lambda text: text.replace('"duration": 2700', '"duration": "long"', 1), "duration"),
        (lambda text: text.replace('"patient_id": "p001"', '"patient_id": "p999"', 1), "p999"),
        (lambda text: text.replace('"discipline": "SN"', '"discipline": "XX"', 1), "discipline"),
    ],
)
def test_malformed_problem_names_the_problem(mutate, message: str) -> None:
    """Broken JSON, a wrong type, a dangling reference and a bad enum each get a clear error."""
    text = problem_to_json(generate_agency(patients=20, clinicians=5))
    with pytest.raises(ProblemError, match=message):
        problem_from_json(mutate(text))


def test_missing_file_is_named(tmp_path: Path) -> None:
    """Reading a file that does not exist says which path."""
    with pytest.raises(ProblemError, match="no problem file"):
        read_problem(tmp_path / "nope.json")
