"""Reading a message into standard written form before any rule sees it.

Each stage turns a whole *kind* of wording into the form the phrase table is written in,
so one rule covers every way of saying it:

* ``transliterate``: romanised Korean (``dari e him i eopseoyo``) written in Hangul by
  its sounds (다리 에 힘 이 업서요; the dictation spellings of ``spelling:`` then fix
  업서 -> 없어). A message is read as romanised only when a word in it has a shape that
  English does not (eo, eu, yeo, ...-yo) and most of its Latin words parse as Korean
  syllables and are not common English words.
* ``keyboard_korean``: Korean typed with the keyboard left in English (``thqusdl dks
  skdhkdy`` -> 소변이 안 나와요), when nearly all the message's Latin words type whole
  syllables on the two-set keyboard.
* ``glossary``: English medical words inside a Korean sentence (다리에 numbness가 있어요,
  urine이 안 나와요) replaced by the Korean word the rules know.
* ``dialect``: regional words and endings (경상 엄따, 아파예; 전라 없당께, 아픈디; 충청
  아파유; 제주 어수다, 가빠마씸) mapped to standard ones, so clause ends, negation and
  stems read as in standard Korean.
* ``labelled_values``: a list or form (소변: 안나옴, "legs - weak", 체온 = 38.4) read as
  the clause it stands for (소변 안나옴, "legs weak"): the label is the subject.
* ``number_words``: numbers in words and old units as digits: 서른아홉 도 -> 39도,
  삼십칠 점 구 -> 37.9, 38 점 5 -> 38.5, "one hundred point four" -> 100.4,
  "a hundred and one" -> 101; (38도 2부 and 100.4F are read by the temperature reader).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Mapping, Sequence

_HANGUL = re.compile(r"[가-힣]")
_WORD_END = r"(?=[\s.,!?~;:)\]]|$)"

# ---------------------------------------------------------------- romanised Korean
# Initial consonants, vowels and final consonants as patients type them (Revised
# Romanisation and its common variants), with their index in the Hangul syllable block.
_INITIALS = {
    "kk": 1, "gg": 1, "g": 0, "k": 15, "n": 2, "tt": 4, "dd": 4, "d": 3, "t": 16,
    "r": 5, "l": 5, "m": 6, "pp": 8, "bb": 8, "b": 7, "p": 17, "ss": 10, "s": 9,
    "jj": 13, "j": 12, "ch": 14, "c": 14, "h": 18, "": 11,
}  # fmt: skip
_VOWELS = {
    "yae": 3, "yeo": 6, "weo": 14, "wae": 10, "ae": 1, "ya": 2, "eo": 4, "ye": 7,
    "wa": 9, "oe": 11, "yo": 12, "oo": 13, "wo": 14, "we": 15, "wi": 16, "yu": 17,
    "eu": 18, "ui": 19, "ee": 20, "uh": 4, "a": 0, "e": 5, "o": 8, "u": 13, "i": 20,
}  # fmt: skip
_FINALS = {
    "ng": 21, "kk": 2, "ss": 20, "k": 1, "g": 1, "n": 4, "t": 19, "d": 7, "l": 8,
    "r": 8, "m": 16, "p": 17, "b": 17, "s": 19,
}  # fmt: skip
_VOWEL_START = frozenset("aeiouwy")
# a word English does not write: eo, eu, yeo, ae, oe, ui, or a -yo ending of three
# syllables' length (apayo, nawayo, isseoyo)
# English words no romanised Korean sentence is made of: two of them make a message English
# (percentage-wise maybe 30% feeling when I wipe, it's like wiping someone else)
_ENGLISH_FUNCTION_WORDS = frozenset(
    {"the", "and", "when", "with", "what", "like", "that", "this", "have", "from", "about",
     "just", "maybe", "someone", "something", "its", "my", "your", "there", "their",
     "would", "could", "should", "been", "were", "was"}
)  # fmt: skip
_KOREAN_SHAPE = re.compile(r"eo|eu|yeo|ae|oe|ui|[a-z]{2,}[aeo]yo$|[a-z]{3,}yo$")


@functools.lru_cache(maxsize=4096)
def romanised_syllables(word: str) -> str | None:
    """``word`` written in Hangul if it reads as romanised Korean syllables, else None."""
    return _parse(word, 0)


@functools.lru_cache(maxsize=8192)
def _parse_cached(word: str, start: int) -> str | None:
    return _parse(word, start)


def _parse(word: str, start: int) -> str | None:
    if start == len(word):
        return ""
    for initial in _longest_first(_INITIALS, word, start):
        after_initial = start + len(initial)
        for vowel in _longest_first(_VOWELS, word, after_initial):
            after_vowel = after_initial + len(vowel)
            base = 0xAC00 + (_INITIALS[initial] * 21 + _VOWELS[vowel]) * 28
            # no final first: a consonant between vowels opens the next syllable (neukkim is
            # 느낌, not 늑킴); a final only where no vowel follows it
            for final in ("", *_longest_first(_FINALS, word, after_vowel)):
                end = after_vowel + len(final)
                if final and end < len(word) and word[end] in _VOWEL_START:
                    continue
                rest = _parse_cached(word, end)
                if rest is not None:
                    return chr(base + (_FINALS[final] if final else 0)) + rest
    return None


def _longest_first(table: Mapping[str, int], word: str, start: int) -> list[str]:
    return sorted((key for key in table if word.startswith(key, start)), key=len, reverse=True)


def transliterate(text: str, english: Collection[str]) -> str:
    """Romanised Korean written in Hangul (see the module docstring); other text unchanged."""
    words = re.findall(r"[a-z]+", text)
    if len(words) < 2:
        return text
    korean = {
        w: hangul
        for w in words
        if w not in english and (hangul := romanised_syllables(w)) is not None
    }
    long_words = [w for w in words if len(w) > 1]
    readable = [w for w in long_words if w in korean]
    if not any(_KOREAN_SHAPE.search(w) for w in readable):
        return text
    if len(readable) < 2 or len(readable) < 0.5 * len(long_words):
        return text
    if len([w for w in words if w in _ENGLISH_FUNCTION_WORDS]) >= 2:
        return text  # English whose words happen to spell syllables (like, wipe, someone)
    # a romanised message: its short and English-looking words are Korean too (i, e, him, an);
    # particles written after a hyphen join their word (him-i -> 힘이)
    hangul = re.sub(r"[a-z]+", lambda m: romanised_syllables(m.group(0)) or m.group(0), text)
    joined = re.sub(r"(?<=[가-힣])-(?=[가-힣])", "", hangul)
    return _LIAISON.sub(_liaison, _LIAISON_L.sub(_liaison_l, joined))


# a past tense written as heard after transliteration: 느껴써요 -> 느꼈어요, 이써요 -> 있어요
_LIAISON = re.compile(r"([가-힣])써")
# a verb whose ㄹ is heard on the ending (georeoyo -> 거러요 -> 걸어요, an dorayo -> 돌아요):
# only before an ending, so 사라져 (disappears) and 그러나 stay as written
_LIAISON_L = re.compile(r"([가-힣])([러라])(?=요|서|도|써|[\s.,!?]|$)")


def _liaison_l(match: re.Match[str]) -> str:
    syllable = ord(match.group(1)) - 0xAC00
    if syllable % 28:  # it already has a final
        return match.group(0)
    return chr(0xAC00 + syllable + 8) + ("어" if match.group(2) == "러" else "아")


def _liaison(match: re.Match[str]) -> str:
    syllable = ord(match.group(1)) - 0xAC00
    if syllable % 28:  # it already has a final
        return match.group(0)
    return chr(0xAC00 + syllable + 20) + "어"


# ---------------------------------------------------------------- denied denials
_POSITIVE = {
    "isn't": "is", "isnt": "is", "is not": "is", "aren't": "are", "arent": "are",
    "are not": "are", "wasn't": "was", "wasnt": "was", "was not": "was", "doesn't": "does",
    "doesnt": "does", "does not": "does", "don't": "do", "dont": "do", "do not": "do",
    "didn't": "did", "didnt": "did", "did not": "did", "has no": "has", "have no": "have",
    "there's no": "there's", "theres no": "there's", "there is no": "there is",
    "not": "",
}  # fmt: skip
_DENIED_DENIAL = re.compile(
    r"\b(?:i )?(?:can'?t|cannot|can not|couldn'?t|wouldn'?t|won'?t) "
    r"(?:honestly |really |exactly |truly )?(?:say|tell you|claim|pretend) (?:that )?"
    r"((?:[a-z']+ ){0,4}?)("
    + "|".join(sorted((re.escape(k) for k in _POSITIVE), key=len, reverse=True))
    + r")\b ?"
)
# can't X without Y-ing: Y happens (can't get to the mailbox without gasping)
_CANT_WITHOUT = re.compile(
    r"\b(can'?t|cannot|couldn'?t|could not)\b(.{1,40}?)\bwithout ([a-z]+ing)\b"
)
# it's not that the headache goes away: it does not go away
_EASES = {"goes away": "go away", "go away": "go away", "gets better": "get better",
          "eases": "ease", "settles": "settle", "stops": "stop", "improves": "improve"}  # fmt: skip
_NOT_THAT_IT_EASES = re.compile(
    r"\bit'?s not (?:that|like) ((?:the |my )?[a-z ]{1,30}?) (goes away|go away|gets better|eases|"
    r"settles|stops|improves)\b"
)
# "should I be worried that my dressing is wet": the dressing is wet
_WORRIED_THAT = re.compile(r"\b(?:should|do) i (?:be worried|worry)(?: about the fact)? that ")
_NOT_THAT_NO = re.compile(r"\bnot (?:that|like) (there'?s|there is|i have|i'?ve got) no\b")
# "it's not like I can feel my feet": I can't; "I wouldn't say I'm peeing normally": not
# normally (a denied ability or a denied normal is the sign, CLINICAL.md trap 3)
# "couldn't tell if he'd wet himself", "not sure if": unsure, not a condition
_UNSURE_IF = re.compile(
    r"\b(?:(?:can'?t|couldn'?t|could not|cannot) (?:really )?tell|"
    r"(?:i'?m |he'?s |she'?s )?not sure|"
    r"(?:don'?t|doesn'?t|didn'?t) (?:really )?know|unsure) if\b"
)
_NOT_LIKE_I_CAN = re.compile(r"\bit'?s not (?:that|like|as if) (i|he|she|they|we) (can|could)\b")
_DENIED_NORMAL = re.compile(
    r"\b(?:i )?(?:wouldn'?t|can'?t|couldn'?t|cannot) (?:honestly |really |exactly |truly )?"
    r"(?:say|claim|pretend) (?:that )?((?:[a-z']+ ){1,6}?)(normally|properly|fine|normal|right|"
    r"well|ok|okay|as usual|like before|like normal)\b"
)


_KO_DENIED = re.compile(
    r"([가-힣]+)[다라]고(?:는|도|까지는)? ?(?:할 ?수(?:가|는|도)? ?없[가-힣]*|"
    r"말(?:을|은|하기|하긴)? ?(?:못 ?하[가-힣]*|어렵[가-힣]*|힘들[가-힣]*)|"
    r"못 ?하[가-힣]*|하면 ?거짓말[가-힣]*|하기(?:엔|에는|는) ?|하긴 ?(?:어렵|힘들)[가-힣]*)"
)


def _ko_denied(match: re.Match[str]) -> str:
    """나온다고 할 수가 없어요 -> 나오지 않아요 (the verb's ㄴ of the present dropped)."""
    word = match.group(1)
    last = ord(word[-1]) - 0xAC00
    if 0 <= last < 11172 and last % 28 == 4 and len(word) > 1:  # 나온 -> 나오
        word = word[:-1] + chr(0xAC00 + last - 4)
    return f"{word}지 않아요 "


def denied_denials(text: str) -> str:
    """A denied denial said plainly: "I can't say the wound isn't swollen" -> "the wound
    is swollen", "wouldn't say there's no fever" -> "there's fever", "not that there's no
    swelling" -> "there's swelling" (CLINICAL.md trap 3: 없지 않아요 = yes)."""
    if "다고" in text or "라고" in text:
        text = _KO_DENIED.sub(_ko_denied, text)
    if "not" not in text and "n't" not in text and "worr" not in text:
        return text
    text = _UNSURE_IF.sub("maybe", text)
    text = _NOT_LIKE_I_CAN.sub(lambda m: f"{m.group(1)} {m.group(2).removesuffix('n')}n't", text)
    text = _DENIED_NORMAL.sub(r"\1not \2", text)

    def plain(match: re.Match[str]) -> str:
        positive = _POSITIVE[match.group(2)]
        return match.group(1) + (positive + " " if positive else "")

    text = _DENIED_DENIAL.sub(plain, text)
    text = _CANT_WITHOUT.sub(r"\1\2with \3", text)
    text = _NOT_THAT_IT_EASES.sub(lambda m: f"{m.group(1)} doesn't {_EASES[m.group(2)]}", text)
    text = _WORRIED_THAT.sub("i notice that ", text)
    return _NOT_THAT_NO.sub(r"\1", text)


# ---------------------------------------------------------------- self-corrections
# the writer withdraws what came before (round 5): 아 아니에요, 아니 괜찮아요, 아 머리가
# 아니라, 취소요, 오타예요, 잘못 봤어요, 다시 보니, 거꾸로 봤어요; "sorry, I can", "sorry,
# 37.4" (not "autocorrect": "I CAN'T lift my foot, autocorrect changed it to can"). What
# follows the marker is read; a sign stated after it stays (괜찮다고 했는데 사실 소변이 안
# 나와요). Not "아 참" (by the way) nor "I mean my right leg" (a side corrected, the sign
# kept).
_WITHDRAWN_BEFORE = re.compile(
    r"(?:^|(?<=[\s.,…!?~]))(?:아\s?아니(?:에요|예요|고|다|요|라)?(?=[\s.,…!?~]|$)|"
    r"아니\s?괜찮[가-힣]*|아\s[가-힣]+\s?아니라|[가-힣]*\s?취소(?:요|할게요|합니다|해요|예요)|"
    r"오타(?:예요|에요|요|입니다|였어요|네요|났어요)|잘못\s?(?:봤|읽었|썼|쳤|눌렀|보냈|알았)[가-힣]*|"
    r"다시\s?(?:보니|재니|재\s?보니|봤더니|쟀더니)|거꾸로\s?봤[가-힣]*)"
    r"|\bsorry,? (?=i can\b(?!'t| ?not)|\d)"
)
# ...and what the marker's own clause says is withdrawn with it: "scratch that last message
# about my leg being weak, it was a cramp"; "taking back what I said about my foot dragging,"
_WITHDRAWN_CLAUSE = re.compile(
    r"\b(?:scratch that|(?:i'?m )?taking back|take (?:that|it) back|i take back|ignore (?:that|my"
    r" last|the last|what i said)|disregard)\b[^,.;!?]*[,.;!?]?"
)
# a sign the writer said earlier, taken back by what follows (닷새째 변을 못 봤다고 했는데
# 아까 시원하게 봤어요; 새로 생겼다고 했는데 사실 수술 전에도 있었고), or thought to be
# (몸살인가 했는데, 신장 다친 줄 알았는데 웃다가 그런 거였어요): only when what follows
# says so (사실, 였어요, 괜찮, 멀쩡), not "간호사가 38.5라고 했는데 어떡하죠"
_SAID_EARLIER = re.compile(
    r"[가-힣]+(?:[다라]고\s?(?:했는데|했지만|말씀드렸는데|말했는데|보냈는데)|(?:인가|ㄴ가)\s?했는데"
    r"|\s?줄\s?알았는데)"
    r"(?=.*(?:사실|였어요|였네요|거였|잘못|괜찮|멀쩡|아니었))"
)


# a denial the writer withdraws is the sign stated: "earlier I said no chest pain. That was
# wrong" -> "chest pain."
_DENIAL_WITHDRAWN = re.compile(
    r"\b(?:i )?(?:said|told you|wrote) (?:there was |there's |i had |i have )?no ([^.,;!?]+)"
    r"[.,;!?]?\s*(?:that was wrong|that's wrong|that was not true|that's not true|not true|"
    r"i was wrong)[.,;!?]?"
)


def withdrawn(text: str) -> str:
    """The message without what the writer withdrew (self-corrections): a withdrawn denial
    is the sign stated, and the text up to the last withdrawal marker is dropped (see the
    patterns above)."""
    text = _DENIAL_WITHDRAWN.sub(r"\1. ", text)
    text = _WITHDRAWN_CLAUSE.sub(" ", text)
    cut = 0
    for pattern in (_WITHDRAWN_BEFORE, _SAID_EARLIER):
        for match in pattern.finditer(text):
            cut = max(cut, match.end())
    return text[cut:].strip() if cut else text


# ---------------------------------------------------------------- lists and forms
# a label of one to three words at the start of a line, after a comma, a slash or a bullet,
# then a separator (":", "=", "->", "→", or a dash between spaces): "소변: 안나옴", "legs -
# weak". Clock times (5:30) and ranges (3-4) have no label word before them.
_LABELLED = re.compile(
    r"(^|[\n,;.|/·•]\s*|\s[-–—]\s)"
    r"([^\W\d_][^\s,;.:=\-–—>→/|]*(?: [^\W\d_][^\s,;.:=\-–—>→/|]*){0,3})"
    r"\s*(?::|：|=|=>|->|→|\s[-–—]\s)\s*(?=\S)"
)
# a form's answer that says "none": N, no, nil, none, x, -, —, 없음, 무, 음성
_NONE_VALUE = re.compile(
    r"(?:n|no|nil|none|neg|negative|x|×|-|—|–|없음|없어요|없다|무|음성|아니오|아니요|아님)"
    r"(?=\s*(?:[.,;/|\n]|\(|$))",
    re.IGNORECASE,
)
_YES_VALUE = re.compile(r"(?:y|yes|\+|있음|유|양성|예|네)(?=\s*(?:[.,;/|\n]|\(|$))", re.I)


_DASH_AT_END = re.compile(r"(?<=[^\W\d_])\s+[—–-]\s*(?=\n|$)")


def _titled_log(text: str) -> str:
    """A log under a title (발목 들어올리기 체크 / 아침 8시: 잘 됨 / 밤 9시: 안 올라감): the
    title is what each entry is said of, so it is written into every entry."""
    lines = text.split("\n")
    title = lines[0].strip()
    entries = [n for n, line in enumerate(lines[1:], 1) if re.search(r"[:：]\s*\S", line)]
    if len(lines) < 3 or ":" in title or len(title.split()) > 5 or len(entries) < 2:
        return text
    for n in entries:
        label, _, value = re.split(r"([:：])", lines[n], maxsplit=1)
        timed = re.search(r"\d|day|시|아침|낮|밤|저녁|오전|오후|요일", label, re.IGNORECASE)
        if timed and not (
            _NONE_VALUE.fullmatch(value.strip()) or _YES_VALUE.fullmatch(value.strip())
        ):
            lines[n] = f"{label}: {title} {value.strip()}"
    return "\n".join(lines)


def _labelled(match: re.Match[str]) -> str:
    """One entry of a list or form as a clause: the label, then what is said of it; an
    answer that says none is said as Korean or English says it (요실금 없음, no retention)."""
    before, label = match.group(1), match.group(2)
    rest = match.string[match.end() :]
    none = _NONE_VALUE.match(rest)
    if none:
        if _HANGUL.search(label):
            return f"{before}{label} 없음" + "\0"
        return f"{before}no {label} " + "\0"
    if _YES_VALUE.match(rest):
        return f"{before}{label} " + ("있음" if _HANGUL.search(label) else "present") + "\0"
    return f"{before}{label} "


def labelled_values(text: str) -> str:
    """A list or form read as clauses: "소변: 안나옴" -> "소변 안나옴", "legs - weak, feet -
    numb" -> "legs weak, feet numb", "요실금: 없음 / Retention - N" -> "요실금 없음 / no
    retention" (the label is what the value is said of)."""
    if not re.search(r"[:：=>→]|\s[-–—]", text):
        return text
    text = _DASH_AT_END.sub(": —", text)  # "요실금 —" at a line's end: none
    text = _titled_log(text)
    previous = None
    while previous != text:
        previous = text
        pieces: list[str] = []
        cursor = 0
        for match in _LABELLED.finditer(text):
            if match.start() < cursor:
                continue
            replacement = _labelled(match)
            pieces.append(text[cursor : match.start()])
            if replacement.endswith("\0"):  # the answer was read: drop it
                answer = _NONE_VALUE.match(text, match.end()) or _YES_VALUE.match(text, match.end())
                assert answer is not None
                pieces.append(replacement[:-1])
                cursor = answer.end()
            else:
                pieces.append(replacement)
                cursor = match.end()
        pieces.append(text[cursor:])
        text = "".join(pieces)
    # the entries of a form are clauses of their own (not 5/10, 1/2)
    return _FORM_SLASH.sub(", ", text)


_FORM_SLASH = re.compile(r"(?<!\d)\s*[/|]\s*(?!\d)")


# ---------------------------------------------------------------- replies and plain English
# a reply that starts with its answer word (no, / 아뇨 / 네) or echoes the bot's question
# (회음부요? 네 좀 멍해요): the answer word does not negate what follows, and the echoed
# word is the subject of the answer
_ANSWER_WORD = re.compile(
    r"^\s*(?:no|nope|nah|yes|yeah|yep|yup)\s*[,.!]+\s*|^\s*(?:아뇨|아니요|아니오|네|예)(?:\s*[,.!]+\s*|\s+)",
    re.IGNORECASE,
)
_ECHO = re.compile(
    r"^\s*([가-힣]{1,6}(?: [가-힣]{1,6})?)(?:이)?요\s*\?+\s*(?:(?:네|예|응|아뇨|아니요)[,.!]?\s*)?"
)
# English as a second language: "he not feel it", "she no can stand", "leg no power"
_BARE_NOT = re.compile(
    r"\b(?!(?:do|does|did|is|am|are|was|were|can|could|will|would|should|might|may|must|has|"
    r"have|had|not|i'?m|it'?s)\b)([a-z']+) (?:not|no) (?:can )?"
    r"(feel|felt|know|knew|walk|stand|move|lift|wake|pee|poop|hold|see|remember|come|go|bend)\b"
)
_NO_POWER = re.compile(r"\bno (?:power|strength|force)\b")


# an afterthought subject at the end (오늘 아침부터 한 번도 못 봤어요 소변이요): said first
_AFTERTHOUGHT = re.compile(
    r"^(.+?)[,.]?\s+(소변|오줌|대변|다리|머리|허리|옆구리|사타구니|가슴|상처|발목|발|목|열)(?:이)?요[.!~]*\s*$"
)


# "the side I mentioned" (아까 말한 옆구리요): the sign reported before, there now
_MENTIONED = re.compile(
    r"(?:아까|전에|어제|지난번에?)\s?(?:말한|말씀드린|얘기한|말했던|말씀드렸던|얘기했던)\s?"
    r"([가-힣]{1,5}?)(?:이요|요|은|는|이|가)?(?=[\s,.]|$)"
)


def replies(text: str) -> str:
    """A reply read as a statement: the leading answer word dropped (no, lying down
    doesn't help -> lying down doesn't help), an echoed question word made the subject
    (머리요? 네 아직도 아프고 -> 머리 아직도 아프고)."""
    echo = _ECHO.match(text)
    if echo:
        return echo.group(1) + " " + text[echo.end() :]
    text = _MENTIONED.sub(r"\1 아픈데", _ANSWER_WORD.sub("", text, count=1))
    return _AFTERTHOUGHT.sub(r"\2 \1", text)


def plain_english(text: str) -> str:
    """Second-language English in standard form: "he not feel it" -> "he can't feel it",
    "leg no power" -> "leg weak"."""
    if " no" not in text and " not" not in text:
        return text
    return _NO_POWER.sub("weak", _BARE_NOT.sub(lambda m: f"{m.group(1)} can't {m.group(2)}", text))


# ---------------------------------------------------------------- English words in Korean
def glossary(text: str, words: Sequence[tuple[str, str]]) -> str:
    """English medical words in a Korean sentence replaced by their Korean word: a word
    next to Korean (urine이, 다리에 numbness) in a message with more Korean words than
    English ones."""
    if not words or not _HANGUL.search(text) or not re.search(r"[a-z]", text):
        return text
    tokens = text.split()
    korean = sum(bool(_HANGUL.search(t)) for t in tokens)
    if korean <= sum(bool(re.search(r"[a-z]", t)) for t in tokens):
        return text
    table = dict(words)

    def replace(match: re.Match[str]) -> str:
        before = text[: match.start()].rstrip().split()
        after = text[match.end() :].lstrip().split()
        touching = text[match.end() : match.end() + 1]
        next_to_korean = (
            bool(_HANGUL.match(touching))
            or (bool(before) and bool(_HANGUL.search(before[-1])))
            or (bool(after) and bool(_HANGUL.match(after[0])))
        )
        return table[match.group(1)] + " " if next_to_korean else match.group(0)

    text = _glossary_pattern(tuple(words)).sub(replace, text).replace("  ", " ")
    # an English frame around a Korean sign (I have 열): the sign is had
    text = _HAVE_KOREAN.sub(lambda m: f"{m.group(1)} 있어요", text)
    return re.sub(r"(?<=은) 한(?=\s)", "", text)  # clear한 discharge -> 맑은 진물


_HAVE_KOREAN = re.compile(r"\bi(?: have| got|'ve got|'ve| have got) ([가-힣]+)(?=[\s,.]|$)")


@functools.lru_cache(maxsize=4)
def _glossary_pattern(words: tuple[tuple[str, str], ...]) -> re.Pattern[str]:
    english = sorted((w for w, _ in words), key=len, reverse=True)
    return re.compile(r"(?<![a-z])(" + "|".join(re.escape(w) for w in english) + r")(?![a-z])")


# ---------------------------------------------------------------- dialect
def dialect(
    text: str,
    words: Sequence[tuple[re.Pattern[str], str]],
    endings: Sequence[tuple[re.Pattern[str], str]],
) -> str:
    """Regional words (at a word's start) and endings (at its end) in their standard form."""
    if not _HANGUL.search(text):
        return text
    for pattern, standard in words:
        text = pattern.sub(standard, text)
    for pattern, standard in endings:
        text = pattern.sub(standard, text)
    return text


def dialect_word(word: str) -> re.Pattern[str]:
    """A regional word, matched where a Korean word starts."""
    return re.compile(rf"(?<![가-힣])(?:{word})")


def dialect_ending(ending: str) -> re.Pattern[str]:
    """A regional ending, matched where a word ends."""
    return re.compile(rf"(?<=[가-힣])(?:{ending}){_WORD_END}")


_EN_DIALECT = (
    (re.compile(r"\bcannae\b"), "can't"),
    (re.compile(r"\b(could|would|should|do|does|did|is|was|have|has)nae\b"), r"\1n't"),
    (re.compile(r"\bdinnae\b"), "don't"),
    (re.compile(r"\bnae\b"), "no"),
    (re.compile(r"\bdoon\b"), "down"),
    (re.compile(r"\boot\b"), "out"),
    (re.compile(r"\bmeself\b"), "myself"),
    (
        re.compile(
            r"\bme (?=(?:right |left |bad |poor |own )?(?:legs?|foot|feet|back|head|neck|"
            r"chest|bum|bladder|wound|breath|side|toes?|knees?|belly|tummy|waterworks)\b)"
        ),
        "my ",
    ),
    (re.compile(r"\b(from under|gave out under|give way under) us\b"), r"\1 me"),
    (re.compile(r"\b([a-z]{2,})in'(?=\s|$|[.,!?])"), r"\1ing"),
    # world Englishes: Nigerian Pidgin (him head dey pain am, e no better), Indian English
    # (is paining, pass motion, private part area), Singlish (cannot feel one lah)
    (re.compile(r"\b(?:dey|de)\b"), "is"),
    (
        re.compile(r"\bhim (?=(?:head|leg|legs|foot|feet|back|neck|chest|belly|body|wound)\b)"),
        "his ",
    ),
    (re.compile(r"\bpain am\b|\bpaining\b"), "hurting"),
    (re.compile(r"\be no better\b"), "it is not better"),
    (re.compile(r"\be (?=is |lie |no |can)"), "he "),
    (re.compile(r"\bpass(?:ing)? (?:the )?motions?\b"), "poo"),
    (re.compile(r"\bprivate parts?(?: area)?\b"), "privates"),
    (re.compile(r"\bbreath is (?:very |so |a bit |quite )?short\b"), "short of breath"),
    (
        re.compile(r"\bcan(?:not|'t) finish (?:a |my |the |his |her )?sentences?\b"),
        "short of breath",
    ),
    (re.compile(r"\b(feel|walk|stand|move|lift) one\b"), r"\1"),
    (re.compile(r"\s+(?:lah|leh|lor)\b"), ""),
    # not knowing the day is the sign, not a negation of what came before it
    (
        re.compile(
            r"\b(?:don'?t|doesn'?t|do not|does not) know (?:which|what) (?:day|year|month) it is\b"
        ),
        "confused about the day",
    ),
)


def english_dialect(text: str) -> str:
    """Regional, older and world English said in standard form: couldnae -> couldn't, me
    leg -> my leg, went from under us -> went from under me, mornin' -> morning; him head
    dey pain am -> his head is hurting, pass motion -> poo, breath is short -> short of
    breath, cannot feel one lah -> cannot feel."""
    if not re.search(
        r"nae\b|\bdoon\b|\boot\b|\bme |in'|\bus\b|meself|\bdey\b|\bde\b|\bhim |pain|\be |"
        r"motion|private|breath|finish|one\b|lah|leh|lor|know",
        text,
    ):
        return text
    for pattern, standard in _EN_DIALECT:
        text = pattern.sub(standard, text)
    return text


# ---------------------------------------------------------------- numbers in words
_SINO = {"영": 0, "공": 0, "일": 1, "이": 2, "삼": 3, "사": 4, "오": 5, "육": 6, "칠": 7, "팔": 8,
         "구": 9}  # fmt: skip
_NATIVE_UNITS = {"하나": 1, "한": 1, "둘": 2, "두": 2, "셋": 3, "세": 3, "석": 3,
                 "넷": 4, "네": 4, "넉": 4, "다섯": 5, "여섯": 6, "일곱": 7, "여덟": 8,
                 "아홉": 9}  # fmt: skip
_NATIVE_TENS = {"서른": 30, "마흔": 40, "아흔": 90}
_UNIT_WORDS = "|".join(sorted(_NATIVE_UNITS, key=len, reverse=True))
_DIGIT_WORDS = "[영공일이삼사오육칠팔구]|" + _UNIT_WORDS
_KO_NATIVE = re.compile(
    rf"(?<![가-힣])(서른|마흔|아흔)\s?({_UNIT_WORDS})?"
    rf"(?:\s?[점쩜]\s?({_DIGIT_WORDS}|\d))?(?=\s?(?:도|부|점|이|에|쯤|정도|넘|나|까지|[^가-힣]|$))"
)
_KO_SINO = re.compile(
    r"(?<![가-힣])(?:(삼|사|구)십([일이삼사오육칠팔구])?|백([일이삼사오육칠팔구])?(?=\s?[점쩜도]))"
    rf"(?:\s?[점쩜]\s?({_DIGIT_WORDS}|\d))?(?![가-힣]*(?:분|살|세|년|개|명|만|억|천|킬|키|번))"
)
# 38 점 5 / 38쩜5: a temperature's decimal point said as a word
_DIGIT_POINT = re.compile(
    r"(?<![\d.])(3[4-9]|4[0-2]|9[5-9]|10[0-9])\s?[점쩜]\s?(\d)(?![\d.]|\s?점)"
)

_EN_UNITS = {
    "zero": 0, "oh": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_EN_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60,
            "seventy": 70, "eighty": 80, "ninety": 90}  # fmt: skip
_EN_NUMBER = "|".join([*_EN_UNITS, *_EN_TENS, "hundred", "point", "and", "a"])
_EN_RUN = re.compile(rf"\b(?:(?:{_EN_NUMBER})(?:[\s-]+|\b))+")
_EN_UNIT_AFTER = re.compile(
    r"\s*(?:degrees?|°|f\b|c\b|fahrenheit|celsius|out of|/|hours?\b|days?\b)"
)


_KO_HUNDREDS = re.compile(
    r"(?<![가-힣])백([이삼사오육칠팔구])?십([일이삼사오육칠팔구])?(?=\s?(?:까지|이|에|정도|넘|회|번|[^가-힣]|$))"
)
# a score said in native numbers, from one to another: 넷에서 일곱으로, 일곱에서 셋으로
_KO_NATIVE_RANGE = re.compile(
    r"(?<![가-힣])(하나|둘|셋|넷|다섯|여섯|일곱|여덟|아홉|열)(?=\s?(?:에서|으로|로)(?![가-힣]{2}))"
)
# a pain score said in words, on a scale said in words: 열 점 만점에 구 점
_KO_SCORE = re.compile(r"(?<![가-힣\d])(열|[일이삼사오육칠팔구])\s?점(?=\s?만점|이|[^가-힣]|$)")


# a temperature then 에 (열 38.4에 고개가 안 숙여져요: "at 38.4, and"): the reading ends its
# clause, so the next sign's negation (안 숙여져요) is not read as the fever's
_TEMPERATURE_AT = re.compile(r"(?<![\d.])(3[5-9]\.\d|4[0-2]\.\d)\s?(?:도)?에\s")


def number_words(text: str) -> str:
    """Numbers written in words as digits (see the module docstring)."""
    if _HANGUL.search(text):
        text = _KO_NATIVE.sub(_native, text)
        text = _KO_HUNDREDS.sub(
            lambda m: str(
                100 + 10 * _SINO.get(m.group(1) or "일", 1) + _SINO.get(m.group(2) or "영", 0)
            ),
            text,
        )
        text = _KO_SINO.sub(_sino, text)
        text = _KO_NATIVE_RANGE.sub(lambda m: str(_NATIVE_UNITS.get(m.group(1), 10)), text)
        if "만점" in text:
            text = _KO_SCORE.sub(
                lambda m: ("10" if m.group(1) == "열" else str(_SINO[m.group(1)])) + "점", text
            )
        text = _DIGIT_POINT.sub(r"\1.\2", text)
        text = _TEMPERATURE_AT.sub(r"\1도, ", text)
    if re.search(r"[a-z]", text):
        text = _EN_RUN.sub(lambda m: _english(m, text), text)
    return text


def _digit(word: str | None) -> str:
    if word is None:
        return ""
    if word.isdigit():
        return word
    return str(_SINO.get(word, _NATIVE_UNITS.get(word, 0)))


def _native(match: re.Match[str]) -> str:
    value = _NATIVE_TENS[match.group(1)] + (_NATIVE_UNITS[match.group(2)] if match.group(2) else 0)
    decimal = f".{_digit(match.group(3))}" if match.group(3) else ""
    return f"{value}{decimal}"


def _sino(match: re.Match[str]) -> str:
    if match.group(1):
        value = _SINO[match.group(1)] * 10 + (_SINO[match.group(2)] if match.group(2) else 0)
    else:
        value = 100 + (_SINO[match.group(3)] if match.group(3) else 0)
    decimal = f".{_digit(match.group(4))}" if match.group(4) else ""
    return f"{value}{decimal}"


def _english(match: re.Match[str], text: str) -> str:
    run = match.group(0)
    tokens = re.findall(r"[a-z]+", run)
    # trailing joiners are not part of the number: "one and", "a"
    while tokens and tokens[-1] in ("and", "a", "point", "oh"):
        tokens.pop()
    while tokens and tokens[0] in ("and", "point", "oh", "a"):
        tokens.pop(0)
    if not tokens:
        return run
    value = _english_value(tokens)
    after = text[match.end() :]
    significant = (
        any(t in ("hundred", "point") or t in _EN_TENS for t in tokens)
        or (len(tokens) == 3 and tokens[1] == "oh")
        or bool(_EN_UNIT_AFTER.match(after))
    ) and value is not None
    if not significant:
        return run
    consumed = _span_of(run, tokens)
    return run[: consumed[0]] + str(value) + run[consumed[1] :]


def _span_of(run: str, tokens: list[str]) -> tuple[int, int]:
    first = re.search(rf"\b{tokens[0]}\b", run)
    last = list(re.finditer(rf"\b{tokens[-1]}\b", run))
    start = first.start() if first else 0
    end = last[-1].end() if last else len(run)
    return start, end


def _english_value(tokens: list[str]) -> str | None:
    if "point" in tokens:
        at = tokens.index("point")
        whole, decimals = tokens[:at], tokens[at + 1 :]
        digits = [str(_EN_UNITS[t]) for t in decimals if t in _EN_UNITS and _EN_UNITS[t] < 10]
        if len(digits) != len(decimals) or not digits:
            return None
        integer = _english_integer(whole) if whole else 0
        return None if integer is None else f"{integer}.{''.join(digits)}"
    integer = _english_integer(tokens)
    return None if integer is None else str(integer)


def _english_integer(tokens: list[str]) -> int | None:
    # "one oh one" (101), "one oh two point five"
    if (
        len(tokens) == 3
        and tokens[1] == "oh"
        and tokens[0] in _EN_UNITS
        and tokens[2] in _EN_UNITS
        and _EN_UNITS[tokens[2]] < 10
    ):
        return _EN_UNITS[tokens[0]] * 100 + _EN_UNITS[tokens[2]]
    # "one forty" (140), "one twenty five" (125): hundreds said as a digit, as for a pulse
    if len(tokens) in (2, 3) and tokens[0] == "one" and tokens[1] in _EN_TENS:
        rest = _english_integer(tokens[1:])
        return None if rest is None else 100 + rest
    total = 0
    current = 0
    for token in tokens:
        if token in ("and",):
            continue
        if token == "a":
            continue  # "a hundred" is one hundred; "a ten out of ten" is ten
        elif token == "hundred":
            total += max(current, 1) * 100
            current = 0
        elif token in _EN_TENS:
            current += _EN_TENS[token]
        elif token in _EN_UNITS and token != "oh":
            current += _EN_UNITS[token]
        else:
            return None
    return total + current


# ---------------------------------------------------------------- keyboard left in English
# the two-set (dubeolsik) Korean keyboard: what each key types (shift: ㅃ ㅉ ㄸ ㄲ ㅆ ㅒ ㅖ)
_KEYS = dict(
    zip(
        "qwertyuiopasdfghjklzxcvbnmQWERTOP",
        "ㅂㅈㄷㄱㅅㅛㅕㅑㅐㅔㅁㄴㅇㄹㅎㅗㅓㅏㅣㅋㅌㅊㅍㅠㅜㅡㅃㅉㄸㄲㅆㅒㅖ",
        strict=True,
    )
)
_LEAD = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_VOWEL = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
_TAIL = ["", *"ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ"]
_PAIR_VOWEL = {
    "ㅗㅏ": "ㅘ", "ㅗㅐ": "ㅙ", "ㅗㅣ": "ㅚ", "ㅜㅓ": "ㅝ",
    "ㅜㅔ": "ㅞ", "ㅜㅣ": "ㅟ", "ㅡㅣ": "ㅢ",
}  # fmt: skip
_PAIR_TAIL = {
    "ㄱㅅ": "ㄳ", "ㄴㅈ": "ㄵ", "ㄴㅎ": "ㄶ", "ㄹㄱ": "ㄺ", "ㄹㅁ": "ㄻ", "ㄹㅂ": "ㄼ",
    "ㄹㅅ": "ㄽ", "ㄹㅌ": "ㄾ", "ㄹㅍ": "ㄿ", "ㄹㅎ": "ㅀ", "ㅂㅅ": "ㅄ",
}  # fmt: skip
_LATIN_RUN = re.compile(r"[A-Za-z]+")


def keyboard_syllables(keys: str) -> str | None:
    """The Hangul that ``keys`` type on the two-set Korean keyboard (``thqusdl`` ->
    소변이), or None when they do not make whole syllables (most English words)."""
    if any(k not in _KEYS and k.lower() not in _KEYS for k in keys):
        return None
    jamo = [_KEYS.get(k) or _KEYS[k.lower()] for k in keys]
    out, i = [], 0
    while i < len(jamo):
        lead = jamo[i]
        if lead not in _LEAD or i + 1 >= len(jamo) or jamo[i + 1] not in _VOWEL:
            return None
        vowel, i = jamo[i + 1], i + 2
        if i < len(jamo) and vowel + jamo[i] in _PAIR_VOWEL:
            vowel, i = _PAIR_VOWEL[vowel + jamo[i]], i + 1
        tail = ""
        # a consonant closes the syllable unless a vowel follows it (then it leads the next)
        if i < len(jamo) and jamo[i] in _TAIL and (i + 1 >= len(jamo) or jamo[i + 1] not in _VOWEL):
            tail, i = jamo[i], i + 1
            pair = tail + jamo[i] if i < len(jamo) else ""
            if pair in _PAIR_TAIL and (i + 1 >= len(jamo) or jamo[i + 1] not in _VOWEL):
                tail, i = _PAIR_TAIL[pair], i + 1
        code = (_LEAD.index(lead) * 21 + _VOWEL.index(vowel)) * 28 + _TAIL.index(tail)
        out.append(chr(0xAC00 + code))
    return "".join(out)


def keyboard_korean(text: str, english: Collection[str]) -> str:
    """Korean typed with the keyboard left in English (``thqusdl dks skdhkdy`` -> 소변이 안
    나와요) in Hangul. Only when nearly all the message's Latin words type whole syllables
    and are not English words the rules know; a run touching Hangul or digits
    (``dhffkrk요``, ``38.5ehrh``) counts as a word."""
    runs = [m for m in _LATIN_RUN.finditer(text) if len(m.group(0)) >= 2]
    if not runs:
        return text
    typed = {
        m.start(): hangul
        for m in runs
        if m.group(0).lower() not in english
        and (hangul := keyboard_syllables(m.group(0))) is not None
    }
    if len(typed) < 2 or len(typed) < 0.8 * len(runs):
        return text
    for match in reversed(runs):
        if match.start() in typed:
            text = text[: match.start()] + typed[match.start()] + text[match.end() :]
    return text


# ---------------------------------------------------------------- chat
# a chat export's time stamp at a line's start: [오후 3:12], [9:05 PM], 2026. 11. 3. 오후 9:41,
_STAMP = re.compile(
    r"^\s*(?:\[\s*(?:오전|오후|AM|PM)?\s*\d{1,2}:\d{2}\s*(?:AM|PM|am|pm)?\s*\]"
    r"|\d{4}\.\s*\d{1,2}\.\s*\d{1,2}\.\s*(?:오전|오후)?\s*\d{1,2}:\d{2},?)\s*",
    re.M,
)
# a letter held three times or more (nooo, sooo, 😂 aside): said once
_STRETCHED = re.compile(r"([a-z])\1{2,}", re.I)
# intensifiers of young people's chat that carry no sign: ㅈㄴ, 존나, 졸라, 개- before a word
_INTENSIFIER = re.compile(
    r"(?<![가-힣])(?:ㅈㄴ|존나|졸라|겁나)\s*"
    r"|(?<![가-힣\d])개(?=빨리|아프|아파|아픔|힘들|무서|쫄|심하|졸려|어지|저리|저림|부어|붓)"
)
# "not me passing out": the ironic "not me" says it happened
_NOT_ME = re.compile(r"(?i)(?:^|(?<=[.!?]\s))not me (?=\w+ing\b)")


# the fillers of speech typed by dictation (um, uh, you know, 음, 어, 그 뭐냐)
_FILLER = re.compile(
    r"(?i)(?<![\w'])(?:um+|uh+|erm+|er|hmm+|you know|i mean)(?![\w'])[,]?\s*"
    r"|(?<![가-힣])(?:음+|어+|그 뭐냐|뭐더라|저기요?)(?![가-힣])[,]?\s*"
    r"|(?<=\bsince )like\s+|(?<=\w, )like,?\s+|(?<=\w )like,\s+"
)


# a quoted question of the bot or a nurse ("> Is either leg weaker?"), then its answer
_QUOTED = re.compile(r"^\s*>\s*(?:(?:bot|nurse|간호사|병원)\s*:\s*)?(.*)\n\s*(.*)", re.I | re.M)
_ANSWER_NO = re.compile(
    r"(?i)^(?:no\b|nope|nah|none|not (?:really|at all)|아니|아뇨|아니요|없어|없습|괜찮)"
)
_ANSWER_YES = re.compile(r"(?i)^(?:yes|yeah|yep|yup|네|예|응|맞아|그래)")


def _quoted(match: re.Match[str]) -> str:
    """A quoted question answered no says nothing; answered yes, it says what it asks."""
    question, answer = match.group(1), match.group(2)
    if _ANSWER_NO.match(answer):
        return answer
    if _ANSWER_YES.match(answer):
        return question.rstrip(" ?") + ". " + answer
    return question + "\n" + answer


def chat(text: str) -> str:
    """A chat message read as plain text: export time stamps dropped (a clock time is not
    a temperature), a quoted question read with its answer (answered no, it is dropped;
    answered yes, it is a statement), the fillers of dictated speech dropped, stretched
    letters said once, intensifiers without meaning dropped, and the ironic "not me
    <doing>" as what happened."""
    text = _STAMP.sub("", text)
    text = _QUOTED.sub(_quoted, text)
    text = _FILLER.sub("", text)
    text = _STRETCHED.sub(r"\1", text)
    text = _INTENSIFIER.sub("", text)
    return _NOT_ME.sub("", text)
