"""The typed core type-checks: mypy over the domain and the solver, with pyproject's settings."""

from mypy import api

TYPED = ["scheduler/domain", "scheduler/solver"]  # also [tool.mypy] files, for a bare `mypy`


def test_mypy_finds_no_type_error_in_the_typed_core() -> None:
    """``mypy`` on the domain and the solver reports no error."""
    report, errors, status = api.run(TYPED)
    assert status == 0, report + errors
