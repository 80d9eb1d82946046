"""The console's aiohttp application: sign-in, sessions, CSRF, security headers, the pages.

Every page is server-rendered HTML and every change is an HTML form POST (no script is
needed). Each handler parses the request, calls a use case in ``care/usecases`` (the same
functions the bot and the CLI call) and renders the answer: the console has no logic of its
own. Bad input gets a page saying what is wrong and changes nothing.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from importlib import resources
from typing import Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

import structlog
from aiohttp import web

from care.domain.errors import InvalidInput, NotFound, SpinecareError
from care.usecases import console_access
from care.usecases.console_access import LinkRefused, Session
from console.render import Words
from console.services import ConsoleServices

log = structlog.get_logger(__name__)

COOKIE = "spinecare_console"
SERVICES: web.AppKey[ConsoleServices] = web.AppKey("services", ConsoleServices)
JINJA: web.AppKey[Any] = web.AppKey("jinja")
STATIC_FILES: web.AppKey[frozenset[str]] = web.AppKey("static_files")
SESSION_KEY: web.RequestKey[Session] = web.RequestKey("console_session", Session)
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
PUBLIC = ("/signin", "/static/", "/favicon.ico")
MAX_FORM = 64 * 1024

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Problem(Exception):
    """A page saying what is wrong: ``key`` names the words, ``status`` the HTTP status."""

    def __init__(self, status: int, key: str, **values: object) -> None:
        super().__init__(key)
        self.status = status
        self.key = key
        self.values = values


def services_of(request: web.Request) -> ConsoleServices:
    return request.app[SERVICES]


def session_of(request: web.Request) -> Session:
    session = request.get(SESSION_KEY)
    assert isinstance(session, Session)
    return session


def words(request: web.Request) -> Words:
    services = services_of(request)
    session = request.get(SESSION_KEY)
    language = session.language if isinstance(session, Session) else None
    return Words(
        services.catalog,
        language or services.config.default_language,
        ZoneInfo(services.config.timezone),
    )


def render(
    request: web.Request, template: str, *, status: int = 200, **context: Any
) -> web.Response:
    services = services_of(request)
    session = request.get(SESSION_KEY)
    env = request.app[JINJA]
    page = env.get_template(template).render(
        t=words(request),
        session=session if isinstance(session, Session) else None,
        csrf=session.csrf_token if isinstance(session, Session) else "",
        path=request.path,
        here=request.path_qs,
        demo=services.demo is not None,
        demo_now=services.demo.now() if services.demo is not None else None,
        **context,
    )
    return web.Response(text=page, status=status, content_type="text/html", charset="utf-8")


# -- middlewares ------------------------------------------------------------------------------


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as error:
        response = error
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    if "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"
    if isinstance(response, web.HTTPException):
        raise response
    return response


@web.middleware
async def problems(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Known refusals become a clear page; anything else is logged with an id, never shown."""
    try:
        return await handler(request)
    except Problem as problem:
        return _problem_page(request, problem)
    except NotFound as error:
        log.info("console_not_found", action="console.not_found", path=request.path)
        return _problem_page(request, Problem(404, "console.problem.not_found", what=str(error)))
    except InvalidInput as error:
        return _problem_page(request, Problem(400, "console.problem.invalid", what=str(error)))
    except web.HTTPException:
        raise
    except SpinecareError as error:
        return _problem_page(request, Problem(400, "console.problem.invalid", what=str(error)))
    except Exception:
        log.exception("console_failed", action="console.error", path=request.path)
        return _problem_page(request, Problem(500, "console.problem.error"))


def _problem_page(request: web.Request, problem: Problem) -> web.Response:
    return render(
        request,
        "problem.html",
        status=problem.status,
        key=problem.key,
        values=problem.values,
    )


@web.middleware
async def signed_in(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every page but sign-in needs a live session; every POST its session's CSRF token."""
    if request.path.startswith(PUBLIC):
        return await handler(request)
    missing = request.match_info.http_exception
    if missing is not None:
        # No such page (the demo clock's pages with a real token among them): 404 for anyone;
        # a page asked with the wrong method: 405.
        status = 405 if missing.status == 405 else 404
        raise Problem(status, "console.problem.not_found", what=request.path[:60])
    services = services_of(request)
    token = request.cookies.get(COOKIE, "")
    session = (
        await console_access.current_session(
            services.db,
            token,
            listed=services.config.coordinator_ids,
            now=services.wall.now(),
        )
        if token
        else None
    )
    if session is None:
        if request.method == "POST":
            raise Problem(401, "console.problem.signed_out")
        response = render(request, "signin_needed.html", status=401)
        if token:
            response.del_cookie(COOKIE, path="/")
        return response
    request[SESSION_KEY] = session
    if request.method == "POST":
        form = await request.post()
        given = form.get("csrf")
        if not isinstance(given, str) or not hmac.compare_digest(
            given.encode(), session.csrf_token.encode()
        ):
            log.warning(
                "console_csrf_refused",
                action="console.csrf_refused",
                coordinator=session.coordinator_id,
                path=request.path,
            )
            raise Problem(403, "console.problem.csrf")
    return await handler(request)


def set_session_cookie(response: web.StreamResponse, token: str, *, secure: bool) -> None:
    response.set_cookie(
        COOKIE,
        token,
        path="/",
        httponly=True,
        samesite="Strict",
        secure=secure,
        # No Max-Age: the browser forgets it when closed; the server ends it after 12 idle hours.
    )


def back_to(request: web.Request, given: object, default: str) -> str:
    """A local path to return to after a form (never another site)."""
    if isinstance(given, str) and given.startswith("/") and not given.startswith("//"):
        parts = urlsplit(given)
        if not parts.scheme and not parts.netloc:
            return given
    return default


# -- sign-in ----------------------------------------------------------------------------------

REFUSAL_KEYS = {
    LinkRefused.UNKNOWN: "console.signin.unknown",
    LinkRefused.USED: "console.signin.used",
    LinkRefused.EXPIRED: "console.signin.expired",
    LinkRefused.NOT_COORDINATOR: "console.signin.not_coordinator",
}


async def signin_page(request: web.Request) -> web.Response:
    """The link opens this page; the button below it uses the link (a preview bot that
    fetches the link with GET uses nothing)."""
    services = services_of(request)
    token = request.query.get("token", "")
    if not token:
        return render(request, "signin_needed.html")
    refused = await console_access.check_link(
        services.db, token, listed=services.config.coordinator_ids, now=services.wall.now()
    )
    if refused is not None:
        raise Problem(400, REFUSAL_KEYS[refused])
    return render(request, "signin.html", token=token)


async def signin(request: web.Request) -> web.Response:
    services = services_of(request)
    form = await request.post()
    token = form.get("token")
    outcome = await console_access.open_link(
        services.db,
        token if isinstance(token, str) else "",
        listed=services.config.coordinator_ids,
        language=services.config.default_language,
        now=services.wall.now(),
    )
    if isinstance(outcome, LinkRefused):
        log.info("console_signin_refused", action="console.signin_refused", reason=outcome.value)
        raise Problem(400, REFUSAL_KEYS[outcome])
    log.info("console_signed_in", action="console.signin", coordinator=outcome.coordinator_id)
    response = web.HTTPSeeOther("/today")
    set_session_cookie(
        response, outcome.token, secure=services.config.secure_cookies or request.secure
    )
    raise response


async def logout(request: web.Request) -> web.Response:
    services = services_of(request)
    await console_access.sign_out(services.db, session_of(request), now=services.wall.now())
    response = web.HTTPSeeOther("/signin")
    response.del_cookie(COOKIE, path="/")
    raise response


async def choose_language(request: web.Request) -> web.Response:
    services = services_of(request)
    form = await request.post()
    language = form.get("language")
    if not isinstance(language, str) or not await console_access.choose_language(
        services.db, session_of(request), language, now=services.wall.now()
    ):
        raise Problem(400, "console.problem.language")
    raise web.HTTPSeeOther(back_to(request, form.get("next"), "/today"))


async def static(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if name not in request.app[STATIC_FILES]:
        raise Problem(404, "console.problem.not_found", what=name)
    data = resources.files("console").joinpath("static", name).read_bytes()
    kind = "text/css" if name.endswith(".css") else "application/octet-stream"
    return web.Response(
        body=data, content_type=kind, headers={"Cache-Control": "public, max-age=3600"}
    )


def quoted(code: str) -> str:
    return quote(code, safe="")
