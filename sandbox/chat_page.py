"""The chat page at /sandbox/chat: try the bot in a browser as a patient or a coordinator.

One self-contained HTML file (inline CSS and JavaScript) that talks only to the control API.
"""

from __future__ import annotations

from importlib import resources

from aiohttp import web

PAGE = "chat_page.html"


def page_html() -> str:
    """The page, read from the package (a wheel ships it next to this module)."""
    return resources.files("sandbox").joinpath(PAGE).read_text(encoding="utf-8")


async def chat_page(request: web.Request) -> web.Response:
    return web.Response(
        text=page_html(),
        content_type="text/html",
        charset="utf-8",
        headers={"Cache-Control": "no-store"},
    )


async def to_chat_page(request: web.Request) -> web.Response:
    raise web.HTTPFound(request.path.rstrip("/") + "/chat")


def routes(prefix: str) -> list[web.RouteDef]:
    return [
        web.get(prefix + "/chat", chat_page),
        web.get(prefix, to_chat_page),
        web.get(prefix + "/", to_chat_page),
    ]
