"""The structured check-in: question flow and the rules from checkin.yaml."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from care.domain.triage import Tier
from care.domain.triage.checkin import (
    Assessment,
    assess_checkin,
    checkin_questions,
    next_question,
)

CALM = {
    "legpain": "3",
    "backpain": "3",
    "numb": "same",
    "weak": "none",
    "head": "none",
    "fever": "no",
    "wound": "dry",
    "bladder": "ok",
    "bowel": "ok",
    "other": "none",
    "note": "none",
}


def answers(**changes: str) -> dict[str, str]:
    return {**CALM, **changes}


def assess(
    values: Mapping[str, str], *, day: int = 5, approach: str = "interlaminar"
) -> Assessment:
    return assess_checkin(values, post_op_day=day, approach=approach)


def test_questions_come_in_order_and_side_pain_only_for_transforaminal() -> None:
    interlaminar = [q.id for q in checkin_questions(approach="interlaminar")]
    transforaminal = [q.id for q in checkin_questions(approach="transforaminal")]
    assert interlaminar[:3] == ["legpain", "backpain", "numb"]
    assert "side" not in interlaminar
    assert transforaminal.index("side") == transforaminal.index("other") + 1


def test_ids_fit_in_telegram_callback_data() -> None:
    for question in checkin_questions(approach="transforaminal"):
        assert question.id.isascii() and len(question.id) <= 8
        for option in question.options:
            assert option.id.isascii() and len(option.id) <= 4


def test_pain_questions_offer_the_whole_zero_to_ten_scale() -> None:
    first = checkin_questions(approach="interlaminar")[0]
    assert [o.id for o in first.options] == [str(n) for n in range(11)]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({}, "legpain"),
        ({"legpain": "2"}, "backpain"),
        (
            {k: v for k, v in CALM.items() if k not in ("fever", "wound", "other", "note")},
            "fever",
        ),
        (
            {
                "legpain": "2",
                "backpain": "2",
                "numb": "same",
                "bladder": "ok",
                "weak": "none",
                "bowel": "ok",
                "head": "mild",
            },
            "headpos",
        ),
        (CALM, None),
    ],
)
def test_next_question_skips_the_headache_follow_up_when_there_is_no_headache(
    given: dict[str, str], expected: str | None
) -> None:
    question = next_question(given, approach="interlaminar")
    assert (question.id if question else None) == expected


def test_a_transforaminal_check_in_is_complete_only_after_the_side_pain_question() -> None:
    question = next_question(CALM, approach="transforaminal")
    assert question is not None and question.id == "side"
    assert next_question({**CALM, "side": "no"}, approach="transforaminal") is None


@pytest.mark.parametrize(
    ("changes", "tier", "flags", "advice"),  # advice: green's text, else the sign (signs.yaml)
    [
        ({}, Tier.GREEN, (), "triage.advice.green.week1"),
        ({"bladder": "hard"}, Tier.RED, (1,), "bladder"),
        ({"bladder": "leak"}, Tier.RED, (1,), "bladder"),
        ({"numb": "sadl"}, Tier.RED, (1,), "bladder"),
        ({"bowel": "leak"}, Tier.RED, (1,), "bladder"),
        ({"bowel": "few"}, Tier.GREEN, (), "triage.advice.green.week1"),  # common after surgery
        ({"bowel": "d4"}, Tier.AMBER, (14,), "stomach"),
        ({"weak": "new"}, Tier.RED, (2,), "weakness"),
        ({"weak": "drag"}, Tier.RED, (2,), "weakness"),
        ({"weak": "both"}, Tier.RED, (1, 2), "weakness"),
        ({"weak": "same"}, Tier.GREEN, (), "triage.advice.green.week1"),
        ({"other": "neck"}, Tier.AMBER, (7,), "meningitis"),  # a stiff neck without fever
        (
            {"other": "neck", "head": "mild", "headpos": "yes", "headx": "no"},
            Tier.RED,
            (6, 7),
            "meningitis",
        ),
        ({"head": "mild", "headpos": "yes", "headx": "yes"}, Tier.RED, (6,), None),  # no fever
        ({"other": "brth"}, Tier.RED, (10,), None),
        ({"other": "calf"}, Tier.AMBER, (10,), "calf"),
        ({"other": "vomt"}, Tier.AMBER, (14,), "stomach"),
        ({"other": "burn"}, Tier.AMBER, (12,), "burning"),
        ({"fever": "unk"}, Tier.AMBER, (3,), "fever_measure"),
        ({"wound": "unk"}, Tier.AMBER, (4,), "wound"),
        ({"weak": "pre"}, Tier.GREEN, (), "triage.advice.green.week1"),
        ({"fever": "hi", "other": "neck"}, Tier.RED, (3, 7), "meningitis"),
        ({"fever": "hi"}, Tier.AMBER, (3,), "fever"),
        ({"fever": "chil"}, Tier.AMBER, (3,), "fever_recheck"),
        (
            {"fever": "hi", "head": "mild", "headpos": "yes"},
            Tier.RED,
            (3, 6, 7),
            "meningitis",
        ),
        ({"wound": "red"}, Tier.AMBER, (4,), "wound"),
        ({"wound": "pus"}, Tier.AMBER, (4,), "wound"),
        ({"wound": "clr"}, Tier.AMBER, (5,), "clear_fluid"),
        ({"wound": "clr", "fever": "chil"}, Tier.RED, (3, 5), None),
        ({"head": "mild", "headpos": "yes"}, Tier.AMBER, (6,), "headache"),
        ({"head": "mild", "headpos": "no"}, Tier.GREEN, (), "triage.advice.green.week1"),
        ({"head": "sev", "headpos": "no"}, Tier.RED, (6,), None),
        ({"numb": "wrs"}, Tier.AMBER, (13,), "numbness"),
        ({"numb": "new"}, Tier.AMBER, (13,), "numbness"),
        ({"numb": "bet"}, Tier.GREEN, (), "triage.advice.green.week1"),
        ({"note": "소변이 안 나와요"}, Tier.RED, (1,), None),
        ({"note": "머리가 좀 아파요"}, Tier.GREEN, (), "triage.advice.green.week1"),
    ],
)
def test_answers_map_to_the_tier_of_the_red_flag_table(
    changes: dict[str, str], tier: Tier, flags: tuple[int, ...], advice: str | None
) -> None:
    result = assess(answers(**changes))
    shown = result.advice_key if tier is Tier.GREEN else result.sign
    assert (result.tier, result.flags, shown) == (tier, flags, advice)


@pytest.mark.parametrize(
    ("side", "tier"),
    [("no", Tier.GREEN), ("pain", Tier.AMBER), ("dizz", Tier.AMBER), ("both", Tier.RED)],
)
def test_side_pain_with_dizziness_after_transforaminal_surgery_is_red(
    side: str, tier: Tier
) -> None:
    assert assess(answers(side=side), approach="transforaminal").tier is tier


def test_green_advice_follows_the_stage_of_recovery() -> None:
    assert assess(CALM, day=3).advice_key == "triage.advice.green.week1"
    assert assess(CALM, day=20).advice_key == "triage.advice.green.weeks2to6"
    assert assess(CALM, day=80).advice_key == "triage.advice.green.later"


def test_an_assessment_names_the_rules_that_fired() -> None:
    result = assess(answers(fever="hi", wound="pus"))
    assert result.reasons == ("fever_high", "wound_red_or_pus")
    assert result.flags == (3, 4)


# ---- trends -----------------------------------------------------------------------------


def _history(*leg_scores: int, back: int = 3) -> list[dict[str, str]]:
    return [answers(legpain=str(score), backpain=str(back)) for score in leg_scores]


@pytest.mark.parametrize(
    ("history", "now", "tier"),
    [
        (_history(8, 5, 2), "5", Tier.AMBER),  # eased to 2, back up by 3
        (_history(8, 5, 2), "4", Tier.GREEN),  # up by 2 only: noise
        (_history(8, 5, 3), "5", Tier.GREEN),
        (_history(2, 2, 2), "5", Tier.AMBER),  # eased by the operation, now up by 3
        (_history(3), "6", Tier.AMBER),  # one earlier check-in is enough to see a rise of 3
        (_history(7), "9", Tier.GREEN),  # up by 2 only
        (_history(6, 6), "6", Tier.GREEN),
        ((), "9", Tier.GREEN),
    ],
)
def test_leg_pain_back_up_by_three_from_its_lowest_suggests_recurrence(
    history: list[dict[str, str]], now: str, tier: Tier
) -> None:
    result = assess_checkin(
        answers(legpain=now), history=history, post_op_day=10, approach="interlaminar"
    )
    assert result.tier is tier
    if tier is Tier.AMBER:
        assert result.flags == (8,)
        assert result.reasons == ("leg_pain_rebound",)
        assert result.sign == "leg_pain"


def test_leg_pain_rebound_with_new_weakness_is_red() -> None:
    result = assess_checkin(
        answers(legpain="6", weak="new"),
        history=_history(8, 2),
        post_op_day=12,
        approach="interlaminar",
    )
    assert result.tier is Tier.RED
    assert result.flags == (2, 8)
    assert "leg_pain_rebound_with_nerve_sign" in result.reasons


@pytest.mark.parametrize(
    ("day", "fever", "now", "tier"),
    [
        (20, "chil", "7", Tier.AMBER),  # sudden worse, week 3, with chills
        (20, "no", "7", Tier.AMBER),  # getting worse in weeks 2-8: amber without fever too
        (20, "chil", "5", Tier.AMBER),  # chills alone is amber anyway; no discitis reason
        (5, "chil", "7", Tier.AMBER),  # outside weeks 2-8: only the chills rule
        (70, "no", "8", Tier.GREEN),
    ],
)
def test_back_pain_getting_worse_in_weeks_two_to_eight_is_flagged(
    day: int, fever: str, now: str, tier: Tier
) -> None:
    result = assess_checkin(
        answers(backpain=now, fever=fever),
        history=_history(3, 3, back=3),
        post_op_day=day,
        approach="interlaminar",
    )
    assert result.tier is tier
    discitis = "back_pain_worse_weeks_2_to_8" in result.reasons
    assert discitis == (8 <= day <= 56 and int(now) - 3 >= 3)
    if discitis:
        assert 9 in result.flags
