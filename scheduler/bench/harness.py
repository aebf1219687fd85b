"""Run a benchmark set: every named instance, by each solver, once per seed, within a time limit.

A set plugs in through the small ``BenchSet`` protocol (list instances, best known cost, solve
one instance with one solver and seed); ``scheduler/bench/report.py`` turns the runs into a
table. The first solver of a set is ours; the others are peers measured against it. A new set
is a class with ``title``, ``solvers`` and the three methods (``SolomonSet`` is one), returning
its own measures in ``Outcome.parts``, and a CLI command that hands it to the same runner.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from scheduler.errors import BenchmarkError

OURS = "ours"


@dataclass(frozen=True)
class Outcome:
    """One solver's answer to one instance: cost in the set's units, feasibility, extra parts.

    ``feasible`` means every visit is served and our validator finds no violation; ``parts``
    are the set's own measures (routes used, objective parts), one column each in the report.
    """

    cost: float
    feasible: bool
    parts: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Run:
    """One solve: which instance, solver and seed, its outcome and wall-clock seconds."""

    instance: str
    solver: str
    seed: int
    outcome: Outcome
    seconds: float


@dataclass(frozen=True)
class InstanceRuns:
    """Every run on one instance, with its best known cost (``None`` when unknown)."""

    instance: str
    best_known: float | None
    runs: tuple[Run, ...]

    def of(self, solver: str) -> tuple[Run, ...]:
        """The runs of one solver, in seed order."""
        return tuple(run for run in self.runs if run.solver == solver)


class BenchSet(Protocol):
    """A named set of instances and the solvers that can answer them (ours first)."""

    title: str
    solvers: tuple[str, ...]

    def list_instances(self) -> list[str]:
        """Names of the instances present, sorted; a ``BenchmarkError`` when the set is absent."""
        ...

    def best_known(self, name: str) -> float | None:
        """The best known cost of an instance, or ``None``."""
        ...

    def solve(self, name: str, *, solver: str, time_limit: float, seed: int) -> Outcome:
        """Solve one instance with one solver within ``time_limit`` seconds."""
        ...


def search_gain_pct(first: int | None, final: int | None) -> float | None:
    """How much (%) the OR-Tools search took off its first routes' objective (``None``: unknown)."""
    if first is None or final is None or first <= 0:
        return None
    return round(100 * (first - final) / first, 4)


def instance_names(directory: Path, pattern: str, *, title: str) -> list[str]:
    """Names (file stems) of the ``pattern`` files in ``directory``, sorted.

    Raises
    ------
    BenchmarkError
        When there are none, saying where it looked.
    """
    names = sorted(path.stem for path in directory.glob(pattern))
    if not names:
        raise BenchmarkError(
            f"no {title} instances ({pattern}) in {directory}; "
            "pass --dir or check ../shared/benchmarks"
        )
    return names


def read_reference(directory: Path) -> list[dict[str, str]]:
    """The rows of ``reference.csv`` in ``directory``.

    Raises
    ------
    BenchmarkError
        When the directory has no ``reference.csv``.
    """
    path = directory / "reference.csv"
    if not path.is_file():
        raise BenchmarkError(f"no reference.csv in {directory}")
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def run_bench(
    bench_set: BenchSet,
    names: Sequence[str] | None = None,
    *,
    solvers: Sequence[str] = (OURS,),
    time_limit: float,
    seeds: Sequence[int] = (1,),
    on_done: Callable[[Run], None] | None = None,
) -> list[InstanceRuns]:
    """Solve each instance with each solver once per seed; ``None`` names means all.

    Parameters
    ----------
    bench_set
        The set to run.
    names
        Instances to run, in order.
    solvers
        Solvers of the set to run, ours first.
    time_limit
        Seconds per solve.
    seeds
        One solve per seed and solver (a solver without randomness repeats itself).
    on_done
        Called after each solve, e.g. to advance a progress bar.

    Raises
    ------
    BenchmarkError
        When the set is absent, or an instance or solver is not in it.
    """
    present = bench_set.list_instances()
    names = list(present if names is None else names)
    unknown = [name for name in names if name not in present]
    if unknown:
        raise BenchmarkError(f"unknown {bench_set.title} instance(s): {', '.join(unknown)}")
    strangers = [solver for solver in solvers if solver not in bench_set.solvers]
    if strangers or not solvers or solvers[0] != OURS:
        raise BenchmarkError(
            f"{bench_set.title} runs {OURS} first, then any of {', '.join(bench_set.solvers[1:])}; "
            f"got {', '.join(solvers) or 'none'}"
        )
    results = []
    for name in names:
        runs = []
        for solver in solvers:
            for seed in seeds:
                started = time.perf_counter()
                outcome = bench_set.solve(name, solver=solver, time_limit=time_limit, seed=seed)
                run = Run(name, solver, seed, outcome, time.perf_counter() - started)
                runs.append(run)
                if on_done is not None:
                    on_done(run)
        results.append(InstanceRuns(name, bench_set.best_known(name), tuple(runs)))
    return results


def parse_seeds(text: str) -> tuple[int, ...]:
    """Seeds from ``"3"`` (seeds 1, 2, 3) or ``"1,5,9"`` (those seeds).

    Raises
    ------
    BenchmarkError
        When the text is not a positive count or a comma-separated list of integers.
    """
    try:
        numbers = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise BenchmarkError(f"--seeds takes a count (3) or a list (1,2,3), not {text!r}") from None
    if "," in text:
        return numbers
    if numbers[0] < 1:
        raise BenchmarkError(f"--seeds count must be at least 1, got {numbers[0]}")
    return tuple(range(1, numbers[0] + 1))
