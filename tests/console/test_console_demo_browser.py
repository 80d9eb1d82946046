"""The demo clock (sandbox only): a week on the chat page in a few clicks."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.console import seed
from tests.console.conftest import SCREENSHOTS, ConsoleServer, sign_in

PATIENT = 8641


def test_seven_days_on_the_demo_clock_bring_the_weeks_messages_to_the_chat_page(
    page: Page, server: ConsoleServer
) -> None:
    harness = server.harness()
    server.run(lambda: seed.register_only(harness, PATIENT, "Demo Yoon"))
    day = server.run(lambda: seed.post_op_day(harness, PATIENT))
    assert harness.running.sandbox_control_url is not None
    page.goto(f"{harness.running.sandbox_control_url}/chat")
    page.locator("#chat-list li", has_text=f"id {PATIENT}").click()
    expect(page.locator("#demo-clock")).to_be_visible()
    before = page.locator("#demo-now").inner_text()

    for _ in range(7):
        shown = page.locator("#demo-now").inner_text()
        page.click("#demo-clock button[data-step=day]")
        expect(page.locator("#demo-now")).not_to_have_text(shown, timeout=60_000)
        expect(page.locator("#demo-clock button[data-step=day]")).to_be_enabled(timeout=60_000)

    assert page.locator("#demo-now").inner_text() != before
    messages = page.locator("#messages")
    for later in range(day, day + 7):
        expect(messages).to_contain_text(f"Day {later} after surgery")
    expect(messages).to_contain_text("check-in")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "demo_chat_page_a_week_later.png"))

    # The console shows the same clock, a week on.
    sign_in(page, server)
    expect(page.locator("#demo-clock")).to_contain_text(server.clock.now().strftime("%Y"))
