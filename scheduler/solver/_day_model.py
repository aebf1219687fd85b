"""The CP-SAT model of the day choice under construction, shared by its rule modules."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from scheduler.domain import Clinician, Problem, Visit
from scheduler.solver.model import Vehicle


@dataclass
class DayModel:
    """The CP-SAT model under construction and what its constraints need.

    ``chosen[visit id, vehicle number]`` is true when the visit goes to that clinician-day;
    ``placed[visit id]`` when it goes to any; ``costs`` are summed into the objective.
    ``drive`` estimates the driving a visit adds to a clinician's day.
    """

    problem: Problem
    visits: Sequence[Visit]
    vehicles: Sequence[Vehicle]
    options: dict[str, list[int]]
    drive: Callable[[Visit, Clinician], int]
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    chosen: dict[tuple[str, int], cp_model.IntVar] = field(default_factory=dict)
    placed: dict[str, cp_model.IntVar] = field(default_factory=dict)
    costs: list[cp_model.LinearExprT] = field(default_factory=list)

    def load_of(self, visit: Visit, clinician: Clinician) -> int:
        """Estimated seconds a visit adds to a clinician's day: its duration and driving."""
        return visit.duration + self.drive(visit, clinician)

    def on_days(self, visit_id: str) -> dict[int, list[cp_model.IntVar]]:
        """The visit's choice variables per horizon day."""
        days: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for number in self.options[visit_id]:
            days[self.vehicles[number].shift.day].append(self.chosen[visit_id, number])
        return days

    def day_of(self, visit_id: str) -> cp_model.LinearExprT:
        """The horizon day the visit is placed on (0 when it is not placed)."""
        return sum(
            self.vehicles[number].shift.day * self.chosen[visit_id, number]
            for number in self.options[visit_id]
        )
