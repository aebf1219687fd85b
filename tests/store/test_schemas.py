"""PostgreSQL schemas for benches: made, used and dropped; odd names refused."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, inspect
from sqlalchemy.exc import OperationalError

from scheduler.store.schemas import create_schema, drop_schema

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def test_a_schema_is_made_and_dropped():
    """create_schema makes an empty schema; drop_schema removes it with its tables."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    engine = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    try:
        try:
            connection = engine.connect()
        except OperationalError as error:
            pytest.skip(f"PostgreSQL is not running at 127.0.0.1:5432 ({error.orig})")
        with connection:
            create_schema(connection, name=name)
            assert name in inspect(connection).get_schema_names()
            connection.exec_driver_sql(f"CREATE TABLE {name}.t (x integer)")
            drop_schema(connection, name=name)
            assert name not in inspect(connection).get_schema_names()
    finally:
        engine.dispose()


@pytest.mark.parametrize("name", ["Bench", "a;DROP SCHEMA public", "", "1abc", "a" * 64])
def test_a_name_other_than_a_plain_identifier_is_refused(name):
    """A name that is not lower-case letters, digits and '_' is a ValueError, not SQL."""
    with pytest.raises(ValueError, match="schema name"):
        create_schema(None, name=name)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="schema name"):
        drop_schema(None, name=name)  # type: ignore[arg-type]
