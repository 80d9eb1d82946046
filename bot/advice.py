"""Advice in words: the sign's texts (care.domain.triage.signs) for the clinic's hours right now."""

from __future__ import annotations

from bot.services import BotServices
from care.domain.triage import Tier
from care.domain.triage.signs import load_signs


def clinic_open(services: BotServices) -> bool:
    """The clinic answers its phone in office hours (SPINECARE_OFFICE_HOURS)."""
    return services.config.office_hours.is_open(services.clock.now())


def advice_text(services: BotServices, language: str, tier: Tier, sign: str | None) -> str:
    """Red: what to do now, first. Amber: call the clinic (today, or once it opens), what to
    do meanwhile, and when to call the emergency number instead."""
    keys = load_signs().advice_keys(tier, sign, clinic_open=clinic_open(services))
    return "\n".join(services.text(language, key) for key in keys)
