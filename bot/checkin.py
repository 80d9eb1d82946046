"""The check-in conversation: one question a message, edited in place, answered by buttons.

Started by /checkin or by the button under a scheduled check-in prompt; resumed if left
unfinished; the last question (anything else?) also takes typed text. The use case
(care.usecases.checkin) records and assesses each answer; this module only shows the
result, after the commit. A red answer is answered at once with what to do now, in a
message of its own, and the remaining questions still follow.
"""

from __future__ import annotations

import structlog
from telegram import CallbackQuery, Message, Update
from telegram.ext import ContextTypes

from bot import keyboards
from bot.advice import advice_text
from bot.services import BotServices, services_of
from care.domain.callbacks import Callback, encode
from care.domain.messaging import Button, Keyboard
from care.domain.triage import Assessment, Question, Tier
from care.usecases import checkin as usecase
from care.usecases.checkin import CheckinConfig, Refused, Step

log = structlog.get_logger(__name__)

SCALE_ROW = 4  # 0-10 pain scales: three rows, so that no label is cut on a phone
SUMMARY_PREFIX = "checkin.short."


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


def summary(services: BotServices, step: Step) -> str:
    """The answers so far on one line ("다리 통증 2 · 허리 통증 3 · 소변 잘 나와요"): an answer
    whose label does not say what it answers is led by the question's short name."""
    parts = []
    for item in step.answered:
        short = SUMMARY_PREFIX + item.question.id
        option = next((o for o in item.question.options if o.id == item.answer), None)
        if option is None:
            continue  # the typed note
        label = services.text(step.language, option.label_key)
        if services.catalog.has(short):
            label = f"{services.text(step.language, short)} {label}"
        parts.append(label)
    return " · ".join(parts)


def question_text(services: BotServices, step: Step) -> str:
    assert step.question is not None
    lang = step.language
    lines = [services.text(lang, "checkin.progress", number=step.number, total=step.total)]
    answered = summary(services, step)
    if answered:
        lines.append(services.text(lang, "checkin.so_far", answers=answered))
    lines.append(services.text(lang, step.question.text_key))
    return "\n".join(lines)


def assessment_advice(services: BotServices, lang: str, assessment: Assessment) -> str:
    if assessment.tier in (Tier.RED, Tier.AMBER):
        return advice_text(services, lang, assessment.tier, assessment.sign)
    assert assessment.advice_key is not None
    return services.text(lang, assessment.advice_key)


def result_text(services: BotServices, lang: str, assessment: Assessment) -> str:
    """Red and amber: what to do first, then the thanks; green: the thanks, then a word."""
    if assessment.tier is Tier.GREEN:
        return (
            services.text(lang, "checkin.done.green")
            + "\n\n"
            + assessment_advice(services, lang, assessment)
        )
    return (
        assessment_advice(services, lang, assessment)
        + "\n\n"
        + services.text(
            lang, "checkin.done.red" if assessment.tier is Tier.RED else "checkin.done.amber"
        )
    )


def render(services: BotServices, step: Step) -> tuple[str, Keyboard]:
    if step.question is None:
        assert step.result is not None
        return result_text(services, step.language, step.result), ()
    keyboard = question_keyboard(services, step.language, step.checkin_id, step.question)
    return question_text(services, step), keyboard


def urgent_text(services: BotServices, step: Step) -> str | None:
    """What to do now, when this answer made the check-in red and questions remain."""
    if step.urgent is None or step.question is None:
        return None
    return (
        assessment_advice(services, step.language, step.urgent)
        + "\n\n"
        + services.text(step.language, "checkin.urgent.continue")
    )


def config_of(services: BotServices) -> CheckinConfig:
    return CheckinConfig(realert=services.config.realert, questionnaire=services.questionnaire)


def _after_commit(services: BotServices, step: Step) -> None:
    if step.post_alerts:
        services.post_alerts()
    if step.result is not None:
        log.info(
            "checkin_completed",
            action="checkin.completed",
            checkin_id=step.checkin_id,
            tier=step.result.tier.value,
            flags=list(step.result.flags),
        )
    if step.urgent is not None:
        log.info("checkin_red_answer", action="checkin.red", checkin_id=step.checkin_id)


async def checkin_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/checkin: answer a check-in now (or carry on with an unfinished one)."""
    services = services_of(context)
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    step = await usecase.begin(
        services.db,
        services.clock,
        config_of(services),
        chat_id=chat.id,
        prompt_id=None,
        default_language=services.config.default_language,
    )
    if isinstance(step, Refused):
        await message.reply_text(services.text(step.language, step.key))
        return
    _after_commit(services, step)
    text, keyboard = render(services, step)
    await message.reply_text(text, reply_markup=keyboards.markup(keyboard))


async def on_checkin_button(
    query: CallbackQuery, callback: Callback, services: BotServices, chat_id: int
) -> None:
    """ "ci" starts the check-in of a prompt; "ans" records an answer. Stale or forged: refused
    (InvalidInput), and nothing changes."""
    if callback.action == "ci":
        prompt = None if callback.args[0] == "now" else callback.arg_int(0)
        step: Step | Refused = await usecase.begin(
            services.db,
            services.clock,
            config_of(services),
            chat_id=chat_id,
            prompt_id=prompt,
            default_language=services.config.default_language,
        )
    else:
        step = await usecase.answer(
            services.db,
            services.clock,
            config_of(services),
            chat_id=chat_id,
            checkin_id=callback.arg_int(0),
            question_id=callback.args[1],
            option=callback.args[2],
            message_id=query.message.message_id if query.message else None,
        )
    if isinstance(step, Refused):
        await query.edit_message_text(services.text(step.language, step.key))
        return
    _after_commit(services, step)
    text, keyboard = render(services, step)
    await query.edit_message_text(text, reply_markup=keyboards.markup(keyboard))
    urgent = urgent_text(services, step)
    if urgent is not None and query.message is not None:
        await query.get_bot().send_message(query.message.chat.id, urgent)


async def take_note(message: Message, services: BotServices) -> bool:
    """Typed text while the check-in asks "anything else?": it becomes the note. True if taken."""
    step = await usecase.add_note(
        services.db,
        services.clock,
        config_of(services),
        chat_id=message.chat_id,
        text=message.text or message.caption or "",
        chat_message_id=message.message_id,
    )
    if step is None:
        return False
    services.post_alerts()  # the note's card reaches the coordinators' group within seconds
    _after_commit(services, step)
    text, keyboard = render(services, step)
    if step.message_id is not None:
        await message.get_bot().edit_message_reply_markup(
            message.chat_id, step.message_id, reply_markup=None
        )
    await message.reply_text(text, reply_markup=keyboards.markup(keyboard))
    return True
