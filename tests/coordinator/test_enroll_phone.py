"""``--phone`` on /enroll and ``spinecare enroll``: checked, stored, shown to coordinators."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from bot.coordinator_commands import enrollment_request
from bot.services import BotConfig
from care.domain.errors import InvalidInput
from care.domain.plan import parse_phone

SERVICES: Any = SimpleNamespace(config=BotConfig())


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("010-1234-5678", "010-1234-5678"),
        ("+82 10  1234 5678", "+82 10 1234 5678"),
        ("(02) 555-0100", "(02) 555-0100"),
        ("", None),
    ],
)
def test_a_phone_is_kept_as_written_or_refused(typed: str, kept: str | None) -> None:
    if typed and kept is None:
        with pytest.raises(InvalidInput):
            parse_phone(typed)
        return
    assert parse_phone(typed) == kept


@pytest.mark.parametrize("typed", ["call me", "12", "010-1234-5678-9999-1234-5"])
def test_what_is_not_a_phone_number_is_refused(typed: str) -> None:
    with pytest.raises(InvalidInput):
        parse_phone(typed)


def test_enroll_takes_phone_anywhere_in_its_arguments() -> None:
    request = enrollment_request(
        ["2026-11-20", "transforaminal", "--phone", "010-1234-5678", "L4-5", "en"], SERVICES
    )
    assert (request.phone, request.level, request.language) == ("010-1234-5678", "L4-5", "en")
    with pytest.raises(InvalidInput):
        enrollment_request(["2026-11-20", "transforaminal", "--phone"], SERVICES)
