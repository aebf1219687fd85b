"""The OR-Tools solver: a problem in, a plan out, no I/O."""

from scheduler.solver.params import SolveParams
from scheduler.solver.result import Result, SolveStatus
from scheduler.solver.solve import solve

__all__ = ["Result", "SolveParams", "SolveStatus", "solve"]
