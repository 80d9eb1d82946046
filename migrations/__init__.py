"""Alembic environment and versions: the only source of the database schema."""
