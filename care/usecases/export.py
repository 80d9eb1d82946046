"""Export a table (patients, check-ins, alerts, deliveries, messages) as CSV or JSON.

One use case for ``spinecare export`` and /export: the rows are read and the export is
audited in one unit of work; the caller sends or writes the returned bytes afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from care.domain.clock import Clock
from care.domain.questionnaires import Questionnaire
from care.storage import audit
from care.storage.db import Database
from care.views import exports
from care.views.exports import Format, What


@dataclass(frozen=True)
class Exported:
    what: What
    format: Format
    rows: int
    data: bytes
    at: datetime

    @property
    def filename(self) -> str:
        return f"spinecare-{self.what}-{self.at:%Y%m%d-%H%M}.{self.format}"


async def export(
    db: Database,
    clock: Clock,
    what: str,
    fmt: str,
    *,
    since: datetime | None,
    actor: str,
    questionnaire: Questionnaire | None,
    via: str,
) -> Exported:
    """The table's bytes (InvalidInput for an unknown table or format); audited, with the
    way it was asked for (``via``: cli, telegram, console)."""
    chosen, form = exports.parse_what(what), exports.parse_format(fmt)
    now = clock.now()
    async with db.uow() as uow:
        table = await exports.export(
            uow.session, chosen, now=now, since=since, questionnaire=questionnaire
        )
        audit.record(
            uow.session,
            at=now,
            actor=actor,
            action="export.created",
            subject=chosen,
            format=form,
            rows=len(table.rows),
            since=exports.iso(since),
            via=via,
        )
        await uow.commit()
    return Exported(chosen, form, len(table.rows), exports.render(table, form), now)
