"""The time of day in the routing model: preferred hours and the same time each visit.

Two soft rules of a day's routing model, weighed in seconds of driving as insertion and the
plan scores weigh them (``_placement.py``): each second a visit starts outside its patient's
preferred hours, and each second it starts outside its same-time band (the times of day that
keep the patient's visits of the discipline that week, made on other days, within an hour of
each other). A start time can carry one soft lower and one soft upper bound in OR-Tools, so
the rules share them (``soften``): the tighter bound is kept and the weights are added (a
little more than the exact sum between the two bounds, exact past both).
"""

from __future__ import annotations

from collections.abc import Mapping

from scheduler.domain import DAY, TimeWindow, Visit
from scheduler.solver.model import VisitModel

PREFERRED_HOURS_WEIGHT = 2  # seconds of driving per second outside the preferred hours
SAME_TIME_WEIGHT = 1  # seconds of driving per second outside the same-time band


def add_preferred_hours(model: VisitModel) -> None:
    """Charge per second a visit starts outside its patient's preferred hours (soft).

    The wish is local time of day; it applies on the visit's own day. Pinned visits keep
    their pin; a wish the visit's windows never meet is left out (nothing to prefer).
    """
    weight = PREFERRED_HOURS_WEIGHT * model.params.travel_weight
    for position, visit in enumerate(model.visits):
        wish = model.patient_of(visit).preferred_hours
        if wish is None or visit.pinned_start is not None:
            continue
        midnight = _midnight(visit)
        lower = max(midnight + wish.start, visit.earliest_start)
        upper = min(midnight + wish.end, visit.latest_start)
        if lower <= upper:
            soften(model, position, TimeWindow(lower, upper), weight)


def add_same_time(model: VisitModel, bands: Mapping[str, TimeWindow]) -> None:
    """Charge per second a visit starts outside its same-time band (soft).

    ``bands`` gives per visit id the times of day (local, seconds from midnight) its
    patient's other visits of the discipline that week ask for (``same_time_bands``). A band
    the visit's windows never meet still pulls its start to the nearest end of them.
    """
    weight = SAME_TIME_WEIGHT * model.params.travel_weight
    for position, visit in enumerate(model.visits):
        band = bands.get(visit.id)
        if band is None or visit.pinned_start is not None:
            continue
        soften(model, position, band.shifted(_midnight(visit)), weight)


def soften(model: VisitModel, position: int, window: TimeWindow, weight: int) -> None:
    """Charge ``weight`` per second the visit at ``position`` starts outside ``window``.

    Merged with the soft bounds its start already has: the tighter bound, the summed weight.
    """
    time, index = model.time, model.visit_index(position)
    lower, lower_weight = window.start, weight
    if time.HasCumulVarSoftLowerBound(index):
        lower = max(lower, time.GetCumulVarSoftLowerBound(index))
        lower_weight += time.GetCumulVarSoftLowerBoundCoefficient(index)
    upper, upper_weight = window.end, weight
    if time.HasCumulVarSoftUpperBound(index):
        upper = min(upper, time.GetCumulVarSoftUpperBound(index))
        upper_weight += time.GetCumulVarSoftUpperBoundCoefficient(index)
    time.SetCumulVarSoftLowerBound(index, lower, lower_weight)
    time.SetCumulVarSoftUpperBound(index, upper, upper_weight)


def _midnight(visit: Visit) -> int:
    """The start of the day the visit's windows are on (day routing gives it one day's)."""
    return visit.earliest_start - visit.earliest_start % DAY
