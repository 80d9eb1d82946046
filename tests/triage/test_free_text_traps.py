"""Table-driven checks of the traps in CLINICAL.md "Reading free text"."""

from __future__ import annotations

import pytest

from care.domain.triage import Tier, TriageResult, classify

RED, AMBER, GREEN, ASK = Tier.RED, Tier.AMBER, Tier.GREEN, Tier.ASK


@pytest.mark.parametrize(
    ("text", "tier"),
    [
        ("열은 없어요", GREEN),
        ("두통은 없고요", GREEN),
        ("no fever", GREEN),
        ("열은 없는데 오한이 있어요", AMBER),
        ("no fever but my wound is leaking pus", AMBER),
        ("두통은 없는데 소변이 안 나와요", RED),
    ],
)
def test_plain_negation_reaches_only_its_own_clause(text: str, tier: Tier) -> None:
    assert classify(text).tier is tier


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        ("소변이 안 나와요", 1),
        ("감각이 없어요", 2),
        ("힘이 안 들어가요", 2),
        ("can't feel my feet", 2),
        ("I can't pee", 1),
        ("발목이 안 올라가요", 2),
    ],
)
def test_a_negation_that_is_itself_the_sign_is_red(text: str, flag: int) -> None:
    result = classify(text)
    assert result.tier is RED
    assert flag in result.flags


def test_painkillers_not_working_is_a_same_day_call() -> None:
    result = classify("진통제가 안 들어요")
    assert result.tier is AMBER
    assert result.flags == (9,)


@pytest.mark.parametrize(
    "text",
    [
        "열이 없지 않아요",
        "두통이 없는 건 아니에요",
        "열이 있는 것 같긴 한데",
        "다리 상태가 안 좋아요",
    ],
)
def test_double_negation_hedging_and_pseudo_negation_ask_again(text: str) -> None:
    result = classify(text)
    assert result.tier is ASK
    assert result.question is not None


@pytest.mark.parametrize(
    "text",
    ["어제 열났는데 지금은 없어요", "해열제 먹고 내렸어요", "I had a fever last night, gone now"],
)
def test_a_past_or_masked_fever_is_still_reported(text: str) -> None:
    result = classify(text)
    assert result.tier.rank >= ASK.rank
    assert 3 in result.flags


@pytest.mark.parametrize(
    ("text", "tier"),
    [
        ("열나면 어떡해요?", GREEN),
        ("수술 후에 두통이 생길 수 있나요?", GREEN),
        ("What should I do if my wound gets red?", GREEN),
        ("열이 나는데 어떡해요?", AMBER),
        ("I have a fever, is that normal?", AMBER),
    ],
)
def test_a_question_is_answered_unless_it_also_states_a_symptom(text: str, tier: Tier) -> None:
    assert classify(text).tier is tier


@pytest.mark.parametrize("text", ["남편이 열나요", "엄마가 열이 있어요", "my wife has a fever"])
def test_a_caregiver_writing_about_the_patient_counts(text: str) -> None:
    assert classify(text).tier is AMBER


@pytest.mark.parametrize(
    "text",
    [
        "열심히 걷고 있어요",
        "열 번 걸었어요",
        "열 시에 잤어요",
        "창문 열어요",
        "마음의 상처가 커요",
        "힘들어요",
        "오늘 38도래요",
        "수술 전 열이 없었어요",
    ],
)
def test_look_alike_words_do_not_alarm(text: str) -> None:
    assert classify(text).tier is GREEN


@pytest.mark.parametrize(
    ("text", "tier"),
    [
        ("38.2도", AMBER),
        ("38.5", AMBER),
        ("101F", AMBER),
        ("37.6도예요", AMBER),
        ("36.8도", GREEN),
        ("열 재보니 36.5도예요", GREEN),
    ],
)
def test_written_temperatures_follow_the_thresholds(text: str, tier: Tier) -> None:
    assert classify(text).tier is tier


@pytest.mark.parametrize(
    "text",
    ["머리아파요", "머리가 아파요", "머리 가 아파 요", "머리가 아퍼요", "headache", "hedache"],
)
def test_spacing_particles_and_typos_read_the_same(text: str) -> None:
    result = classify(text)
    assert result.tier is ASK
    assert result.flags == (6,)
    assert result.question == "triage.ask.headache"


@pytest.mark.parametrize(
    ("text", "tier", "flags"),
    [
        ("fever 있어요", AMBER, (3,)),
        ("fever 없어요", GREEN, ()),
        ("열이 나고 목이 뻣뻣해요", RED, (3, 7)),
        ("앉으면 머리가 아프고 누우면 괜찮아요", AMBER, (6,)),
        ("누워도 머리가 계속 아파요", RED, (6,)),
        ("머리가 아프고 토했어요", RED, (6, 14)),
        ("다리에 힘이 빠져요", RED, (2,)),
        ("회음부 감각이 없어요", RED, (1, 2)),
        ("숨이 차요", RED, (10,)),
        ("종아리가 부었어요", AMBER, (10,)),
        ("상처에서 고름이 나와요", AMBER, (4,)),
        ("상처에서 맑은 물이 나와요", AMBER, (5,)),
        ("상처에서 맑은 물이 나오고 열이 나요", RED, (3, 5)),
        ("옆구리가 아프고 어지러워요", RED, (11,)),
    ],
)
def test_combinations_from_the_red_flag_table(
    text: str, tier: Tier, flags: tuple[int, ...]
) -> None:
    result = classify(text)
    assert (result.tier, result.flags) == (tier, flags)


def test_the_result_quotes_the_words_that_matched() -> None:
    result = classify("어제부터 다리에 힘이 빠져요")
    assert any("힘이 빠져" in evidence for evidence in result.evidence)


def test_a_red_finding_comes_with_a_confirming_question_and_green_with_none() -> None:
    assert classify("숨이 차요").question == "triage.ask.chest"
    assert classify("잘 지내요") == TriageResult(GREEN, (), (), None)


def test_classification_is_deterministic_and_survives_any_text() -> None:
    for text in ["", "   ", "ㅋㅋㅋ", "😀" * 500, "a" * 10_000, "?!.,"]:
        assert classify(text) == classify(text)
        assert classify(text).tier is GREEN


@pytest.mark.parametrize(
    ("text", "tier"),
    [
        # a benign sentence after the sign, without punctuation, does not cancel it
        ("머리가 아파요 누우면 괜찮아요", AMBER),
        ("일어서면머리가아파요누우면괜찮아요", AMBER),
        ("밴드가 자꾸 물로 젖어요 피는 아니고요", AMBER),
        # 안 없어져요 / 없어지지 않아요: the sign does not go away
        ("누워도 두통이 안 없어져요 토했어요", RED),
        # unspaced -어서 closes a clause: 안 돌아가요 is the sign, not a negation of 38.5
        ("38.5도에목이굳어서안돌아가요", RED),
        # "so" as an intensifier keeps its clause
        ("my leg is so weak i can barely stand", RED),
        # the leg and the weakness word in different clauses
        ("my foot is numb and dragging", RED),
        # particles + 요 and 양쪽 다 are not sentence ends
        ("두통이요 없어요", GREEN),
        ("양쪽 다리가 다 저리고 힘이 없어요", RED),
    ],
)
def test_clause_and_sentence_boundaries_keep_a_sign_and_its_negation_together(
    text: str, tier: Tier
) -> None:
    assert classify(text).tier is tier


@pytest.mark.parametrize(
    ("text", "tier"),
    [
        ("다리 힘 10점 만점에 0", "ask"),  # read green before: a rating with no word of before
        ("다리 힘이 10점 만점에 3이에요", "ask"),
        ("leg strength 2/5", "ask"),
        ("leg strength 3 out of 10", "ask"),
        ("다리 힘 10점 만점에 9", "green"),
        ("다리 힘 좋아졌어요 10점 만점에 4", "green"),  # said to be better
        ("오늘 통증 3/10", "green"),  # a pain score, not strength
    ],
)
def test_a_low_strength_rating_with_no_word_of_before_is_asked_about(text: str, tier: str) -> None:
    assert classify(text).tier.value == tier
