"""The console's pages: Today, Patients, Patient, Broadcast, Audit, Exports, and the demo clock.

Each handler: parse the request, call the use case, render. Nothing here decides anything
about a patient.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import structlog
from aiohttp import web

from care.domain.errors import InvalidInput, NotFound
from care.domain.kinds import AudienceKind, MessageKind
from care.domain.messaging import OutgoingMessage
from care.domain.triage.checkin import CheckinRules, load_checkin_rules
from care.storage import broadcasts
from care.storage.models import PatientStatus
from care.usecases import audit_log, console_actions, console_views, demo_clock
from care.usecases import broadcast as broadcast_uc
from care.usecases import conversation as conversation_uc
from care.usecases import export as export_uc
from care.usecases.patient_status import Change
from care.views import exports
from console.app import Problem, back_to, quoted, render, services_of, session_of
from console.render import pain_chart
from console.services import ConsoleServices
from messages.catalog import Catalog

log = structlog.get_logger(__name__)

SORTS = ("code", "name", "post_op_day", "approach", "last_checkin", "open_alerts", "adherence")
STATUSES = (
    PatientStatus.ACTIVE,
    PatientStatus.PAUSED,
    PatientStatus.INVITED,
    PatientStatus.STOPPED,
    PatientStatus.UNREACHABLE,
)
AUDIT_SHOWN = 200


def routes(*, demo: bool) -> list[web.RouteDef]:
    """The pages; the demo clock's only in the sandbox (with a real token they do not exist)."""
    demo_routes = [web.get("/demo", demo_page), web.post("/demo/clock", demo_step)]
    return [
        web.get("/", home),
        web.get("/today", today),
        web.post("/inbox/{item_id}/handled", inbox_handled),
        web.post("/alerts/{alert_id}/{action}", alert_action),
        web.get("/patients", patient_list),
        web.get("/patients/{code}", patient_page),
        web.post("/patients/{code}/reply", reply),
        web.post("/patients/{code}/status", change_status),
        web.get("/broadcasts", broadcast_page),
        web.post("/broadcasts", broadcast_draft),
        web.get("/broadcasts/{broadcast_id}", broadcast_show),
        web.post("/broadcasts/{broadcast_id}/{action}", broadcast_action),
        web.get("/audit", audit_page),
        web.get("/exports", exports_page),
        web.get("/exports/{what}.{fmt}", export_download),
        *(demo_routes if demo else []),
    ]


async def home(request: web.Request) -> web.Response:
    raise web.HTTPSeeOther("/today")


# -- Today ------------------------------------------------------------------------------------


INBOX_SHOWN = 50


async def today(request: web.Request) -> web.Response:
    services = services_of(request)
    view = await console_views.today(services.db, now=services.clock.now())
    labels = _option_label(services.catalog, load_checkin_rules())
    # The inbox use case, as /inbox: unhandled items, oldest first; new ones shown become seen.
    inbox = await conversation_uc.inbox(
        services.db, services.clock, actor=session_of(request).actor, size=INBOX_SHOWN
    )
    return render(request, "today.html", view=view, inbox=inbox, option_label=labels)


async def inbox_handled(request: web.Request) -> web.Response:
    """The card's "Handled" button, from the console."""
    services = services_of(request)
    item_id = _int(request.match_info["item_id"])
    handled = await conversation_uc.handle(
        services.db, services.clock, item_id=item_id, actor=session_of(request).actor
    )
    if handled is None:
        raise Problem(404, "console.problem.not_found", what=f"#{item_id}")
    form = await request.post()
    raise web.HTTPSeeOther(back_to(request, form.get("next"), "/today"))


async def alert_action(request: web.Request) -> web.Response:
    services = services_of(request)
    session = session_of(request)
    action = request.match_info["action"]
    if action not in ("ack", "called"):
        raise Problem(404, "console.problem.not_found", what=action)
    alert_id = _int(request.match_info["alert_id"])
    change = await console_actions.handle_alert(
        services.db,
        alert_id,
        "ack" if action == "ack" else "called",
        coordinator_id=session.coordinator_id,
        now=services.clock.now(),
    )
    form = await request.post()
    if change is None:
        raise Problem(409, "console.problem.alert_handled", alert=alert_id)
    log.info(
        "alert_handled",
        action=f"alert.{action}",
        alert_id=alert_id,
        by=session.coordinator_id,
        via="console",
    )
    if change.tell_chat is not None:
        # After the commit, as the bot's button does: the acknowledgement stands either way.
        delivery = await services.messenger.send(
            OutgoingMessage(
                change.tell_chat,
                services.text(change.tell_language, "alert.patient_told"),
            )
        )
        log.info("patient_told", action="alert.ack", alert_id=alert_id, outcome=delivery.outcome)
    raise web.HTTPSeeOther(back_to(request, form.get("next"), "/today"))


# -- Patients ---------------------------------------------------------------------------------


async def patient_list(request: web.Request) -> web.Response:
    services = services_of(request)
    rows = await console_views.roster(services.db, now=services.clock.now())
    search = request.query.get("q", "").strip()
    status = request.query.get("status", "")
    sort = request.query.get("sort", "code")
    descending = request.query.get("dir", "asc") == "desc"
    if sort not in SORTS:
        sort = "code"
    if status and status not in STATUSES:
        status = ""
    if search:
        needle = search.casefold()
        rows = [
            row
            for row in rows
            if needle in row.code.casefold() or needle in (row.name or "").casefold()
        ]
    if status:
        rows = [row for row in rows if row.status == status]

    def key(row: console_views.RosterRow) -> tuple[bool, Any]:
        value: Any = getattr(row, sort)
        return (value is None, value if value is not None else 0)

    present = sorted((r for r in rows if getattr(r, sort) is not None), key=key, reverse=descending)
    missing = [r for r in rows if getattr(r, sort) is None]
    return render(
        request,
        "patients.html",
        rows=present + missing,
        search=search,
        status_filter=status,
        statuses=STATUSES,
        sort=sort,
        descending=descending,
        sorts=SORTS,
    )


async def patient_page(request: web.Request) -> web.Response:
    services = services_of(request)
    code = request.match_info["code"]
    rules = load_checkin_rules()
    record = await console_views.patient_record(
        services.db,
        code,
        now=services.clock.now(),
        pathway=services.pathway,
        questions=[question.id for question in rules.questions],
        viewer=session_of(request).actor,
    )
    chart = pain_chart(record.pain, record.alert_days, record.missed_days, record.post_op_day)
    return render(
        request,
        "patient.html",
        record=record,
        patient=record.patient,
        chart=chart,
        option_label=_option_label(services.catalog, rules),
        message_text=_message_text(services),
        weeks=_by_week(record.plan),
    )


def _option_label(catalog: Catalog, rules: CheckinRules) -> Callable[[str, str, str], str]:
    """An answer in words: the option's label in the coordinator's language."""
    labels = {
        (question.id, option.id): option.label_key
        for question in rules.questions
        for option in question.options
    }

    def label(language: str, question: str, answer: str) -> str:
        key = labels.get((question, answer))
        return catalog.text(language, key) if key and catalog.has(key) else answer

    return label


def _message_text(services: ConsoleServices) -> Callable[[console_views.PlanItem, str], str]:
    """A plan item's text as the patient gets it (the scheduler's own catalogue keys)."""
    catalog, config = services.catalog, services.config

    def text(item: console_views.PlanItem, language: str) -> str:
        extra = {
            "day": item.post_op_day,
            "date": item.due_at.date().isoformat(),
            "emergency_number": config.emergency_number,
            "clinic_phone": config.clinic_phone,
        }
        if item.kind == MessageKind.CHECKIN:
            key = (
                "adherence.nudge"
                if item.payload_key == "nudge"
                else (
                    "scheduler.checkin.prompt_surgery_day"
                    if item.post_op_day == 0
                    else "scheduler.checkin.prompt"
                )
            )
        elif item.kind == MessageKind.BROADCAST:
            return item.text or item.payload_key
        else:
            key = item.payload_key
        try:
            return str(catalog.text(language, key, **extra))
        except (KeyError, IndexError, ValueError):
            return key

    return text


def _by_week(plan: list[console_views.PlanItem]) -> list[tuple[int, list[console_views.PlanItem]]]:
    weeks: dict[int, list[console_views.PlanItem]] = {}
    for item in plan:
        weeks.setdefault(max(0, item.post_op_day) // 7 + 1, []).append(item)
    return sorted(weeks.items())


async def reply(request: web.Request) -> web.Response:
    services = services_of(request)
    session = session_of(request)
    code = request.match_info["code"]
    form = await request.post()
    text = form.get("text")
    outcome = await conversation_uc.reply_to_patient(
        services.db,
        services.clock,
        code=code,
        text=text if isinstance(text, str) else "",
        actor=session.actor,
    )
    if outcome.status == conversation_uc.ReplyStatus.UNKNOWN_PATIENT:
        raise NotFound(f"no patient {code[:16]}")
    if not outcome.queued:
        raise Problem(400, f"console.reply.{outcome.status.value}")
    log.info("console_reply", action="console.reply", by=session.coordinator_id)
    raise web.HTTPSeeOther(f"/patients/{quoted(outcome.patient_code or code)}#conversation")


async def change_status(request: web.Request) -> web.Response:
    services = services_of(request)
    session = session_of(request)
    code = request.match_info["code"]
    form = await request.post()
    try:
        action = Change(str(form.get("action")))
    except ValueError:
        raise Problem(400, "console.problem.invalid", what=str(form.get("action"))[:20]) from None
    days = _int(str(form.get("days") or console_actions.PAUSE_DAYS_DEFAULT))
    await console_actions.change_status(
        services.db,
        code,
        action,
        actor=session.actor,
        now=services.clock.now(),
        pathway=services.pathway,
        days=days,
    )
    raise web.HTTPSeeOther(f"/patients/{quoted(code)}#plan")


# -- Broadcast --------------------------------------------------------------------------------


async def broadcast_page(request: web.Request) -> web.Response:
    recent = await broadcast_uc.recent(services_of(request).db, limit=20)
    return render(request, "broadcasts.html", recent=recent, kinds=AUDIENCE_KINDS)


AUDIENCE_KINDS = tuple(AudienceKind)


async def broadcast_draft(request: web.Request) -> web.Response:
    """Compose: the texts and the audience; the draft shows how many it would reach."""
    services = services_of(request)
    session = session_of(request)
    form = await request.post()
    kind, value = str(form.get("kind", "all")), str(form.get("value", "")).strip()
    if kind not in AUDIENCE_KINDS:
        raise Problem(400, "console.problem.invalid", what=kind[:20])
    drafted = await broadcast_uc.draft(
        services.db,
        services.clock,
        text_ko=str(form.get("text_ko", "")),
        text_en=str(form.get("text_en", "")),
        audience=kind if kind == AudienceKind.ALL else f"{kind}:{value}",
        actor=session.actor,
        progress_chat_id=services.config.coordinator_chat_id,
    )
    if isinstance(drafted, broadcast_uc.Nobody):
        raise Problem(400, "console.problem.nobody", audience=drafted.audience)
    raise web.HTTPSeeOther(f"/broadcasts/{drafted.broadcast_id}")


async def broadcast_show(request: web.Request) -> web.Response:
    services = services_of(request)
    shown = await broadcast_uc.show(
        services.db, services.clock, _int(request.match_info["broadcast_id"])
    )
    return render(
        request,
        "broadcast.html",
        item=shown.item,
        report=shown.report,
        count=shown.recipients,
        running=shown.report.state in broadcasts.RUNNING,
    )


async def broadcast_action(request: web.Request) -> web.Response:
    """Send (confirm) or cancel a broadcast; the page then shows what became of it (a second
    confirmation finds it no longer a draft and changes nothing)."""
    services = services_of(request)
    session = session_of(request)
    broadcast_id = _int(request.match_info["broadcast_id"])
    action = request.match_info["action"]
    if action == "send":
        await broadcast_uc.send(
            services.db, services.clock, broadcast_id, actor=session.actor, chat_id=None
        )
    elif action == "cancel":
        await broadcast_uc.cancel(services.db, services.clock, broadcast_id, actor=session.actor)
    else:
        raise Problem(404, "console.problem.not_found", what=action[:20])
    raise web.HTTPSeeOther(f"/broadcasts/{broadcast_id}")


# -- Audit and Exports ------------------------------------------------------------------------


async def audit_page(request: web.Request) -> web.Response:
    actor = request.query.get("actor", "").strip()
    rows = await audit_log.rows(services_of(request).db)
    if actor:
        rows = [row for row in rows if actor in row["actor"]]
    return render(request, "audit.html", rows=list(reversed(rows))[:AUDIT_SHOWN], actor=actor)


async def exports_page(request: web.Request) -> web.Response:
    return render(request, "exports.html", whats=exports.WHATS, formats=exports.FORMATS)


async def export_download(request: web.Request) -> web.Response:
    services = services_of(request)
    exported = await export_uc.export(
        services.db,
        services.clock,
        request.match_info["what"],
        request.match_info["fmt"],
        since=None,
        actor=session_of(request).actor,
        questionnaire=services.questionnaire,
        via="console",
    )
    return web.Response(
        body=exported.data,
        content_type="text/csv" if exported.format == "csv" else "application/json",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{exported.filename}"'},
    )


# -- the demo clock (sandbox only) ------------------------------------------------------------


async def demo_page(request: web.Request) -> web.Response:
    services = services_of(request)
    if services.demo is None:
        raise web.HTTPNotFound()
    return render(request, "demo.html")


async def demo_step(request: web.Request) -> web.Response:
    services = services_of(request)
    if services.demo is None:
        raise web.HTTPNotFound()
    session = session_of(request)
    form = await request.post()
    step = form.get("step")
    if step not in ("hour", "day", "next"):
        raise Problem(400, "console.problem.invalid", what=str(step)[:20])
    before = services.demo.now()
    after = await services.demo.step(step)  # type: ignore[arg-type]
    await demo_clock.record_step(services.db, step, before, after, actor=session.actor)
    raise web.HTTPSeeOther(back_to(request, form.get("next"), "/demo"))


def _int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise InvalidInput(f"{value[:20]!r} is not a number") from None
    if not 0 <= number <= 2**31:
        raise InvalidInput(f"{number} is out of range")
    return number
