"""Templates (Jinja2, autoescaped), words from the .po catalogue, times in the clinic's zone,
and the pain chart as inline SVG drawn on the server (no script, nothing fetched)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, select_autoescape

from care.usecases.console_views import PainPoint
from messages.catalog import Catalog


def environment() -> Environment:
    return Environment(
        loader=PackageLoader("console", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


@dataclass(frozen=True)
class Words:
    """``t("console.today.title")`` in the coordinator's language; a key missing from the
    catalogue shows itself rather than failing the page."""

    catalog: Catalog
    language: str
    zone: ZoneInfo

    def __call__(self, key: str, /, **values: object) -> str:
        try:
            return self.catalog.text(self.language, key, **values)
        except KeyError:
            return key

    def has(self, key: str) -> bool:
        return self.catalog.has(key)

    def when(self, instant: datetime | None) -> str:
        if instant is None:
            return "—"
        return instant.astimezone(self.zone).strftime("%Y-%m-%d %H:%M")

    def day(self, day: int | None) -> str:
        return "—" if day is None else self("console.day", day=day)


# -- the pain chart ---------------------------------------------------------------------------

WIDTH, HEIGHT = 720, 280
LEFT, RIGHT, TOP, BOTTOM = 40, 16, 24, 40


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    x_ticks: list[tuple[float, int]]
    y_ticks: list[tuple[float, int]]
    leg_path: str
    back_path: str
    points: list[dict[str, Any]]
    alerts: list[dict[str, Any]]
    missed: list[dict[str, Any]]
    plot: dict[str, float]


def pain_chart(
    pain: Sequence[PainPoint],
    alert_days: Sequence[tuple[int, str]],
    missed_days: Sequence[int],
    today: int | None,
) -> Chart:
    """Leg and back pain (0-10) over post-op days, with alerts and missed check-ins marked."""
    days = [p.post_op_day for p in pain] + [d for d, _ in alert_days] + list(missed_days)
    last = max([14, today or 0, *days])
    first = min([0, *days])
    span = max(1, last - first)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day: int) -> float:
        return round(LEFT + (day - first) * plot_w / span, 1)

    def y(score: int) -> float:
        return round(TOP + (10 - score) * plot_h / 10, 1)

    def path(values: list[tuple[int, int]]) -> str:
        return " ".join(f"{'M' if i == 0 else 'L'}{x(d)},{y(v)}" for i, (d, v) in enumerate(values))

    step = 7 if span > 28 else 1 if span <= 14 else 2
    x_ticks = [(x(d), d) for d in range(first, last + 1) if (d - first) % step == 0]
    leg = [(p.post_op_day, p.leg) for p in pain if p.leg is not None]
    back = [(p.post_op_day, p.back) for p in pain if p.back is not None]
    points: list[dict[str, Any]] = []
    for kind, values in (("leg", leg), ("back", back)):
        for day, value in values:
            points.append({"kind": kind, "day": day, "value": value, "x": x(day), "y": y(value)})
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        x_ticks=x_ticks,
        y_ticks=[(y(v), v) for v in range(0, 11, 2)],
        leg_path=path([(d, v) for d, v in leg]),
        back_path=path([(d, v) for d, v in back]),
        points=points,
        alerts=[{"day": d, "severity": s, "x": x(d)} for d, s in alert_days],
        missed=[{"day": d, "x": x(d)} for d in missed_days],
        plot={"left": LEFT, "top": TOP, "right": WIDTH - RIGHT, "bottom": TOP + plot_h},
    )
