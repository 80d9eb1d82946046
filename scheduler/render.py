"""Claimed scheduled messages and alerts become outgoing messages: text from the catalogue, buttons.

Texts come from ``messages/`` in the patient's language (``pathway.po`` for the advice and
milestones, ``scheduler.po`` for prompts and buttons); a broadcast's text comes from the
``broadcasts`` table, in the patient's language or else the other one. Buttons carry callback
data made with ``care.domain.callbacks.encode``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from babel.dates import format_skeleton

from care.domain.callbacks import encode
from care.domain.kinds import MessageKind
from care.domain.messaging import Button, Keyboard, OutgoingMessage
from care.storage.adherence import NUDGE_PAYLOAD
from care.storage.broadcasts import BroadcastText
from care.storage.models import Alert
from care.storage.outbox import ClaimedMessage
from care.views.alert_context import AlertContext
from messages.catalog import Catalog
from messages.labels import answer_label, question_label

CHECKIN_LATE_AFTER = timedelta(minutes=30)  # a check-in sent later than this says its day
TELEGRAM_TEXT_LIMIT = 4096  # characters in one message


class NotRenderable(ValueError):
    """A scheduled message this renderer cannot turn into text (unknown kind, missing key)."""


def render_message(
    message: ClaimedMessage,
    catalog: Catalog,
    *,
    now: datetime,
    late_after: timedelta = CHECKIN_LATE_AFTER,
    broadcast: BroadcastText | None = None,
) -> OutgoingMessage:
    if message.chat_id is None:
        raise NotRenderable(f"patient {message.patient_id} has no chat")
    lang = message.language
    try:
        if message.kind == MessageKind.POSTURE:
            text = catalog.text(lang, message.payload_key)
            keyboard: Keyboard = (
                (
                    Button(
                        catalog.text(lang, "scheduler.posture.done"), encode("pdone", message.id)
                    ),
                    Button(
                        catalog.text(lang, "scheduler.posture.later"), encode("plater", message.id)
                    ),
                ),
            )
        elif message.kind == MessageKind.CHECKIN:
            text = _checkin_text(message, catalog, late=message.lateness(now) > late_after)
            keyboard = (
                (Button(catalog.text(lang, "scheduler.checkin.start"), encode("ci", message.id)),),
            )
        elif message.kind == MessageKind.MILESTONE:
            text, keyboard = catalog.text(lang, message.payload_key), ()
        elif message.kind == MessageKind.BROADCAST:
            if broadcast is None or broadcast.id != message.broadcast_id:
                raise NotRenderable(f"broadcast of message {message.id} not found")
            text, keyboard = broadcast.text_for(lang), ()
        else:
            raise NotRenderable(f"kind {message.kind!r} of message {message.id} has no renderer")
    except KeyError as missing:
        raise NotRenderable(f"text {missing} missing for message {message.id}") from None
    return OutgoingMessage(chat_id=message.chat_id, text=text, keyboard=keyboard)


def _checkin_text(message: ClaimedMessage, catalog: Catalog, *, late: bool) -> str:
    lang, day = message.language, message.post_op_day or 0
    if message.payload_key == NUDGE_PAYLOAD:
        return catalog.text(lang, "adherence.nudge", day=day)
    if late:
        return catalog.text(
            lang, "scheduler.checkin.late", date=local_date(message.local_date, lang), day=day
        )
    if day == 0:
        return catalog.text(lang, "scheduler.checkin.prompt_surgery_day")
    return catalog.text(lang, "scheduler.checkin.prompt", day=day)


def local_date(value: date, language: str) -> str:
    """A short date in the language's own form: 11월 20일, Nov 20."""
    return str(format_skeleton("MMMd", value, locale=language))


def render_alert(
    alert: Alert,
    catalog: Catalog,
    *,
    language: str,
    chat_id: int,
    patient_code: str,
    post_op_day: int | None,
    approach: str | None,
    level: int,
    now: datetime,
    context: AlertContext | None = None,
) -> OutgoingMessage:
    """The care team's notice of an alert, in words, with "Acknowledge" and "Called patient".

    ``level`` is the escalation level this post makes: 1 first post, 2 re-post, 3 escalated.
    With ``context`` (care.views.alert_context) it says who (name, phone), quotes the patient's
    words, lists the answers that raised it as question and answer, what the patient was
    told, and the pain trend. Never a rule id or a flag number: the signs are named.
    """
    approach_key = f"scheduler.approach.{approach}" if approach else "scheduler.approach.unknown"
    if not catalog.has(approach_key):
        approach_key = "scheduler.approach.unknown"
    head_key = "scheduler.alert.red" if alert.severity == "red" else "scheduler.alert.amber"
    lines: list[str] = []
    minutes = max(0, int((now - alert.created_at).total_seconds() // 60))
    if level == 2:
        lines.append(catalog.text(language, "scheduler.alert.repeat", minutes=minutes))
    elif level >= 3:
        lines.append(catalog.text(language, "scheduler.alert.escalated", minutes=minutes))
    lines.append(
        catalog.text(
            language,
            head_key,
            code=patient_code,
            day="-" if post_op_day is None else post_op_day,
            approach=catalog.text(language, approach_key),
        )
    )
    if context is not None and (context.name or context.phone):
        lines.append(" · ".join(part for part in (context.name, context.phone) if part))
    source_key = f"scheduler.alert.source.{alert.source}"
    if catalog.has(source_key):
        lines.append(catalog.text(language, source_key))
    signs = [
        catalog.text(language, f"alert.sign.{flag}")
        for flag in alert.flags
        if catalog.has(f"alert.sign.{flag}")
    ]
    if signs:
        lines.append(catalog.text(language, "alert.signs", signs=", ".join(signs)))
    if context is not None:
        lines += _alert_details(alert, context, catalog, language)
    keyboard: Keyboard = (
        (
            Button(catalog.text(language, "scheduler.alert.ack"), encode("ack", alert.id)),
            Button(catalog.text(language, "scheduler.alert.called"), encode("called", alert.id)),
        ),
    )
    return OutgoingMessage(chat_id=chat_id, text=fit_to_message(lines), keyboard=keyboard)


def _alert_details(
    alert: Alert, context: AlertContext, catalog: Catalog, language: str
) -> list[str]:
    lines: list[str] = []
    if context.answers:
        lines.append(catalog.text(language, "alert.answers"))
        lines += [
            f"• {question_label(catalog, language, q)}: {answer_label(catalog, language, q, a)}"
            for q, a in context.answers
        ]
    if context.words:
        lines.append(catalog.text(language, "alert.words", words=context.words))
    told_key = f"alert.told.{alert.source}.{alert.severity}"
    if not catalog.has(told_key):
        told_key = f"alert.told.{alert.severity}"
    if catalog.has(told_key):
        lines.append(catalog.text(language, told_key))
    for question, scores in context.trend:
        lines.append(
            catalog.text(
                language,
                "alert.trend",
                question=question_label(catalog, language, question),
                scores=" → ".join(scores),
            )
        )
    lines.append(catalog.text(language, "alert.reply_hint"))
    return lines


def fit_to_message(lines: list[str], limit: int = TELEGRAM_TEXT_LIMIT) -> str:
    """Join lines, cutting the end so Telegram takes it: a refused alert would reach no one.

    The patient code and the headline come first, so what is cut is the tail (the patient's
    own words stay whole in the database and in the conversation card, which is split,
    never cut).
    """
    text = "\n".join(lines)
    return text if len(text) <= limit else text[: limit - 1] + "…"
