"""Alembic environment: runs on the connection ``upgrade_schema`` passes in, or on a URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from scheduler.store.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    from scheduler.settings import get_settings

    engine = create_engine(config.get_main_option("sqlalchemy.url") or get_settings().database_url)
    with engine.begin() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata)
        context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=Base.metadata)
    context.run_migrations()
