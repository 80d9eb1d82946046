"""Broadcast progress: one message per running broadcast, edited in place until the report.

Each run reads the running broadcasts (care.storage.broadcasts.running), settles those with nothing
left in flight (done or cancelled) and shows their counts in the chat that asked for them
(the coordinators' group or a coordinator's private chat): the first time as a new message
whose id is stored, then by editing that message. While a broadcast runs its message carries
a "Stop" button and is edited at most every ``min_interval`` (a group takes 20 messages a
minute, and alerts must keep their room); the final report is shown at once.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import structlog

from care.domain.callbacks import encode
from care.domain.clock import Clock
from care.domain.messaging import Button, Keyboard, Messenger, Outcome, OutgoingMessage
from care.storage import broadcasts
from care.storage.db import Database
from messages.catalog import Catalog

log = structlog.get_logger(__name__)

MIN_INTERVAL = timedelta(seconds=10)
NOT_MODIFIED = "message is not modified"


def render_progress(report: broadcasts.Report, catalog: Catalog, language: str) -> str:
    """The progress line while running, the report once settled."""
    values = {"id": report.broadcast_id, "audience": report.audience, **report.counts()}
    if report.state == broadcasts.DONE:
        return catalog.text(language, "coord.broadcast.report", **values)
    if report.state == broadcasts.CANCELLED:
        return catalog.text(language, "coord.broadcast.report_cancelled", **values)
    return catalog.text(language, "coord.broadcast.progress", settled=report.settled, **values)


def stop_button(catalog: Catalog, language: str, broadcast_id: int) -> Keyboard:
    return (
        (
            Button(
                catalog.text(language, "coord.broadcast.stop"),
                encode("bc", broadcast_id, "cancel"),
            ),
        ),
    )


class BroadcastProgress:
    def __init__(
        self,
        db: Database,
        messenger: Messenger,
        clock: Clock,
        *,
        catalog: Catalog,
        language: str = "ko",
        min_interval: timedelta = MIN_INTERVAL,
    ) -> None:
        self.db = db
        self.messenger = messenger
        self.clock = clock
        self.language = language
        self.catalog = catalog
        self.min_interval = min_interval
        self._shown: dict[int, tuple[str, datetime]] = {}  # broadcast id -> text, when

    async def run_once(self) -> int:
        """Show every running broadcast, settling those with nothing left in flight once their
        report is shown (a report that could not be shown yet is tried again next time).
        Returns how many messages were sent or edited."""
        async with self.db.uow() as uow:
            found = [
                (b.id, b.progress_chat_id, b.progress_message_id)
                for b in await broadcasts.running(uow.session)
            ]
        shown = 0
        for broadcast_id, chat_id, message_id in found:
            now = self.clock.now()
            async with self.db.uow() as uow:
                report = await broadcasts.report(uow.session, broadcast_id)
            final = report.pending == 0
            if final:
                ending = (
                    broadcasts.DONE if report.state == broadcasts.SENDING else broadcasts.CANCELLED
                )
                report = replace(report, state=ending)
            outcome: Outcome | None = None
            if chat_id is not None:
                outcome = await self._show(report, chat_id, message_id, now, final)
                shown += outcome == Outcome.SENT
            if final and outcome not in (Outcome.RETRY_LATER, Outcome.TRANSIENT):
                async with self.db.uow() as uow:
                    settled = await broadcasts.settle(uow.session, broadcast_id, now=now)
                    await uow.commit()
                self._shown.pop(broadcast_id, None)
                log.info(
                    "broadcast_finished",
                    action="broadcast.finished",
                    broadcast_id=broadcast_id,
                    state=settled.state,
                    **settled.counts(),
                )
        return shown

    async def _show(
        self,
        report: broadcasts.Report,
        chat_id: int,
        message_id: int | None,
        now: datetime,
        final: bool,
    ) -> Outcome | None:
        """Send or edit the progress message; None when there was nothing new to show."""
        text = render_progress(report, self.catalog, self.language)
        last = self._shown.get(report.broadcast_id)
        if last is not None and (
            last[0] == text or (not final and now - last[1] < self.min_interval)
        ):
            return None
        keyboard = () if final else stop_button(self.catalog, self.language, report.broadcast_id)
        if message_id is None:
            delivery = await self.messenger.send(OutgoingMessage(chat_id, text, keyboard))
        else:
            delivery = await self.messenger.edit(chat_id, message_id, text, keyboard)
        if delivery.outcome == Outcome.SENT:
            self._shown[report.broadcast_id] = (text, now)
            if message_id is None and delivery.message_id is not None:
                async with self.db.uow() as uow:
                    await broadcasts.set_progress_message(
                        uow.session,
                        report.broadcast_id,
                        chat_id=chat_id,
                        message_id=delivery.message_id,
                    )
                    await uow.commit()
            return Outcome.SENT
        if NOT_MODIFIED in (delivery.detail or "").lower():
            self._shown[report.broadcast_id] = (text, now)  # shown already (before a restart)
            return None
        log.warning(
            "broadcast_progress_not_shown",
            action="broadcast.progress",
            broadcast_id=report.broadcast_id,
            outcome=delivery.outcome.value,
            error_code=delivery.error_code,
        )
        return delivery.outcome
