"""Issue 11: one meaning per follow-up, one source of advice per sign, and the same tier for
the same sign whether it comes by button or in the patient's own words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from care.domain.triage import Tier, assess_checkin, classify
from care.domain.triage.attachments import read_attachment
from care.domain.triage.checkin import load_checkin_rules
from care.domain.triage.rules import load_free_text_rules
from care.domain.triage.signs import load_signs
from messages.catalog import LANGUAGES, load_catalog, placeholders

ROOT = Path(__file__).resolve().parents[2]
SIGNS = load_signs()
BARE = {"네", "아니요", "예", "yes", "no", "ok"}


def asked_questions() -> set[str]:
    """Every follow-up question the free-text reader and attachments can ask."""
    rules = load_free_text_rules()
    keys = {rules.default_question}
    keys.update(f.question for f in rules.families if f.question)
    keys.update(c.question for c in rules.combinations if c.question)
    keys.update(q for q in (read_attachment("photo", "").question,) if q)
    return keys


def test_every_follow_up_in_the_triage_table_has_named_answers() -> None:
    assert asked_questions() <= set(SIGNS.follow_ups)
    catalog = load_catalog()
    for key, follow_up in SIGNS.follow_ups.items():
        for lang in LANGUAGES:
            labels = [catalog.raw(lang, a.label_key) for a in follow_up.answers]
            assert len(set(labels)) == len(labels), (key, lang, labels)
            # a button names its answer: never a bare yes or no that a question asked the
            # other way round could turn into a denial of the sign
            assert not {label.strip(" .!").lower() for label in labels} & BARE or all(
                a.tier is None or catalog.raw(lang, a.label_key).startswith(("네", "Yes"))
                for a in follow_up.answers
            ), (key, lang, labels)
        assert any(a.tier is not None for a in follow_up.answers), key


@pytest.mark.parametrize("key", sorted(SIGNS.follow_ups))
def test_each_follow_up_asks_exactly_one_question(key: str) -> None:
    catalog = load_catalog()
    for lang in LANGUAGES:
        text = catalog.raw(lang, key)
        assert text.count("?") == 1, (lang, text)


def test_every_advice_text_exists_in_both_languages_with_the_same_placeholders() -> None:
    catalog = load_catalog()
    for key in SIGNS.message_keys():
        assert len({frozenset(placeholders(catalog.raw(lang, key))) for lang in LANGUAGES}) == 1


def test_red_advice_starts_with_the_action_and_amber_names_the_clinic_and_when_to_call_119() -> (
    None
):
    catalog = load_catalog()
    for keys in (SIGNS.advice_keys(Tier.RED, sign, clinic_open=True) for sign in SIGNS.signs):
        assert catalog.raw("ko", keys[0]).startswith("지금 바로 {emergency_number}")
        assert catalog.raw("en", keys[0]).startswith("Call {emergency_number} now")
    for sign in [*SIGNS.signs, None]:
        for is_open in (True, False):
            keys = SIGNS.advice_keys(Tier.AMBER, sign, clinic_open=is_open)
            for lang in LANGUAGES:
                texts = [catalog.raw(lang, key) for key in keys]
                assert "{clinic_phone}" in texts[0], (sign, lang)
                assert "{emergency_number}" in texts[-1], (sign, lang)
    closed = catalog.text("ko", SIGNS.call_closed, clinic_phone="02-1234-5678")
    assert "닫혀" in closed and "오늘" not in closed  # no "today" from a closed clinic


def test_every_check_in_rule_and_sign_names_its_clinical_source() -> None:
    assert load_checkin_rules().signs() <= set(SIGNS.signs)
    for sign in SIGNS.signs.values():
        assert "CLINICAL.md" in sign.source
    for follow_up in SIGNS.follow_ups.values():
        assert "CLINICAL.md" in follow_up.source


CALM = {
    "legpain": "2",
    "backpain": "2",
    "numb": "same",
    "weak": "none",
    "head": "none",
    "fever": "no",
    "wound": "dry",
    "bladder": "ok",
    "bowel": "ok",
    "other": "none",
    "side": "no",
    "note": "none",
}

# (red-flag row, the sign by button, the same sign in the patient's words)
SAME_SIGN = [
    (1, {"bladder": "hard"}, "소변이 안 나와요"),
    (2, {"weak": "new"}, "어제부터 왼쪽 다리에 힘이 빠져요"),
    (2, {"weak": "drag"}, "발이 끌려요"),
    (3, {"fever": "hi", "other": "neck"}, "열이 38도 넘고 목이 뻣뻣해요"),
    (5, {"wound": "clr", "fever": "hi"}, "수술 부위에서 맑은 물이 나오고 열이 38도예요"),
    (6, {"head": "sev", "headpos": "no"}, "머리가 너무 아픈데 누워도 안 나아요"),
    (7, {"head": "sev", "fever": "hi"}, "어제부터 머리가 너무 아프고 열이 38.5도예요"),
    (10, {"other": "brth"}, "숨이 차고 가슴이 아파요"),
    (11, {"side": "both"}, "옆구리가 아프고 어지러워요"),
]


@pytest.mark.parametrize(("row", "buttons", "words"), SAME_SIGN)
def test_a_red_sign_gets_the_same_tier_by_button_and_by_free_text(
    row: int, buttons: dict[str, str], words: str
) -> None:
    by_button = assess_checkin({**CALM, **buttons}, post_op_day=3, approach="transforaminal")
    by_words = classify(words)
    assert by_button.tier is by_words.tier is Tier.RED
    assert row in by_button.flags and row in by_words.flags


def test_an_amber_sign_in_words_is_advised_like_the_same_check_in_answer() -> None:
    by_button = assess_checkin({**CALM, "fever": "hi"}, post_op_day=3, approach="interlaminar")
    by_words = classify("열이 38.2도예요")
    assert by_button.tier is by_words.tier is Tier.AMBER
    assert SIGNS.sign_for_rows(by_words.flags) == by_button.sign == "fever"


# A particle whose form depends on the last sound of the word before it (받침).
PARTICLE = re.compile(
    r"\{\w+\}(으로|로|이에요|예요|이|가|은|는|을|를|과|와|이나|나|이라|라|랑|이랑)(?![가-힣(])"
)


def test_every_korean_placeholder_before_a_particle_uses_the_both_ways_form() -> None:
    """{clinic_phone}(으)로, {name}(이)에요: the value may end with or without 받침."""
    wrong = [
        (po.name, match.group(0))
        for po in (ROOT / "messages" / "locale" / "ko" / "LC_MESSAGES").glob("*.po")
        for match in PARTICLE.finditer(po.read_text(encoding="utf-8"))
    ]
    assert wrong == []
    assert PARTICLE.search("{clinic_phone}으로 전화") and not PARTICLE.search("{x}(으)로 전화")
