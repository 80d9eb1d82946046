"""Registration: /start with an invite, consent, language, surgery date, waking window."""

from __future__ import annotations

from functools import partial

import structlog
from babel.dates import format_date
from telegram import CallbackQuery, Message, Update
from telegram.ext import ContextTypes

from bot import keyboards
from bot.services import BotServices, services_of
from care.domain.callbacks import Callback
from care.domain.errors import InvalidInput
from care.storage.models import Patient
from care.usecases import registration
from care.usecases.registration import StartReply

log = structlog.get_logger(__name__)


def user_language(update: Update, default: str) -> str:
    user = update.effective_user
    code = (user.language_code or "") if user else ""
    return "en" if code.startswith("en") else default


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start [invite]: the way in (care/usecases/registration.py); answered after the commit."""
    services = services_of(context)
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if message is None or chat is None or user is None:
        return
    answer = await registration.start(
        services.db,
        services.clock,
        services.invite_throttle,
        chat_id=chat.id,
        user_id=user.id,
        private_chat=chat.type == "private",
        code=context.args[0] if context.args else None,
        language=user_language(update, services.config.default_language),
    )
    if answer.reply == StartReply.ASK_LANGUAGE:
        await ask_language(message.reply_text, services)
    elif answer.reply == StartReply.ASK_CONSENT:
        await message.reply_text(
            services.text(answer.language, answer.reply),
            reply_markup=keyboards.markup(keyboards.consent(services.catalog, answer.language)),
        )
        log.info("invite_opened", action="invite.opened", patient=answer.patient_code)
    else:
        if answer.reply == StartReply.INVALID_INVITE:
            log.info("invite_rejected", action="invite.rejected")
        await message.reply_text(services.text(answer.language, answer.reply))


async def on_button(
    query: CallbackQuery, callback: Callback, services: BotServices, chat_id: int
) -> None:
    """Registration buttons, each checked against the state it acts on: a button from a step
    already passed (an active patient's old registration message) is refused and changes
    nothing. Telegram is answered after the commit."""
    if callback.action in ("consent", "hconsent"):
        await _on_consent(query, callback, services, chat_id)
        return
    answer = callback.args[0]
    patient = await registration.answer_step(
        services.db,
        services.clock,
        services.pathway,
        chat_id=chat_id,
        step=_step(callback.action),
        answer=answer,
    )
    lang = patient.language
    if callback.action == "setlang":
        await query.edit_message_text(services.text(lang, "language.done"))
    elif callback.action == "lang":
        await ask_surgery_date(query, services, patient)
    elif callback.action == "sdate":
        if answer != "yes":
            services.post_alerts()  # the dispute's card reaches the coordinators' group
        prefix = (
            "" if answer == "yes" else services.text(lang, "reg.surgery_date_disputed") + "\n\n"
        )
        await query.edit_message_text(
            prefix + services.text(lang, "reg.window"),
            reply_markup=keyboards.markup(keyboards.waking_window()),
        )
    else:
        await query.edit_message_text(
            services.text(
                lang,
                "reg.summary",
                start=f"{patient.waking_start:%H:%M}",
                end=f"{patient.waking_end:%H:%M}",
            )
        )
        log.info("patient_registered", action="patient.registered", patient=patient.code)


async def _on_consent(
    query: CallbackQuery, callback: Callback, services: BotServices, chat_id: int
) -> None:
    """Two explicit choices: the service, then health data. Each consent text stays in the
    chat with the choice made under it (re-readable, and /privacy shows it again); only both
    together store anything, and refusing either stores nothing about the person."""
    agreed = callback.args[0] == "yes"
    health = callback.action == "hconsent"
    known = await registration.consent(
        services.db, services.clock, chat_id=chat_id, agreed=agreed, health=health
    )
    lang = known.language if known is not None else _lang(query, services)
    message = query.message if isinstance(query.message, Message) else None
    choice = "consent.chosen.yes" if agreed else "consent.chosen.no"
    if message is not None and message.text:
        await query.edit_message_text(f"{message.text}\n\n{services.text(lang, choice)}")
    if not agreed:
        declined = "reg.declined.health" if health else "reg.declined"
        await query.get_bot().send_message(chat_id, services.text(lang, declined))
    elif not health and known is None:
        await query.get_bot().send_message(
            chat_id,
            services.text(lang, "consent.health"),
            reply_markup=keyboards.markup(keyboards.health_consent(services.catalog, lang)),
        )
    else:
        await ask_language(partial(query.get_bot().send_message, chat_id), services)


async def ask_language(send: object, services: BotServices) -> None:
    await send(  # type: ignore[operator]
        services.text(services.config.default_language, "reg.language"),
        reply_markup=keyboards.markup(keyboards.language()),
    )


async def ask_surgery_date(query: CallbackQuery, services: BotServices, patient: Patient) -> None:
    lang = patient.language
    when = (
        format_date(patient.surgery_date, format="long", locale=lang)
        if patient.surgery_date
        else "?"
    )
    await query.edit_message_text(
        services.text(lang, "reg.surgery_date", date=when),
        reply_markup=keyboards.markup(keyboards.surgery_date(services.catalog, lang)),
    )


def _lang(query: CallbackQuery, services: BotServices) -> str:
    code = query.from_user.language_code or ""
    return "en" if code.startswith("en") else services.config.default_language


def _step(action: str) -> registration.Step:
    try:
        return registration.Step(action)
    except ValueError:
        raise InvalidInput(f"no registration step {action!r}") from None
