"""Synthetic surface variants of a labelled message, for fitting the learned second opinion.

A variant keeps the message's label and changes only how it is typed: spaces dropped or
put at random places, a jamo slipped to a neighbouring key, a final consonant dropped,
letters stretched, emoji and ㅠㅠ noise, Korean written in romanised letters, particles
dropped, English in one case, English words misspelled. The model then meets whole kinds of
surface variation rather than the styles of the writers who wrote the batches.

Every variant is drawn from a random generator seeded with the message's own text, so the
variants of a message are the same whichever other messages are fitted with it (leave one
batch out) and fitting stays deterministic.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable

_HANGUL = re.compile(r"[가-힣]")
_LATIN_WORD = re.compile(r"[A-Za-z]{4,}")
_BASE = 0xAC00
_LEADS = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_VOWELS = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
_TAILS = ["", *"ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ"]

# Revised Romanization, syllable by syllable (no sound changes across syllables: people
# who type romanised Korean mostly do not apply them either)
_ROMAN_LEADS = ["g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch",
                "k", "t", "p", "h"]  # fmt: skip
_ROMAN_VOWELS = ["a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo",
                 "u", "wo", "we", "wi", "yu", "eu", "ui", "i"]  # fmt: skip
_ROMAN_TAILS = ["", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l",
                "m", "p", "p", "t", "t", "ng", "t", "t", "k", "t", "p", "t"]  # fmt: skip

# keys next to each other on the two-set keyboard (a finger that slipped)
_NEIGHBOUR_LEADS = {
    "ㅂ": "ㅈ", "ㅈ": "ㄷ", "ㄷ": "ㄱ", "ㄱ": "ㅅ", "ㅅ": "ㄱ", "ㅁ": "ㄴ", "ㄴ": "ㅇ",
    "ㅇ": "ㄹ", "ㄹ": "ㅎ", "ㅎ": "ㄹ", "ㅋ": "ㅌ", "ㅌ": "ㅊ", "ㅊ": "ㅍ", "ㅍ": "ㅊ",
}  # fmt: skip
_NEIGHBOUR_VOWELS = {
    "ㅛ": "ㅕ", "ㅕ": "ㅑ", "ㅑ": "ㅐ", "ㅐ": "ㅔ", "ㅔ": "ㅐ", "ㅗ": "ㅓ", "ㅓ": "ㅏ",
    "ㅏ": "ㅓ", "ㅣ": "ㅏ", "ㅠ": "ㅜ", "ㅜ": "ㅡ", "ㅡ": "ㅜ",
}  # fmt: skip
_PARTICLES = re.compile(r"(?<=[가-힣]{2})(이|가|을|를|은|는|도|에|에서|의)(?=\s)")
_NOISE = ["ㅠㅠ", "ㅜㅜ", "ㅠㅠㅠ", "ㅋㅋ", "ㅎㅎ", ";;", "...", "!!", "~~", "😭", "😢", "🙏",
          "😱", "💀", "ㅡㅡ", "^^", "??"]  # fmt: skip
_EN_SLIPS = {
    "can't": "cant", "don't": "dont", "won't": "wont", "isn't": "isnt", "i'm": "im",
    "because": "cuz", "you": "u", "are": "r", "really": "rly", "please": "pls",
    "yesterday": "yday", "tonight": "tonite", "though": "tho", "with": "w/",
    "temperature": "temp", "about": "abt", "something": "smth", "the": "teh",
}  # fmt: skip


def _syllable(char: str) -> tuple[int, int, int]:
    code = ord(char) - _BASE
    return code // 588, (code % 588) // 28, code % 28


def _compose(lead: int, vowel: int, tail: int) -> str:
    return chr(_BASE + lead * 588 + vowel * 28 + tail)


def no_spaces(text: str, rng: random.Random) -> str:
    """Korean run together (안나와요 어제부터 -> 안나와요어제부터)."""
    return re.sub(r"(?<=[가-힣]) (?=[가-힣])", "", text)


def random_spaces(text: str, rng: random.Random) -> str:
    """Spaces dropped and put in at random places, as hurried thumbs do."""
    out = []
    for index, char in enumerate(text):
        if char == " " and rng.random() < 0.4:
            continue
        out.append(char)
        if _HANGUL.match(char) and index + 1 < len(text) and rng.random() < 0.15:
            out.append(" ")
    return "".join(out)


def jamo_typos(text: str, rng: random.Random) -> str:
    """A few syllables mistyped: a lead or vowel from the neighbouring key, a final
    consonant dropped or doubled into the next syllable's place."""
    chars = list(text)
    places = [i for i, c in enumerate(chars) if _HANGUL.match(c)]
    for index in rng.sample(places, k=min(len(places), max(1, len(places) // 8))):
        lead, vowel, tail = _syllable(chars[index])
        choice = rng.random()
        if choice < 0.35 and tail:
            tail = 0
        elif choice < 0.65 and _LEADS[lead] in _NEIGHBOUR_LEADS:
            lead = _LEADS.index(_NEIGHBOUR_LEADS[_LEADS[lead]])
        elif _VOWELS[vowel] in _NEIGHBOUR_VOWELS:
            vowel = _VOWELS.index(_NEIGHBOUR_VOWELS[_VOWELS[vowel]])
        chars[index] = _compose(lead, vowel, tail)
    return "".join(chars)


def stretched(text: str, rng: random.Random) -> str:
    """Letters stretched (sooo, 아아아프다, 너무우우)."""
    words = text.split(" ")
    for index in rng.sample(range(len(words)), k=min(len(words), max(1, len(words) // 4))):
        word = words[index]
        if not word:
            continue
        at = rng.randrange(len(word))
        char = word[at]
        if char.isalpha() and not _HANGUL.match(char):
            words[index] = word[: at + 1] + char * rng.randint(2, 4) + word[at + 1 :]
        elif _HANGUL.match(char):
            vowel = _syllable(char)[1]
            echo = _compose(_LEADS.index("ㅇ"), vowel, 0)
            words[index] = word[: at + 1] + echo * rng.randint(1, 3) + word[at + 1 :]
    return " ".join(words)


def emoji_noise(text: str, rng: random.Random) -> str:
    """ㅠㅠ, emoji and punctuation noise between the words and at the end."""
    words = text.split(" ")
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(words) + 1)
        words.insert(at, rng.choice(_NOISE))
    return " ".join(words)


def romanised(text: str, rng: random.Random) -> str:
    """Korean written in Latin letters by its syllables (소변이 -> sobyeoni)."""

    def roman(match: re.Match[str]) -> str:
        lead, vowel, tail = _syllable(match.group())
        return _ROMAN_LEADS[lead] + _ROMAN_VOWELS[vowel] + _ROMAN_TAILS[tail]

    return _HANGUL.sub(roman, text)


def dropped_particles(text: str, rng: random.Random) -> str:
    """Particles left out, as in speech and texting (소변이 안 나와요 -> 소변 안 나와요)."""
    return _PARTICLES.sub(lambda m: "" if rng.random() < 0.7 else m.group(), text + " ")[:-1]


def english_case(text: str, rng: random.Random) -> str:
    """All in lower case, or all in capitals."""
    return text.upper() if rng.random() < 0.4 else text.lower()


def english_misspelled(text: str, rng: random.Random) -> str:
    """Texting spellings and slips: a letter dropped, doubled or swapped with its
    neighbour in a few longer words, common short forms."""

    def slip(match: re.Match[str]) -> str:
        word = match.group()
        if rng.random() > 0.3:
            return word
        at = rng.randrange(1, len(word) - 1)
        kind = rng.random()
        if kind < 0.4:
            return word[:at] + word[at + 1 :]
        if kind < 0.7:
            return word[:at] + word[at] + word[at:]
        return word[:at] + word[at + 1] + word[at] + word[at + 2 :]

    words = [_EN_SLIPS.get(w.lower(), w) if rng.random() < 0.7 else w for w in text.split(" ")]
    return _LATIN_WORD.sub(slip, " ".join(words))


Variant = Callable[[str, random.Random], str]
KOREAN: tuple[Variant, ...] = (
    no_spaces, random_spaces, jamo_typos, stretched, emoji_noise, romanised, dropped_particles,
)  # fmt: skip
ENGLISH: tuple[Variant, ...] = (english_case, english_misspelled, stretched, emoji_noise)


def variants(text: str, count: int) -> list[str]:
    """``count`` variants of ``text``, each one or two of the surface changes above, drawn
    from a generator seeded with the text; variants equal to the text are left out."""
    rng = random.Random(hashlib.sha256(text.encode()).digest())
    kinds = KOREAN if _HANGUL.search(text) else ENGLISH
    out: list[str] = []
    for _ in range(count):
        chosen = rng.sample(kinds, k=rng.choice((1, 1, 2)))
        variant = text
        for change in chosen:
            variant = change(variant, rng)
        if variant != text and variant not in out:
            out.append(variant)
    return out
