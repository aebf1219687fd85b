"""The API load test against a real uvicorn server on SQLite, briefly and gently."""

from scheduler.bench.api_load import bench_api_load
from scheduler.settings import Settings


def test_constant_rate_reads_answer_without_errors(tmp_path) -> None:
    """Two seconds of itinerary reads at 20 a second: no errors, ordered positive percentiles."""
    settings = Settings(data_dir=tmp_path, cache_dir=tmp_path / "cache", solve_workers=1)
    run = bench_api_load(
        settings=settings,
        rate=20,
        seconds=2,
        database_url=f"sqlite:///{tmp_path / 'load.db'}",
        clinicians=3,
        patients=15,
        time_limit=3,
    )
    load = run.load
    assert load.requests == 40 and load.errors == 0, load.error_kinds
    assert run.readers > 0
    p50, p95, p99, slowest = load.percentiles.values()
    assert 0 < p50 <= p95 <= p99 <= slowest
    assert load.achieved_rate > 15
