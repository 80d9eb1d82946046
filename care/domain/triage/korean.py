"""Text preparation for the free-text classifier: normalising, clauses, a spacing-free view.

Why hand-written normalisation and not the Kiwi morphological analyser (``kiwipiepy``)?
We tried Kiwi on the phrases that matter and kept it out of the decision path:

* it misreads the short, colloquial messages that carry the warning signs: ``남편이 열나요``
  comes out as 열/VV "open" + 나요, so a rule keyed on 열/NNG would drop a fever; in
  ``열은 없는데 오한이 있어요`` the connective 는데 becomes ETM + NNB, so a clause splitter
  built on its connective tags would fail on exactly the trap it is meant to handle;
* its typo model did not repair the typos patients make (``욜이 나요``), and its first
  typo-aware call takes seconds;
* a statistical tagger's output can change between model releases, while a safety rule
  must stay deterministic and readable by a clinician.

What Kiwi would give us, separating particles and endings from stems, we get from data:
patterns are matched against a *spacing-free* view of each clause (``머리 가 아파요``,
``머리가아파요`` and ``머리가 아파요`` all become ``머리가아파요``), particles are optional
groups in the patterns, verb stems are written once as ``<아프>`` and expanded to their
conjugated forms from the ``stems:`` table, and look-alikes (열심히, 열 시, 창문 열어요,
마음의 상처, 힘들어요) are masked out before matching. Positions in the spacing-free view
map back to the original text so the evidence quotes what the patient wrote.

Re-weighed later for spacing-free text (머리가아파서잠을안자요): Kiwi's ``space()`` re-spaces
such text well (about 0.3 ms a call once warm), but loads in about 2.3 s and adds about
500 MB to the process, and still needs post-fixes (it writes 없는데 as 없는 데). Removing
every space from the Korean messages of both labelled sets showed the spacing-free view
already keeps 182 of 184 red messages red with no false alarm; the failures were negation
leaking across an unspaced -어서 or sentence end, which ``_KO_INNER_CONNECTIVE`` now
splits. So Kiwi stays out, and it is no longer a dependency (issue 13: installed, 105 MB,
never imported). What it would add for regional speech, romanised Korean, English words in
Korean sentences and numbers in words, ``reading.py`` does with small tables in the rules.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

_SPACES = re.compile(r"\s+")
_DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d\b)")
# Korean connective endings that close a clause when a spaced word ends with them
# (는데, 지만, 고, -아서/-어서, 니까, 면서, 다가, 더니).
# 에서 and 하고 are particles, not clause ends.
_KO_CONNECTIVE = re.compile(
    r"(?:[는은인던ㄴ]데(?:요|도)?|지만(?:요)?|(?<!하)고(?:요)?|구요|(?<![에부데테])서(?:요)?|니까|"
    r"으니|면서|으며|다가|더니)[,]?$"
)
# -ㄴ데 on any syllable with a ㄴ final (아픈데, 저린데, 빨간데, 심한데, 이상한데): the
# connective "but / and", which the class [는은인던] above misses. Not after 수술한 / 꿰맨 /
# 다친 (수술한데 빨개요: 데 = the place), and not before 없 / 있 (아픈데 없어요: nothing hurts).
_N_FINAL = "".join(chr(0xAC00 + syllable + 4) for syllable in range(0, 11172, 28))
_KO_N_DE = re.compile(
    rf"(?<!수술)(?<!수술하)(?<!꿰)(?<!절개)(?<!다)(?<!째)[{_N_FINAL}]데(?:요|도)?[,]?$"
)
# Adjective and mimetic roots patients put before -하고 (띵하고, 뻐근하고): there -하고
# closes a clause; after a noun (소변하고 대변이...) it is the particle "and" and does not.
_KO_HAGO_CLAUSE = re.compile(
    r"(?:띵|뻐근|답답|멍|이상|찌릿|저릿|욱신|지끈|얼얼|먹먹|멍멍|뻣뻣|뻑뻑|묵직|시큰|으슬으슬|"
    r"오싹|따끔|화끈|뜨끈|축축|피곤|괜찮|심|불편|메슥|울렁|몽롱|흐릿|멀쩡|깨끗|딱딱|땡땡|"
    r"퉁퉁|벌렁|두근|쿵쾅|콕콕|쿡쿡|뜨끔|찌뿌둥|찝찝|둔|무감각|후들후들|휘청|덜렁|빵빵|"
    r"뻐근뻐근|욱씬|찌릿찌릿|저릿저릿|시원|편|급|약|이|그렇|어떻|이렇)하고(?:요)?[,]?$"
)
# A spaced word that ends a Korean sentence (아파요, 없어요, 했다, 아파여, 안 남, ㅠㅠ)
# when more words follow: 머리가 아파요 누우면 괜찮아요 is two sentences, so the
# 괜찮 of the second does not reach the headache of the first. Particles + 요 (두통이요,
# 다리는요, 허리도요), 다 meaning "all" (양쪽 다, 둘다) and 마다 "every" (날마다, 때마다)
# do not end a sentence.
_KO_SENTENCE_END = re.compile(
    r"(?:[가-힣](?<![이은는도을를가에의])(?:요|용|염)|이[에예]요|[가-힣](?:여)|"
    r"[가-힣](?<![쪽둘두모부전보마])다|[았었였했겠]음|\^\^)[,]?$"
)
# Emoticon jamo (ㅠㅠ, ㅋㅋ) end a sentence after a predicate (아파ㅠㅠ 누우면...) but not
# after a bare noun (소변ㅠ 안나옴 is one sentence): the syllable before them decides.
_JAMO_TAIL = re.compile(r"[\u1100-\u11ff\u3130-\u318f]+[,]?$")
_PREDICATE_FINAL = frozenset(
    "요다나해파워와어아지네음함남짐됨옴움죠래게까니냐야자여예용염임봄눔픔림듯셈당잉께"
)
# Spots inside unspaced Korean where a new clause starts even without a space.
# -아서/-어서 too (굳어서, 아파서, 뻣뻣해서), but not 에서 (a particle) or 일어서 (a verb);
# and a verbal sentence end (아파요누우면괜찮아요), but not 고요 (잔뇨감이있고요도가: 요도).
_KO_INNER_CONNECTIVE = re.compile(
    r"(?<=[가-힣])(?:[는은인]데|지만|(?<!일)(?:[아어와워해려져혀파]|어지)서|"
    r"[아어와워해려져혀파네예에세데게]요)(?=[가-힣]{2})"
)
_EN_CONNECTIVE = re.compile(
    r"\s*(?:,|:|\b(?:but|although|though|however|and|because|yet|while|whereas|except)\b|"
    # "so" joins clauses (so i called), not an intensifier (my leg is so weak)
    r"\bso\b(?= (?:i|i'm|i've|he|she|we|they|it|my|his|her|the|now|then|that|there)\b))\s*"
)
# "-나요" alone is not a question mark: 열나요 states a fever (나다 + 요), 아프나요 asks.
_QUESTION_END = re.compile(
    r"(?:\?|(?:까요|[인는은한운된런픈난진린른될할]가요|는지요|[을ㄹ]까|냐|"
    r"(?:있|없|되|하|않|괜찮|가|아프|나)나요)\W*)\s*$"
)
_EN_QUESTION_START = re.compile(
    # "when I wipe it feels..." is a statement; "when can I drive" asks (a "?" asks anyway)
    r"^(?:is|are|can|could|should|will|would|do|does|did|how|what|why|am i"
    r"|when(?! (?:i|i'm|i've|he|she|they|we|my|his|her|it)\b))\b(?!')"
)


@dataclass(frozen=True)
class Clause:
    """One clause of a message.

    ``text`` is normalised (NFKC, lower case, single spaces); ``compact`` is the same
    text with all whitespace removed, and ``index[i]`` is the position in ``text`` of
    ``compact[i]``. ``is_question`` is true for the clause that ends a question.
    """

    text: str
    compact: str
    index: tuple[int, ...]
    is_question: bool

    def quote(self, start: int, end: int) -> str:
        """The normalised text behind ``compact[start:end]``."""
        if end <= start:
            return ""
        return self.text[self.index[start] : self.index[end - 1] + 1]


def normalise(text: str, spelling: Mapping[str, str] = {}, symbols: Mapping[str, str] = {}) -> str:
    """NFKC, lower case, single spaces, decimal commas as points, known misspellings fixed.

    Also: Korean numerals before 도 and the 38도5부 way of writing tenths become digits
    (삼십팔도 칠부 -> 38.7도; dictated 삼십팔 쩜 칠 도 and 38또 too); an x or o written
    after a Korean word reads as 없음 / 있음
    (열x, 다리 힘x); emoji and other pictographs become the words of ``symbols`` (🤒 -> 열)
    or a space, so that 다리 🦵 힘이 없어요 reads as 다리 힘이 없어요.
    """
    cleaned = unicodedata.normalize("NFKC", text).lower()
    cleaned = cleaned.replace("’", "'").replace("`", "'")
    cleaned = _DECIMAL_COMMA.sub(".", cleaned)
    cleaned = _korean_numbers(cleaned)
    cleaned = _MARK_ABSENT.sub(" 없음 ", cleaned)
    cleaned = _MARK_PRESENT.sub(" 있음 ", cleaned)
    for symbol, word in symbols.items():
        cleaned = cleaned.replace(symbol, f" {word} ")
    cleaned = "".join(" " if _is_pictograph(char) else char for char in cleaned)
    if spelling and _spelling_pattern(tuple(spelling)).search(cleaned):
        for wrong, right in spelling.items():  # in order: a fix may feed the next one
            cleaned = cleaned.replace(wrong, right)
    return _SPACES.sub(" ", cleaned).strip()


@functools.lru_cache(maxsize=8)
def _spelling_pattern(wrong: tuple[str, ...]) -> re.Pattern[str]:
    """Any misspelling of the table: most messages have none, and skip the replacements."""
    return re.compile("|".join(re.escape(word) for word in sorted(wrong, key=len, reverse=True)))


_KO_DIGITS = {
    "영": 0,
    "공": 0,
    "일": 1,
    "이": 2,
    "삼": 3,
    "사": 4,
    "오": 5,
    "육": 6,
    "칠": 7,
    "팔": 8,
    "구": 9,
}
_KO_TENS = re.compile(
    r"(?<![가-힣])([삼사])십([일이삼사오육칠팔구])?(?:\s*[점쩜]\s*([영공일이삼사오육칠팔구]))?(?=\s*도)"
)
# dictation and chat spellings of a temperature: 38쩜5 (점 said 쩜), 38또 / 삼십팔또
# (도 heard as 또)
_DIGIT_POINT = re.compile(r"(?<=\d)\s*쩜\s*(?=\d)")
_DEGREE_TTO = re.compile(
    r"(?<![가-힣\d.])((?:[삼사]십[일이삼사오육칠팔구]?(?:\s*[점쩜]\s*[영공일이삼사오육칠팔구])?|"
    r"\d{2}(?:\.\d)?))\s*또(?=\s|$|[요예에까넘나])"
)
# 38도5부, 38도 5부, 38도 오부: the old way of writing tenths of a degree
_DEGREE_TENTHS = re.compile(r"(?<![\d.])(\d{2})\s*도\s*([0-9]|[영공일이삼사오육칠팔구])\s*부")
_MARK_ABSENT = re.compile(r"(?<=[가-힣])\s*(?:[x×✕✗✘❌]|엑스)+(?![a-z])")
_MARK_PRESENT = re.compile(r"(?<=[가-힣])\s*[o⭕]+(?![a-z])")


# telegraphic notes (열 + 두통 심함, 39도 토 2번, 소변 X 9시간): a plus sign joins two
# findings; a bare sign noun standing as its own fragment (after the start, a separator or
# a number, before a number, a separator or the end) states the sign as present; a bare
# duration after a finding is its own fragment
_PLUS = re.compile(r"\s*\+\s*(?=\S)")
_DURATION_AFTER_FINDING = re.compile(r"(?<=[없있]음)\s+(?=\d+\s*(?:시간|일|분|주)\b)")


def telegraphic(text: str, nouns: Mapping[str, str]) -> str:
    """A telegraphic note written as clauses: 열 + 두통 심함 -> 열 있음, 두통 심함.

    A message of one bare noun (열) is left as it is: nothing says it is a note."""
    text = _PLUS.sub(", ", text)
    text = _DURATION_AFTER_FINDING.sub(", ", text)
    if nouns and text.strip() not in nouns:
        bare = re.compile(
            r"(?:(?<=^)|(?<=[,;/]\s)|(?<=[,;/])|(?<=\d도\s)|(?<=\d\s))("
            + "|".join(re.escape(noun) for noun in sorted(nouns, key=len, reverse=True))
            + r")(?=\s*(?:$|[,;/]|\d))"
        )
        text = bare.sub(lambda match: nouns[match.group(1)], text)
    return text


def _korean_numbers(text: str) -> str:
    def tens(match: re.Match[str]) -> str:
        value = f"{_KO_DIGITS[match.group(1)]}{_KO_DIGITS.get(match.group(2) or '영', 0)}"
        return value + (f".{_KO_DIGITS[match.group(3)]}" if match.group(3) else "")

    def tenths(match: re.Match[str]) -> str:
        digit = match.group(2)
        return f"{match.group(1)}.{_KO_DIGITS.get(digit, digit)}도"

    if "또" in text:
        text = _DEGREE_TTO.sub(r"\1도", text)
    if "쩜" in text:
        text = _DIGIT_POINT.sub(".", text)
    return _DEGREE_TENTHS.sub(tenths, _KO_TENS.sub(tens, text))


def _is_pictograph(char: str) -> bool:
    """Emoji, pictographs, joiners and variation selectors (not °, %, or letters)."""
    if char == "°" or char.isalnum() or char.isspace():
        return False
    return (
        unicodedata.category(char) in ("So", "Sk", "Cf", "Cs", "Co") or "\ufe00" <= char <= "\ufe0f"
    )


def romanised_to_hangul(
    text: str, words: Mapping[str, str], context_words: Mapping[str, str]
) -> str:
    """Romanised Korean (sobyeon i an nawayo) written back in Hangul (소변 이 안 나와요).

    A word of ``words`` is replaced wherever it stands (none of them is an English word);
    a word of ``context_words`` (i, an, e, mot...) only next to a replaced word, so the
    English "i" and "an" stay English.
    """
    tokens = re.findall(r"[a-z]+|[^a-z]+", text)
    known = [token in words for token in tokens]
    if not any(known):
        return text
    result: list[str] = []
    for number, token in enumerate(tokens):
        if known[number]:
            result.append(words[token])
        elif token in context_words and _next_to_known(tokens, known, number):
            result.append(context_words[token])
        else:
            result.append(token)
    return "".join(result)


def _next_to_known(tokens: Sequence[str], known: Sequence[bool], number: int) -> bool:
    for step in (-2, 2):  # tokens alternate word / separator
        other = number + step
        if 0 <= other < len(tokens) and known[other] and not tokens[number + step // 2].strip(" "):
            return True
    return False


def fix_english_typos(
    text: str, vocabulary: Iterable[str], common: Collection[str] = frozenset()
) -> str:
    """Replace English words one edit away from a vocabulary word (``feaver`` -> ``fever``).

    Only words of four letters or more that start with the same letter are touched, and
    never a word of ``common`` (would -> wound, staff -> stiff must not happen).
    """
    words = tuple(vocabulary)
    known = set(words)

    def repair(match: re.Match[str]) -> str:
        word = match.group(0)
        if len(word) < 4 or word in known or word in common:
            return word
        for candidate in words:
            if (
                candidate[0] == word[0]
                and abs(len(candidate) - len(word)) <= 1
                and _one_edit(word, candidate)
            ):
                return candidate
        return word

    return re.sub(r"[a-z]+", repair, text)


def _one_edit(a: str, b: str) -> bool:
    """True when ``a`` becomes ``b`` by one insertion, deletion, substitution or swap."""
    if a == b:
        return True
    if len(a) == len(b):
        diffs = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diffs) == 1:
            return True
        return (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and a[diffs[0]] == b[diffs[1]]
            and (a[diffs[1]] == b[diffs[0]])
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def clauses(text: str) -> tuple[Clause, ...]:
    """Split normalised text into sentences, then into clauses at connectives.

    Negation, hedging and questions are scoped to a clause: in 열은 없는데 오한이 있어요
    the 없 of the first clause does not reach 오한 in the second.
    """
    result: list[Clause] = []
    for sentence in _sentences(text):
        parts = _split_sentence(sentence)
        question = bool(_QUESTION_END.search(sentence)) or bool(_EN_QUESTION_START.match(sentence))
        for number, part in enumerate(parts):
            last = number == len(parts) - 1
            result.append(_clause(part, is_question=question and last))
    return tuple(result)


def whole(text: str) -> Clause:
    """The whole message as one clause (for findings that span clauses)."""
    return _clause(text, is_question=False)


def _sentences(text: str) -> Sequence[str]:
    pieces = re.split(r"(?<=[!?…~\n;])|(?<=\.)(?!\d)", text)
    sentences: list[str] = []
    for piece in pieces:
        current: list[str] = []
        for word in piece.split(" "):
            current.append(word)
            if _ends_sentence(word, current):
                sentences.append(" ".join(current))
                current = []
        if current:
            sentences.append(" ".join(current))
    return [piece.strip() for piece in sentences if piece.strip(" .!?…~;\n")]


def _ends_sentence(word: str, words: Sequence[str]) -> bool:
    """Whether the Korean ``word`` (the last of ``words``) closes a sentence."""
    if _KO_SENTENCE_END.search(word) and re.search(r"[가-힣]", word):
        return True
    if not _JAMO_TAIL.search(word):
        return False
    stem = _JAMO_TAIL.sub("", word)
    if not stem:  # ㅠㅠ on its own: look at the word before it
        stem = words[-2] if len(words) > 1 else ""
    stem = stem.rstrip(",.!?~")
    return not stem or stem[-1] in _PREDICATE_FINAL or bool(_KO_SENTENCE_END.search(stem))


def _split_sentence(sentence: str) -> list[str]:
    parts: list[str] = []
    for english_part in _EN_CONNECTIVE.split(sentence):
        if not english_part.strip():
            continue
        current: list[str] = []
        words = english_part.split(" ")
        for word_number, word in enumerate(words):
            following = words[word_number + 1] if word_number + 1 < len(words) else ""
            pieces = _split_inner(word)
            for number, piece in enumerate(pieces):
                current.append(piece)
                inner_end = number < len(pieces) - 1  # split at a connective inside the word
                n_de = (
                    "데" in piece
                    and bool(_KO_N_DE.search(piece))
                    and not following.startswith(("없", "있"))
                )
                connective = _KO_CONNECTIVE.search(piece) or _KO_HAGO_CLAUSE.search(piece)
                if inner_end or n_de or connective:
                    parts.append(" ".join(current))
                    current = []
        if current:
            parts.append(" ".join(current))
    return [part.strip() for part in parts if part.strip()]


def _split_inner(word: str) -> list[str]:
    pieces: list[str] = []
    start = 0
    for match in _KO_INNER_CONNECTIVE.finditer(word):
        pieces.append(word[start : match.end()])
        start = match.end()
    pieces.append(word[start:])
    return [piece for piece in pieces if piece]


def _clause(text: str, *, is_question: bool) -> Clause:
    compact_chars: list[str] = []
    index: list[int] = []
    for position, char in enumerate(text):
        if not char.isspace():
            compact_chars.append(char)
            index.append(position)
    return Clause(text, "".join(compact_chars), tuple(index), is_question)
