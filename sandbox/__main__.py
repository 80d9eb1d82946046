"""`python -m sandbox`: run the Bot API sandbox standalone until interrupted."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from sandbox.flood import FloodLimits
from sandbox.server import BotApiSandbox


async def serve(args: argparse.Namespace) -> None:
    limits = FloodLimits(enabled=not args.no_flood_limits)
    sandbox = BotApiSandbox(token=args.token, bot_username=args.username, flood_limits=limits)
    await sandbox.start(host=args.host, port=args.port)
    print(f"Bot API base_url: {sandbox.api_url}")
    print(f"file base_url:    {sandbox.file_url}")
    print(f"control API:      {sandbox.control_url}")
    print(f"chat page:        {sandbox.chat_url}")
    print(f"token:            {sandbox.token}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await sandbox.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default="123456:SANDBOX")
    parser.add_argument("--username", default="spinecare_sandbox_bot")
    parser.add_argument("--no-flood-limits", action="store_true")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
