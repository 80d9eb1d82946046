"""Every word a patient writes reaches a nurse: cards in the group, replies, /inbox, Handled."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from care.storage.models import AuditEntry, ConversationItem, Patient
from messages.catalog import load_catalog
from tests.e2e.conftest import Harness, button
from tests.e2e.flows import register

PATIENT = 8601
NURSE = 9001  # listed in SPINECARE_COORDINATOR_IDS by the harness; cards are in Korean
STRANGER = 9999
COORDINATORS = -1001
QUESTION = "When can I take a shower and drive again? 샤워는 언제부터 가능할까요?"


async def card_for(harness: Harness, words: str) -> dict[str, Any]:
    """The card in the coordinators' group quoting ``words``, posted by the bot's own kick."""
    return await harness.sandbox.wait_for_message(COORDINATORS, words, timeout=5.0)


async def items(harness: Harness) -> list[ConversationItem]:
    """Every conversation item, once the kick in flight (a post or a delivery) is recorded."""
    await harness.running.application.bot_data["services"].post_alerts.drain()
    async with harness.running.db.session() as session:
        return list(await session.scalars(select(ConversationItem).order_by(ConversationItem.id)))


async def audit_actions(harness: Harness) -> list[tuple[str, str]]:
    async with harness.running.db.session() as session:
        entries = await session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(entry.actor, entry.action) for entry in entries]


async def test_a_green_question_reaches_the_group_and_a_reply_reaches_the_patient(
    harness: Harness,
) -> None:
    code = await register(harness, PATIENT, language="en", name="Kim Test")
    await harness.sandbox.ensure_group(COORDINATORS, "Nurses", members=[NURSE, STRANGER])
    sent = await harness.sandbox.send_text(PATIENT, QUESTION)
    answered = await harness.sandbox.wait_for_message(
        PATIENT, "nurse", after_message_id=sent["message_id"]
    )
    # the clinic's answer at once, when the team reads messages, and 119 for anything urgent
    assert "shower from the day after your stitches" in answered["text"]
    assert "Your surgeon's instructions come first." in answered["text"]
    assert "weekdays, 09:00–18:00" in answered["text"] and "119" in answered["text"]

    card = await card_for(harness, QUESTION)
    assert code in card["text"] and "Kim Test" in card["text"]
    assert card["sandbox_options"]["disable_notification"] is True  # green: no sound
    [item] = await items(harness)
    assert (item.kind, item.tier, item.state, item.post_state) == ("text", "green", "new", "posted")

    answer = "You may shower from day 3; no driving for 2 weeks."
    reply = await harness.sandbox.send_text(
        NURSE, answer, COORDINATORS, reply_to_message_id=card["message_id"]
    )
    await harness.sandbox.wait_for_message(COORDINATORS, code, after_message_id=reply["message_id"])
    delivered = await harness.sandbox.wait_for_message(PATIENT, answer, timeout=5.0)
    assert "care team" in delivered["text"]
    outbound = [i for i in await items(harness) if i.direction == "out"]
    assert [(i.text, i.author, i.post_state) for i in outbound] == [
        (answer, f"coordinator:{NURSE}", "posted")
    ]

    # /inbox lists the question until "Handled" is pressed
    asked = await harness.sandbox.send_text(NURSE, "/inbox", COORDINATORS)
    listing = await harness.sandbox.wait_for_message(
        COORDINATORS, "받은 메시지", after_message_id=asked["message_id"]
    )
    assert code in listing["text"] and "shower" in listing["text"]
    await harness.sandbox.press_button(
        NURSE, COORDINATORS, card["message_id"], button(card, f"1|hdl|{item.id}|c")
    )
    await harness.sandbox.wait_for_message(
        COORDINATORS,
        lambda m: m["message_id"] == card["message_id"] and "처리:" in str(m),
    )
    asked = await harness.sandbox.send_text(NURSE, "/inbox", COORDINATORS)
    await harness.sandbox.wait_for_message(
        COORDINATORS, "처리할 메시지가 없어요", after_message_id=asked["message_id"]
    )
    [item, _] = await items(harness)
    assert (item.state, item.handled_by) == ("handled", f"coordinator:{NURSE}")
    nurse = f"coordinator:{NURSE}"
    steps = [a for a in await audit_actions(harness) if a[1].startswith("conversation.")]
    assert (nurse, "conversation.reply") in steps
    assert ("system", "conversation.reply_delivered") in steps
    assert (nurse, "conversation.seen") in steps or item.seen_by == nurse
    assert (nurse, "conversation.handled") in steps


async def test_a_stranger_replying_to_a_card_is_refused_and_audited(harness: Harness) -> None:
    await register(harness, PATIENT, language="en")
    await harness.sandbox.ensure_group(COORDINATORS, "Nurses", members=[NURSE, STRANGER])
    await harness.sandbox.send_text(PATIENT, QUESTION)
    card = await card_for(harness, QUESTION)
    reply = await harness.sandbox.send_text(
        STRANGER, "hello from outside", COORDINATORS, reply_to_message_id=card["message_id"]
    )
    await harness.sandbox.wait_for_message(
        COORDINATORS, "담당 의료진만", after_message_id=reply["message_id"]
    )
    assert [i for i in await items(harness) if i.direction == "out"] == []
    texts = [m.get("text", "") for m in await harness.sandbox.sent_messages(PATIENT)]
    assert not any("hello from outside" in text for text in texts)
    async with harness.running.db.session() as session:
        refused = (
            await session.scalars(
                select(AuditEntry).where(AuditEntry.actor == f"telegram:{STRANGER}")
            )
        ).all()
    assert [(e.action, e.subject) for e in refused] == [("coordinator.refused", "inbox.reply")]


async def test_pause_stop_and_delete_reach_the_group_and_a_reply_after_delete_sends_nothing(
    harness: Harness,
) -> None:
    code = await register(harness, PATIENT, language="en")
    await harness.sandbox.ensure_group(COORDINATORS, "Nurses", members=[NURSE])
    await harness.sandbox.send_text(PATIENT, "/pause 2")
    paused = await card_for(harness, "/pause")
    assert code in paused["text"]
    await harness.sandbox.send_text(PATIENT, "/resume")
    await card_for(harness, "/resume")
    await harness.sandbox.send_text(PATIENT, QUESTION)
    question = await card_for(harness, QUESTION)
    await harness.sandbox.send_text(PATIENT, "/stop")
    stopped = await card_for(harness, "/stop")
    assert (
        "disable_notification" not in stopped["sandbox_options"]
        or not stopped["sandbox_options"]["disable_notification"]
    )

    asked = await harness.sandbox.send_text(PATIENT, "/delete")
    confirm = await harness.sandbox.wait_for_message(  # not /stop's answer, which may come later
        PATIENT, lambda m: "1|del|" in str(m), after_message_id=asked["message_id"]
    )
    await harness.sandbox.press_button(
        PATIENT, PATIENT, confirm["message_id"], button(confirm, "1|del|yes")
    )
    await card_for(harness, "/delete")
    before = len(await harness.sandbox.sent_messages(PATIENT))

    reply = await harness.sandbox.send_text(
        NURSE, "Are you all right?", COORDINATORS, reply_to_message_id=question["message_id"]
    )
    answer = await harness.sandbox.wait_for_message(
        COORDINATORS, "보내지 않았어요", after_message_id=reply["message_id"]
    )
    assert code in answer["text"] and "삭제" in answer["text"]
    assert len(await harness.sandbox.sent_messages(PATIENT)) == before
    async with harness.running.db.session() as session:
        patient = await session.scalar(select(Patient).where(Patient.code == code))
        assert patient is not None
        left = list(
            await session.scalars(
                select(ConversationItem).where(ConversationItem.patient_id == patient.id)
            )
        )
    assert [(i.kind, i.text) for i in left] == [("delete", None)]


async def test_a_reply_to_an_unreachable_patients_card_sends_nothing(harness: Harness) -> None:
    code = await register(harness, PATIENT, language="en")
    await harness.sandbox.ensure_group(COORDINATORS, "Nurses", members=[NURSE])
    await harness.sandbox.send_text(PATIENT, QUESTION)
    question = await card_for(harness, QUESTION)
    await harness.sandbox.block(PATIENT)
    await card_for(harness, "연락 불가")
    reply = await harness.sandbox.send_text(
        NURSE, "Please call us", COORDINATORS, reply_to_message_id=question["message_id"]
    )
    answer = await harness.sandbox.wait_for_message(
        COORDINATORS, "보내지 않았어요", after_message_id=reply["message_id"]
    )
    assert code in answer["text"] and "전화" in answer["text"]
    assert [i for i in await items(harness) if i.direction == "out"] == []


async def test_a_disputed_surgery_date_reaches_the_group(harness: Harness) -> None:
    from tests.e2e.flows import enrol, give_consents, open_link, step

    code, invite = await enrol(harness, language="en")
    await harness.sandbox.ensure_user(PATIENT, "환자", language_code="en")
    consent = await open_link(harness, PATIENT, invite, "/delete")
    asked_language = await give_consents(harness, PATIENT, consent)
    asked_date = await step(harness, PATIENT, asked_language, "1|lang|en", "2026")
    await step(harness, PATIENT, asked_date, "1|sdate|no", "awake")
    card = await card_for(harness, "수술 날짜 이의")
    assert code in card["text"]


async def test_a_photo_is_copied_into_its_card(harness: Harness) -> None:
    await register(harness, PATIENT, language="en")
    await harness.sandbox.ensure_group(COORDINATORS, "Nurses", members=[NURSE])
    sent = await harness.sandbox.send_attachment(PATIENT, "photo", caption="my wound today")
    card = await card_for(harness, "my wound today")
    copy = await harness.sandbox.wait_for_message(
        COORDINATORS, lambda m: "photo" in m, after_message_id=card["message_id"]
    )
    assert copy["photo"] == sent["photo"]  # the same Telegram file: no bytes passed through us
    [item] = await items(harness)
    assert item.file_id == sent["photo"][-1]["file_id"]


async def test_the_command_line_lists_replies_and_handles_through_the_same_use_cases(
    harness: Harness,
) -> None:
    from tests.coordinator.test_e2e_care_team_cli import cli

    code = await register(harness, PATIENT, language="en")
    await harness.sandbox.send_text(PATIENT, QUESTION)
    await card_for(harness, QUESTION)
    [row] = json.loads(await cli(harness, "inbox", "--json"))
    assert (row["patient_code"], row["text"], row["state"]) == (code, QUESTION, "seen")
    assert row["seen_by"] == "cli"

    await cli(harness, "reply", code, "--text", "Shower from day 3.")
    await cli(harness, "reply", "P-NOSUCH", "--text", "hello", ok=False)
    await harness.running.scheduler.escalate()  # the service's 2 s job delivers it
    await harness.sandbox.wait_for_message(PATIENT, "Shower from day 3.")

    await cli(harness, "inbox", "--handled", str(row["item_id"]))
    assert json.loads(await cli(harness, "inbox", "--json")) == []
    [handled] = json.loads(await cli(harness, "inbox", "--all", "--json"))
    assert (handled["state"], handled["handled_by"]) == ("handled", "cli")


async def test_a_red_free_text_alert_quotes_the_message_and_names_the_signs(
    harness: Harness,
) -> None:
    from tests.e2e.test_e2e_alerts import raise_red_alert

    posted = await raise_red_alert(harness)
    assert "“my leg gave way and my foot drags”" in posted["text"]
    assert load_catalog().raw("ko", "alert.sign.2") in posted["text"]  # weakness, in words
    assert "said:" not in posted["text"] and "free_text:" not in posted["text"]


async def test_a_red_check_in_alert_gives_the_question_and_the_answer(harness: Harness) -> None:
    from tests.e2e.test_e2e_checkin import CALM, answer_all, start_checkin

    await register(harness, 8601, language="en")
    await harness.sandbox.ensure_group(COORDINATORS, "Nurses", members=[NURSE])
    first = await start_checkin(harness)
    # Fever and a stiff neck: red as soon as the second answer comes, before the check-in ends.
    await answer_all(harness, first, {**CALM, "fever": "hi", "other": "neck"}, stop_at="note")
    posted = await harness.sandbox.wait_for_message(
        COORDINATORS, lambda m: "1|ack|" in str(m), timeout=5.0
    )
    catalog = load_catalog()
    asked, answered = catalog.raw("ko", "alert.q.fever"), catalog.raw("ko", "triage.opt.fever.hi")
    assert f"{asked}: {answered}" in posted["text"]
    await harness.sandbox.send_text(8601, "my neck is stiff since this morning")
    note = await card_for(harness, "my neck is stiff since this morning")  # the note's own card
    assert catalog.raw("ko", "inbox.kind.note") in note["text"]


async def test_the_phone_is_on_cards_and_patient_and_erased_by_delete(harness: Harness) -> None:
    code = await register(harness, PATIENT, language="en", name="Kim Test")
    async with harness.running.db.uow() as uow:
        patient = await uow.session.scalar(select(Patient).where(Patient.code == code))
        assert patient is not None
        patient.phone = "010-1234-5678"
        await uow.commit()
    await harness.sandbox.ensure_group(COORDINATORS, "Nurses", members=[NURSE])
    await harness.sandbox.send_text(PATIENT, QUESTION)
    card = await card_for(harness, QUESTION)
    assert "Kim Test · 010-1234-5678" in card["text"]
    asked = await harness.sandbox.send_text(NURSE, f"/patient {code}", COORDINATORS)
    shown = await harness.sandbox.wait_for_message(
        COORDINATORS, code, after_message_id=asked["message_id"]
    )
    assert "010-1234-5678" in shown["text"] and "← " in shown["text"] and "shower" in shown["text"]
    # the patient never sees it: /mydata is theirs, the phone is the care team's
    asked = await harness.sandbox.send_text(PATIENT, "/delete")
    confirm = await harness.sandbox.wait_for_message(  # not /stop's answer, which may come later
        PATIENT, lambda m: "1|del|" in str(m), after_message_id=asked["message_id"]
    )
    await harness.sandbox.press_button(
        PATIENT, PATIENT, confirm["message_id"], button(confirm, "1|del|yes")
    )
    await card_for(harness, "/delete")
    async with harness.running.db.session() as session:
        erased = await session.scalar(select(Patient).where(Patient.code == code))
    assert erased is not None and erased.phone is None


async def test_the_morning_digest_lists_what_is_still_unhandled_once_a_day(
    harness: Harness,
) -> None:
    code = await register(harness, PATIENT, language="en")
    await harness.sandbox.ensure_group(COORDINATORS, "Nurses", members=[NURSE])
    harness.clock.advance(timedelta(hours=10))  # Friday 19:00 in Seoul: the office is closed
    sent = await harness.sandbox.send_text(PATIENT, QUESTION)
    answered = await harness.sandbox.wait_for_message(
        PATIENT, "nurse", after_message_id=sent["message_id"]
    )
    assert "from Mon, Nov 23 09:00" in answered["text"]  # honest: not before Monday
    await card_for(harness, QUESTION)  # the card is posted at once, office or not
    await items(harness)  # the kick's work is done before the clock moves on

    harness.clock.advance(timedelta(days=2, hours=14))  # Monday 09:00
    await harness.running.scheduler.escalate()
    harness.clock.advance(timedelta(minutes=5))
    await harness.running.scheduler.escalate()
    digests = [
        m
        for m in await harness.sandbox.sent_messages(COORDINATORS)
        if "아직 처리하지 않은 환자 메시지 1건" in m.get("text", "")
    ]
    assert len(digests) == 1 and code in digests[0]["text"]
