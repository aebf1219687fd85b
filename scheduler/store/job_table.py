"""APScheduler's job table (``apscheduler_jobs``): made when missing, read for fire times.

The batch process's ``SQLAlchemyJobStore`` owns the table and its engine; these functions
take both from it.
"""

from __future__ import annotations

from sqlalchemy import Engine, Table, inspect, select
from sqlalchemy.exc import DBAPIError


def ensure_job_table(engine: Engine, *, table: Table) -> None:
    """Create ``table`` unless it exists (another process making it at once is fine)."""
    try:
        table.create(engine, checkfirst=True)
    except DBAPIError:  # another batch process made it at the same moment
        if not inspect(engine).has_table(table.name):
            raise


def stored_next_run_times(engine: Engine, *, table: Table) -> dict[str, float | None]:
    """Each stored job's id and next run time (a UTC timestamp; ``None``: paused)."""
    with engine.connect() as connection:
        rows = connection.execute(select(table.c.id, table.c.next_run_time)).all()
    return {job_id: at for job_id, at in rows}
