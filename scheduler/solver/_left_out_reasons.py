"""The reason of one left-out visit, checked on the plan's routes (see ``explain.py``).

Each qualified clinician-day meeting a window of the visit is looked at: the visit alone
there, the rules and caps barring it (``clinician_days.py``), and its final route with the
visit in (``insertion.py``); the reason names the code, a sample of what bars it and what
would place it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from scheduler.domain import (
    DAY,
    HOUR,
    Plan,
    Problem,
    ReasonCode,
    TravelMatrix,
    Unassigned,
    Visit,
    compute_kpis,
    format_clock,
)
from scheduler.solver.clinician_days import BlockKind, ClinicianDay, clinician_days, day_name
from scheduler.solver.insertion import InsertionOption, route_insertions
from scheduler.solver.repair import Refusal

RELAXED_OVERTIME = 4 * HOUR  # how much longer a day may get when looking for what would help
HINT_DAYS = 4  # full clinician-days (the nearest) tried longer for what would place a visit


@dataclass(frozen=True)
class _Look:
    """What one clinician-day offers a left-out visit."""

    day: ClinicianDay
    alone: InsertionOption | None  # the visit as the day's only stop
    fit: InsertionOption | None  # the cheapest place in the final route, if open and fitting
    rules: tuple[str, ...]  # the rules barring the day, in words
    full: tuple[str, ...]  # the caps the day (or week) has reached, in words
    crowded: bool  # the final route has no room in time


def explain_one(
    problem: Problem,
    travel: TravelMatrix,
    plan: Plan,
    visit: Visit,
    refused: Sequence[Refusal],
) -> Unassigned:
    """The checked reason of one left-out visit."""
    if visit.id in problem.link_by_visit:
        partner = problem.link_by_visit[visit.id].partner_of(visit.id)
        return Unassigned(
            visit.id,
            ReasonCode.LINKED_VISIT_LEFT_OUT,
            f"Its linked visit {partner} is left out too, and the two are made together or "
            "not at all.",
        )
    looks = [
        _look(problem, travel, visit, day, refused) for day in clinician_days(problem, plan, visit)
    ]
    if not looks:
        return Unassigned(
            visit.id,
            ReasonCode.NO_SHIFT_IN_WINDOW,
            "No qualified clinician works on a day and at an hour it may start.",
        )
    reachable = [look for look in looks if look.alone is not None]
    if not reachable:
        return _unreachable(problem, travel, visit, looks)
    fitting = [look.fit for look in reachable if look.fit is not None]
    if fitting:
        best = min(fitting, key=lambda option: option.added_travel_seconds)
        where = f"{_where(problem, best)} (+{_minutes(best.added_travel_seconds)} min driving)"
        if visit.optional and visit.care_plan_id is not None:
            return Unassigned(visit.id, ReasonCode.DEFERRED, f"{_DEFERRED} It would fit {where}.")
        return Unassigned(
            visit.id,
            ReasonCode.NOT_SOLVED,
            f"The search left it out, yet it would fit {where}; placing it was not checked "
            "before the time limit.",
        )
    full = [look for look in reachable if not look.rules]
    if not full:
        return _barred(problem, visit, reachable)
    return _no_room(problem, travel, visit, reachable, full)


def explain_quickly(problem: Problem, travel: TravelMatrix, visit: Visit) -> Unassigned:
    """A reason from the visit alone, when there is no time to look at the routes.

    ``unreachable_in_window`` when no qualified clinician-day can make it as its only stop,
    else ``not_solved`` saying so (its places in the routes were not looked at).
    """
    empty = Plan((), (), compute_kpis(problem, (), ()))
    looks = [
        _Look(day, _alone(problem, travel, visit, day), None, (), (), False)
        for day in clinician_days(problem, empty, visit)
    ]
    if looks and not any(look.alone for look in looks):
        return _unreachable(problem, travel, visit, looks)
    return Unassigned(
        visit.id,
        ReasonCode.NOT_SOLVED,
        "The search left it out and the time limit came before its places in the routes were "
        "looked at; a qualified clinician could make it alone.",
    )


def _unreachable(
    problem: Problem, travel: TravelMatrix, visit: Visit, looks: Sequence[_Look]
) -> Unassigned:
    """No qualified clinician-day can make the visit even as its only stop."""
    miss = _nearest_miss(problem, travel, visit, looks)
    return Unassigned(
        visit.id,
        ReasonCode.UNREACHABLE_IN_WINDOW,
        "No qualified clinician can drive from their start place, make the visit inside "
        f"its window and get back within the shift: {miss}.",
    )


def _alone(
    problem: Problem, travel: TravelMatrix, visit: Visit, day: ClinicianDay
) -> InsertionOption | None:
    """The visit as the only stop of the clinician-day (the earliest start), if it fits."""
    clinician = day.clinician
    alone = route_insertions(
        problem, clinician, day.shift, None, visit, travel, work_cap=clinician.max_work_per_day
    )
    return min(alone, key=_by_start, default=None)


_DEFERRED = (
    "Not needed in this horizon: its order period goes on after it and can still hold the visit."
)


def _look(
    problem: Problem,
    travel: TravelMatrix,
    visit: Visit,
    day: ClinicianDay,
    refused: Sequence[Refusal],
) -> _Look:
    """Try the visit alone and in the final route of one clinician-day."""
    clinician, shift = day.clinician, day.shift
    alone = _alone(problem, travel, visit, day)
    rules = [b.text for b in day.blockers if b.kind == BlockKind.RULE]
    rules += [
        f"the validator refuses it there ({r.rule}: {r.message})"
        for r in refused
        if r.day == shift.day and r.clinician_id in (None, clinician.id)
    ]
    full = [b.text for b in day.blockers if b.kind == BlockKind.FULL]
    fit = None
    crowded = False
    if alone and not rules and not full:
        options = route_insertions(
            problem, clinician, shift, day.route, visit, travel, work_cap=day.work_cap
        )
        fit = min(options, key=lambda option: option.added_travel_seconds, default=None)
        crowded = fit is None
    return _Look(day, alone, fit, tuple(rules), tuple(full), crowded)


def _barred(problem: Problem, visit: Visit, reachable: Sequence[_Look]) -> Unassigned:
    """Every clinician-day that could take the visit alone is barred by a rule."""
    rules = {text for look in reachable for text in look.rules}
    waits = all(text.startswith("it waits for the ") for text in rules)
    code = ReasonCode.WAITS_FOR_SOC if waits else ReasonCode.NO_DAY_LEFT
    barred = "; ".join(
        f"{look.day.clinician.id} on {day_name(problem, look.day.shift.day)}: {look.rules[0]}"
        for look in _sample(reachable)
    )
    more = len(reachable) - len(_sample(reachable))
    tail = f" (and {more} more clinician-day(s) alike)" if more else ""
    return Unassigned(
        visit.id,
        code,
        f"Every clinician-day it fits is barred by a rule: {barred}{tail}. It is placed once "
        "that rule no longer applies there.",
    )


def _no_room(
    problem: Problem,
    travel: TravelMatrix,
    visit: Visit,
    reachable: Sequence[_Look],
    full: Sequence[_Look],
) -> Unassigned:
    """No clinician-day that could take the visit has room (or a rule bars it)."""
    barred = len(reachable) - len(full)
    summary = (
        f"no qualified clinician's route on a day it allows has room ({len(full)} "
        f"clinician-day(s) full" + (f", {barred} barred by a rule" if barred else "") + ")"
    )
    hint, look = _what_would_place(problem, travel, visit, full)
    if not visit.optional:
        return Unassigned(
            visit.id, ReasonCode.CAPACITY, f"{summary[0].upper()}{summary[1:]}. {hint}"
        )
    route = look.day.route
    others = [problem.visit_by_id[s.visit_id] for s in route.stops] if route else []
    required = sum(not other.optional for other in others)
    lost = (
        f"It lost to the {len(others)} visit(s) ({required} required) of "
        f"{look.day.clinician.id}'s {day_name(problem, look.day.shift.day)}."
    )
    if visit.care_plan_id is not None:
        return Unassigned(
            visit.id, ReasonCode.DEFERRED, f"{_DEFERRED} Now {summary}. {lost} {hint}"
        )
    return Unassigned(
        visit.id,
        ReasonCode.LOW_PRIORITY,
        f"Optional (priority {visit.priority}) and {summary}. {lost} {hint}",
    )


def _what_would_place(
    problem: Problem, travel: TravelMatrix, visit: Visit, full: Sequence[_Look]
) -> tuple[str, _Look]:
    """The smallest change that would let a full clinician-day take the visit, in words.

    The ``HINT_DAYS`` clinician-days nearest the patient are tried with a longer day.
    """
    place = problem.patient_by_id[visit.patient_id].location.id
    nearest = sorted(
        full, key=lambda look: travel.seconds_between(look.day.clinician.start.id, place)
    )[:HINT_DAYS]
    best: tuple[int, str, _Look] | None = None
    for look in nearest:
        day = look.day
        longer = replace(day.shift, max_overtime=day.shift.max_overtime + RELAXED_OVERTIME)
        options = route_insertions(
            problem, day.clinician, longer, day.route, visit, travel, work_cap=None
        )
        for option in options:
            extra = max(0, option.route.end - day.shift.latest_end)
            if day.work_cap is not None:
                extra = max(extra, option.route.work_seconds - day.work_cap)
            if best is None or extra < best[0]:
                best = (extra, _where(problem, option), look)
    if best is None:
        look = full[0]
        route = look.day.route
        count = len(route.stops) if route else 0
        return (
            f"It fits alone in {look.day.clinician.id}'s {day_name(problem, look.day.shift.day)}, "
            f"but the {count} visit(s) there fill the hours it may start: moving one of them "
            "would place it.",
            look,
        )
    extra, where, look = best
    needs = [f"{cap} raised" for cap in look.full]
    if extra > 0:
        needs.insert(
            0, f"{_minutes(extra)} more minutes of work that day (overtime or a longer day)"
        )
    return f"It would fit {where}" + (f" with {' and '.join(needs)}" if needs else "") + ".", look


def _nearest_miss(
    problem: Problem, travel: TravelMatrix, visit: Visit, looks: Sequence[_Look]
) -> str:
    """How close the nearest qualified clinician-day comes to making the visit alone."""
    place = problem.patient_by_id[visit.patient_id].location.id
    misses = []
    for look in looks:
        clinician, shift = look.day.clinician, look.day.shift
        there = travel.seconds_between(clinician.start.id, place)
        back = travel.seconds_between(place, clinician.end_location.id)
        windows = [
            w for w in visit.windows if w.end >= shift.window.start and w.start <= shift.latest_end
        ]
        earliest = shift.window.start + there
        last = max(w.end for w in windows)
        name = f"{clinician.id} on {day_name(problem, shift.day)}"
        if earliest > last:
            misses.append(
                (
                    earliest - last,
                    f"{name} could start it at {_clock(earliest)} at the earliest "
                    f"({_minutes(there)} min away), after its last start {_clock(last)}",
                )
            )
            continue
        start = max(earliest, min(w.start for w in windows if w.end >= earliest))
        end = start + visit.duration + back
        if end > shift.latest_end:
            misses.append(
                (
                    end - shift.latest_end,
                    f"{name} would be back at {_clock(end)}, after the shift ends at "
                    f"{_clock(shift.latest_end)}",
                )
            )
        else:
            misses.append((0, f"{name} would break its working-time cap or lunch"))
    return min(misses)[1]


def _sample(looks: Sequence[_Look]) -> list[_Look]:
    """A few clinician-days to name, one per day first."""
    seen: set[int] = set()
    first = []
    for look in looks:
        if look.day.shift.day not in seen:
            seen.add(look.day.shift.day)
            first.append(look)
    return first[:3]


def _where(problem: Problem, option: InsertionOption) -> str:
    """``c07 on Monday 2026-12-07 at 14:10``."""
    return f"{option.clinician_id} on {day_name(problem, option.day)} at {_clock(option.start)}"


def _by_start(option: InsertionOption) -> int:
    """Sort key: the visit's start."""
    return option.start


def _clock(second: int) -> str:
    """The time of day of a horizon second."""
    return format_clock(second % DAY)


def _minutes(seconds: int) -> int:
    """Whole minutes, rounded up."""
    return -(-seconds // 60)
