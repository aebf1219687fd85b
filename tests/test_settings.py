"""Settings reach the domain as explicit values."""

import pytest
from pydantic import ValidationError

from scheduler.settings import Settings


def test_assessment_minutes_set_the_care_rules_assessment_duration() -> None:
    """A 2-hour assessment setting gives care rules whose SOC and recert last 7,200 s."""
    assert Settings(assessment_minutes=120).care_rules().assessment_duration == 7200
    assert Settings().care_rules().assessment_duration == 90 * 60


def test_assessment_minutes_refuse_a_too_short_assessment() -> None:
    """An assessment shorter than 15 minutes is refused when settings are read."""
    with pytest.raises(ValidationError, match="assessment_minutes"):
        Settings(assessment_minutes=5)
