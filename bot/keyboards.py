"""From care.domain.messaging keyboards to Telegram's inline ones, and those the bot asks with."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from care.domain.callbacks import encode
from care.domain.messaging import Button, Keyboard
from care.domain.plan import WINDOWS
from messages.catalog import Catalog


def markup(keyboard: Keyboard) -> InlineKeyboardMarkup | None:
    if not keyboard:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.text, callback_data=b.data) for b in row] for row in keyboard]
    )


def consent(catalog: Catalog, lang: str) -> Keyboard:
    return (
        (Button(catalog.text(lang, "reg.consent.yes"), encode("consent", "yes")),),
        (Button(catalog.text(lang, "reg.consent.no"), encode("consent", "no")),),
    )


def health_consent(catalog: Catalog, lang: str) -> Keyboard:
    return (
        (Button(catalog.text(lang, "consent.health.yes"), encode("hconsent", "yes")),),
        (Button(catalog.text(lang, "consent.health.no"), encode("hconsent", "no")),),
    )


def language(action: str = "lang") -> Keyboard:
    """Registration asks with "lang"; /language, for a registered patient, with "setlang"."""
    return ((Button("한국어", encode(action, "ko")), Button("English", encode(action, "en"))),)


def surgery_date(catalog: Catalog, lang: str) -> Keyboard:
    return (
        (
            Button(catalog.text(lang, "reg.surgery_date.yes"), encode("sdate", "yes")),
            Button(catalog.text(lang, "reg.surgery_date.no"), encode("sdate", "no")),
        ),
    )


def waking_window() -> Keyboard:
    return tuple(
        (Button(f"{start:%H:%M}–{end:%H:%M}", encode("wake", window_id)),)
        for window_id, (start, end) in WINDOWS.items()
    )


def delete_confirmation(catalog: Catalog, lang: str) -> Keyboard:
    return (
        (
            Button(catalog.text(lang, "delete.yes"), encode("del", "yes")),
            Button(catalog.text(lang, "delete.no"), encode("del", "no")),
        ),
    )
