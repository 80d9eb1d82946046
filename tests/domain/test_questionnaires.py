"""The licensed-questionnaire hook: the file is checked at start-up, items are scored."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from care.domain.errors import ConfigError
from care.domain.questionnaires import load_questionnaire
from care.domain.triage.checkin import NOTE_QUESTION, next_question
from care.settings import load_settings
from messages.catalog import load_catalog

EXAMPLE = Path(__file__).resolve().parents[2] / "messages" / "questionnaire.example.yaml"
OPTION = {"ko": "가", "en": "a"}


def written(tmp_path: Path, **changes: object) -> Path:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8")) | changes
    path = tmp_path / "q.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_the_example_file_loads_with_texts_in_both_languages() -> None:
    questionnaire = load_questionnaire(EXAMPLE)
    assert [q.id for q in questionnaire.questions] == ["demo1", "demo2"]
    assert questionnaire.questions_on(42) == questionnaire.questions
    assert questionnaire.questions_on(43) == ()
    for lang in ("ko", "en"):
        keys = {q.text_key for q in questionnaire.questions}
        keys |= {o.label_key for q in questionnaire.questions for o in q.options}
        assert keys == set(questionnaire.texts[lang])


@pytest.mark.parametrize(
    ("scoring", "answers", "score"),
    [
        ("percent", {"demo1": "1", "demo2": "3"}, 66.7),
        ("percent", {"demo1": "3"}, 100.0),  # a skipped item does not count against
        ("sum", {"demo1": "1", "demo2": "3"}, 4.0),
        ("none", {"demo1": "1", "demo2": "3"}, None),
        ("percent", {"legpain": "7"}, None),  # nothing of this questionnaire answered
    ],
)
def test_scores(tmp_path: Path, scoring: str, answers: dict[str, str], score: float | None) -> None:
    questionnaire = load_questionnaire(written(tmp_path, scoring=scoring))
    assert questionnaire.score(answers) == score


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"id": "ODI-2"}, "id: expected 1-4 lowercase letters or digits, starting with a letter"),
        ({"days": []}, "days: list at least 1, got 0"),
        ({"days": [-3]}, "days[0]: must be at least 0, got -3"),
        ({"scoring": "median"}, "scoring: expected 'percent', 'sum' or 'none', got 'median'"),
        (
            {"items": [{"text": {"ko": "하나"}, "options": [OPTION] * 2}]},
            "items[0].text: 'en' is missing",
        ),
        (
            {"items": [{"text": {"ko": "하나", "en": "one"}, "options": [OPTION]}]},
            "items[0].options: list at least 2",
        ),
        (
            {"items": [{"text": {"ko": "하나", "en": " "}, "options": [OPTION] * 2}]},
            "items[0].text.en: must not be empty",
        ),
        ({"name": None}, "name: expected a mapping of names to values, got None"),
        ({"weight": 2}, "top level: unknown field 'weight'; allowed: days, id, items, name"),
    ],
)
def test_a_bad_file_is_refused_saying_where_and_what_is_wrong(
    tmp_path: Path, changes: dict[str, object], complaint: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        load_questionnaire(written(tmp_path, **changes))
    assert str(raised.value).startswith(f"{tmp_path / 'q.yaml'}: {complaint}")


def test_a_bad_file_stops_start_up_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPINECARE_QUESTIONNAIRE_FILE", str(written(tmp_path, days=[-3])))
    with pytest.raises(ConfigError) as caught:
        load_settings(_env_file=None)
    assert str(caught.value) == (
        f"SPINECARE_QUESTIONNAIRE_FILE: {tmp_path / 'q.yaml'}: days[0]: must be at least 0, got -3"
    )


def test_items_come_after_the_warning_signs_and_before_the_note() -> None:
    items = load_questionnaire(EXAMPLE).questions
    answers = {"legpain": "2", "backpain": "2", "numb": "same", "weak": "none", "head": "none"}
    answers |= {"fever": "no", "wound": "dry", "bladder": "ok", "bowel": "ok", "other": "none"}
    first = next_question(answers, approach="interlaminar", extra=items)
    assert first is not None and first.id == "demo1"
    answers |= {"demo1": "0", "demo2": "0"}
    last = next_question(answers, approach="interlaminar", extra=items)
    assert last is not None and last.id == NOTE_QUESTION


def test_the_catalogue_takes_the_texts_but_never_replaces_its_own() -> None:
    questionnaire = load_questionnaire(EXAMPLE)
    catalog = load_catalog().with_texts(questionnaire.texts)
    assert catalog.text("en", "questionnaire.demo.1").startswith("Example item 1")
    with pytest.raises(ValueError, match=r"defined twice: checkin\.progress"):
        load_catalog().with_texts({"en": {"checkin.progress": "x"}})
