"""Findings read from numbers a patient writes: temperatures, pain, strength and feeling
scales, hours without urine, positional headache scores, side counts."""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import pairwise

from care.domain.triage.findings import CLAUSE_END, Finding, any_of, compact, found
from care.domain.triage.korean import Clause
from care.domain.triage.rules import FreeTextRules
from care.domain.triage.status import match_status
from care.domain.triage.tiers import Tier

_TEMPERATURE = re.compile(
    r"(?<![\d.])(\d{2,3}(?:\.\d{1,2})?)\s*(°\s*[cf]|도|degrees?\s*[cf]?|[cf](?![a-z])|"
    r"fahrenheit|celsius)?(?!\s*(?:kg|cm|mm|mg|세|살|분|시|번|%|키로|년|일|개|명|층|호|점|kg))"
)


def temperatures(
    clause: Clause, masked: Clause, rules: FreeTextRules, body_temperature: bool = False
) -> Iterable[Finding]:
    """Temperatures written in the clause: 38.2, 38도, 38.2℃, 100.8F; a bare whole number
    (38, 102) only when the message speaks of the body's temperature (열, 체온, temp)."""
    settings = rules.temperature
    if any_of(settings.weather, masked) and not any_of(settings.body, masked):
        return
    family = rules.family(settings.family)
    for match in _TEMPERATURE.finditer(masked.text):
        value = float(match.group(1))
        unit = (match.group(2) or "").replace(" ", "")
        has_unit_or_decimal = bool(unit) or "." in match.group(1)
        if not has_unit_or_decimal and not (body_temperature and _bare_degrees(value)):
            continue
        if unit.startswith(("°f", "f", "fahrenheit", "degreesf")) or 95 <= value <= 110:
            value = (value - 32) * 5 / 9
        if not 34 <= value <= 43 or value < settings.low_grade_c:
            continue
        status = match_status(masked, match.start(), match.end(), sign=False, rules=rules)
        if status is None and _conditional_but_now(masked, match.end(), rules):
            status = "unsure"  # 오늘 열까지 38도 넘으면...: a reading the patient has now
        if status is None:
            continue
        tier = settings.fever_tier if value >= settings.fever_c else settings.low_grade_tier
        if status != "present" and tier is Tier.AMBER:
            tier = Tier.ASK
        yield Finding(
            family=family.id,
            tier=tier,
            flags=(family.flag,) if family.flag else (),
            evidence=(clause.text[match.start() : match.end()].strip(),),
            question=family.question,
            order=match.start(),
        )


def _conditional_but_now(clause: Clause, end: int, rules: FreeTextRules) -> bool:
    """A temperature in a conditional (38도 넘으면) in a clause that says it is today's
    (오늘 열까지 38도 넘으면 병원 가야겠죠?): not negated, and said of now."""
    after = compact(clause.text[end:])[: rules.negation_window]
    return (
        any_of(rules.now_markers, clause)
        and found(rules.conditional.ko_any, after, anchored=True)
        and not found(rules.negation.ko_any, after)
    )


def _bare_degrees(value: float) -> bool:
    """A whole number that can be a body temperature without a unit: 35-42 °C, 95-108 °F."""
    return 35 <= value <= 42 or 95 <= value <= 108


_PAIN_SCORE = re.compile(
    # 7점, 7/10, 7 out of 10, and the score after the scale: 10점 만점에 8 (not the 10 itself)
    r"(?<![\d.])(\d{1,2})\s*(?:점(?!\s*만점)|/\s*10\b|out of 10)|만점에\s*(\d{1,2})(?![\d.])"
)

# 통증이 3에서 7로, 넷에서 일곱으로 (numbers in words are digits by now)
_PAIN_KO_FROM_TO = re.compile(
    r"(?:통증|아파|아픈|아프|pain|저림|점수)[가-힣 ]{0,12}?(?<![\d.])(\d{1,2})\s?(?:점)?\s?에서\s?"
    r"(\d{1,2})\s?(?:점)?\s?(?:으로|로|까지)"
)
# a pain word, then "from 2 to 6" (not "from 9 to 5" said of anything else)
_PAIN_FROM_TO = re.compile(
    r"\b(?:pain|sciatica|ache|score|hurts?|hurting)\b[a-z' ]{0,20}?"
    r"\bfrom (\d{1,2}) (?:to|up to) (\d{1,2})\b"
)


def scores_fall(message: Clause) -> bool:
    """Whether the pain scores of the message fall by 3 or more, first to last (수술 전
    8점 → 지금 2점), with no score rising on the way."""
    scores = [int(m.group(1) or m.group(2)) for m in _PAIN_SCORE.finditer(message.text)]
    scores = [value for value in scores if value <= 10]
    return (
        len(scores) >= 2
        and scores[0] - scores[-1] >= 3
        and all(b <= a for a, b in pairwise(scores))
    )


# a score in a condition (if my pain goes from 2 to 5, 3점에서 6점 되면)
_SCORE_CONDITION = re.compile(r"\bif\b|\bwhen\b|\bshould\b|(?:되|오르|올라가|넘)(?:으)?면")


def pain_scores(message: Clause, rules: FreeTextRules) -> Iterable[Finding]:
    """Pain scores written in one message: the last up ``rise`` or more on the first."""
    settings = rules.pain_score
    if settings is None:
        return
    scores = [(m, int(m.group(1) or m.group(2))) for m in _PAIN_SCORE.finditer(message.text)]
    if len(scores) < 2:
        # "leg pain went from 2 to 6": the scale not written
        for match in (
            *_PAIN_FROM_TO.finditer(message.text),
            *_PAIN_KO_FROM_TO.finditer(message.text),
        ):
            scores = [(match, int(match.group(1))), (match, int(match.group(2)))]
    scores = [(m, value) for m, value in scores if value <= 10]
    if len(scores) < 2 or scores[-1][1] - scores[0][1] < settings.rise:
        return
    stop = CLAUSE_END.search(message.text, scores[-1][0].end())
    if _SCORE_CONDITION.search(
        message.text[: stop.start() if stop else None], scores[0][0].start() - 40
    ):
        return  # a rise asked about, not reported
    back = any_of(settings.back_words, message)
    family = rules.family(settings.back_family if back else settings.leg_family)
    first, last = scores[0][0], scores[-1][0]
    yield Finding(
        family=family.id,
        tier=settings.tier,
        flags=(family.flag,) if family.flag else (),
        evidence=(message.text[first.start() : last.end()],),
        question=family.question,
        order=first.start(),
    )


_KO_HOURS = {
    "한": 1, "두": 2, "세": 3, "네": 4, "다섯": 5, "여섯": 6, "일곱": 7, "여덟": 8, "아홉": 9,
    "열": 10, "열한": 11, "열두": 12,
}  # fmt: skip
# a clock time: 새벽 다섯 시, 오후 2시, 6am, 7 p.m., noon, midnight
_CLOCK = re.compile(
    r"(새벽|아침|오전|낮|점심|오후|저녁|밤)?\s*(\d{1,2}|열한|열두|한|두|세|네|다섯|여섯|일곱|여덟|아홉|열)"
    r"\s*시(?!간|쯤부터\s*\d)|\b(\d{1,2})(?::\d\d)?\s*(am|pm|a\.m\.|p\.m\.)|\b(noon|midnight)\b"
    # a nurse's 24-hour clock: since 0700 (now 1600), 1430h
    r"|(?<![\d.:/])([01]\d|2[0-3])[0-5]\d(?:\s?h(?:rs)?)?(?![\d.:/년%])"
)
_URINE = re.compile(
    r"소변|오줌|쉬|화장실|\b(?:pee|peed|urine|wee|weed|water|bladder|loo|toilet|void|voided|voiding)\b"
)
_NONE_SINCE = re.compile(
    r"마지막|\blast\b|이후|아직|못\s?(?:봤|눴|누|보|나)|안\s?(?:나|봤|눴)|소식이?\s?없|\bnothing\b|"
    r"\bnot (?:since|once|a drop)\b|\bhas(?:n'?t| not)\b|\bhave(?:n'?t| not)\b|\bstill\b|"
    r"\bno (?:pee|urine|wee|void)\b|\bsince\b|[가간본눈]\s?지\s?\d"
)
# hours counted by the writer: 화장실 간 지 10시간째, 9시간째예요, for 10 hours, 10 hrs
_HOURS = re.compile(
    r"(?<![\d.])(\d{1,2})\s*(?:시간\s?째|시간\s?동안|시간이\s?(?:지났|넘었|됐)|hours?\b|hrs?\b)"
)


# urine passed at both times (6시에 보고 7시에 또 봤어요, peed at 6am and again at 2pm)
_PASSED_AGAIN = re.compile(r"또|다시|\bagain\b")


def _clock_hour(match: re.Match[str]) -> int:
    """The hour of the day (0-23) of a clock time read by ``_CLOCK``."""
    if match.group(6):
        return int(match.group(6))
    if match.group(5):
        return 12 if match.group(5) == "noon" else 0
    if match.group(3):
        hour = int(match.group(3)) % 12
        return hour + 12 if match.group(4).startswith("p") else hour
    word, part = match.group(2), match.group(1) or ""
    hour = (int(word) if word.isdigit() else _KO_HOURS[word]) % 24
    if (part in ("오후", "저녁", "밤") and hour < 12) or (part in ("낮", "점심") and hour < 6):
        hour += 12
    if part == "밤" and hour == 24:
        hour = 0
    return hour % 24


def hours_without_urine(message: Clause, rules: FreeTextRules) -> Iterable[Finding]:
    """No urine between two clock times 6 hours or more apart (새벽 다섯 시에 보고 지금
    오후 두 시인데 아직이에요; last pee 6am, it's 7pm now, nothing; no void since 0700, now
    1600), or for hours the writer counts (화장실 간 지 10시간째): CLINICAL.md row 1, none
    for 6-8 h *(proposed)*. Hours counted on the clock, the last time being now."""
    text = message.text
    times = list(_CLOCK.finditer(text))
    if not _URINE.search(text) or not _NONE_SINCE.search(text):
        return
    if _PASSED_AGAIN.search(text):
        return
    if len(times) >= 2:
        hours = (_clock_hour(times[-1]) - _clock_hour(times[0])) % 24
        span = (times[0].start(), times[-1].end())
    else:
        counted = [(int(m.group(1)), m.span()) for m in _HOURS.finditer(text)]
        hours, span = max(counted, default=(0, (0, 0)))
    if hours < _NO_URINE_HOURS:
        return
    family = rules.family("bladder_bowel")
    yield Finding(
        family=family.id,
        tier=family.tier,
        flags=(family.flag,) if family.flag else (),
        evidence=(text[span[0] : span[1]],),
        question=family.question,
        order=span[0],
    )


_NO_URINE_HOURS = 6

# muscle strength graded out of 5 (MRC), as a nurse's chart writes it: 좌 5/5 -> 3/5
_STRENGTH = re.compile(r"(?<![\d.])([0-5])\s*/\s*5(?![\d.])")
_STRENGTH_WORD = re.compile(
    r"근력|힘(?!들|든|드)|파워|\b(?:strength|power|mrc|ehl|df|dorsiflexion|pf|foot lift)\b"
)
# a grade said to have fallen or to be new (어제 5/5였던 게 떨어졌어요, 3/5 which is new)
_STRENGTH_FELL = re.compile(r"떨어|약해|줄었|\b(?:new|newly|weaker|dropped|down from|was 5/5)\b")


# strength on the writer's own scale: 10점 만점에 9점, 7점, 4점; 60% of normal; 3/10 of
# what it was; 어제 80이면 오늘 50
_SCALE_CONTEXT = re.compile(
    r"만점|/\s*(?:5|10)(?!\d)|%|퍼센트|percent|out of (?:5|10)\b|of (?:normal|what it was)"
    r"|정상의|평소의"
)
_SCALE_NUMBER = re.compile(
    r"(?<![\d./])(\d{1,3})(?![\d.])(?!\s*(?:점\s*만점|시|분|일|주|번|개|회|살|세|km|kg|cm|m\b"
    r"|ml|h\b|hours?|days?|times?|minutes?|mins?|weeks?|each|raises?|reps?))"
)
_OF_NORMAL = re.compile(
    r"(\d{1,2})\s*%\s*(?:of (?:normal|what it was|usual))|(?:정상|평소)의\s*(\d{1,2})\s*%"
)


def _scaled_strength(text: str) -> re.Match[str] | None:
    """Leg strength on a scale the writer chose that has fallen: a series of numbers whose
    last is under four fifths of the first (10점 만점에 퇴원 때 9점, 어제 7점, 오늘 4점;
    어제 80이면 오늘 50), or a share of normal under four fifths (60% of normal)."""
    if _STRENGTH_BETTER.search(text):
        return None
    of_normal = _OF_NORMAL.search(text)
    if of_normal and int(of_normal.group(1) or of_normal.group(2)) < 80:
        return of_normal
    if not _SCALE_CONTEXT.search(text) and not re.search(r"어제|yesterday|discharge|퇴원", text):
        return None
    numbers = list(_SCALE_NUMBER.finditer(_STRENGTH_DENOMINATOR.sub("", text)))
    if len(numbers) >= 2 and int(numbers[-1].group(1)) < 0.8 * int(numbers[0].group(1)):
        return numbers[0]
    return None


def _low_rating(text: str) -> re.Match[str] | None:
    """One strength rating on a stated scale, under half of it, with no word of a change
    (다리 힘 10점 만점에 0, 2/5, 3 out of 10): asked about, since it may be new weakness."""
    if _STRENGTH_BETTER.search(text):
        return None
    for rating in _LOW_RATING.finditer(text):
        value = rating.group("value") or rating.group("value2")
        scale = rating.group("scale") or rating.group("scale2")
        if int(value) * 2 < int(scale):
            return rating
    return None


_LOW_RATING = re.compile(
    r"(?<![\d.])(?:(?P<scale>5|10)\s*점\s*만점에\s*(?P<value>\d{1,2})(?![\d.])"
    r"|(?P<value2>\d{1,2})\s*(?:/|out of)\s*(?P<scale2>5|10)(?![\d.]))"
)


_STRENGTH_BETTER = re.compile(r"좋아|나아|회복|늘었|\b(?:better|improv\w*|stronger|back to)\b")
_STRENGTH_DENOMINATOR = re.compile(r"\d+\s*점\s*만점에?|/\s*(?:5|10)(?!\d)")


def strength_scores(message: Clause, rules: FreeTextRules) -> Iterable[Finding]:
    """Leg strength graded out of 5 falling within the message (좌 5/5 → 3/5), or a grade
    under 5 said to have fallen or to be new (DF 3/5, 어제는 5/5였는데 떨어졌어요; L EHL 3/5
    which is new): new or progressing weakness, CLINICAL.md row 2."""
    text = message.text
    if not _STRENGTH_WORD.search(text):
        return
    grades = list(_STRENGTH.finditer(text))
    values = [int(g.group(1)) for g in grades]
    falling = len(grades) >= 2 and values[-1] < values[0]
    said_to_fall = bool(grades) and min(values) < 5 and bool(_STRENGTH_FELL.search(text))
    if not (falling or said_to_fall):
        scaled = _scaled_strength(text)
        if scaled is None:
            low = _low_rating(text)
            if low is not None:  # low, but no word of before: is it new? (CLINICAL.md row 2)
                family = rules.family("weakness")
                yield Finding(
                    "weakness_rating", Tier.ASK, (), (low.group(0),), family.question, low.start()
                )
            return
        grades = [scaled]
    family = rules.family("weakness")
    yield Finding(
        family=family.id,
        tier=family.tier,
        flags=(family.flag,) if family.flag else (),
        evidence=(text[grades[0].start() : grades[-1].end()],),
        question=family.question,
        order=grades[0].start(),
    )


# a headache scored sitting or standing, then lying (앉으면 7점 누워도 6점, 7/10 sitting
# and 6/10 lying down)
_POSITIONAL_SCORE = re.compile(
    r"(?:앉으면|앉아서|앉아\s?있으면|앉을\s?때|서면|서\s?있으면|일어나면|\b(?:sitting|standing|"
    r"upright|up)\b)[^\d]{0,6}?(?<![\d.])(\d{1,2})\s*(?:점|/\s*10|out of 10)?"
    r"[^\d]{0,14}?(?:누우면|누워도|누워서|누워\s?있으면|누웠을\s?때|누울\s?때|\b(?:lying|laying|"
    r"flat|in bed)\b)[^\d]{0,8}?(?<![\d.])(\d{1,2})(?![\d.])"
)


def positional_scores(message: Clause, rules: FreeTextRules) -> Iterable[Finding]:
    """A headache scored upright and lying down that lying down eases by less than 3 points
    (두통이 앉으면 7점 누워도 6점): not eased lying down, the marker ``lying_no_relief``
    that the combinations read with the headache (CLINICAL.md row 6)."""
    for match in _POSITIONAL_SCORE.finditer(message.text):
        upright, lying = int(match.group(1)), int(match.group(2))
        if upright <= 10 and lying <= 10 and lying >= 4 and upright - lying < 3:
            yield Finding("lying_no_relief", Tier.GREEN, (), (match.group(0),), None, match.start())
            return


# a feeling or strength given as a share of normal (round 6): 30% feeling, 3/10 of what it
# was, half the strength, 감각이 반대쪽의 절반, 반만 느껴져요, 힘이 평소의 40%
_SHARE_PERCENT = re.compile(
    r"(?<![\d.])(\d{1,3})\s*%\s*(?:of (?:normal|what it was|usual|before|the other side)|"
    r"(?:feeling|sensation|strength|power|feel)\b)"
    r"|\b(?:feeling|sensation|strength|power)\b[a-z ]{0,24}?(?<![\d.])(\d{1,3})\s*%"
    r"|(?:감각|느낌|힘|근력)(?:이|가|은|는|도)?[가-힣 ]{0,10}?(?<![\d.])(\d{1,3})\s?(?:%|퍼센트)"
)
_SHARE_TENTHS = re.compile(
    r"(?<![\d.])(\d{1,2})\s*/\s*10\s*of (?:normal|what it was|usual|before|the other side)"
)
_SHARE_HALF = re.compile(
    r"\bhalf (?:the |as much |of (?:the |my )?)?(?:feeling|sensation|strength|power)\b"
    r"|\b(?:feeling|sensation|strength|power)\b[a-z ]{0,15}?\bhalf\b"
    r"|(?:감각|느낌|힘|근력)(?:이|가|은|는|도)?[가-힣 ]{0,10}?(?:절반|반만|반\s?정도|반밖에)"
    r"|반만\s?느껴"
)
_SHARE_BETTER = re.compile(
    r"좋아|나아|회복|늘었|돌아오|돌아왔|돌아와|\b(?:better|improv\w*|stronger|back to|back up|"
    r"came back|coming back|returned|recover\w*)\b"
)
_SADDLE_CONTEXT = re.compile(
    r"엉덩이|궁둥이|항문|회음|사타구니|생식기|(?<![가-힣])밑|닦|뒤처리|\b(?:wip(?:e|es|ing)|bottom|bum|"
    r"buttocks?|saddle|groin|crotch|privates|back passage|between (?:my|the) legs)\b"
)
_LEG_STRENGTH_CONTEXT = re.compile(
    r"힘|근력|다리|발|까치발|\b(?:strength|power|foot|feet|leg|legs|lift|push|toes?|ankle|heel)\b"
)


def reduced_shares(message: Clause, rules: FreeTextRules) -> Iterable[Finding]:
    """A feeling or strength told as a share of normal under four fifths (30% feeling when
    I wipe, my foot lift is 3/10 of what it was, 엉덩이 감각이 반대쪽의 절반): a sign of the
    saddle (CLINICAL.md row 1) when the message names it, else of leg strength (row 2);
    not when the share is said to be coming back."""
    text = message.text
    if _SHARE_BETTER.search(text):
        return
    share: tuple[int, re.Match[str]] | None = None
    if (match := _SHARE_PERCENT.search(text)) is not None:
        share = (int(next(g for g in match.groups() if g)), match)
    elif (match := _SHARE_TENTHS.search(text)) is not None:
        share = (10 * int(match.group(1)), match)
    elif (match := _SHARE_HALF.search(text)) is not None:
        share = (50, match)
    if share is None or share[0] >= 80:
        return
    match = share[1]
    if _SADDLE_CONTEXT.search(text):
        family = rules.family("bladder_bowel")
    elif _LEG_STRENGTH_CONTEXT.search(text):
        family = rules.family("weakness")
    else:
        return
    yield Finding(
        family.id,
        family.tier,
        (family.flag,) if family.flag else (),
        (match.group(0),),
        family.question,
        match.start(),
    )


# an exercise counted on each side (round 6): 2 heel raises on the left, 15 on the right;
# 까치발 왼쪽 3개 오른쪽 20개
_SIDE_COUNT = re.compile(
    r"(?<![\d.])(\d{1,3})\s*(?:heel raises?|toe raises?|calf raises?|reps?|times|개|번|회)?\s*"
    r"(?:on the |on my |with the |with my )?(left|right|왼쪽|오른쪽|왼발|오른발)"
    r"|(left|right|왼쪽|오른쪽|왼발|오른발)(?: side| leg| foot)?(?:은|는|이|가|으로|로)?[:\s]*"
    r"(?<![\d.])(\d{1,3})(?![\d.])"
)
_EXERCISE = re.compile(
    r"까치발|뒤꿈치|발끝|발뒤꿈치|\b(?:heel|toe|calf) raises?\b|\b(?:reps?|squats?|"
    r"stand(?:ing)? on (?:my )?(?:toes|tiptoe|heels))\b"
)
# the sides were even before: 15 each, both, 어제는 양쪽 다
_EVEN_BEFORE = re.compile(
    r"\beach\b|\bboth\b|\bwas\b|\byesterday\b|\bbefore\b|\blast week\b"
    r"|양쪽|둘\s?다|똑같|어제|전에|지난"
)


def side_counts(message: Clause, rules: FreeTextRules) -> Iterable[Finding]:
    """An exercise counted on each side, one side under half the other (2 heel raises on
    the left, 15 on the right): one leg weaker; new weakness (CLINICAL.md row 2) when the
    message says the sides were even before, else asked about."""
    text = message.text
    if not _EXERCISE.search(text):
        return
    sides: dict[str, int] = {}
    first: re.Match[str] | None = None
    for match in _SIDE_COUNT.finditer(text):
        count = int(match.group(1) or match.group(4))
        side = (match.group(2) or match.group(3))[0:1]
        side = "l" if side in ("l", "왼") else "r"
        sides.setdefault(side, count)
        first = first or match
    if len(sides) < 2 or first is None or 2 * min(sides.values()) >= max(sides.values()):
        return
    family = rules.family("weakness")
    even_before = _EVEN_BEFORE.search(text) is not None and not _STRENGTH_BETTER.search(text)
    yield Finding(
        family.id if even_before else "weakness_rating",
        family.tier if even_before else Tier.ASK,
        (family.flag,) if family.flag and even_before else (),
        (first.group(0),),
        family.question,
        first.start(),
    )
