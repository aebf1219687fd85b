"""The ``scheduler`` command: demo, solve, serve, bench, user, batch, worker.

This module is the command tree, in the order ``--help`` lists it; each command lives in the
module of its group.
"""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from scheduler.cli import (
    batch,
    bench_agency,
    bench_sets,
    bench_systems,
    plan,
    serve,
    users,
    worker,
)

app = typer.Typer(no_args_is_help=True, help="Home health visit scheduling and routing.")


@app.callback()
def main(verbose: Annotated[bool, typer.Option(help="Log solver progress.")] = False) -> None:
    """Home health visit scheduling and routing."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING)


app.command()(plan.demo)
app.command()(plan.solve)
app.command()(serve.serve)

bench_app = typer.Typer(no_args_is_help=True, help="Benchmarks on public instances.")
bench_app.command("solomon")(bench_sets.bench_solomon)
bench_app.command("mankowska")(bench_sets.bench_mankowska)
bench_app.command("italian")(bench_sets.bench_italian)
bench_app.command("uhhc")(bench_sets.bench_uhhc)
bench_app.command("week")(bench_agency.bench_week)
bench_app.command("roads")(bench_systems.bench_roads_command)
bench_app.command("api-load")(bench_systems.bench_api_load_command)
bench_app.command("fleet")(bench_systems.bench_fleet_command)
bench_app.command("board")(bench_systems.bench_board_command)
bench_app.command("reschedule")(bench_agency.bench_reschedule_command)
bench_app.command("andorra")(bench_agency.bench_andorra)
app.add_typer(bench_app, name="bench")

user_app = typer.Typer(no_args_is_help=True, help="People signing in to the board.")
user_app.command("set-password")(users.set_password_command)
app.add_typer(user_app, name="user")

batch_app = typer.Typer(
    invoke_without_command=True, help="The nightly batch: plan and publish each branch's next day."
)
batch_app.callback()(batch.batch)
batch_app.command("run-now")(batch.batch_run_now)
app.add_typer(batch_app, name="batch")

worker_app = typer.Typer(
    invoke_without_command=True,
    help="Workers running planning jobs and nightly runs from the broker; the job queues.",
)
worker_app.callback()(worker.worker)
worker_app.command("queue")(worker.worker_queue)
worker_app.command("cancel")(worker.worker_cancel)
app.add_typer(worker_app, name="worker")
