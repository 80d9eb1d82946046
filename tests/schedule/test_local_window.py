"""One process's sends against Telegram's 30 a second, on a fake clock.

Telegram counts arrivals. The window let 29 sends start within one second and the 30th 17 ms
later, so a send arriving 17 ms late made 31 in a second: a 429 that paused the bot for a
second (the reminders drill lost 3 to 16 seconds this way on a loaded machine)."""

from __future__ import annotations

from bot.pace import PaceLimits, local_window


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


async def test_any_thirty_one_sends_of_a_process_span_a_second_and_the_arrival_margin() -> None:
    limits = PaceLimits()
    fake = FakeTime()
    window = local_window(limits, clock=fake.clock, sleep=fake.sleep)
    starts = []
    for _ in range(200):  # as fast as the window lets them: every sender ready at once
        await window.enter()
        starts.append(fake.now)
    spans = [starts[i + limits.bot_cap] - starts[i] for i in range(len(starts) - limits.bot_cap)]
    assert (
        min(spans) >= 1.0 + limits.arrival_margin - 1e-9
    )  # 31 arrivals in a second need more jitter
    assert limits.bot_cap / (1.0 + limits.arrival_margin) >= 0.95 * limits.bot_cap
