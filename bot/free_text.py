"""What a patient types: kept whole, read for warning signs, followed up with one question."""

from __future__ import annotations

import structlog
from telegram import CallbackQuery, Message

from bot import keyboards
from bot.services import BotServices
from care import followups, inbox, patients
from care.callbacks import Callback, encode
from care.errors import InvalidInput
from care.messaging import Button
from care.models import Patient
from care.triage import Tier, classify
from care.triage.attachments import read_attachment, stored_text

log = structlog.get_logger(__name__)

DEFAULT_QUESTION = "triage.ask.general"
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
    now = services.clock.now()
    async with services.db.uow() as uow:  # kept on arrival (bot.intake); kept here otherwise
        stored = await inbox.received(
            uow.session, chat_id=message.chat_id, telegram_message_id=message.message_id
        ) or inbox.keep(
            uow.session,
            patient=patient,
            chat_id=message.chat_id,
            telegram_message_id=message.message_id,
            text=text if kind is None else stored_text(kind, text),
            now=now,
        )
        await uow.commit()
    result = classify(text) if kind is None else read_attachment(kind, text)
    async with services.db.uow() as uow:
        stored = await uow.session.get_one(type(stored), stored.id)
        followups.record_reading(stored, result)
        await followups.await_confirmation(
            uow.session, patient=patient, message=stored, result=result, now=now
        )
        await uow.commit()
    log.info(
        "free_text_read",
        action="free_text.read",
        patient=patient.code,
        inbound_id=stored.id,
        tier=result.tier.value,
        flags=list(result.flags),
    )
    lang = patient.language
    if result.tier == Tier.GREEN:
        await message.reply_text(services.text(lang, "text.received"))
        return
    lead = {
        Tier.RED: "followup.red",
        Tier.AMBER: "followup.amber",
        Tier.ASK: "followup.ask",
    }[result.tier]
    question = result.question or DEFAULT_QUESTION
    buttons = (
        (
            Button(services.text(lang, "followup.yes"), encode("ftc", stored.id, "yes")),
            Button(services.text(lang, "followup.no"), encode("ftc", stored.id, "no")),
        ),
    )
    await message.reply_text(
        "\n\n".join(services.text(lang, key) for key in (lead, question, "followup.how")),
        reply_markup=keyboards.markup(buttons),
    )


async def on_follow_up(
    query: CallbackQuery, callback: Callback, services: BotServices, chat_id: int
) -> None:
    """The yes/no answer to a follow-up; checked against the pressing patient's own message."""
    inbound_id = callback.arg_int(0)
    confirmed = callback.args[1] == "yes"
    now = services.clock.now()
    async with services.db.uow() as uow:
        patient = await patients.by_chat(uow.session, chat_id, lock=True)
        if patient is None:
            raise InvalidInput("follow-up from a chat with no patient")
        alert = await followups.answer(
            uow.session,
            patient=patient,
            inbound_message_id=inbound_id,
            confirmed=confirmed,
            now=now,
            realert=services.config.realert,
        )
        if alert is None:
            raise InvalidInput("no follow-up awaiting for this message")
        await uow.commit()
    if alert.state.value == "open":
        services.post_alerts()
    lang = patient.language
    if confirmed:
        key = "followup.confirmed.red" if alert.severity == "red" else "followup.confirmed"
    else:
        key = "followup.denied.kept" if alert.state.value == "open" else "followup.denied"
    await query.edit_message_text(services.text(lang, key))
    log.info(
        "follow_up_answered",
        action="free_text.follow_up",
        patient=patient.code,
        alert_id=alert.id,
        confirmed=confirmed,
    )
