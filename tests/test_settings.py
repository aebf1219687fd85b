"""Settings reach the domain as explicit values."""

import pytest
from pydantic import ValidationError

from scheduler.errors import ProblemError
from scheduler.settings import Settings


def test_assessment_minutes_set_the_care_rules_assessment_duration() -> None:
    """A 2-hour assessment setting gives care rules whose SOC and recert last 7,200 s."""
    assert Settings(assessment_minutes=120).care_rules().assessment_duration == 7200
    assert Settings().care_rules().assessment_duration == 90 * 60


def test_assessment_minutes_refuse_a_too_short_assessment() -> None:
    """An assessment shorter than 15 minutes is refused when settings are read."""
    with pytest.raises(ValidationError, match="assessment_minutes"):
        Settings(assessment_minutes=5)


def test_one_function_resolves_a_time_limit_against_the_settings() -> None:
    """No limit takes the default; a limit above ``max_job_seconds`` or not positive is refused."""
    settings = Settings(solve_time_limit=12.0, max_job_seconds=60.0)
    assert settings.resolve_time_limit(None) == 12.0
    assert settings.resolve_time_limit(60.0) == 60.0
    for wrong in (60.5, 0.0, -1.0):
        with pytest.raises(ProblemError, match="SCHEDULER_MAX_JOB_SECONDS"):
            settings.resolve_time_limit(wrong)
