"""The learned second opinion (care/domain/triage/learned.py): fresh, faithful to scikit-learn,
and only ever raising a green reading to ask."""

from __future__ import annotations

import math

import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from benchmarks.triage_model import (
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
def fitted(training: Training) -> tuple[TfidfVectorizer, LogisticRegression]:
    return fit(training.texts, training.labels)


def test_the_shipped_table_is_the_one_the_corpus_and_the_rules_fit_today(
    training: Training, fitted: tuple[TfidfVectorizer, LogisticRegression]
) -> None:
    shipped = LEARNED_FILE.read_text(encoding="utf-8").splitlines()
    vectorizer, model = fitted
    digest = training_hash(training.texts, training.labels)
    synthetic = len(training.texts) - len(MESSAGES)
    expected = table(vectorizer, model, digest, len(MESSAGES), synthetic).splitlines()
    header = [line for line in shipped if line.startswith("#")]
    assert header == [line for line in expected if line.startswith("#")], (
        "stale: run `python -m benchmarks.triage_model fit`"
    )
    shipped_model = load_learned_model()
    refitted = learned_from(vectorizer, model)
    assert shipped_model.weights.keys() == refitted.weights.keys()
    for gram, (idf, weight) in refitted.weights.items():
        assert shipped_model.weights[gram] == pytest.approx((idf, weight), rel=1e-4, abs=1e-5)


def test_the_n_grams_are_scikit_learns_char_n_grams(texts: list[str]) -> None:
    analyzer = TfidfVectorizer(analyzer="char", ngram_range=(1, 5)).build_analyzer()
    for text in [*texts, "  소변이\t안   나와요 ", "a", "ab", "I  can't\npee", ""]:
        assert char_ngrams(text, 1, 5) == analyzer(text), text


def test_the_product_scores_as_scikit_learn_does(
    texts: list[str], fitted: tuple[TfidfVectorizer, LogisticRegression]
) -> None:
    vectorizer, model = fitted
    ours = learned_from(vectorizer, model)
    sample = texts[::37]
    expected = model.predict_proba(vectorizer.transform(sample))[:, 1]
    for text, probability in zip(sample, expected, strict=True):
        assert math.isclose(ours.probability(text), probability, abs_tol=1e-9), text


def test_the_model_only_raises_a_green_reading_to_ask_and_says_so() -> None:
    rules = load_free_text_rules()
    model = load_learned_model()

    def rules_reading(text: str) -> str:
        return prepare(text, rules)

    raised = 0
    for message in MESSAGES[::5]:
        alone = classify_with(message.text, rules)
        backed = classify(message.text)
        if alone.tier is not Tier.GREEN:
            assert backed == alone, message.text
        elif backed.tier is not Tier.GREEN:
            raised += 1
            assert backed.tier is Tier.ASK
            assert backed.evidence[0].startswith("learned: reads like a warning sign")
            assert backed.question is not None
            assert model.raises(rules_reading(message.text))
    assert raised, "the model raised nothing: the test reads nothing"
