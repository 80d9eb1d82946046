"""The console's pages in a real browser: Today, the patient, a reply, a broadcast."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.console import seed
from tests.console.conftest import ConsoleServer, sign_in


def test_a_red_message_is_at_the_top_of_today_and_acknowledging_it_records_who(
    page: Page, server: ConsoleServer
) -> None:
    harness = server.harness()
    amber = server.run(lambda: seed.amber_alert(harness, 8601, "Amber Park"))
    red = server.run(lambda: seed.red_message(harness, 8602, "Red Kim"))
    sign_in(page, server)

    first = page.locator("#alerts .cards > li").first
    expect(first).to_have_attribute("data-patient", red)
    expect(first).to_have_class(re.compile(r"\bred\b"))
    expect(first.locator("blockquote")).to_contain_text("I can't pee")  # the patient's words
    expect(page.locator(f'#alerts .cards > li[data-patient="{amber}"]')).to_have_count(1)

    first.get_by_role("button", name="확인").click()

    page.wait_for_url(f"{server.url}/today")
    expect(page.locator(f'#alerts .cards > li[data-patient="{red}"]')).to_have_count(0)
    expect(page.locator("#handled")).to_contain_text(red)
    expect(page.locator("#handled")).to_contain_text("9001")
    told = server.run(lambda: harness.sandbox.wait_for_message(8602, "nurse has"))
    assert told["chat"]["id"] == 8602

    # The red message is in the inbox too, until someone marks it handled.
    item = page.locator(f'#inbox li[data-patient="{red}"]')
    expect(item).to_contain_text("can't pee")
    item.get_by_role("button", name="처리함").click()
    expect(page.locator(f'#inbox li[data-patient="{red}"]')).to_have_count(0)


def test_the_patient_page_charts_the_check_ins_pain(page: Page, server: ConsoleServer) -> None:
    harness = server.harness()
    code = server.run(lambda: seed.register_only(harness, 8611, "Chart Lee"))
    server.run(lambda: seed.checkins(harness, code, {1: (7, 4), 2: (5, 4), 3: (3, 2)}))
    sign_in(page, server)

    page.goto(f"{server.url}/patients")
    page.fill("input[name=q]", "Chart")
    page.click(".filters button")
    page.click(f'#patients tr[data-code="{code}"] a')

    chart = page.locator("#pain-chart")
    expect(chart).to_be_visible()
    legs = chart.locator("circle[data-kind=leg]")
    assert [legs.nth(i).get_attribute("data-value") for i in range(legs.count())] == [
        "7",
        "5",
        "3",
    ]
    backs = chart.locator("circle[data-kind=back]")
    assert [backs.nth(i).get_attribute("data-value") for i in range(backs.count())] == [
        "4",
        "4",
        "2",
    ]
    expect(page.locator("#checkins")).to_contain_text("좋아졌어요")  # in words
    expect(page.locator("#plan")).to_contain_text("12")  # the whole 12 weeks are previewed


def test_a_reply_from_the_patient_page_reaches_the_patients_chat(
    page: Page, server: ConsoleServer
) -> None:
    harness = server.harness()
    code = server.run(lambda: seed.register_only(harness, 8621, "Reply Choi"))
    sign_in(page, server)
    page.goto(f"{server.url}/patients/{code}")

    page.fill("#reply-text", "Dr. Han read your message; we will call you at 3 pm.")
    page.click("#conversation button.primary")
    server.tick()

    got = server.run(lambda: harness.sandbox.wait_for_message(8621, "we will call you at 3 pm"))
    assert got["chat"]["id"] == 8621
    page.reload()
    expect(page.locator("#conversation")).to_contain_text("we will call you at 3 pm")


def test_a_broadcast_is_previewed_sent_and_reported(page: Page, server: ConsoleServer) -> None:
    harness = server.harness()
    code = server.run(lambda: seed.register_only(harness, 8631, "Broadcast Jung"))
    sign_in(page, server)
    page.goto(f"{server.url}/broadcasts")

    page.fill("textarea[name=text_ko]", "이번 주 금요일은 휴진이에요.")
    page.fill("textarea[name=text_en]", "The clinic is closed this Friday.")
    page.select_option("select[name=kind]", "language")
    page.fill("input[name=value]", "en")
    page.click("#compose button.primary")
    count = int(page.locator("#preview-count").inner_text().split("환자 ")[1].split("명")[0])
    assert count >= 1
    page.click("#send")
    server.tick()
    page.reload()

    expect(page.locator("#broadcast-state")).to_have_text("완료")
    expect(page.locator('[data-count="sent"]')).to_have_text(str(count))
    got = server.run(lambda: harness.sandbox.wait_for_message(8631, "closed this Friday"))
    assert got["chat"]["id"] == 8631
    page.goto(f"{server.url}/patients/{code}")
    expect(page.locator("#plan")).to_contain_text("The clinic is closed this Friday.")


def test_pause_resume_and_stop_are_the_bots_own_steps_audited_with_the_nurse(
    page: Page, server: ConsoleServer
) -> None:
    harness = server.harness()
    code = server.run(lambda: seed.register_only(harness, 8651, "Status Han"))
    sign_in(page, server)
    page.goto(f"{server.url}/patients/{code}")

    page.fill("input[name=days]", "3")
    page.get_by_role("button", name="일시 중지").click()
    expect(page.locator(".patient .facts")).to_contain_text("일시 중지")
    page.get_by_role("button", name="다시 시작").click()
    expect(page.locator(".patient .facts .badge")).to_have_text("진행 중")
    page.get_by_role("button", name="중단").click()
    expect(page.locator(".patient .facts .badge")).to_have_text("중단")

    page.goto(f"{server.url}/audit?actor=coordinator:9001")
    audit = page.locator("#audit")
    for action in ("patient.paused", "patient.resumed", "patient.stopped"):
        expect(audit.locator("tr", has_text=action).filter(has_text=code)).to_have_count(1)
    viewed = audit.locator("tr", has_text="console.patient_viewed").filter(has_text=code)
    expect(viewed).to_have_count(4)  # the page, opened once and after each change


def test_the_patients_table_sorts_filters_and_exports(page: Page, server: ConsoleServer) -> None:
    harness = server.harness()
    server.run(lambda: seed.register_only(harness, 8661, "Sort Ahn"))
    sign_in(page, server)
    page.goto(f"{server.url}/patients?sort=name&dir=desc")

    names = [
        name
        for name in page.locator("#patients tbody tr td:nth-child(2)").all_inner_texts()
        if name != "—"
    ]
    assert names == sorted(names, reverse=True) and "Sort Ahn" in names
    page.select_option("select[name=status]", "stopped")
    page.click(".filters button")
    statuses = page.locator("#patients tbody tr td:nth-child(8)").all_inner_texts()
    assert set(statuses) <= {"중단", "해당하는 환자가 없어요."}

    page.goto(f"{server.url}/exports")
    with page.expect_download() as download:
        page.click("a[href='/exports/patients.csv']")
    path = download.value.path()
    data = path.read_bytes()
    assert data.startswith("\ufeffpatient_code,".encode())
    assert b"Sort Ahn" not in data  # pseudonymous codes only


def test_today_and_the_patient_page_fit_a_tablet(page: Page, server: ConsoleServer) -> None:
    harness = server.harness()
    code = server.run(lambda: seed.register_only(harness, 8671, "Tablet Seo"))
    page.set_viewport_size({"width": 820, "height": 1180})
    sign_in(page, server)

    for path in ("/today", f"/patients/{code}", "/patients", "/broadcasts"):
        page.goto(f"{server.url}{path}")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, (path, overflow)


def test_a_broadcast_cancelled_before_it_goes_out_reaches_nobody(
    page: Page, server: ConsoleServer
) -> None:
    harness = server.harness()
    code = server.run(lambda: seed.register_only(harness, 8681, "Cancel Oh"))
    sign_in(page, server)
    page.goto(f"{server.url}/broadcasts")
    page.fill("textarea[name=text_en]", "A notice that should never arrive.")
    page.select_option("select[name=kind]", "patient")
    page.fill("input[name=value]", code)
    page.click("#compose button.primary")
    page.click("#send")

    page.get_by_role("button", name="보내기 취소").click()
    server.tick()
    page.reload()

    expect(page.locator("#broadcast-state")).to_have_text("취소됨")
    expect(page.locator('[data-count="cancelled"]')).to_have_text("1")
    sent = server.run(lambda: harness.sandbox.sent_messages(8681))
    assert not [m for m in sent if "never arrive" in m.get("text", "")]


def test_a_broadcast_to_an_audience_of_nobody_is_refused_and_nothing_is_drafted(
    page: Page, server: ConsoleServer
) -> None:
    sign_in(page, server)
    page.goto(f"{server.url}/broadcasts")
    before = page.locator("#recent-broadcasts tbody tr").count()
    page.fill("textarea[name=text_ko]", "아무에게도 가지 않을 공지")
    page.select_option("select[name=kind]", "week")
    page.fill("input[name=value]", "50-52")  # a year after surgery: nobody is followed then
    page.click("#compose button.primary")

    expect(page.locator("#problem")).to_contain_text("해당하는 활성 환자가 없어요")
    page.goto(f"{server.url}/broadcasts")
    expect(page.locator("#recent-broadcasts")).not_to_contain_text("week:50-52")
    assert page.locator("#recent-broadcasts tbody tr").count() == before
