"""Every text the pathway can send exists in Korean and English, with the same placeholders."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from care.domain.pathway import Pathway
from messages.catalog import LANGUAGES, LOCALE_DIR, load_catalog, placeholders

SURGEON_FIRST = {
    "ko": "수술해 주신 선생님의 안내가 가장 우선이에요.",
    "en": "Your surgeon's instructions come first.",
}


def pathway_po_keys(language: str) -> set[str]:
    path: Path = LOCALE_DIR / language / "LC_MESSAGES" / "pathway.po"
    with path.open("rb") as handle:
        return {m.id for m in read_po(handle) if isinstance(m.id, str) and m.id}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_key_the_pathway_references_exists_in_each_language(
    pathway: Pathway, language: str
) -> None:
    assert pathway.message_keys() - load_catalog().keys(language) == set()


@pytest.mark.parametrize("language", LANGUAGES)
def test_pathway_po_holds_only_keys_the_pathway_uses(pathway: Pathway, language: str) -> None:
    assert pathway_po_keys(language) == set(pathway.message_keys())


def test_each_pathway_text_has_the_same_placeholders_in_korean_and_english(
    pathway: Pathway,
) -> None:
    catalog = load_catalog()
    mismatched = [
        key
        for key in sorted(pathway.message_keys())
        if placeholders(catalog.raw("ko", key)) != placeholders(catalog.raw("en", key))
    ]
    assert mismatched == []


CLINIC_VALUES = {"emergency_number", "clinic_phone"}  # the scheduler's catalogue fills these


def test_pathway_texts_need_no_values_but_the_clinics_numbers(pathway: Pathway) -> None:
    catalog = load_catalog()
    for key in pathway.message_keys():
        for language in LANGUAGES:
            assert placeholders(catalog.raw(language, key)) <= CLINIC_VALUES, (language, key)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_milestone_ends_with_the_surgeons_instructions_coming_first(
    pathway: Pathway, language: str
) -> None:
    catalog = load_catalog()
    for milestone in pathway.milestones:
        assert catalog.raw(language, milestone.key).endswith(SURGEON_FIRST[language]), milestone.id


@pytest.mark.parametrize("language", LANGUAGES)
def test_posture_texts_are_short_enough_to_read_on_a_phone(pathway: Pathway, language: str) -> None:
    catalog = load_catalog()
    for key in pathway.message_keys():
        if key.startswith("pathway.posture."):
            assert len(catalog.raw(language, key)) <= 200, key


def test_the_warning_sign_card_is_sent_early_at_two_weeks_and_at_the_end(pathway: Pathway) -> None:
    days = sorted(m.day for m in pathway.milestones if m.key == "pathway.milestone.warning_signs")
    assert days == [1, 14, pathway.last_day]
    card = load_catalog().with_values(emergency_number="119", clinic_phone="02-123-4567")
    text = card.text("ko", "pathway.milestone.warning_signs")
    assert text.index("지금 바로 119") < text.index("02-123-4567")
