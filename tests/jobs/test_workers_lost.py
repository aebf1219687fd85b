"""Real workers on Redis lose no job: a worker SIGKILLed mid-solve, a Redis restarted."""

from __future__ import annotations

import subprocess

import pytest

from tests.batch_support import child_processes, wait_for
from tests.jobs.conftest import free_port

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def test_a_worker_killed_mid_solve_hands_its_job_to_another_which_writes_one_plan(
    database_url, broker_url, fleet_for
):
    """SIGKILLed while solving: its lease runs out, the other worker takes the job; one plan."""
    fleet = fleet_for(database_url, broker_url)
    workers = fleet.processes.workers(2)
    before = fleet.plans()
    job_id = fleet.queue_job(time_limit=5.0)
    owner = wait_for(
        lambda: fleet.job(job_id)[0].phase == "solving" and fleet.job(job_id)[1].owner,
        seconds=60,
        what="the job's solve",
    )
    doomed = next(worker for worker in workers if owner.endswith(f":{worker.pid}"))
    wait_for(lambda: child_processes(doomed.pid), seconds=30, what="the solver's search")
    fleet.processes.kill(doomed)
    fleet.wait_done([job_id])
    job, lease = fleet.job(job_id)
    survivor = next(worker for worker in workers if worker is not doomed)
    assert (job.status, lease.attempts) == ("succeeded", 2), fleet.processes.output(survivor)
    assert lease.owner.endswith(f":{survivor.pid}")
    assert fleet.plans() == before + 1


def test_a_redis_restarted_with_jobs_queued_loses_none_and_runs_none_twice(
    database_url, tmp_path, fleet_for
):
    """Redis restarted empty while one job runs and two wait: all three end, each once."""
    port = free_port()
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    command += ["--appendonly", "no"]
    redis_server = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    try:
        fleet = fleet_for(database_url, f"redis://127.0.0.1:{port}/0")
        (worker,) = fleet.processes.workers()
        before = fleet.plans()
        jobs = [fleet.queue_job(time_limit=3.0) for _ in range(3)]
        wait_for(lambda: fleet.job(jobs[0])[0].phase == "solving", seconds=60, what="a solve")
        redis_server.terminate()
        redis_server.wait(timeout=30)
        redis_server = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        fleet.wait_done(jobs, seconds=120)
        rows = [fleet.job(job_id) for job_id in jobs]
        assert [(job.status, lease.attempts) for job, lease in rows] == [("succeeded", 1)] * 3
        assert len({job.plan_id for job, _lease in rows}) == 3
        assert fleet.plans() == before + 3
        assert "sent again" in fleet.processes.output(worker)  # its task was lost with Redis
    finally:
        redis_server.terminate()
        redis_server.wait(timeout=30)
