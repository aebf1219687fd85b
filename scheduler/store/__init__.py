"""Storage: SQLAlchemy models, repository functions and Alembic migrations."""
