"""The life of a stored visit: which status may follow which, and when.

A visit waits (``planned``) until a plan is published with it (``published``); once its
start has come it is reported ``completed`` or ``missed``; until then it may be
``cancelled``. Completed, missed and cancelled visits are history: nothing follows them.
"""

from __future__ import annotations

from datetime import datetime

# Reported statuses each status may move to (PATCH .../status).
NEXT_STATUSES: dict[str, frozenset[str]] = {
    "planned": frozenset({"cancelled"}),
    "published": frozenset({"completed", "missed", "cancelled"}),
    "completed": frozenset(),
    "missed": frozenset(),
    "cancelled": frozenset(),
}
HISTORY = frozenset({"completed", "missed", "cancelled"})


def status_change_refusal(
    visit_id: str, current: str, new: str, *, start_at: datetime | None, now: datetime
) -> str | None:
    """Why ``visit_id`` may not go from ``current`` to ``new`` now, or ``None`` if it may.

    Completed and missed need a published visit whose start has come.
    """
    allowed = NEXT_STATUSES.get(current, frozenset())
    if new not in allowed:
        after = ", ".join(sorted(allowed)) or "nothing (it is history)"
        return f"visit {visit_id} is {current}: it may become {after}, not {new}"
    if new in ("completed", "missed") and (start_at is None or start_at > now):
        return (
            f"visit {visit_id} is {current} to start at {start_at.isoformat()}: report it "
            f"{new} once its start has come"
            if start_at is not None
            else f"visit {visit_id} has no start yet"
        )
    return None
