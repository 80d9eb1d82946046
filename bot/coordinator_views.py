"""Texts of the coordinator console from care.views.exports rows: lists, summaries, alerts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from care.domain.callbacks import encode
from care.domain.messaging import Button, Keyboard
from care.storage.models import Patient
from messages.catalog import Catalog

PAIN_ROWS = 10


def _short_time(value: str | None, zone: str) -> str | None:
    """``2026-11-21T01:30:00Z`` -> ``11-21 10:30`` in the zone."""
    if value is None:
        return None
    instant = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(ZoneInfo(zone))
    return f"{instant:%m-%d %H:%M}"


def _dash(value: object) -> str:
    return "-" if value is None or value == "" else str(value)


def patients_page(
    catalog: Catalog, lang: str, rows: list[dict[str, Any]], *, total: int, page: int, pages: int
) -> tuple[str, Keyboard]:
    """One page of active patients, with "previous" and "next" buttons where there are more."""
    if total == 0:
        return catalog.text(lang, "coord.patients.none"), ()
    lines = [catalog.text(lang, "coord.patients.header", total=total, page=page + 1, pages=pages)]
    never = catalog.text(lang, "coord.never")
    for row in rows:
        lines.append(
            catalog.text(
                lang,
                "coord.patients.row",
                code=row["patient_code"],
                day=_dash(row["post_op_day"]),
                last=_short_time(row["last_checkin_at"], row["timezone"]) or never,
                alerts=row["open_alerts"],
            )
        )
    buttons = []
    if page > 0:
        buttons.append(
            Button(
                catalog.text(lang, "coord.patients.previous"), encode("page", "patients", page - 1)
            )
        )
    if page + 1 < pages:
        buttons.append(
            Button(catalog.text(lang, "coord.patients.next"), encode("page", "patients", page + 1))
        )
    return "\n".join(lines), (tuple(buttons),) if buttons else ()


def patient_summary(
    catalog: Catalog,
    lang: str,
    patient: Patient,
    *,
    day: int | None,
    checkins: list[dict[str, Any]],
    alerts: list[dict[str, Any]],
    deliveries: dict[str, int],
    outcomes: Sequence[Mapping[str, Any]] = (),
    questionnaire_name: str = "",
) -> str:
    """Plan, pain over time, questionnaire scores, alerts and deliveries of one patient (no
    free text)."""
    approach_key = f"scheduler.approach.{patient.approach.value if patient.approach else ''}"
    approach = catalog.text(lang, approach_key) if catalog.has(approach_key) else "-"
    lines = [
        catalog.text(
            lang,
            "coord.patient.header",
            code=patient.code,
            status=patient.status.value,
            surgery_date=_dash(patient.surgery_date),
            approach=approach,
            level=patient.level or "",
            day=_dash(day),
            language=patient.language,
            timezone=patient.timezone,
            window=f"{patient.waking_start:%H:%M}-{patient.waking_end:%H:%M}",
        ),
        "",
    ]
    pain = [row for row in checkins if row.get("legpain") or row.get("backpain")]
    if pain:
        lines.append(catalog.text(lang, "coord.patient.pain"))
        for row in pain[-PAIN_ROWS:]:
            lines.append(
                catalog.text(
                    lang,
                    "coord.patient.pain_row",
                    date=_dash(_short_time(row["started_at"], patient.timezone)),
                    day=_dash(row["post_op_day"]),
                    leg=_dash(row.get("legpain")),
                    back=_dash(row.get("backpain")),
                    tier=_dash(row["tier"]),
                )
            )
    else:
        lines.append(catalog.text(lang, "coord.patient.no_checkins"))
    for outcome in outcomes:
        lines.append(
            catalog.text(
                lang,
                "coord.patient.questionnaire",
                name=questionnaire_name,
                day=_dash(outcome["post_op_day"]),
                score=_dash(outcome["score"]),
                answered=outcome["answered"],
            )
        )
    lines.append("")
    if alerts:
        lines.append(catalog.text(lang, "coord.patient.alerts"))
        for row in alerts:
            lines.append(
                catalog.text(
                    lang,
                    "coord.patient.alert_row",
                    id=row["alert_id"],
                    severity=row["severity"],
                    source=row["source"],
                    state=row["state"],
                    date=_dash(_short_time(row["created_at"], patient.timezone)),
                )
            )
    else:
        lines.append(catalog.text(lang, "coord.patient.no_alerts"))
    lines.append("")
    lines.append(
        catalog.text(
            lang,
            "coord.patient.deliveries",
            sent=deliveries.get("sent", 0),
            pending=deliveries.get("pending", 0) + deliveries.get("claimed", 0),
            failed=deliveries.get("failed", 0),
            cancelled=deliveries.get("cancelled", 0),
            skipped=deliveries.get("skipped", 0),
        )
    )
    return "\n".join(lines)


def alert_item(
    catalog: Catalog, lang: str, row: dict[str, Any], now: datetime
) -> tuple[str, Keyboard]:
    """One open alert with the "Acknowledge" and "Called patient" buttons."""
    created = datetime.fromisoformat(row["created_at"].replace("Z", "+00:00"))
    surgery = row.get("_surgery_date")
    zone = row.get("_timezone") or "UTC"
    day = (now.astimezone(ZoneInfo(zone)).date() - surgery).days if surgery else None
    text = catalog.text(
        lang,
        "coord.alerts.row",
        id=row["alert_id"],
        severity=row["severity"].upper(),
        code=row["patient_code"],
        day=_dash(day),
        source=row["source"],
        minutes=max(0, int((now.astimezone(UTC) - created).total_seconds() // 60)),
    )
    keyboard: Keyboard = (
        (
            Button(catalog.text(lang, "coord.alerts.ack"), encode("ack", row["alert_id"])),
            Button(catalog.text(lang, "coord.alerts.called"), encode("called", row["alert_id"])),
        ),
    )
    return text, keyboard
