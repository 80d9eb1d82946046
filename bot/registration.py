"""Registration: /start with an invite, consent, language, surgery date, waking window."""

from __future__ import annotations

import structlog
from babel.dates import format_date
from telegram import CallbackQuery, Update
from telegram.ext import ContextTypes

from bot import keyboards
from bot.services import BotServices, services_of
from care import audit, conversation, enrollment, patients
from care.callbacks import Callback
from care.errors import InviteRejected, NotAllowed
from care.models import Patient, PatientStatus

log = structlog.get_logger(__name__)


def user_language(update: Update, default: str) -> str:
    user = update.effective_user
    code = (user.language_code or "") if user else ""
    return "en" if code.startswith("en") else default


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start [invite]: the way in. Without a valid invite nothing about the person is stored."""
    services = services_of(context)
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if message is None or chat is None or user is None:
        return
    lang = user_language(update, services.config.default_language)
    code = context.args[0] if context.args else None
    now = services.clock.now()
    async with services.db.uow() as uow:
        known = await patients.by_chat(uow.session, chat.id)
        if code is None or chat.type != "private":
            if known is not None and known.status != PatientStatus.DELETED:
                await message.reply_text(services.text(known.language, "help.patient"))
            else:
                await message.reply_text(services.text(lang, "start.no_invite"))
            return
        throttle_key = f"invite:{user.id}"
        if services.invite_throttle.blocked(throttle_key):
            await message.reply_text(services.text(lang, "reg.too_many_attempts"))
            return
        try:
            patient = await enrollment.open_invite(uow.session, code, chat_id=chat.id, now=now)
        except InviteRejected:
            if known is not None and known.status == PatientStatus.INVITED:
                await ask_language(message.reply_text, services)
                return
            if services.invite_throttle.failed(throttle_key):
                audit.record(
                    uow.session, at=now, actor=f"telegram:{user.id}", action="invite.throttled"
                )
                await uow.commit()
            log.info("invite_rejected", action="invite.rejected")
            await message.reply_text(services.text(lang, "reg.invalid_invite"))
            return
        except NotAllowed:
            await uow.commit()
            await message.reply_text(services.text(lang, "reg.already_linked"))
            return
        await uow.commit()
    await message.reply_text(
        services.text(patient.language, "reg.consent"),
        reply_markup=keyboards.markup(keyboards.consent(services.catalog, patient.language)),
    )
    log.info("invite_opened", action="invite.opened", patient=patient.code)


async def on_button(
    query: CallbackQuery, callback: Callback, services: BotServices, chat_id: int
) -> None:
    """Registration buttons; an old button simply answers that step again."""
    now = services.clock.now()
    answer = callback.args[0]
    async with services.db.uow() as uow:
        session = uow.session
        if callback.action == "consent":
            if answer != "yes":
                await enrollment.decline_consent(session, chat_id=chat_id)
                await uow.commit()
                await query.edit_message_text(services.text(_lang(query, services), "reg.declined"))
                return
            patient = await patients.by_chat(session, chat_id)
            if patient is None:
                patient = await enrollment.give_consent(session, chat_id=chat_id, now=now)
            await uow.commit()
            await ask_language(query.edit_message_text, services)
            return
        patient = await patients.by_chat(session, chat_id)
        if patient is None or patient.status == PatientStatus.DELETED:
            raise InviteRejected("button from a chat with no patient")
        if callback.action == "lang":
            await patients.choose_language(session, patient, answer, now=now)
            await uow.commit()
            if patient.status == PatientStatus.INVITED:
                await ask_surgery_date(query, services, patient)
            else:
                await query.edit_message_text(services.text(patient.language, "language.done"))
        elif callback.action == "sdate":
            await patients.confirm_surgery_date(session, patient, answer == "yes", now=now)
            if answer != "yes":  # the patient was promised the nurse checks the date
                conversation.record_event(session, patient=patient, kind="date_dispute", now=now)
            await uow.commit()
            if answer != "yes":
                services.post_alerts()
            prefix = (
                ""
                if answer == "yes"
                else services.text(patient.language, "reg.surgery_date_disputed") + "\n\n"
            )
            await query.edit_message_text(
                prefix + services.text(patient.language, "reg.window"),
                reply_markup=keyboards.markup(keyboards.waking_window()),
            )
        elif callback.action == "wake":
            await patients.choose_window(
                session, patient, answer, now=now, pathway=services.pathway
            )
            await patients.activate(session, patient, now=now, pathway=services.pathway)
            await uow.commit()
            await query.edit_message_text(
                services.text(
                    patient.language,
                    "reg.summary",
                    start=f"{patient.waking_start:%H:%M}",
                    end=f"{patient.waking_end:%H:%M}",
                )
            )
            log.info("patient_registered", action="patient.registered", patient=patient.code)


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
