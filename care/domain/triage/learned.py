"""The learned second opinion on a message the rules read as green (issue 13).

A linear model over character n-grams of the normalised reading (``free_text.prepare``):
TF-IDF over the n-grams of 1-5 characters (spaces included, so a negation is read with
the word it negates), sublinear term counts, L2-normalised, then logistic regression.
Character n-grams still meet on words the phrase tables have never seen: particles,
dialect endings, typos and spacing (``안나와``, ``나오질 않어``, ``pee'd``), so the model
recognises the look of a sign where no rule names it.

It is fitted offline with scikit-learn on the labelled messages in ``tests/triage`` and on
synthetic surface variants of them, label kept (``benchmarks/triage_variants.py``: spaces
dropped or misplaced, jamo typos, stretched letters, emoji noise, romanised Korean, dropped
particles, English case and misspellings), so that it meets kinds of typing rather than the
batch writers' styles (``python -m benchmarks.triage_model fit``), and shipped as a
reviewable text table, ``messages/triage/free_text_learned.tsv``: one line per n-gram (in
JSON quotes, so its spaces show) with its IDF and weight, the heaviest first, and a header
with the intercept, the threshold and a hash of the training data (a test refits it and fails when
the table is stale). The product reads the table and scores in plain Python: no numpy or
scikit-learn at run time.

It has two heads over the same n-grams (round 5): *a sign* (not labelled green) and *a red
sign* (labelled red), each with its own weights and intercept. It may only raise: a message
the rules read as green is asked about (``ask``) when the sign head scores it at or above
its threshold, or the red head at or above a stricter one; a message the rules read as amber
that the red head scores at or above its threshold is alerted as red (a red sign the rules
half-read: a fever with a second sign in words no rule knows), keeping the rules' rows and
evidence and adding the model's.
It never lowers a tier and never lowers nor decides a sign on its own: the rules stay the
clinicians' decision, and the model only says "this may be worse than it reads" (CLINICAL.md:
when unsure, alert or ask).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from care.domain.errors import ConfigError

LEARNED_FILE = Path(__file__).resolve().parents[3] / "messages" / "triage" / "free_text_learned.tsv"
_WHITE_SPACE = re.compile(r"\s\s+")


def char_ngrams(text: str, low: int, high: int) -> list[str]:
    """The n-grams of ``low``-``high`` characters of the lower-cased text, across spaces
    (so a negation is seen with its word: ``안 아파``, ``no pain``): the same list as
    scikit-learn's ``TfidfVectorizer(analyzer="char", lowercase=True)``."""
    text = _WHITE_SPACE.sub(" ", text.lower())
    length = len(text)
    return [
        text[start : start + n]
        for n in range(low, min(high, length) + 1)
        for start in range(length - n + 1)
    ]


@dataclass(frozen=True)
class Head:
    """One logistic head over the shared n-grams: a weight per n-gram and the intercept."""

    weights: Mapping[str, float]
    intercept: float

    def probability(self, vector: Mapping[str, float]) -> float:
        score = self.intercept + sum(v * self.weights[g] for g, v in vector.items())
        return 1 / (1 + math.exp(-score))


@dataclass(frozen=True)
class Scores:
    """A reading's probabilities under both heads: it tells a sign; it tells a red sign."""

    sign: float
    red: float


@dataclass(frozen=True)
class LearnedModel:
    """The fitted model: n-gram -> idf, the two heads, and when each raises a reading.

    ``threshold``: a green reading whose sign probability is at least this is asked about;
    ``red_ask_threshold``: so is one whose red probability is at least this; and
    ``red_threshold``: an amber reading whose red probability is at least this is red.
    """

    idf: Mapping[str, float]
    sign: Head
    red: Head
    threshold: float
    red_ask_threshold: float
    red_threshold: float
    low: int
    high: int

    def _vector(self, text: str) -> dict[str, float]:
        counts: dict[str, int] = {}
        for gram in char_ngrams(text, self.low, self.high):
            if gram in self.idf:
                counts[gram] = counts.get(gram, 0) + 1
        vector = {g: (1 + math.log(c)) * self.idf[g] for g, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vector.values()))
        return {g: v / norm for g, v in vector.items()} if norm else {}

    def scores(self, text: str) -> Scores:
        """How likely ``text`` (a normalised reading) tells a sign, and a red sign, 0-1."""
        vector = self._vector(text)
        return Scores(self.sign.probability(vector), self.red.probability(vector))

    def probability(self, text: str) -> float:
        """How likely ``text`` (a normalised reading) tells a sign, 0-1."""
        return self.scores(text).sign

    def asks(self, scores: Scores) -> bool:
        """Whether a reading the rules leave green is asked about."""
        return scores.sign >= self.threshold or scores.red >= self.red_ask_threshold

    def strongest_words(
        self, text: str, count: int = 3, head: Head | None = None
    ) -> tuple[str, ...]:
        """The words of ``text`` whose n-grams weigh most toward a sign (or ``head``'s)."""
        head = self.sign if head is None else head
        vector = self._vector(text)
        scored: dict[str, float] = {}
        for word in _WHITE_SPACE.sub(" ", text.lower()).split():
            # the n-grams inside the word (those across its spaces are shared)
            grams = set(char_ngrams(word, self.low, self.high)) & vector.keys()
            scored[word] = sum(vector[g] * head.weights[g] for g in grams)
        best = sorted((w for w in scored if scored[w] > 0), key=lambda w: -scored[w])
        return tuple(best[:count])


@cache
def load_learned_model(path: Path = LEARNED_FILE) -> LearnedModel:
    """Read the fitted table once per path (see the module's docstring)."""
    header: dict[str, str] = {}
    idf: dict[str, float] = {}
    sign: dict[str, float] = {}
    red: dict[str, float] = {}
    try:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                line = line.rstrip("\n")
                if line.startswith("#"):
                    key, _, value = line[1:].strip().partition(":")
                    header[key.strip()] = value.strip()
                elif line:
                    quoted, gram_idf, sign_weight, red_weight = line.split("\t")
                    gram = json.loads(quoted)
                    idf[gram] = float(gram_idf)
                    sign[gram] = float(sign_weight)
                    red[gram] = float(red_weight)
        low, high = (int(n) for n in header["ngram_range"].split("-"))
        return LearnedModel(
            idf,
            Head(sign, float(header["intercept"])),
            Head(red, float(header["red_intercept"])),
            float(header["threshold"]),
            float(header["red_ask_threshold"]),
            float(header["red_threshold"]),
            low,
            high,
        )
    except (OSError, KeyError, ValueError, TypeError) as error:
        raise ConfigError(f"{path.name}: {error}") from error
