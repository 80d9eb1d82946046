"""The care team's lists in the chat: /patients (active patients, paged) and /alerts (the
open alerts, oldest first). Reads only, each in one unit of work; the caller renders them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from care.domain.clock import Clock
from care.storage.db import Database
from care.storage.models import AlertState, PatientStatus
from care.views import exports


@dataclass(frozen=True)
class PatientsPage:
    rows: list[dict[str, Any]]  # exports.patient_rows of this page
    total: int  # active patients in all
    page: int  # 0-based, clamped to the pages there are
    pages: int  # at least one, even with no patient


@dataclass(frozen=True)
class OpenAlerts:
    rows: list[dict[str, Any]]  # at most the limit asked for, oldest first
    total: int  # open alerts in all


async def active_patients(db: Database, clock: Clock, *, page: int, page_size: int) -> PatientsPage:
    """Page ``page`` of the active patients (clamped: a stale "next" shows the last page)."""
    active = [PatientStatus.ACTIVE]
    async with db.uow() as uow:
        total = await exports.count_patients(uow.session, active)
        pages = max(1, math.ceil(total / page_size))
        page = min(max(page, 0), pages - 1)
        rows = await exports.patient_rows(
            uow.session,
            now=clock.now(),
            statuses=active,
            offset=page * page_size,
            limit=page_size,
        )
    return PatientsPage(rows, total, page, pages)


async def open_alerts(db: Database, *, limit: int) -> OpenAlerts:
    async with db.uow() as uow:
        total = await exports.count_alerts(uow.session, [AlertState.OPEN])
        rows = await exports.alert_rows(uow.session, states=[AlertState.OPEN], limit=limit)
    return OpenAlerts(rows, total)
