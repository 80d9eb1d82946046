"""What a patient types: kept whole, read for warning signs, followed up with one question."""

from __future__ import annotations

import structlog
from telegram import CallbackQuery, Message

from bot import inbox_commands, keyboards, undelivered
from bot.advice import advice_text
from bot.services import BotServices
from care.domain.callbacks import Callback, encode
from care.domain.messaging import Button, Keyboard
from care.domain.triage import Tier, TriageResult
from care.domain.triage.signs import load_signs
from care.storage import followups
from care.storage.models import AlertState, Patient
from care.usecases.follow_up import answer_follow_up
from care.usecases.free_text import read_free_text

log = structlog.get_logger(__name__)

# What a patient may send besides text, most specific first (an animation is also a document).
ATTACHMENTS = (
    "photo", "voice", "video_note", "video", "audio", "animation", "sticker", "document",
    "location", "contact",
)  # fmt: skip


def attachment_kind(message: Message) -> str | None:
    """The kind of what came with the message, or None for plain text."""
    return next((kind for kind in ATTACHMENTS if getattr(message, kind, None)), None)


async def read_message(message: Message, patient: Patient, services: BotServices) -> None:
    """Store the text first, then classify it and answer: nothing a patient sends is lost."""
    text = message.text or message.caption or ""
    kind = attachment_kind(message)
    reading = await read_free_text(
        services.db,
        services.clock,
        patient=patient,
        chat_id=message.chat_id,
        message_id=message.message_id,
        text=text,
        attachment=kind,
        file_id=inbox_commands.attachment_file_id(message),
        realert=services.config.realert,
    )
    result = reading.result
    services.post_alerts()  # the card is in the coordinators' group within seconds
    log.info(
        "free_text_read",
        action="free_text.read",
        patient=patient.code,
        inbound_id=reading.inbound_id,
        tier=result.tier.value,
        flags=list(result.flags),
    )
    answer, keyboard = reply_to(services, patient, reading.inbound_id, result, text)
    await undelivered.reply_or_alert(  # a question that cannot be delivered never waits 10 min
        lambda: message.reply_text(answer, reply_markup=keyboards.markup(keyboard)),
        alert_id=reading.awaiting_alert_id,
        services=services,
    )


def reply_to(
    services: BotServices, patient: Patient, inbound_id: int, result: TriageResult, text: str
) -> tuple[str, Keyboard]:
    """What the patient is told: green, the clinic's answer if it has one and when the team
    reads messages; a stated red or amber sign, its advice (the alert is already open,
    nothing is asked about it again); unsure, one question with buttons that name their
    answers."""
    lang = patient.language
    if result.tier == Tier.GREEN:
        return inbox_commands.green_answer(services, patient, text), ()
    if result.tier in (Tier.RED, Tier.AMBER):
        sign = load_signs().sign_for_rows(result.flags)
        return advice_text(services, lang, result.tier, sign), ()
    follow_up = load_signs().follow_up(followups.question_for(result))
    buttons = tuple(
        (Button(services.text(lang, answer.label_key), encode("ftc", inbound_id, answer.id)),)
        for answer in follow_up.answers
    )
    text = (
        services.text(lang, "followup.ask") + "\n\n" + services.text(lang, follow_up.question_key)
    )
    return text, buttons


async def on_follow_up(
    query: CallbackQuery, callback: Callback, services: BotServices, chat_id: int
) -> None:
    """The answer to a follow-up; checked against the pressing patient's own message and the
    question's own answers."""
    answered = await answer_follow_up(
        services.db,
        services.clock,
        chat_id=chat_id,
        inbound_message_id=callback.arg_int(0),
        answer_id=callback.args[1],
        realert=services.config.realert,
    )
    lang, alert = answered.language, answered.alert
    if alert.state == AlertState.OPEN:
        services.post_alerts()
        tier = Tier.RED if alert.severity == "red" else Tier.AMBER
        text = advice_text(services, lang, tier, load_signs().sign_for_rows(alert.flags))
    else:
        text = services.text(lang, "followup.denied")
    await query.edit_message_text(text)
    log.info(
        "follow_up_answered",
        action="free_text.follow_up",
        patient=answered.patient_code,
        alert_id=alert.id,
        state=alert.state.value,
    )
