"""Real workers on Redis run each job once: beside restarted API processes, delivered twice."""

from __future__ import annotations

import signal
import subprocess

import httpx
import pytest

from scheduler.service.demo_service import DEMO_BRANCH
from tests.batch_support import WEEK, wait_for
from tests.jobs.conftest import Fleet, free_port

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def serve(fleet: Fleet, count: int) -> list[tuple[subprocess.Popen, str]]:
    """Start ``count`` API processes at once, each on a free port; each and its address."""
    servers = []
    for _ in range(count):
        port = free_port()
        servers.append(
            (fleet.processes.start("serve", "--port", str(port)), f"http://127.0.0.1:{port}")
        )
    for process, address in servers:

        def answers(process=process, address=address) -> bool:
            assert process.poll() is None, fleet.processes.output(process)
            try:
                return httpx.get(f"{address}/openapi.json", timeout=5).status_code == 200
            except httpx.TransportError:
                return False

        wait_for(answers, seconds=60, what="the API's start")
    return servers


def test_restarting_one_api_process_fails_no_job_of_the_other(database_url, broker_url, fleet_for):
    """Two API processes, one worker: restarting one leaves the jobs asked of both to end well."""
    fleet = fleet_for(database_url, broker_url)
    fleet.processes.workers()
    servers = serve(fleet, 2)
    headers = {"Authorization": f"Bearer {fleet.access.scheduler}"}
    body = {"branch_id": DEMO_BRANCH, "start_date": WEEK.isoformat(), "days": 7}
    jobs = []
    for _process, address in servers:
        answer = httpx.post(
            f"{address}/v1/planning-jobs",
            json=body | {"time_limit_seconds": 3},
            headers=headers,
            timeout=30,
        )
        assert answer.status_code == 202, answer.text
        jobs.append(answer.json()["id"])
    wait_for(lambda: fleet.job(jobs[0])[0].status == "running", seconds=60, what="a job's run")
    second = servers[1][0]
    # uvicorn stops gracefully, then raises the signal again: its exit says SIGTERM.
    assert fleet.processes.stop(second) == -signal.SIGTERM, fleet.processes.output(second)
    serve(fleet, 1)
    fleet.wait_done(jobs)
    rows = [fleet.job(job_id) for job_id in jobs]
    assert [(job.status, lease.attempts) for job, lease in rows] == [("succeeded", 1)] * 2
    assert all(lease.owner.startswith("worker@") for _job, lease in rows)  # never an API


def test_a_job_delivered_twice_writes_one_plan_version_even_as_workers_stop(
    database_url, broker_url, fleet_for
):
    """Its task sent twice to two workers: one claims it; stopped mid-solve, it ends it first."""
    fleet = fleet_for(database_url, broker_url)
    workers = fleet.processes.workers(2)
    before = fleet.plans()
    job_id = fleet.queue_job(time_limit=3.0, send=2)
    wait_for(lambda: fleet.job(job_id)[0].phase == "solving", seconds=60, what="the solve")

    def outputs() -> str:
        return "".join(fleet.processes.output(worker) for worker in workers)

    wait_for(lambda: f"job {job_id} not taken" in outputs(), seconds=30, what="the 2nd delivery")
    assert [fleet.processes.stop(worker) for worker in workers] == [0, 0], outputs()
    job, lease = fleet.job(job_id)
    assert (job.status, lease.attempts) == ("succeeded", 1)
    assert fleet.plans() == before + 1
    assert outputs().count(f"job {job_id} not taken") == 1
