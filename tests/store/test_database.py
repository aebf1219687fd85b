"""The schema from migrations, and plans written whole or not at all."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select

from scheduler.demo.week import generate_agency_week
from scheduler.domain import Kpis, Plan
from scheduler.store import models
from scheduler.store.database import session_factory, transaction, upgrade_schema
from scheduler.store.plan_versions import save_plan


def test_migrations_build_the_models_schema_from_an_empty_database(database_url, engine_for):
    """Upgrading an empty database gives every table, and nothing differs from the models."""
    engine = engine_for(database_url)
    upgrade_schema(engine)
    upgrade_schema(engine)  # a second run is a no-op
    assert set(models.Base.metadata.tables) <= set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), models.Base.metadata)
    assert differences == []


def test_a_plan_write_that_fails_leaves_nothing(database_url, engine_for):
    """An error half-way through writing a plan rolls the whole version back."""
    engine = engine_for(database_url)
    upgrade_schema(engine)
    sessions = session_factory(engine)
    problem = generate_agency_week(clinicians=2, patients=4)
    with transaction(sessions) as session:
        session.add(models.Agency(id="a", name="A"))
        session.add(models.Branch(id="b", agency_id="a", name="B", timezone="UTC"))
    empty = Plan((), (), Kpis(0, 0, 0, 0, 0.0, 0, 0, 0, 0, 0, 0.0, 1.0))
    with pytest.raises(RuntimeError), transaction(sessions) as session:
        save_plan(
            session,
            branch_id="b",
            problem=problem,
            plan=empty,
            itineraries={},
            solver_status="solved",
        )
        raise RuntimeError("the machine stops here")
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(models.Plan)) == 0
