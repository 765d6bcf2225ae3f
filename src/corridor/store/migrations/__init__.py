"""Alembic migrations of the corridor database: the only way its schema is made."""
