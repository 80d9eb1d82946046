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

It may only raise: a message the rules read as green and the model scores at or above the
threshold is asked about (``ask``), with the evidence that the model raised it. It never
lowers a tier and never decides red or amber; the rules stay the clinicians' decision.
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
class LearnedModel:
    """The fitted model: n-gram -> (idf, weight), the intercept and the threshold."""

    weights: Mapping[str, tuple[float, float]]
    intercept: float
    threshold: float
    low: int
    high: int

    def _vector(self, text: str) -> dict[str, float]:
        counts: dict[str, int] = {}
        for gram in char_ngrams(text, self.low, self.high):
            if gram in self.weights:
                counts[gram] = counts.get(gram, 0) + 1
        vector = {g: (1 + math.log(c)) * self.weights[g][0] for g, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vector.values()))
        return {g: v / norm for g, v in vector.items()} if norm else {}

    def probability(self, text: str) -> float:
        """How likely ``text`` (a normalised reading) tells a sign, 0-1."""
        vector = self._vector(text)
        score = self.intercept + sum(v * self.weights[g][1] for g, v in vector.items())
        return 1 / (1 + math.exp(-score))

    def raises(self, text: str) -> bool:
        return self.probability(text) >= self.threshold

    def strongest_words(self, text: str, count: int = 3) -> tuple[str, ...]:
        """The words of ``text`` whose n-grams weigh most toward a sign."""
        vector = self._vector(text)
        scored: dict[str, float] = {}
        for word in _WHITE_SPACE.sub(" ", text.lower()).split():
            # the n-grams inside the word (those across its spaces are shared)
            grams = set(char_ngrams(word, self.low, self.high)) & vector.keys()
            scored[word] = sum(vector[g] * self.weights[g][1] for g in grams)
        best = sorted((w for w in scored if scored[w] > 0), key=lambda w: -scored[w])
        return tuple(best[:count])


@cache
def load_learned_model(path: Path = LEARNED_FILE) -> LearnedModel:
    """Read the fitted table once per path (see the module's docstring)."""
    header: dict[str, str] = {}
    weights: dict[str, tuple[float, float]] = {}
    try:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                line = line.rstrip("\n")
                if line.startswith("#"):
                    key, _, value = line[1:].strip().partition(":")
                    header[key.strip()] = value.strip()
                elif line:
                    gram, idf, weight = line.split("\t")
                    weights[json.loads(gram)] = (float(idf), float(weight))
        low, high = (int(n) for n in header["ngram_range"].split("-"))
        return LearnedModel(
            weights, float(header["intercept"]), float(header["threshold"]), low, high
        )
    except (OSError, KeyError, ValueError, TypeError) as error:
        raise ConfigError(f"{path.name}: {error}") from error
