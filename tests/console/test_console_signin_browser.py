"""Signing in to the console in a real browser: a one-time link, a session, refusals."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.console.conftest import ConsoleServer, sign_in


def test_a_one_time_link_signs_the_coordinator_in(page: Page, server: ConsoleServer) -> None:
    page.goto(server.link())
    page.click("#signin")

    page.wait_for_url(f"{server.url}/today")
    expect(page.locator("header .who")).to_contain_text("9001")
    cookie = next(c for c in page.context.cookies() if c["name"] == "spinecare_console")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"


def test_a_reused_link_is_refused_and_signs_nobody_in(page: Page, server: ConsoleServer) -> None:
    link = server.link()
    page.goto(link)
    page.click("#signin")
    page.wait_for_url(f"{server.url}/today")
    page.context.clear_cookies()

    response = page.goto(link)

    assert response is not None and response.status == 400
    expect(page.locator("#problem")).to_contain_text("이미 사용")
    assert not [c for c in page.context.cookies() if c["name"] == "spinecare_console"]


def test_a_post_without_its_csrf_token_is_refused(page: Page, server: ConsoleServer) -> None:
    sign_in(page, server)

    response = page.request.post(f"{server.url}/language", form={"language": "en"})

    assert response.status == 403
    assert "보안 토큰" in response.text()
    page.goto(f"{server.url}/today")
    expect(page.locator("nav")).to_contain_text("오늘")  # the language did not change
