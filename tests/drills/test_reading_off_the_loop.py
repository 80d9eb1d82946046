"""The reader works in a thread: a 4,096-character text takes it about 0.2 s, which on the
event loop held up every other update, send and job (the full-size fuzz never finished)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

import care.usecases.checkin
import care.usecases.free_text
from care.domain.triage import TriageResult, classify
from tests.e2e.conftest import Harness
from tests.e2e.flows import register
from tests.e2e.test_e2e_checkin import CALM, USER, answer_all, start_checkin


def recording(threads: list[bool]) -> Callable[[str], TriageResult]:
    def read(text: str, *args: Any, **kwargs: Any) -> TriageResult:
        threads.append(threading.current_thread() is threading.main_thread())
        return classify(text, *args, **kwargs)

    return read


async def test_a_patients_text_is_read_off_the_event_loop(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await register(harness, USER)
    on_main: list[bool] = []
    monkeypatch.setattr(care.usecases.free_text, "classify", recording(on_main))
    sent = await harness.sandbox.send_text(USER, "허리가 좀 뻐근해요 " * 200)
    await harness.sandbox.wait_for_message(
        USER, lambda m: True, after_message_id=sent["message_id"]
    )
    assert on_main == [False]


async def test_a_checkin_note_is_read_off_the_event_loop(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await register(harness, USER)
    first = await start_checkin(harness)
    await answer_all(harness, first, CALM, stop_at="note")
    on_main: list[bool] = []
    monkeypatch.setattr(care.usecases.checkin, "classify", recording(on_main))
    sent = await harness.sandbox.send_text(USER, "수술 뒤 지낸 이야기. " * 300)
    await harness.sandbox.wait_for_message(
        USER, lambda m: True, after_message_id=sent["message_id"]
    )
    assert on_main == [False]
