"""PyVRP's routes start the search, the plan still keeps every rule, and bad routes fall back.

A tiny day: twelve patients around the nurses' office, morning or afternoon windows, one PT
visit only the therapist may make; on the linked office day two of the SN visits are one
patient's simultaneous pair. Pins are tried on the line (places 10 minutes apart).
"""

import logging
import time
from dataclasses import replace
from datetime import date

import numpy as np
import pytest

import scheduler.solver._search as search_module
from scheduler.domain import (
    HOUR,
    Clinician,
    Credential,
    Discipline,
    Horizon,
    LinkKind,
    LunchBreak,
    Patient,
    Plan,
    Problem,
    Shift,
    TimeWindow,
    TravelMatrix,
    Visit,
    VisitLink,
    compute_kpis,
)
from scheduler.solver import SolveParams, SolveStatus, solve
from scheduler.solver._chronological import chronological_routes
from scheduler.solver._pyvrp_seed import seed_sequences
from scheduler.solver._search import SearchInput
from scheduler.solver.explain import screen_visits
from scheduler.solver.model import list_vehicles
from scheduler.solver.routing import initial_sequences
from scheduler.solver.validate import validate
from tests.builders import (
    clock,
    line_problem,
    line_travel,
    nurse,
    straight_travel,
    visit,
)

SEEDED = SolveParams(time_limit=2.0, pyvrp_share=0.5, seed=3)


def office_day() -> tuple[Problem, TravelMatrix]:
    """Two RNs and a PT at one office; patient 1 needs PT, the rest SN; 30 km/h straight."""
    rng = np.random.default_rng(11)
    points = rng.uniform(0, 15_000, size=(13, 2))
    points[0] = (7_500, 7_500)
    places, travel = straight_travel(points)
    shift = (Shift(0, TimeWindow(8 * HOUR, 17 * HOUR)),)
    staff = (
        Clinician("rn1", "RN 1", Credential.RN, places[0], shift),
        Clinician("rn2", "RN 2", Credential.RN, places[0], shift),
        Clinician("pt1", "PT 1", Credential.PT, places[0], shift),
    )
    patients = tuple(Patient(f"p{k}", f"P{k}", places[k]) for k in range(1, 13))
    morning, afternoon = TimeWindow(8 * HOUR, 12 * HOUR), TimeWindow(12 * HOUR, 16 * HOUR)
    visits = tuple(
        Visit(
            f"v{k}",
            f"p{k}",
            Discipline.PT if k == 1 else Discipline.SN,
            2700,
            (morning if k % 2 else afternoon,),
        )
        for k in range(1, 13)
    )
    return Problem(Horizon(date(2026, 12, 7)), staff, patients, visits), travel


def office_search(params: SolveParams = SEEDED) -> SearchInput:
    """The search input of the office day."""
    problem, travel = office_day()
    vehicles = list_vehicles(problem)
    candidates = screen_visits(problem, vehicles).candidates
    return SearchInput(problem, travel, params, list(problem.visits), vehicles, candidates)


def linked_office_search(lunch: LunchBreak | None = None) -> SearchInput:
    """The office day with v3 and v5 one patient's simultaneous pair, searched at 3 s."""
    problem, travel = office_day()
    visits = tuple(replace(v, patient_id="p3") if v.id == "v5" else v for v in problem.visits)
    link = VisitLink("v3", "v5", LinkKind.SIMULTANEOUS)
    staff = tuple(
        replace(c, shifts=tuple(replace(s, lunch=lunch) for s in c.shifts))
        for c in problem.clinicians
    )
    problem = replace(problem, clinicians=staff, visits=visits, links=(link,))
    vehicles = list_vehicles(problem)
    candidates = screen_visits(problem, vehicles).candidates
    params = SolveParams(time_limit=3.0, workers=1)
    return SearchInput(problem, travel, params, list(problem.visits), vehicles, candidates)


def line_search(visits: list[Visit]) -> SearchInput:
    """One nurse at l0 on the line making ``visits``."""
    problem = line_problem([nurse("rn")], visits)
    vehicles = list_vehicles(problem)
    candidates = screen_visits(problem, vehicles).candidates
    return SearchInput(problem, line_travel(), SolveParams(), visits, vehicles, candidates)


class Outbox:
    """Collects what the search would send to the parent process."""

    def __init__(self) -> None:
        self.messages: list[tuple] = []

    def send(self, message: tuple) -> None:
        """Keep ``message``."""
        self.messages.append(message)


def test_seed_routes_every_visit_on_a_clinician_who_may_make_it() -> None:
    """PyVRP places all twelve visits, each once, the PT visit with the therapist."""
    search = office_search()
    sequences = seed_sequences(search.build(), search.candidates, seconds=0.5, seed=3)
    assert sequences is not None
    placed = sorted(position for sequence in sequences for position in sequence)
    assert placed == list(range(12))
    for number, sequence in enumerate(sequences):
        for position in sequence:
            assert number in search.candidates[search.visits[position].id]
    assert 0 in sequences[2]  # v1 (PT) on pt1


def test_pyvrp_routes_are_the_searchs_first_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first plan the worker reports is PyVRP's routes, loaded into the full model."""
    seeded: list[list[list[int]]] = []

    def recording(*args: object, **kwargs: object) -> list[list[int]] | None:
        sequences = seed_sequences(*args, **kwargs)
        seeded.append(sequences)
        return sequences

    monkeypatch.setattr(search_module, "seed_sequences", recording)
    outbox = Outbox()
    search = office_search()
    search_module._search_and_report(search, SEEDED.first_solution, time.monotonic() + 1.5, outbox)
    first = next(message for message in outbox.messages if message[0] == "improved")
    assert seeded and initial_sequences(search.visits, search.vehicles, first[2]) == seeded[0]
    assert outbox.messages[-1][0] == "final" and outbox.messages[-1][1] is not None


def test_seeded_plan_keeps_every_rule() -> None:
    """A solve seeded by PyVRP makes every visit and passes the independent validator."""
    problem, travel = office_day()
    result = solve(problem, travel, SEEDED)
    assert result.status == SolveStatus.SOLVED
    assert validate(problem, result.plan, travel) == []


def test_routes_that_break_a_rule_fall_back_to_the_first_solution_strategy(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Routes giving one RN every visit (the PT one too) do not load; the search builds its own."""

    def one_nurse(*_args: object, **_kwargs: object) -> list[list[int]]:
        return [list(range(12)), [], []]

    monkeypatch.setattr(search_module, "seed_sequences", one_nurse)
    outbox = Outbox()
    with caplog.at_level(logging.INFO, logger="scheduler"):
        search_module._search_and_report(
            office_search(), SEEDED.first_solution, time.monotonic() + 1.5, outbox
        )
    assert "break a rule" in caplog.text
    final = outbox.messages[-1]
    assert final[0] == "final" and final[1] is not None
    assert sum(len(route.stops) for route in final[1]) == 12
    problem, travel = office_day()
    result = solve(problem, travel, SEEDED)  # the forked worker falls back the same way
    assert result.status == SolveStatus.SOLVED
    assert validate(problem, result.plan, travel) == []


def test_a_pinned_visit_starts_at_its_pin() -> None:
    """Visits at l1 and l3: pinned at 08:30 the l3 one goes first; at 11:00, second."""
    search = line_search([visit("near", 1), visit("far", 3)])
    model = search.build()

    def order(far_at: int) -> list[list[int]] | None:
        pins = {1: far_at}
        return seed_sequences(model, search.candidates, seconds=0.2, seed=1, pins=pins)

    assert order(clock(8, 30)) == [[1, 0]]
    assert order(clock(11)) == [[0, 1]]


def test_pins_no_route_can_keep_give_no_routes() -> None:
    """Two visits pinned at 09:00 for one nurse: no routes, rather than one visit left out."""
    search = line_search([visit("a", 1), visit("b", 2)])
    pins = {0: clock(9), 1: clock(9)}
    assert seed_sequences(search.build(), search.candidates, seconds=0.2, seed=1, pins=pins) is None


def test_a_linked_day_starts_from_pyvrp_routes_with_the_pair_pinned(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """PyVRP gets the pair pinned at its time-ordered starts; its routes are the first plan."""
    calls: list[tuple[dict[int, int] | None, list[list[int]] | None]] = []

    def recording(*args: object, **kwargs: object) -> list[list[int]] | None:
        sequences = seed_sequences(*args, **kwargs)
        calls.append((kwargs.get("pins"), sequences))
        return sequences

    monkeypatch.setattr(search_module, "seed_sequences", recording)
    search = linked_office_search()
    chronological = chronological_routes(search.build(), search.candidates)
    outbox = Outbox()
    search_module._search_and_report(
        search, search.params.first_solution, time.monotonic() + 2.0, outbox
    )
    [(pins, seeded)] = calls
    assert pins == {n: chronological.starts[n] for n in (2, 4)}
    first = next(message for message in outbox.messages if message[0] == "improved")
    assert seeded is not None
    assert initial_sequences(search.visits, search.vehicles, first[2]) == seeded
    final = outbox.messages[-1]
    assert final[0] == "final" and sum(len(route.stops) for route in final[1]) == 12
    plan = Plan(final[1], (), compute_kpis(search.problem, final[1], ()))
    assert validate(search.problem, plan, search.travel) == []


def test_pyvrp_routes_splitting_a_pair_fall_back_to_the_time_ordered_ones(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Routes giving RN 1 both visits of the pair do not load: the time-ordered routes do."""

    def one_nurse_pair(*_args: object, **_kwargs: object) -> list[list[int]]:
        return [[2, 4], [], []]

    monkeypatch.setattr(search_module, "seed_sequences", one_nurse_pair)
    search = linked_office_search()
    chronological = chronological_routes(search.build(), search.candidates)
    outbox = Outbox()
    with caplog.at_level(logging.INFO, logger="scheduler"):
        search_module._search_and_report(
            search, search.params.first_solution, time.monotonic() + 2.0, outbox
        )
    assert "break a rule" in caplog.text
    first = next(message for message in outbox.messages if message[0] == "improved")
    assert initial_sequences(search.visits, search.vehicles, first[2]) == chronological.sequences


def test_a_linked_day_with_lunches_starts_from_the_time_ordered_routes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With a lunch break 12:00-13:00 on every shift, PyVRP is not asked for routes."""

    def refused(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("PyVRP asked for a lunch day's routes")

    monkeypatch.setattr(search_module, "seed_sequences", refused)
    search = linked_office_search(LunchBreak(TimeWindow(12 * HOUR, 13 * HOUR), 1800))
    chronological = chronological_routes(search.build(), search.candidates)
    outbox = Outbox()
    search_module._search_and_report(
        search, search.params.first_solution, time.monotonic() + 2.0, outbox
    )
    first = next(message for message in outbox.messages if message[0] == "improved")
    assert initial_sequences(search.visits, search.vehicles, first[2]) == chronological.sequences


def test_a_linked_visit_pyvrp_made_without_its_partner_is_taken_out() -> None:
    """Routes holding v3 but not its partner v5 start the search without v3."""
    search = linked_office_search()
    sequences = search_module._without_lone_partners(search.build(), [[2, 6], [7], [0]])
    assert sequences == [[6], [7], [0]]
