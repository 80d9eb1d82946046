"""The check-in conversation: one question a message, edited in place, answered by buttons.

Started by /checkin or by the button under a scheduled check-in prompt; resumed if left
unfinished; the last question (anything else?) also takes typed text.
"""

from __future__ import annotations

import structlog
from telegram import CallbackQuery, Message, Update
from telegram.ext import ContextTypes

from bot import inbox_commands, keyboards
from bot.services import BotServices, services_of
from care import checkins, patients
from care.callbacks import Callback, encode
from care.errors import InvalidInput
from care.messaging import Button, Keyboard
from care.models import CheckIn, Patient, PatientStatus
from care.triage import Assessment, Question, Tier
from care.triage.checkin import NOTE_QUESTION

log = structlog.get_logger(__name__)

SCALE_ROW = 6  # 0-10 pain scales: two rows of buttons


def question_keyboard(
    services: BotServices, lang: str, checkin_id: int, question: Question
) -> Keyboard:
    buttons = [
        Button(
            services.text(lang, option.label_key), encode("ans", checkin_id, question.id, option.id)
        )
        for option in question.options
    ]
    if all(option.id.isdigit() for option in question.options):
        return tuple(tuple(buttons[i : i + SCALE_ROW]) for i in range(0, len(buttons), SCALE_ROW))
    return tuple((button,) for button in buttons)


def question_text(services: BotServices, lang: str, question: Question, number: int) -> str:
    return (
        services.text(lang, "checkin.progress", number=number)
        + "\n"
        + services.text(lang, question.text_key)
    )


def result_text(services: BotServices, lang: str, assessment: Assessment) -> str:
    lead = {Tier.RED: "checkin.done.red", Tier.AMBER: "checkin.done.amber"}.get(
        assessment.tier, "checkin.done.green"
    )
    return services.text(lang, lead) + "\n\n" + services.text(lang, assessment.advice_key)


async def _step(
    services: BotServices, patient: Patient, checkin: CheckIn
) -> tuple[str, Keyboard, Assessment | None]:
    """The next thing to show: a question, or (finishing the check-in) the result."""
    lang = patient.language
    async with services.db.uow() as uow:
        checkin = await uow.session.get_one(CheckIn, checkin.id)
        question = await checkins.current_question(
            uow.session, patient, checkin, services.questionnaire
        )
        if question is not None:
            answered = len(await checkins.answers_of(uow.session, checkin.id))
            keyboard = question_keyboard(services, lang, checkin.id, question)
            return question_text(services, lang, question, answered + 1), keyboard, None
        assessment = await checkins.finish(
            uow.session, patient, checkin, now=services.clock.now(), realert=services.config.realert
        )
        await uow.commit()
    if assessment.tier in (Tier.RED, Tier.AMBER):
        services.post_alerts()
    log.info(
        "checkin_completed",
        action="checkin.completed",
        patient=patient.code,
        checkin_id=checkin.id,
        tier=assessment.tier.value,
        flags=list(assessment.flags),
    )
    return result_text(services, lang, assessment), (), assessment


async def checkin_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/checkin: answer a check-in now (or carry on with an unfinished one)."""
    services = services_of(context)
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    async with services.db.uow() as uow:
        patient = await patients.by_chat(uow.session, chat.id)
        if patient is None or patient.status not in (PatientStatus.ACTIVE, PatientStatus.PAUSED):
            lang = services.config.default_language if patient is None else patient.language
            await message.reply_text(services.text(lang, "not_active"))
            return
        checkin = await checkins.start(
            uow.session, patient, scheduled_message_id=None, now=services.clock.now()
        )
        await uow.commit()
    assert checkin is not None
    text, keyboard, _ = await _step(services, patient, checkin)
    await message.reply_text(text, reply_markup=keyboards.markup(keyboard))


async def on_checkin_button(
    query: CallbackQuery, callback: Callback, services: BotServices, chat_id: int
) -> None:
    """ "ci" starts the check-in of a prompt; "ans" records an answer. Stale or forged: refused."""
    now = services.clock.now()
    async with services.db.uow() as uow:
        patient = await patients.by_chat(uow.session, chat_id, lock=True)
        if patient is None or patient.status == PatientStatus.DELETED:
            raise InvalidInput("check-in button from a chat with no patient")
        if callback.action == "ci":
            checkin = await checkins.start(
                uow.session, patient, scheduled_message_id=_prompt_id(callback), now=now
            )
            if checkin is None:
                await query.edit_message_text(
                    services.text(patient.language, "checkin.already_done")
                )
                return
        else:
            checkin = await checkins.owned_open(uow.session, patient, callback.arg_int(0))
            await checkins.record_answer(
                uow.session,
                patient,
                checkin,
                question_id=callback.args[1],
                answer=callback.args[2],
                now=now,
                questionnaire=services.questionnaire,
            )
        checkin.telegram_message_id = query.message.message_id if query.message else None
        await uow.commit()
    text, keyboard, _ = await _step(services, patient, checkin)
    await query.edit_message_text(text, reply_markup=keyboards.markup(keyboard))


async def take_note(message: Message, patient: Patient, services: BotServices) -> bool:
    """Typed text while the check-in asks "anything else?": it becomes the note. True if taken."""
    async with services.db.uow() as uow:
        await patients.by_chat(uow.session, message.chat_id, lock=True)  # one update at a time
        checkin = await checkins.waiting_for_note(
            uow.session, patient, now=services.clock.now(), questionnaire=services.questionnaire
        )
        if checkin is None:
            return False
        await checkins.record_answer(
            uow.session,
            patient,
            checkin,
            question_id=NOTE_QUESTION,
            answer=message.text or message.caption or "",
            now=services.clock.now(),
        )
        inbox_commands.keep_note(uow.session, patient, checkin.id, message, services.clock.now())
        await uow.commit()
    services.post_alerts()
    text, _, _ = await _step(services, patient, checkin)
    if checkin.telegram_message_id is not None:
        await message.get_bot().edit_message_reply_markup(
            message.chat_id, checkin.telegram_message_id, reply_markup=None
        )
    await message.reply_text(text)
    return True


def _prompt_id(callback: Callback) -> int | None:
    return None if callback.args[0] == "now" else callback.arg_int(0)
