"""The console's aiohttp application: the middlewares of console.app and every route."""

from __future__ import annotations

from importlib import resources

from aiohttp import web

from console import pages
from console.app import (
    JINJA,
    MAX_FORM,
    SERVICES,
    STATIC_FILES,
    choose_language,
    logout,
    problems,
    security_headers,
    signed_in,
    signin,
    signin_page,
    static,
)
from console.render import environment
from console.services import ConsoleServices


def build_app(services: ConsoleServices) -> web.Application:
    app = web.Application(
        middlewares=[security_headers, problems, signed_in], client_max_size=MAX_FORM
    )
    app[SERVICES] = services
    app[JINJA] = environment()
    app[STATIC_FILES] = frozenset(
        item.name for item in resources.files("console").joinpath("static").iterdir()
    )
    app.add_routes(
        [
            web.get("/signin", signin_page),
            web.post("/signin", signin),
            web.post("/logout", logout),
            web.post("/language", choose_language),
            web.get("/static/{name}", static),
            *pages.routes(demo=services.demo is not None),
        ]
    )
    return app
