"""Each check-in answer is assessed as it comes: red alerts at once, amber after silence;
stale, repeated and foreign buttons change nothing (issue 11 point 2, issue 14 point 5)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from care.domain.clock import FakeClock
from care.domain.errors import InvalidInput
from care.domain.plan import Approach
from care.domain.triage import Tier
from care.storage import followups
from care.storage.db import Database
from care.storage.models import (
    Alert,
    AlertState,
    CheckInAnswer,
    MessageState,
    ScheduledMessage,
)
from care.usecases import checkin as usecase
from care.usecases.checkin import CheckinConfig, Step
from tests.support.factories import add_patient

T0 = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
CONFIG = CheckinConfig()
CALM = {
    "legpain": "2",
    "backpain": "3",
    "numb": "same",
    "bladder": "ok",
    "weak": "none",
    "bowel": "ok",
    "head": "none",
}


async def patient(db: Database, chat_id: int = 4242, code: str = "P-CONV") -> int:
    return await add_patient(db, code, now=T0, chat_id=chat_id, approach=Approach.INTERLAMINAR)


async def begin(db: Database, clock: FakeClock, chat_id: int = 4242) -> Step:
    step = await usecase.begin(
        db, clock, CONFIG, chat_id=chat_id, prompt_id=None, default_language="ko"
    )
    assert isinstance(step, Step)
    return step


async def answer(db: Database, clock: FakeClock, step: Step, option: str) -> Step:
    assert step.question is not None
    return await usecase.answer(
        db,
        clock,
        CONFIG,
        chat_id=4242,
        checkin_id=step.checkin_id,
        question_id=step.question.id,
        option=option,
        message_id=77,
    )


async def answer_until(db: Database, clock: FakeClock, step: Step, stop: str) -> Step:
    while step.question is not None and step.question.id != stop:
        step = await answer(db, clock, step, CALM[step.question.id])
    return step


async def alerts(db: Database) -> list[Alert]:
    async with db.session() as session:
        return list(await session.scalars(select(Alert).order_by(Alert.id)))


async def test_a_red_answer_at_question_five_alerts_at_once_and_the_questions_go_on(
    db: Database,
) -> None:
    clock = FakeClock(T0)
    await patient(db)
    step = await answer_until(db, clock, await begin(db, clock), "weak")
    assert (step.number, step.total) == (5, 11)  # "5/11": four answered, the note last
    step = await answer(db, clock, step, "new")
    assert step.urgent is not None and step.urgent.tier is Tier.RED
    assert step.post_alerts
    assert step.question is not None and step.question.id == "bowel"  # the rest still follow
    assert [a.answer for a in step.answered][-1] == "new"
    [alert] = await alerts(db)
    assert (alert.severity, alert.state, alert.source) == ("red", AlertState.OPEN, "checkin")
    assert alert.flags == [2] and alert.checkin_id == step.checkin_id

    step = await answer(db, clock, step, "ok")  # the next answer: no second alert, no advice
    assert step.urgent is None and not step.post_alerts
    assert len(await alerts(db)) == 1


async def test_an_amber_answer_then_silence_alerts_after_the_follow_up_timeout(
    db: Database,
) -> None:
    clock = FakeClock(T0)
    await patient(db)
    step = await answer_until(db, clock, await begin(db, clock), "fever")
    step = await answer(db, clock, step, "hi")
    assert step.urgent is None and not step.post_alerts
    [alert] = await alerts(db)
    assert (alert.severity, alert.state) == ("amber", AlertState.AWAITING)

    clock.advance(followups.ANSWER_WITHIN - timedelta(seconds=1))
    async with db.uow() as uow:
        assert await followups.escalate_unanswered(uow.session, now=clock.now()) == 0
        await uow.commit()
    clock.advance(timedelta(seconds=2))
    async with db.uow() as uow:
        assert await followups.escalate_unanswered(uow.session, now=clock.now()) == 1
        await uow.commit()
    [alert] = await alerts(db)
    assert alert.state == AlertState.OPEN and "no_answer" in alert.reasons


async def test_amber_then_red_in_one_check_in_is_one_alert_posted_as_red(db: Database) -> None:
    clock = FakeClock(T0)
    await patient(db)
    step = await answer_until(db, clock, await begin(db, clock), "fever")
    step = await answer(db, clock, step, "hi")  # amber: waits
    step = await answer(db, clock, step, "dry")  # wound
    step = await answer(db, clock, step, "brth")  # breathless: red
    assert step.urgent is not None and step.post_alerts
    [alert] = await alerts(db)
    assert (alert.severity, alert.state) == ("red", AlertState.OPEN)
    assert alert.flags == [3, 10]


async def test_finishing_an_amber_check_in_opens_its_waiting_alert(db: Database) -> None:
    clock = FakeClock(T0)
    await patient(db)
    step = await answer_until(db, clock, await begin(db, clock), "fever")
    step = await answer(db, clock, step, "hi")
    for option in ("dry", "none"):
        step = await answer(db, clock, step, option)
    assert step.question is not None and step.question.id == "note"
    step = await answer(db, clock, step, "none")
    assert step.result is not None and step.result.tier is Tier.AMBER and step.post_alerts
    [alert] = await alerts(db)
    assert (alert.severity, alert.state) == ("amber", AlertState.OPEN)


async def test_an_answered_question_cannot_be_answered_again(db: Database) -> None:
    clock = FakeClock(T0)
    await patient(db)
    first = await begin(db, clock)
    second = await answer(db, clock, first, "2")
    with pytest.raises(InvalidInput):
        await answer(db, clock, first, "9")  # the old message's button, another answer
    again = await answer(db, clock, first, "2")  # a double tap: nothing changes
    assert again.question == second.question
    async with db.session() as session:
        stored = (await session.scalars(select(CheckInAnswer.answer))).all()
    assert stored == ["2"]


async def prompt(db: Database, owner: int) -> int:
    async with db.uow() as uow:
        row = ScheduledMessage(
            patient_id=owner,
            kind="checkin",
            payload_key="checkin",
            dedupe_key="checkin:1",
            post_op_day=1,
            local_date=date(2026, 11, 21),
            local_time=time(19),
            timezone="Asia/Seoul",
            due_at=T0,
            state=MessageState.SENT,
            attempts=1,
            sent_at=T0,
            created_at=T0,
        )
        uow.session.add(row)
        await uow.commit()
    return row.id


async def test_a_check_in_cannot_be_opened_on_another_patients_or_a_missing_prompt(
    db: Database,
) -> None:
    clock = FakeClock(T0)
    await patient(db)
    other = await patient(db, chat_id=5151, code="P-OTHER")
    foreign = await prompt(db, other)
    for prompt_id in (foreign, foreign + 1000):
        with pytest.raises(InvalidInput):
            await usecase.begin(
                db, clock, CONFIG, chat_id=4242, prompt_id=prompt_id, default_language="ko"
            )
    own = await usecase.begin(
        db, clock, CONFIG, chat_id=5151, prompt_id=foreign, default_language="ko"
    )
    assert isinstance(own, Step) and own.number == 1


def test_a_pain_of_ten_is_not_told_it_is_doing_well() -> None:
    from care.domain.triage import assess_checkin

    calm = {**CALM, "fever": "no", "wound": "dry", "other": "none", "note": "none"}
    assert assess_checkin(calm, post_op_day=2, approach="interlaminar").advice_key == (
        "triage.advice.green.week1"
    )
    high = assess_checkin({**calm, "legpain": "10"}, post_op_day=2, approach="interlaminar")
    assert high.tier is Tier.GREEN and high.advice_key == "triage.advice.green.pain_high"
