"""Signing in to the console in a real browser: a one-time link, a session, refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from care.domain.errors import NotAllowed
from care.storage import coordinators
from tests.console.conftest import OTHER_NURSE, ConsoleServer, sign_in


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


def test_an_expired_or_forged_link_gets_a_clear_page(page: Page, server: ConsoleServer) -> None:
    link = server.link()
    server.wall.advance(timedelta(minutes=11))

    expired = page.goto(link)
    assert expired is not None and expired.status == 400
    expect(page.locator("#problem")).to_contain_text("만료")
    forged = page.goto(f"{server.url}/signin?token=forged-forged-forged-forged")
    assert forged is not None and forged.status == 400
    expect(page.locator("#problem")).to_contain_text("유효하지")
    posted = page.request.post(f"{server.url}/signin", form={"token": "x" * 32})
    assert posted.status == 400
    assert not [c for c in page.context.cookies() if c["name"] == "spinecare_console"]


def test_a_stranger_gets_no_link(server: ConsoleServer) -> None:
    with pytest.raises(NotAllowed):
        server.link(coordinator=4242)


def test_a_wrong_csrf_token_and_an_unknown_patient_change_nothing(
    page: Page, server: ConsoleServer
) -> None:
    sign_in(page, server)

    wrong = page.request.post(
        f"{server.url}/patients/P-ZZZZZZ/status", form={"csrf": "guess", "action": "stop"}
    )
    missing = page.goto(f"{server.url}/patients/P-ZZZZZZ")

    assert wrong.status == 403
    assert missing is not None and missing.status == 404
    expect(page.locator("#problem")).to_contain_text("P-ZZZZZZ")


def test_a_coordinator_removed_from_the_list_loses_every_session_at_once(
    browser: Browser, page: Page, server: ConsoleServer
) -> None:
    assert server.running is not None
    db = server.running.db

    async def change(add: bool) -> None:
        async with db.uow() as uow:
            change = coordinators.add if add else coordinators.remove
            await change(uow.session, 9100, actor="cli", now=server.clock.now())
            await uow.commit()

    server.run(lambda: change(True))
    sign_in(page, server, coordinator=9100)
    other = browser.new_context().new_page()
    sign_in(other, server, coordinator=9100)

    server.run(lambda: change(False))

    for signed_out in (page, other):
        response = signed_out.goto(f"{server.url}/today")
        assert response is not None and response.status == 401
        expect(signed_out.locator("pre")).to_contain_text("console-link")
    other.context.close()


def test_the_coordinator_chooses_english_and_keeps_it_at_the_next_sign_in(
    page: Page, server: ConsoleServer
) -> None:
    sign_in(page, server, coordinator=OTHER_NURSE)

    page.click("header button[value=en]")

    expect(page.locator("nav")).to_contain_text("Patients")
    page.context.clear_cookies()
    sign_in(page, server, coordinator=OTHER_NURSE)
    expect(page.locator("nav")).to_contain_text("Patients")
    page.click("header form[action='/logout'] button")
    expect(page.locator("pre")).to_contain_text("console-link")
    assert page.goto(f"{server.url}/today").status == 401  # type: ignore[union-attr]
