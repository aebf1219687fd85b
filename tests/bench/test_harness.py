"""The benchmark harness: any set plugs in, every solver runs once per seed, bad input is clear."""

from dataclasses import dataclass, field
from typing import ClassVar

import pytest

from scheduler.bench.harness import OURS, BenchSet, Outcome, Run, parse_seeds, run_bench
from scheduler.errors import BenchmarkError


@dataclass
class TinySet:
    """Two instances whose cost is a function of the solver and seed; no best known for B."""

    title: ClassVar[str] = "Tiny"
    solvers: ClassVar[tuple[str, ...]] = (OURS, "peer")
    calls: list[tuple[str, str, int]] = field(default_factory=list)

    def list_instances(self) -> list[str]:
        """A and B."""
        return ["A", "B"]

    def best_known(self, name: str) -> float | None:
        """10 for A, unknown for B."""
        return 10.0 if name == "A" else None

    def solve(self, name: str, *, solver: str, time_limit: float, seed: int) -> Outcome:
        """Ours costs 2 more than the peer; seed 3 is infeasible."""
        self.calls.append((name, solver, seed))
        cost = 10.0 + seed + (2.0 if solver == OURS else 0.0)
        return Outcome(cost, feasible=seed != 3, parts={"late_minutes": float(seed)})


def test_each_solver_runs_once_per_seed_in_order() -> None:
    """Every instance by every solver for every seed, reported after each solve."""
    tiny: BenchSet = TinySet()
    done: list[Run] = []
    results = run_bench(
        tiny, ["B", "A"], solvers=(OURS, "peer"), time_limit=1, seeds=(1, 2), on_done=done.append
    )
    assert [r.instance for r in results] == ["B", "A"]
    assert [r.best_known for r in results] == [None, 10.0]
    assert [(run.instance, run.solver, run.seed) for run in done] == [
        (name, solver, seed) for name in "BA" for solver in (OURS, "peer") for seed in (1, 2)
    ]
    assert results[1].of("peer")[1].outcome.cost == 12.0


def test_all_instances_by_default() -> None:
    """No names means every instance the set lists."""
    results = run_bench(TinySet(), time_limit=1)
    assert [r.instance for r in results] == ["A", "B"]


def test_unknown_instance_or_solver_is_refused() -> None:
    """A name outside the set, or a solver it does not have, is a BenchmarkError up front."""
    tiny = TinySet()
    with pytest.raises(BenchmarkError, match="unknown Tiny instance"):
        run_bench(tiny, ["A", "Z"], time_limit=1)
    with pytest.raises(BenchmarkError, match="runs ours first"):
        run_bench(tiny, ["A"], solvers=(OURS, "other"), time_limit=1)
    assert tiny.calls == []


@pytest.mark.parametrize(
    ("text", "seeds"),
    [("1", (1,)), ("3", (1, 2, 3)), ("4,9", (4, 9)), ("0", None), ("7,", None), ("x", None)],
)
def test_seeds_are_a_count_or_a_list(text: str, seeds: tuple[int, ...] | None) -> None:
    """`--seeds 3` means seeds 1-3, `--seeds 4,9` those two; anything else is refused."""
    if seeds is None:
        with pytest.raises(BenchmarkError, match="--seeds"):
            parse_seeds(text)
    else:
        assert parse_seeds(text) == seeds
