"""Search parameters and objective weights of the solver."""

from __future__ import annotations

from dataclasses import dataclass

from ortools.constraint_solver import routing_enums_pb2

from scheduler.errors import ProblemError

FIRST_SOLUTIONS = tuple(routing_enums_pb2.FirstSolutionStrategy.Value.keys())
METAHEURISTICS = tuple(routing_enums_pb2.LocalSearchMetaheuristic.Value.keys())


@dataclass(frozen=True)
class SolveParams:
    """How long to search and what each kind of cost weighs.

    Every cost is in objective units; one unit is one second of travel at
    ``travel_weight = 1``.

    Parameters
    ----------
    time_limit
        Wall-clock seconds for the whole solve, model building included. Holds even when
        OR-Tools overshoots its own limit.
    travel_weight
        Units per second of travel.
    work_weight
        Units per second of a route's span (leave to return): pushes out idle time.
    lateness_weight
        Units per second a visit starts after its ``due`` second.
    overtime_weight
        Units per second a day ends after its shift's regular end.
    preference_penalty
        Units when a visit goes to a clinician the patient does not prefer (patients who
        prefer nobody cost nothing).
    optional_penalty
        Units per priority level for leaving out an optional visit.
    required_penalty
        Units for leaving out a required visit: large, so it happens only when it must.
    waiting_weight
        Units per second a clinician waits between leaving and arriving back (at a door
        before a visit's window opens, or between visits): paid time nobody is served.
    balance_weight
        Units per second a clinician-day's work (service plus travel, ``work_load``) exceeds
        the even share of all the work (0 = off). Keep it so that a day's excess costs less
        than ``required_penalty``, or leaving visits out becomes the cheaper balance.
    first_solution
        OR-Tools first solution strategy name (of the first worker).
    metaheuristic
        OR-Tools local search metaheuristic name.
    workers
        Searches run at once, each in its own process from another first solution strategy;
        the best plan wins. One per core is the most that helps.
    pyvrp_share
        Share of the first worker's search time PyVRP spends finding first routes for a day,
        which OR-Tools then improves under every rule (0 = off: ``first_solution`` builds
        them). If its routes break a rule PyVRP does not know, ``first_solution`` takes over.
        Off by default: its routes are shorter, but on crowded home health days they left
        more required visits out about as often as fewer.
    seed
        Random seed of the PyVRP search.
    """

    time_limit: float = 20.0
    travel_weight: int = 10
    work_weight: int = 1
    lateness_weight: int = 20
    overtime_weight: int = 20
    preference_penalty: int = 10 * 900
    optional_penalty: int = 10 * 3600
    required_penalty: int = 10_000_000
    waiting_weight: int = 0
    balance_weight: int = 0
    first_solution: str = "PARALLEL_CHEAPEST_INSERTION"
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    workers: int = 1
    pyvrp_share: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        if self.time_limit <= 0:
            raise ProblemError(f"time_limit must be positive, got {self.time_limit}")
        for name in (
            "travel_weight",
            "work_weight",
            "lateness_weight",
            "overtime_weight",
            "preference_penalty",
            "optional_penalty",
            "required_penalty",
            "waiting_weight",
            "balance_weight",
        ):
            if getattr(self, name) < 0:
                raise ProblemError(f"{name} must be >= 0, got {getattr(self, name)}")
        if self.workers < 1:
            raise ProblemError(f"workers must be >= 1, got {self.workers}")
        if not 0 <= self.pyvrp_share < 1:
            raise ProblemError(f"pyvrp_share must be in [0, 1), got {self.pyvrp_share}")
        if self.first_solution not in FIRST_SOLUTIONS:
            raise ProblemError(
                f"unknown first_solution {self.first_solution!r}; use one of {FIRST_SOLUTIONS}"
            )
        if self.metaheuristic not in METAHEURISTICS:
            raise ProblemError(
                f"unknown metaheuristic {self.metaheuristic!r}; use one of {METAHEURISTICS}"
            )
