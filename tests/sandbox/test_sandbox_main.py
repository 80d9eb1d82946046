"""`python -m sandbox` starts a server and prints its addresses."""

from __future__ import annotations

import asyncio
import re
import sys

import httpx


async def test_python_m_sandbox_serves_the_bot_api() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sandbox", "--port", "0", stdout=asyncio.subprocess.PIPE
    )
    try:
        assert process.stdout is not None
        first_line = await asyncio.wait_for(process.stdout.readline(), timeout=20)
        match = re.search(r"(http://\S+/bot)$", first_line.decode().strip())
        assert match is not None, first_line

        async with httpx.AsyncClient() as session:
            answer = (await session.get(f"{match.group(1)}123456:SANDBOX/getMe")).json()

        assert answer["result"]["username"] == "spinecare_sandbox_bot"
    finally:
        process.terminate()
        await process.wait()
