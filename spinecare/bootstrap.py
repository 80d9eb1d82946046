"""The composition root: the one place where the parts are built from the settings.

The CLI's commands open the database here; only ``spinecare run`` (spinecare/service.py)
and ``spinecare db upgrade`` change the schema, every other command refuses a schema that
is behind with one line that says to run ``spinecare db upgrade``.
"""

from __future__ import annotations

from care.settings import Settings
from care.storage import migrate
from care.storage.db import Database


async def open_database(settings: Settings) -> Database:
    """The database of a CLI command, after checking its schema is the one the code needs."""
    await migrate.require_current(settings.database_url)
    return Database(settings.database_url)
