"""The care team's inbox in Telegram: replies to cards, /inbox, and the "Handled" button.

Every patient message becomes a conversation item (care/usecases/free_text.py, once the
message is stored; ``keep_note`` for a check-in note);
the card poster (scheduler/cards.py) puts it in the coordinators' group. A coordinator who
replies to a card there sends the reply to the patient; anyone else is refused and audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

import structlog
from babel.dates import format_skeleton, get_day_names
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.ext import Application, CommandHandler, ContextTypes, MessageHandler, filters

from bot.authz import coordinator_or_refuse, ensure_coordinator
from bot.handlers_types import ButtonHandler
from bot.keyboards import markup
from bot.registration import user_language
from bot.services import BotServices, services_of
from care.domain.callbacks import Callback, encode
from care.domain.errors import NotAllowed
from care.domain.faq import load_faq
from care.domain.kinds import PATIENT_WORDS, ItemKind
from care.domain.messaging import Button, Keyboard
from care.domain.triage import classify
from care.storage import conversation
from care.storage.models import ConversationItem, Patient
from care.usecases import conversation as usecases
from messages.labels import answer_label, question_label

log = structlog.get_logger(__name__)

PAGE_SIZE = 8
NOTE = "note"
RECENT = 5  # messages shown by /patient
PREVIEW = 80  # characters of a message shown in the /inbox list (the card has it whole)
FILE_KINDS = ("photo", "voice", "video_note", "video", "audio", "animation", "sticker", "document")


def attachment_file_id(message: Message) -> str | None:
    """Telegram's id of what came with the message (the largest photo size): no bytes kept."""
    if message.photo:
        return message.photo[-1].file_id
    for kind in FILE_KINDS[1:]:
        found = getattr(message, kind, None)
        if found is not None and getattr(found, "file_id", None):
            return str(found.file_id)
    return None


def keep_note(
    session: AsyncSession, patient: Patient, checkin_id: int, message: Message, now: datetime
) -> None:
    """A check-in's note, as typed, read by the free-text reader for how loud its card is."""
    text = message.text or message.caption or ""
    conversation.record_note(
        session,
        patient=patient,
        checkin_id=checkin_id,
        text=text,
        tier=classify(text).tier.value if text else None,
        chat_message_id=message.message_id,
        now=now,
    )


def patient_conversation(
    services: BotServices,
    lang: str,
    patient: Patient,
    items: Sequence[ConversationItem],
    answers: Sequence[tuple[str, str]],
) -> str:
    """For /patient: name and phone, the last messages both ways (``items``, newest first), the
    last check-in's answers."""
    lines = []
    if patient.display_name or patient.phone:
        lines.append(" · ".join(part for part in (patient.display_name, patient.phone) if part))
    if items:
        lines.append(services.text(lang, "inbox.patient.messages"))
        for item in reversed(items):
            lines.append(item_line(services, lang, item))
    if answers:
        lines.append(services.text(lang, "inbox.patient.answers"))
        lines += [
            f"• {question_label(services.catalog, lang, question)}: "
            f"{answer_label(services.catalog, lang, question, answer)}"
            for question, answer in answers
            if question != NOTE  # a note is a message: it is in the list above
        ]
    return "\n".join(lines)


def item_line(services: BotServices, lang: str, item: ConversationItem) -> str:
    local = item.created_at.astimezone(ZoneInfo(services.config.default_timezone))
    arrow = "→" if item.direction == conversation.OUT else "←"
    words = " ".join((item.text or "").split())
    if item.kind not in (*PATIENT_WORDS, ItemKind.REPLY):
        words = services.text(lang, f"inbox.kind.{item.kind}", author="")
    preview = words if len(words) <= PREVIEW else words[: PREVIEW - 1] + "…"
    return f"{arrow} {local:%m-%d %H:%M} · {item.state} · {preview}"


def green_answer(services: BotServices, patient: Patient, text: str) -> str:
    """The answer to a routine message: the clinic's answer when it has one, when the team
    reads messages, and to call the emergency number now for anything urgent."""
    lang = patient.language
    parts = []
    answers = load_faq().answers(text, lang)
    if answers:
        lead = services.text(lang, "inbox.faq.lead")
        surgeon = services.text(lang, "inbox.faq.surgeon")
        parts.append("\n".join([lead, *(f"• {answer}" for answer in answers), surgeon]))
    parts.append(
        services.text(lang, "inbox.green.received") + " " + office_hours_text(services, lang)
    )
    parts.append(services.text(lang, "inbox.green.urgent"))
    return "\n\n".join(parts)


def office_hours_text(services: BotServices, lang: str) -> str:
    hours, now = services.config.office_hours, services.clock.now()
    if hours.weekdays_only():
        days = services.text(lang, "inbox.green.weekdays")
    else:
        names = get_day_names("abbreviated", locale=lang)
        days = ", ".join(names[day] for day in sorted(hours.days))
    values = {"days": days, "start": f"{hours.start:%H:%M}", "end": f"{hours.end:%H:%M}"}
    opening = hours.opening(now)
    if hours.is_open(now) or opening.date() == hours.local(now).date():
        return services.text(lang, "inbox.green.open", **values)
    when = f"{format_skeleton('MMMEd', opening, locale=lang)} {opening:%H:%M}"
    return services.text(lang, "inbox.green.closed", next=when, **values)


# replies to cards ------------------------------------------------------------------------


async def on_group_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A reply in the coordinators' group to one of the bot's cards: to the patient."""
    services = services_of(context)
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if message is None or chat is None or user is None:
        return
    replied = message.reply_to_message
    if chat.id != services.config.coordinator_chat_id or replied is None:
        return
    if replied.from_user is None or replied.from_user.id != context.bot.id:
        return  # the team talking among themselves
    lang = user_language(update, services.config.default_language)
    try:
        await ensure_coordinator(
            services, user_id=user.id, chat_id=chat.id, chat_type=chat.type, action="inbox.reply"
        )
    except NotAllowed:
        await message.reply_text(services.text(lang, "not_allowed"))
        return
    if message.text is None:
        await message.reply_text(services.text(lang, "inbox.reply.not_text"))
        return
    outcome = await usecases.reply_to_card(
        services.db,
        services.clock,
        chat_id=chat.id,
        message_id=replied.message_id,
        text=message.text,
        actor=f"coordinator:{user.id}",
    )
    if outcome.queued:
        services.post_alerts()  # delivered now, ahead of anything scheduled
    await message.reply_text(reply_answer(services, lang, outcome))


def reply_answer(services: BotServices, lang: str, outcome: usecases.ReplyOutcome) -> str:
    return services.text(
        lang,
        f"inbox.reply.{outcome.status.value}",
        code=outcome.patient_code or "",
        max=usecases.MAX_REPLY,
    )


# /inbox and "Handled" --------------------------------------------------------------------


def entry_line(
    services: BotServices, lang: str, number: int, entry: conversation.InboxEntry
) -> str:
    item = entry.item
    local = item.created_at.astimezone(ZoneInfo(services.config.default_timezone))
    tier_key = f"inbox.tier.{item.tier}" if item.tier else "inbox.tier.none"
    kind = (
        services.text(lang, "inbox.kind.attachment", attachment=item.attachment or "?")
        if item.kind == ItemKind.ATTACHMENT
        else services.text(lang, f"inbox.kind.{item.kind}", author="")
    )
    words = " ".join((item.text or "").split())
    preview = words if len(words) <= PREVIEW else words[: PREVIEW - 1] + "…"
    return services.text(
        lang,
        "inbox.list.entry",
        n=number,
        time=f"{format_skeleton('MMMd', local, locale=lang)} {local:%H:%M}",
        code=entry.patient.code,
        tier=services.text(lang, tier_key if services.catalog.has(tier_key) else "inbox.tier.none"),
        kind=kind.split(":")[0] if item.kind not in PATIENT_WORDS else kind,
        preview=preview,
    )


async def inbox_page(
    services: BotServices, lang: str, actor: str, page: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    found = await usecases.inbox(
        services.db, services.clock, actor=actor, page=page, size=PAGE_SIZE
    )
    if not found.entries:
        return services.text(lang, "inbox.list.empty"), None
    first = found.page * PAGE_SIZE + 1
    lines = [
        services.text(
            lang, "inbox.list.head", total=found.total, page=found.page + 1, pages=found.pages
        )
    ]
    lines += [
        entry_line(services, lang, first + index, entry)
        for index, entry in enumerate(found.entries)
    ]
    buttons = [
        Button(
            services.text(lang, "inbox.list.handled_button", n=first + index),
            encode("hdl", entry.item.id, found.page),
        )
        for index, entry in enumerate(found.entries)
    ]
    rows: list[tuple[Button, ...]] = [tuple(buttons[i : i + 4]) for i in range(0, len(buttons), 4)]
    paging = []
    if found.page > 0:
        paging.append(
            Button(services.text(lang, "inbox.list.previous"), encode("inbox", found.page - 1))
        )
    if found.page + 1 < found.pages:
        paging.append(
            Button(services.text(lang, "inbox.list.next"), encode("inbox", found.page + 1))
        )
    if paging:
        rows.append(tuple(paging))
    keyboard: Keyboard = tuple(rows)
    return "\n".join(lines), markup(keyboard)


async def inbox_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/inbox: the items nobody has handled yet, oldest first, with a button each."""
    services = services_of(context)
    asker = await coordinator_or_refuse(update, services, "inbox.list")
    if asker is None:
        return
    text, reply_markup = await inbox_page(services, asker.lang, asker.actor, 0)
    await asker.message.reply_text(text, reply_markup=reply_markup)


async def _checked(
    query: CallbackQuery, services: BotServices, chat_id: int, action: str
) -> Message | None:
    message = query.message if isinstance(query.message, Message) else None
    await ensure_coordinator(
        services,
        user_id=query.from_user.id,
        chat_id=chat_id,
        chat_type=message.chat.type if message else "",
        action=action,
    )
    return message


async def on_inbox_page(
    query: CallbackQuery, callback: Callback, services: BotServices, chat_id: int
) -> None:
    await _checked(query, services, chat_id, "inbox.list")
    lang = user_language_of(query, services)
    text, reply_markup = await inbox_page(
        services, lang, f"coordinator:{query.from_user.id}", callback.arg_int(0)
    )
    await query.edit_message_text(text, reply_markup=reply_markup)


async def on_handled_button(
    query: CallbackQuery, callback: Callback, services: BotServices, chat_id: int
) -> None:
    """ "Handled" on a card (the button then names who) or on an /inbox page (page redrawn)."""
    message = await _checked(query, services, chat_id, "inbox.handled")
    user = query.from_user
    actor = f"coordinator:{user.id}"
    lang = user_language_of(query, services)
    item = await usecases.handle(
        services.db, services.clock, item_id=callback.arg_int(0), actor=actor
    )
    if callback.args[1] in ("c", "m"):
        if message is None:
            return
        if item is None:  # the patient deleted their data: the card is all that is left
            await message.reply_text(services.text(lang, "inbox.handled.unknown"))
            return
        who = user.full_name or str(user.id)
        done = services.text(lang, "inbox.card.handled_by", who=who)
        if callback.args[1] == "m":  # a card of several items: only the pressed button changes
            keyboard = handled_in_place(message, query.data or "", done)
        else:
            keyboard = ((Button(done, encode("hdl", item.id, "c")),),)
        if message.reply_markup is None or keyboard != _keyboard_of(message):
            await query.edit_message_reply_markup(reply_markup=markup(keyboard))
        log.info("item_handled", action="conversation.handled", item_id=item.id, by=user.id)
        return
    if item is None and message is not None:
        await message.reply_text(services.text(lang, "inbox.handled.unknown"))
    text, reply_markup = await inbox_page(services, lang, actor, callback.arg_int(1))
    await query.edit_message_text(text, reply_markup=reply_markup)


def _keyboard_of(message: Message) -> Keyboard:
    rows = message.reply_markup.inline_keyboard if message.reply_markup else ()
    return tuple(
        tuple(Button(b.text, str(b.callback_data)) for b in row if b.callback_data is not None)
        for row in rows
    )


def handled_in_place(message: Message, data: str, done: str) -> Keyboard:
    """The card's buttons with the pressed one (``data``) now naming who handled it; the
    item's number (before " · ") stays."""
    return tuple(
        tuple(
            Button(f"{button.text.split(' · ', 1)[0]} · {done}", button.data)
            if button.data == data
            else button
            for button in row
        )
        for row in _keyboard_of(message)
    )


def user_language_of(query: CallbackQuery, services: BotServices) -> str:
    code = query.from_user.language_code or ""
    return "en" if code.startswith("en") else services.config.default_language


INBOX_BUTTONS: dict[str, ButtonHandler] = {"hdl": on_handled_button, "inbox": on_inbox_page}


def register_inbox_handlers(application: Application) -> None:  # type: ignore[type-arg]
    """Replies to cards in the coordinators' group, and /inbox."""
    application.add_handler(CommandHandler("inbox", inbox_command))
    application.add_handler(
        MessageHandler(filters.ChatType.GROUPS & filters.REPLY & ~filters.COMMAND, on_group_reply)
    )
