"""The typed core type-checks: mypy over the files ``[tool.mypy]`` in pyproject.toml names."""

from mypy import api


def test_mypy_finds_no_type_error_in_the_typed_core() -> None:
    """``mypy`` with pyproject's settings reports no error."""
    report, errors, status = api.run([])
    assert status == 0, report + errors
