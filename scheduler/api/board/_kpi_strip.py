"""The week's KPIs strip: a published version's KPIs on the days shown, as labels and values.

Versions never change, so each version's strip for some days is computed once per process.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from threading import Lock

from scheduler.domain.kpis import fairness_by_discipline
from scheduler.store.board_week import VersionFigures

LABELS = (
    "Travel per visit",
    "Required placed",
    "Compliance",
    "Continuity",
    "Fairness",
    "Utilisation",
)
Strip = tuple[tuple[str, str], ...]
KEPT = 64  # strips kept (versions and weeks)
_STRIPS: dict[tuple[str, tuple[date, ...]], Strip] = {}
_LOCK = Lock()


def kpi_strip(
    plan_id: str | None, days: tuple[date, ...], figures: Callable[[str], VersionFigures]
) -> Strip:
    """Travel per visit, required placed, compliance, continuity, fairness, utilisation.

    Travel per visit and fairness are of the days shown, the others of the whole version.
    ``figures`` reads a version's figures, once per version and days shown in this process;
    without a published version (``plan_id`` ``None``) every value is a dash.
    """
    if plan_id is None:
        return tuple((label, "-") for label in LABELS)
    key = (plan_id, days)
    with _LOCK:
        strip = _STRIPS.get(key)
    if strip is None:
        strip = _strip(figures(plan_id), days)
        with _LOCK:
            if len(_STRIPS) >= KEPT:
                _STRIPS.pop(next(iter(_STRIPS)))
            _STRIPS[key] = strip
    return strip


def _strip(version: VersionFigures, days: tuple[date, ...]) -> Strip:
    """The strip of a version on ``days``."""
    people, plan = version.people, version.plan
    horizon = people.horizon
    shown = {(day - horizon.start_date).days for day in days}
    routes = tuple(route for route in plan.routes if route.day in shown)
    visits = sum(len(route.stops) for route in routes)
    travel = sum(route.travel_seconds for route in routes)
    worst = max(fairness_by_discipline(people, routes).values(), default=1.0)
    kpis = plan.kpis
    values = (
        f"{travel / visits / 60:.0f} min" if visits else "-",
        f"{version.required_placed}/{version.required}",
        f"{kpis.frequency_compliance:.0%}",
        f"{kpis.continuity_share:.0%}",
        f"{worst:.2f} max/min",
        f"{kpis.utilisation:.0%}",
    )
    return tuple(zip(LABELS, values, strict=True))
