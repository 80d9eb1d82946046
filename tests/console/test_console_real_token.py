"""With a real token: /console in a private chat signs a coordinator in, and the demo clock
does not exist (its console pages and the Bot API server's clock answer 404)."""

from __future__ import annotations

import re

import httpx

from sandbox import BotApiSandbox, SandboxClient
from tests.e2e.test_e2e_external_bot_api import bot_api, free_port, run_service, stop

__all__ = ["bot_api"]  # the fixture, used below
NURSE = 9301
STRANGER = 9399
LINK = re.compile(r"http://\S+/signin\?token=[A-Za-z0-9_-]+")


async def test_console_link_by_the_bot_signs_in_and_no_demo_clock_with_a_real_token(
    sqlite_database_url: str, bot_api: BotApiSandbox
) -> None:
    port = free_port()
    process = await run_service(
        sqlite_database_url,
        bot_api,
        SPINECARE_COORDINATOR_IDS=str(NURSE),
        SPINECARE_CONSOLE_LISTEN=f"127.0.0.1:{port}",
    )
    try:
        async with SandboxClient(bot_api.control_url) as client:
            await client.ensure_user(NURSE, "Nurse", language_code="en")
            await client.ensure_user(STRANGER, "Mallory", language_code="en")
            sent = await client.send_text(STRANGER, "/console")
            refused = await client.wait_for_message(
                STRANGER, "", timeout=30, after_message_id=sent["message_id"]
            )
            sent = await client.send_text(NURSE, "/console")
            answer = await client.wait_for_message(
                NURSE, "signin", timeout=30, after_message_id=sent["message_id"]
            )
        assert "signin" not in refused["text"]
        link = LINK.search(answer["text"])
        assert link is not None and f":{port}/" in link.group(0)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            opened = await http.get(link.group(0))
            token = link.group(0).split("token=")[1]
            signed = await http.post("/signin", data={"token": token})
            today = await http.get("/today")
            csrf = re.search(r'name="csrf" value="([^"]+)"', today.text)
            demo = await http.get("/demo")
            moved = await http.post(
                "/demo/clock", data={"csrf": csrf.group(1) if csrf else "", "step": "day"}
            )
            clock = await http.get(f"{bot_api.control_url}/clock")
        assert opened.status_code == 200
        assert signed.status_code == 303 and "HttpOnly" in signed.headers["set-cookie"]
        assert today.status_code == 200 and "Content-Security-Policy" in today.headers
        assert csrf is not None and 'action="/demo/clock"' not in today.text
        assert (demo.status_code, moved.status_code, clock.status_code) == (404, 404, 404)
    finally:
        await stop(process)
