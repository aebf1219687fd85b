"""Problems and plans as JSON files, validated on the way in.

Pydantic reads and writes the domain dataclasses; the domain itself stays framework-free.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from scheduler.domain import Plan, Problem
from scheduler.errors import ProblemError

_PROBLEM = TypeAdapter(Problem)
_PLAN = TypeAdapter(Plan)


def problem_from_json(text: str | bytes) -> Problem:
    """Read a problem from JSON text.

    Raises
    ------
    ProblemError
        Naming where the JSON is malformed or what does not add up.
    """
    return _validate(_PROBLEM, text, "problem")


def problem_to_json(problem: Problem) -> str:
    """The problem as indented JSON."""
    return _PROBLEM.dump_json(problem, indent=1).decode()


def plan_from_json(text: str | bytes) -> Plan:
    """Read a plan from JSON text (raises ``ProblemError`` when malformed)."""
    return _validate(_PLAN, text, "plan")


def plan_to_json(plan: Plan) -> str:
    """The plan as indented JSON."""
    return _PLAN.dump_json(plan, indent=1).decode()


def read_problem(path: Path) -> Problem:
    """Read a problem JSON file (raises ``ProblemError`` for a missing or malformed file)."""
    if not path.is_file():
        raise ProblemError(f"no problem file at {path}")
    return problem_from_json(path.read_bytes())


def write_file(text: str, path: Path) -> None:
    """Write text (JSON, HTML) to ``path`` whole: a temporary file renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".partial")
    partial.write_text(text)
    partial.replace(path)


def _validate(adapter: TypeAdapter[Any], text: str | bytes, what: str) -> Any:
    """Validate JSON with ``adapter``, turning pydantic's errors into one readable sentence."""
    try:
        return adapter.validate_json(text)
    except ValidationError as error:
        details = "; ".join(
            f"{'.'.join(str(part) for part in item['loc']) or what}: {item['msg']}"
            for item in error.errors()[:5]
        )
        more = error.error_count() - 5
        suffix = f" (and {more} more)" if more > 0 else ""
        raise ProblemError(f"invalid {what} JSON: {details}{suffix}") from None
