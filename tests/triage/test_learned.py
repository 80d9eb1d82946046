"""The learned second opinion (care/domain/triage/learned.py): fresh, faithful to scikit-learn,
and only ever raising a green reading to ask or an amber one to red."""

from __future__ import annotations

import math

import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from benchmarks.triage_model import (
    Fitted,
    Training,
    corpus,
    fit,
    learned_from,
    table,
    training_hash,
    training_set,
)
from care.domain.triage import Tier, classify
from care.domain.triage.free_text import classify_with, prepare
from care.domain.triage.learned import LEARNED_FILE, char_ngrams, load_learned_model
from care.domain.triage.rules import load_free_text_rules

MESSAGES = corpus()


@pytest.fixture(scope="module")
def training() -> Training:
    return training_set(MESSAGES)


@pytest.fixture(scope="module")
def texts(training: Training) -> list[str]:
    """The labelled messages' own readings (the variants follow them in ``training``)."""
    return training.texts[: len(MESSAGES)]


@pytest.fixture(scope="module")
def fitted(training: Training) -> Fitted:
    return fit(training.texts, training.labels, training.red)


def test_the_shipped_table_is_the_one_the_corpus_and_the_rules_fit_today(
    training: Training, fitted: Fitted
) -> None:
    shipped = LEARNED_FILE.read_text(encoding="utf-8").splitlines()
    digest = training_hash(training.texts, training.labels, training.red)
    synthetic = len(training.texts) - len(MESSAGES)
    expected = table(fitted, digest, len(MESSAGES), synthetic).splitlines()
    header = [line for line in shipped if line.startswith("#")]
    assert header == [line for line in expected if line.startswith("#")], (
        "stale: run `python -m benchmarks.triage_model fit`"
    )
    shipped_model = load_learned_model()
    refitted = learned_from(fitted)
    assert shipped_model.idf.keys() == refitted.idf.keys()
    for gram, idf in refitted.idf.items():
        shipped_row = (idf, refitted.sign.weights[gram], refitted.red.weights[gram])
        assert (
            shipped_model.idf[gram],
            shipped_model.sign.weights[gram],
            shipped_model.red.weights[gram],
        ) == pytest.approx(shipped_row, rel=1e-4, abs=1e-5)


def test_the_n_grams_are_scikit_learns_char_n_grams(texts: list[str]) -> None:
    analyzer = TfidfVectorizer(analyzer="char", ngram_range=(1, 5)).build_analyzer()
    for text in [*texts, "  소변이\t안   나와요 ", "a", "ab", "I  can't\npee", ""]:
        assert char_ngrams(text, 1, 5) == analyzer(text), text


def test_the_product_scores_as_scikit_learn_does(texts: list[str], fitted: Fitted) -> None:
    ours = learned_from(fitted)
    sample = texts[::37]
    features = fitted.vectorizer.transform(sample)
    signs = fitted.sign.predict_proba(features)[:, 1]
    reds = fitted.red.predict_proba(features)[:, 1]
    for text, sign, red in zip(sample, signs, reds, strict=True):
        scores = ours.scores(text)
        assert math.isclose(scores.sign, sign, abs_tol=1e-9), text
        assert math.isclose(scores.red, red, abs_tol=1e-9), text


def test_the_model_only_raises_green_to_ask_and_amber_to_red_and_says_so() -> None:
    rules = load_free_text_rules()
    model = load_learned_model()
    asked = alerted = 0
    for message in MESSAGES[::3]:
        alone = classify_with(message.text, rules)
        backed = classify(message.text)
        reading = prepare(message.text, rules)
        if alone.tier is Tier.GREEN and backed.tier is not Tier.GREEN:
            asked += 1
            assert backed.tier is Tier.ASK
            assert backed.evidence[0].startswith("learned: reads like a")
            assert backed.question is not None
            assert model.asks(model.scores(reading))
        elif alone.tier is Tier.AMBER and backed.tier is not Tier.AMBER:
            alerted += 1
            assert backed.tier is Tier.RED
            assert backed.flags == alone.flags  # the rules' rows and words are kept
            assert backed.evidence[:-1] == alone.evidence
            assert backed.evidence[-1].startswith("learned: reads like a red sign")
            assert backed.question is not None
            assert model.scores(reading).red >= model.red_threshold
        else:
            assert backed == alone, message.text
    assert asked, "the model asked about nothing: the test reads nothing"
    assert alerted, "the model raised no amber reading: the test reads nothing"
