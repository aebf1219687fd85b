"""The life of a stored visit: allowed status changes, and reports only once a visit started."""

from datetime import UTC, datetime, timedelta

import pytest

from scheduler.domain.visit_status import NEXT_STATUSES, status_change_refusal

NOW = datetime(2026, 12, 7, 15, tzinfo=UTC)
STARTED = NOW - timedelta(hours=2)
AHEAD = NOW + timedelta(days=9)


@pytest.mark.parametrize(
    ("current", "new", "start"),
    [
        ("planned", "cancelled", None),
        ("published", "cancelled", AHEAD),
        ("published", "completed", STARTED),
        ("published", "missed", STARTED),
    ],
)
def test_allowed_changes_pass(current, new, start):
    """Cancel what waits; report a published visit once its start has come."""
    assert status_change_refusal("v1", current, new, start_at=start, now=NOW) is None


@pytest.mark.parametrize(
    ("current", "new", "start", "says"),
    [
        ("cancelled", "completed", STARTED, "cancelled: it may become nothing"),
        ("completed", "cancelled", STARTED, "completed: it may become nothing"),
        ("missed", "completed", STARTED, "it is history"),
        ("planned", "completed", None, "it may become cancelled, not completed"),
        ("published", "completed", AHEAD, "once its start has come"),
        ("published", "missed", AHEAD, "once its start has come"),
    ],
)
def test_refused_changes_name_the_current_status(current, new, start, says):
    """Completed after cancelled, cancelled after completed, completed ahead or unplanned: no."""
    refusal = status_change_refusal("v1", current, new, start_at=start, now=NOW)
    assert refusal is not None and says in refusal and current in refusal


def test_history_is_final():
    """Completed, missed and cancelled visits move nowhere."""
    assert all(not NEXT_STATUSES[status] for status in ("completed", "missed", "cancelled"))
