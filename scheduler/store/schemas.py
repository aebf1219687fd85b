"""PostgreSQL schemas: a fresh one to hold a run's tables (benches), dropped after."""

from __future__ import annotations

import re

from sqlalchemy import Connection, text

_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def create_schema(connection: Connection, *, name: str) -> None:
    """Create the schema ``name`` (lower-case letters, digits and ``_``)."""
    statement = text(f"CREATE SCHEMA {_checked(name)}")
    connection.execute(statement)


def drop_schema(connection: Connection, *, name: str) -> None:
    """Drop the schema ``name`` and everything in it."""
    statement = text(f"DROP SCHEMA {_checked(name)} CASCADE")
    connection.execute(statement)


def _checked(name: str) -> str:
    """``name`` if it is a plain identifier (it is written into the statement)."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"schema name {name!r} is not lower-case letters, digits and '_'")
    return name
