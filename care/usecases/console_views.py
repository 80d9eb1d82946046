"""What the care team's web console shows: read-only views over the same tables the bot uses.

Each function opens its own unit of work and returns plain dataclasses (no texts: the
console words them in the coordinator's language). The numbers are the ones the bot and the
exports give: ``care.views.exports`` rows, ``care.storage.adherence`` rules, the pathway's own plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from care.domain.clock import utc_from_db
from care.domain.kinds import ItemKind, MessageKind
from care.domain.pathway import Pathway, WakingWindow, occurrences
from care.storage import audit, patients
from care.storage.adherence import MISSED_AFTER, NUDGE_PAYLOAD
from care.storage.db import Database
from care.storage.models import (
    Alert,
    AlertState,
    Broadcast,
    CheckIn,
    CheckInAnswer,
    ConversationItem,
    InboundMessage,
    MessageState,
    Patient,
    PatientStatus,
    ScheduledMessage,
)
from care.views import exports

RECENTLY_HANDLED = timedelta(hours=24)
PAIN_QUESTIONS = ("legpain", "backpain")


@dataclass(frozen=True)
class AlertView:
    alert_id: int
    patient_code: str
    patient_name: str | None
    severity: str
    source: str
    state: str
    reasons: tuple[str, ...]
    created_at: datetime
    post_op_day: int | None
    acknowledged_by: int | None
    acknowledged_at: datetime | None
    called_by: int | None
    called_at: datetime | None
    words: str | None = None  # what the patient wrote, for an alert raised by a message
    answers: tuple[tuple[str, str], ...] = ()  # the check-in's answers, for a check-in alert


@dataclass(frozen=True)
class PatientLine:
    code: str
    name: str | None
    status: str
    post_op_day: int | None
    since: datetime | None = None  # when what brought them here happened


@dataclass(frozen=True)
class ConversationView:
    """One step of a patient's conversation (care/storage/conversation.py).

    What the patient wrote or did ("in"), or a reply from the team ("out"), with who saw and
    handled it."""

    item_id: int
    direction: str
    kind: ItemKind
    text: str | None
    attachment: str | None
    tier: str | None
    at: datetime
    author: str | None
    state: str
    handled_by: str | None
    handled_at: datetime | None
    post_state: str


@dataclass(frozen=True)
class Today:
    open_alerts: list[AlertView]
    handled_alerts: list[AlertView]
    missed: list[PatientLine]
    unreachable: list[PatientLine]


def _alert_view(alert: Alert, patient: Patient, now: datetime) -> AlertView:
    return AlertView(
        alert_id=alert.id,
        patient_code=patient.code,
        patient_name=patient.display_name,
        severity=alert.severity,
        source=alert.source,
        state=alert.state.value,
        reasons=tuple(alert.reasons or ()),
        created_at=alert.created_at,
        post_op_day=_day_at(patient, alert.created_at),
        acknowledged_by=alert.acknowledged_by,
        acknowledged_at=alert.acknowledged_at,
        called_by=alert.called_by,
        called_at=alert.called_at,
    )


def _day_at(patient: Patient, instant: datetime) -> int | None:
    return exports.post_op_day(patient.surgery_date, patient.timezone, instant)


async def today(db: Database, *, now: datetime) -> Today:
    """Open alerts (red first, then oldest), alerts handled in the last day with who did
    what, patients whose last check-in prompt went unanswered, and patients the bot cannot
    reach. (The unhandled messages come from the inbox use case, which marks them seen.)"""
    async with db.uow() as uow:
        session = uow.session
        rows = (
            await session.execute(
                select(Alert, Patient)
                .join(Patient, Patient.id == Alert.patient_id)
                .where(Alert.state == AlertState.OPEN)
                .order_by(Alert.created_at, Alert.id)
            )
        ).all()
        words, answers = await _alert_evidence(session, [alert for alert, _ in rows])
        open_alerts = sorted(
            (
                replace(
                    _alert_view(alert, patient, now),
                    words=words.get(alert.id),
                    answers=answers.get(alert.id, ()),
                )
                for alert, patient in rows
            ),
            key=lambda view: (view.severity != "red", view.created_at, view.alert_id),
        )
        handled = (
            await session.execute(
                select(Alert, Patient)
                .join(Patient, Patient.id == Alert.patient_id)
                .where(
                    Alert.state.in_([AlertState.ACKNOWLEDGED, AlertState.CALLED]),
                    Alert.acknowledged_at >= now - RECENTLY_HANDLED,
                )
                .order_by(Alert.acknowledged_at.desc(), Alert.id.desc())
            )
        ).all()
        unreachable = (
            await session.scalars(
                select(Patient)
                .where(Patient.status == PatientStatus.UNREACHABLE)
                .order_by(Patient.updated_at.desc())
            )
        ).all()
        missed = await _missed_latest_prompt(session, now=now)
    return Today(
        open_alerts=open_alerts,
        handled_alerts=[_alert_view(alert, patient, now) for alert, patient in handled],
        missed=missed,
        unreachable=[
            PatientLine(
                p.code, p.display_name, p.status.value, patients.post_op_day(p, now), p.updated_at
            )
            for p in unreachable
        ],
    )


async def _alert_evidence(
    session: AsyncSession, found: Sequence[Alert]
) -> tuple[dict[int, str], dict[int, tuple[tuple[str, str], ...]]]:
    """The patient's words behind message alerts, and the answers behind check-in alerts."""
    by_message = {a.inbound_message_id: a.id for a in found if a.inbound_message_id is not None}
    by_checkin = {a.checkin_id: a.id for a in found if a.checkin_id is not None}
    words: dict[int, str] = {}
    if by_message:
        for message_id, text in await session.execute(
            select(InboundMessage.id, InboundMessage.text).where(
                InboundMessage.id.in_(list(by_message))
            )
        ):
            words[by_message[message_id]] = text
    answers: dict[int, list[tuple[str, str]]] = {}
    if by_checkin:
        for checkin_id, question, answer in await session.execute(
            select(CheckInAnswer.checkin_id, CheckInAnswer.question, CheckInAnswer.answer)
            .where(CheckInAnswer.checkin_id.in_(list(by_checkin)))
            .order_by(CheckInAnswer.id)
        ):
            answers.setdefault(by_checkin[checkin_id], []).append((question, answer))
    return words, {alert_id: tuple(given) for alert_id, given in answers.items()}


async def _missed_latest_prompt(session: AsyncSession, *, now: datetime) -> list[PatientLine]:
    """Active patients whose latest check-in prompt went out over ``MISSED_AFTER`` ago with
    no check-in completed since (the adherence job's own rule)."""
    latest = (
        select(ScheduledMessage.patient_id, func.max(ScheduledMessage.sent_at).label("sent_at"))
        .where(
            ScheduledMessage.kind == MessageKind.CHECKIN,
            ScheduledMessage.payload_key != NUDGE_PAYLOAD,
            ScheduledMessage.state == MessageState.SENT,
        )
        .group_by(ScheduledMessage.patient_id)
        .subquery()
    )
    completed = (
        select(CheckIn.patient_id, func.max(CheckIn.completed_at).label("completed_at"))
        .where(CheckIn.completed_at.is_not(None))
        .group_by(CheckIn.patient_id)
        .subquery()
    )
    found = await session.execute(
        select(Patient, latest.c.sent_at, completed.c.completed_at)
        .join(latest, latest.c.patient_id == Patient.id)
        .outerjoin(completed, completed.c.patient_id == Patient.id)
        .where(Patient.status == PatientStatus.ACTIVE)
        .order_by(Patient.id)
    )
    lines = []
    for patient, sent_value, completed_value in found.all():
        sent_at, completed_at = utc_from_db(sent_value), utc_from_db(completed_value)
        if sent_at is None or now - sent_at < MISSED_AFTER:
            continue
        if completed_at is None or completed_at < sent_at:
            lines.append(
                PatientLine(
                    patient.code,
                    patient.display_name,
                    patient.status.value,
                    patients.post_op_day(patient, now),
                    sent_at,
                )
            )
    return lines


# -- the roster -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterRow:
    code: str
    name: str | None
    status: str
    post_op_day: int | None
    approach: str | None
    last_checkin: datetime | None
    open_alerts: int
    prompts: int  # check-in prompts sent
    answered: int  # check-ins completed

    @property
    def adherence(self) -> float | None:
        """The share of check-ins answered (None before the first prompt)."""
        if not self.prompts:
            return None
        return min(1.0, self.answered / self.prompts)


async def roster(db: Database, *, now: datetime) -> list[RosterRow]:
    """Every patient not deleted, by enrolment, with what the Patients table shows."""
    async with db.uow() as uow:
        session = uow.session
        rows = await exports.patient_rows(
            session, now=now, statuses=[s for s in PatientStatus if s != PatientStatus.DELETED]
        )
        names = dict((await session.execute(select(Patient.code, Patient.display_name))).all())
        prompts = dict(
            (
                await session.execute(
                    select(Patient.code, func.count(ScheduledMessage.id))
                    .join(ScheduledMessage, ScheduledMessage.patient_id == Patient.id)
                    .where(
                        ScheduledMessage.kind == MessageKind.CHECKIN,
                        ScheduledMessage.payload_key != NUDGE_PAYLOAD,
                        ScheduledMessage.state == MessageState.SENT,
                    )
                    .group_by(Patient.code)
                )
            ).all()
        )
        answered = dict(
            (
                await session.execute(
                    select(Patient.code, func.count(CheckIn.id))
                    .join(CheckIn, CheckIn.patient_id == Patient.id)
                    .where(CheckIn.completed_at.is_not(None))
                    .group_by(Patient.code)
                )
            ).all()
        )
    return [
        RosterRow(
            code=row["patient_code"],
            name=names.get(row["patient_code"]),
            status=row["status"],
            post_op_day=row["post_op_day"],
            approach=row["approach"],
            last_checkin=_parse(row["last_checkin_at"]),
            open_alerts=row["open_alerts"],
            prompts=int(prompts.get(row["patient_code"], 0)),
            answered=int(answered.get(row["patient_code"], 0)),
        )
        for row in rows
    ]


def _parse(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value.replace("Z", "+00:00"))


# -- one patient ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PainPoint:
    post_op_day: int
    leg: int | None
    back: int | None
    tier: str | None


@dataclass(frozen=True)
class CheckinView:
    checkin_id: int
    post_op_day: int | None
    started_at: datetime
    completed_at: datetime | None
    tier: str | None
    answers: tuple[tuple[str, str], ...]  # (question id, option id or typed text), in order


@dataclass(frozen=True)
class PlanItem:
    post_op_day: int
    due_at: datetime
    local_time: time
    kind: MessageKind
    payload_key: str
    state: str  # a scheduled message's state, or "planned" when not materialised yet
    sent_at: datetime | None = None
    text: str | None = None  # a broadcast's own text (pathway messages come from the catalogue)


@dataclass(frozen=True)
class PatientRecord:
    patient: Patient
    post_op_day: int | None
    pain: list[PainPoint]
    alert_days: list[tuple[int, str]]  # (post-op day, severity)
    missed_days: list[int]
    alerts: list[AlertView]
    checkins: list[CheckinView]
    conversation: list[ConversationView]
    plan: list[PlanItem] = field(default_factory=list)


def _score(value: str | None) -> int | None:
    if value is None or not value.isdigit():
        return None
    score = int(value)
    return score if 0 <= score <= 10 else None


async def patient_record(
    db: Database,
    code: str,
    *,
    now: datetime,
    pathway: Pathway,
    questions: Sequence[str],
    viewer: str,
) -> PatientRecord:
    """Everything the Patient page shows; NotFound for a code that does not exist.

    Opening a patient's record is itself audited (who looked at whose record, and when).
    """
    async with db.uow() as uow:
        session = uow.session
        patient = await patients.by_code(session, code)
        audit.record(
            session, at=now, actor=viewer, action="console.patient_viewed", subject=patient.code
        )
        await uow.commit()
        checkin_rows = (
            await session.scalars(
                select(CheckIn)
                .where(CheckIn.patient_id == patient.id)
                .order_by(CheckIn.started_at, CheckIn.id)
            )
        ).all()
        answers: dict[int, dict[str, str]] = {}
        for answer in await session.scalars(
            select(CheckInAnswer)
            .join(CheckIn, CheckIn.id == CheckInAnswer.checkin_id)
            .where(CheckIn.patient_id == patient.id)
        ):
            answers.setdefault(answer.checkin_id, {})[answer.question] = answer.answer
        alert_rows = (
            await session.scalars(
                select(Alert)
                .where(Alert.patient_id == patient.id)
                .order_by(Alert.created_at.desc(), Alert.id.desc())
            )
        ).all()
        items = (
            await session.scalars(
                select(ConversationItem)
                .where(ConversationItem.patient_id == patient.id)
                .order_by(ConversationItem.created_at, ConversationItem.id)
            )
        ).all()
        scheduled = (
            await session.scalars(
                select(ScheduledMessage)
                .where(ScheduledMessage.patient_id == patient.id)
                .order_by(ScheduledMessage.due_at, ScheduledMessage.id)
            )
        ).all()
        notices = {
            row.id: row.text_en if patient.language == "en" and row.text_en else row.text_ko
            for row in await session.scalars(
                select(Broadcast).where(
                    Broadcast.id.in_({r.broadcast_id for r in scheduled if r.broadcast_id})
                )
            )
        }
    pain: list[PainPoint] = []
    views: list[CheckinView] = []
    for checkin in checkin_rows:
        given = answers.get(checkin.id, {})
        day = checkin.post_op_day
        if day is None:
            day = _day_at(patient, checkin.started_at)
        leg, back = _score(given.get("legpain")), _score(given.get("backpain"))
        if day is not None and (leg is not None or back is not None):
            pain.append(PainPoint(day, leg, back, checkin.tier))
        ordered = [(q, given[q]) for q in questions if q in given]
        ordered += [(q, a) for q, a in given.items() if q not in questions]
        views.append(
            CheckinView(
                checkin.id,
                day,
                checkin.started_at,
                checkin.completed_at,
                checkin.tier,
                tuple(ordered),
            )
        )
    alert_views = [_alert_view(alert, patient, now) for alert in alert_rows]
    alert_days = [(v.post_op_day, v.severity) for v in alert_views if v.post_op_day is not None]
    return PatientRecord(
        patient=patient,
        post_op_day=patients.post_op_day(patient, now),
        pain=pain,
        alert_days=alert_days,
        missed_days=_missed_days(scheduled, checkin_rows, now),
        alerts=alert_views,
        checkins=list(reversed(views)),
        conversation=[
            ConversationView(
                item.id,
                item.direction,
                item.kind,
                item.text,
                item.attachment,
                item.tier,
                item.created_at,
                item.author,
                item.state,
                item.handled_by,
                item.handled_at,
                item.post_state,
            )
            for item in items
        ],
        plan=_plan(patient, pathway, scheduled, now, notices),
    )


def _missed_days(
    scheduled: Sequence[ScheduledMessage], checkins: Sequence[CheckIn], now: datetime
) -> list[int]:
    """Post-op days whose check-in prompt got no completed check-in before the next prompt
    (or, for the latest, within ``MISSED_AFTER``)."""
    prompts = sorted(
        (
            row
            for row in scheduled
            if row.kind == MessageKind.CHECKIN
            and row.payload_key != NUDGE_PAYLOAD
            and row.state == MessageState.SENT
            and row.sent_at is not None
        ),
        key=lambda row: row.sent_at or now,
    )
    done = [c.completed_at for c in checkins if c.completed_at is not None]
    missed = []
    for index, prompt in enumerate(prompts):
        assert prompt.sent_at is not None
        end = prompts[index + 1].sent_at if index + 1 < len(prompts) else None
        if end is None and now - prompt.sent_at < MISSED_AFTER:
            continue
        answered = any(prompt.sent_at <= at and (end is None or at < end) for at in done)
        if not answered and prompt.post_op_day is not None:
            missed.append(prompt.post_op_day)
    return missed


def _plan(
    patient: Patient,
    pathway: Pathway,
    scheduled: Sequence[ScheduledMessage],
    now: datetime,
    notices: dict[int, str | None],
) -> list[PlanItem]:
    """The whole plan from the surgery day to its last day: what was sent or skipped, what is
    queued, and what the pathway will add later, in the patient's zone and waking window.
    Broadcasts and nudges sent to the patient appear at their time too."""
    items: dict[str, PlanItem] = {}
    for row in scheduled:
        items[row.dedupe_key] = PlanItem(
            post_op_day=row.post_op_day if row.post_op_day is not None else -1,
            due_at=row.due_at,
            local_time=row.local_time,
            kind=row.kind,
            payload_key=row.payload_key,
            state=row.state.value,
            sent_at=row.sent_at,
            text=notices.get(row.broadcast_id) if row.broadcast_id else None,
        )
    if patient.surgery_date is not None and patient.approach is not None:
        zone = ZoneInfo(patient.timezone)
        start = datetime.combine(patient.surgery_date, time(0), zone).astimezone(UTC)
        for occurrence in occurrences(
            pathway,
            surgery_date=patient.surgery_date,
            approach=patient.approach.value,
            zone=zone,
            window=WakingWindow(patient.waking_start, patient.waking_end),
            start=start,
            end=start + timedelta(days=pathway.last_day + 1),
        ):
            if occurrence.dedupe_key in items:
                continue
            # Planned before the patient registered, or while paused: it was never queued.
            state = "passed" if occurrence.due_at < now else "planned"
            items[occurrence.dedupe_key] = PlanItem(
                post_op_day=occurrence.post_op_day,
                due_at=occurrence.due_at,
                local_time=occurrence.local_time,
                kind=occurrence.kind,
                payload_key=occurrence.payload_key,
                state=state,
            )
    for key, item in list(items.items()):
        if item.post_op_day == -1:
            day = _day_at(patient, item.due_at)
            items[key] = replace(item, post_op_day=day if day is not None else 0)
    return sorted(items.values(), key=lambda item: (item.due_at, item.kind))
