"""Every text exists in Korean and English with the same placeholders."""

from __future__ import annotations

import pytest

from messages.catalog import LANGUAGES, Catalog, load_catalog, placeholders


def test_every_key_exists_in_every_language() -> None:
    catalog = load_catalog()
    korean = catalog.keys("ko")
    for language in LANGUAGES:
        assert catalog.keys(language) == korean, f"{language} differs from ko"


def test_every_text_uses_the_same_placeholders_in_every_language() -> None:
    catalog = load_catalog()
    mismatched = [
        key
        for key in catalog.keys("ko")
        if placeholders(catalog.raw("ko", key)) != placeholders(catalog.raw("en", key))
    ]
    assert mismatched == []


def test_a_missing_key_is_an_error_not_a_silent_fallback() -> None:
    catalog = Catalog({"ko": {"a": "가"}, "en": {"a": "A"}})
    with pytest.raises(KeyError):
        catalog.text("ko", "b")
    assert catalog.text("fr", "a") == "가"
