"""Every key the triage code or data can show exists in Korean and English alike."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from care.domain.triage.checkin import load_checkin_rules
from care.domain.triage.rules import load_free_text_rules
from messages.catalog import LANGUAGES, load_catalog, placeholders

ROOT = Path(__file__).resolve().parents[2]
TRIAGE_PO = [
    ROOT / "messages" / "locale" / lang / "LC_MESSAGES" / "triage.po" for lang in LANGUAGES
]


def referenced_keys() -> set[str]:
    keys = load_free_text_rules().message_keys() | load_checkin_rules().message_keys()
    for source in (ROOT / "care" / "domain" / "triage").glob("*.py"):
        keys.update(re.findall(r"\"(triage\.[a-z_.0-9]+)\"", source.read_text(encoding="utf-8")))
    return keys


@pytest.mark.parametrize("key", sorted(referenced_keys()))
def test_every_referenced_key_exists_in_both_languages_with_the_same_placeholders(key: str) -> None:
    catalog = load_catalog()
    texts = {lang: catalog.raw(lang, key) for lang in LANGUAGES}
    assert len({frozenset(placeholders(text)) for text in texts.values()}) == 1, texts


def test_the_triage_catalogue_holds_no_unused_or_one_language_keys() -> None:
    catalog = load_catalog()
    triage_keys = {k for lang in LANGUAGES for k in catalog.keys(lang) if k.startswith("triage.")}
    assert triage_keys == referenced_keys()
    assert all(po.exists() for po in TRIAGE_PO)
