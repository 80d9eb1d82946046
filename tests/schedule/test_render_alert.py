"""The care team's notice of an alert: in words a nurse can act on, and it always fits."""

from __future__ import annotations

from datetime import UTC, datetime

from care.domain.triage.checkin import load_checkin_rules
from care.domain.triage.rules import load_free_text_rules
from care.storage.models import Alert, AlertState
from care.views.alert_context import AlertContext
from messages.catalog import load_catalog
from scheduler.render import TELEGRAM_TEXT_LIMIT, render_alert

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def alert_with(
    reasons: list[str], *, source: str = "free_text", flags: tuple[int, ...] = (1, 2)
) -> Alert:
    return Alert(
        id=7,
        patient_id=1,
        severity="red",
        source=source,
        flags=list(flags),
        reasons=reasons,
        state=AlertState.OPEN,
        created_at=NOW,
    )


def render(alert: Alert, context: AlertContext | None = None, language: str = "ko") -> str:
    message = render_alert(
        alert,
        load_catalog(),
        language=language,
        chat_id=-1,
        patient_code="PX-7Q2K",
        post_op_day=4,
        approach="transforaminal",
        level=1,
        now=NOW,
        context=context,
    )
    return message.text


def rule_ids() -> set[str]:
    """Every rule id of the check-in and free-text tables that is not a plain word
    (``fever_high``, not ``weakness``): none may be shown to a nurse."""
    checkin = load_checkin_rules()
    free_text = load_free_text_rules()
    ids = {rule.id for rule in checkin.rules}
    ids |= {family.id for family in free_text.families}
    ids |= {combination.id for combination in free_text.combinations}
    return {rule for rule in ids if "_" in rule}


def assert_no_rule_id(text: str) -> None:
    shown = {rule for rule in rule_ids() if rule in text}
    assert not shown, f"rule ids in an alert: {shown}"
    assert "free_text:" not in text and "said:" not in text


def test_a_free_text_alert_quotes_the_patient_and_names_the_signs() -> None:
    context = AlertContext(
        "PX-7Q2K", name="Kim", phone="010-1234-5678", words="my foot drags and I cannot pee"
    )
    text = render(alert_with(["free_text:red", "said:foot drags"]), context, language="en")
    assert "PX-7Q2K" in text and "Kim · 010-1234-5678" in text
    assert "“my foot drags and I cannot pee”" in text
    assert "bladder or bowel change" in text and "leg weakness" in text
    assert "emergency" in text
    assert_no_rule_id(text)


def test_a_check_in_alert_gives_the_question_and_the_answer_in_words() -> None:
    context = AlertContext(
        "PX-7Q2K",
        answers=(("fever", "hi"), ("headpos", "yes")),
        trend=(("legpain", ("2", "3", "7")),),
    )
    text = render(
        alert_with(["fever_high", "headache_positional"], source="checkin", flags=(3, 6)),
        context,
        language="en",
    )
    assert "Fever: 38 °C or more" in text
    assert "Headache better lying down: Yes" in text
    assert "Leg pain (0–10) over the last check-ins: 2 → 3 → 7" in text
    assert_no_rule_id(text)
    assert "3, 6" not in text  # flag numbers are named, not numbered


def test_without_context_an_alert_still_has_no_rule_ids() -> None:
    text = render(alert_with(["fever_high", "said:열이 나요"], source="checkin", flags=(3,)))
    assert "PX-7Q2K" in text and "발열" in text
    assert_no_rule_id(text)


def test_a_long_alert_is_cut_at_the_end_and_keeps_the_patient_code() -> None:
    context = AlertContext("PX-7Q2K", words="열이 나요 " * 1_000)

    text = render(alert_with([]), context)

    assert len(text) == TELEGRAM_TEXT_LIMIT
    assert text.endswith("…")
    assert text.splitlines()[0].count("PX-7Q2K") == 1
