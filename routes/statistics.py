"""The public statistics page of citizens' reports: ``/thong-ke-phan-anh?unit=916&period=90``.

Per unit of the city (the city and its districts offered; any unit by its code) and period (the
last 30 days, 90 days or a year): reports received, open and overdue, the shares acknowledged and
resolved on time, the median times in working days, the average rating and the share rated 4–5,
and the trend by week as a chart and as a table. No sign-in: the figures are read as the public
reads them (``public_report``), whoever asks, so the page is the same for everyone. Vietnamese
first, English through the language switch (the ``lang`` cookie). The chart is SVG drawn here:
nothing comes from another site.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import flask

from domain.clock import CITY_TZ
from domain.report_figures import PERIODS
from geodata.db import Scope, reading, scope
from geodata.errors import UnknownUnit
from geodata.monitoring.queries import children, root_unit, unit_by_code
from geodata.reports.figures import last_days, unit_figures, weekly
from layouts.i18n import fmt_moment, fmt_number, t, unit_type_label
from layouts.page import language_href
from layouts.report_figures import period_label, shown_figures, trend_bars
from routes.errors import NotFound
from web.request import current_language, parse_search, today

PATH = "/thong-ke-phan-anh"
# The chart's drawing box (SVG user units; the browser scales it to the page's width).
CHART_W, CHART_H, CHART_TOP, CHART_BOTTOM = 640, 200, 8, 1


def _period(raw: str | None) -> int:
    """The period asked for, in days; anything else is the first (30 days), as the map's
    parameters are read: ignored rather than trusted."""
    try:
        days = int(raw or "")
    except ValueError:
        return PERIODS[0]
    return days if days in PERIODS else PERIODS[0]


def _chart(bars: list[Any]) -> dict[str, Any]:
    """Rectangles for the SVG: two per week (received, closed), scaled to the tallest; and the
    dates of the first, middle and last weeks, written under it as text of the page (text in a
    stretched SVG would be stretched too)."""
    if not bars:
        return {"rects": [], "labels": []}
    plot_h = CHART_H - CHART_TOP - CHART_BOTTOM
    step = CHART_W / len(bars)
    width = max(1.0, step * 0.38)
    rects = []
    for k, bar in enumerate(bars):
        x = k * step + step * 0.1
        for offset, pct, kind in (
            (0.0, bar.received_pct, "received"),
            (width, bar.resolved_pct, "resolved"),
        ):
            h = plot_h * pct / 100
            rects.append({"x": round(x + offset, 1), "y": round(CHART_TOP + plot_h - h, 1),
                          "w": round(width, 1), "h": round(h, 1), "kind": kind,
                          "title": bar.title})  # fmt: skip
    picked = dict.fromkeys((0, len(bars) // 2, len(bars) - 1))
    return {
        "rects": rects,
        "labels": [bars[k].label for k in picked],
        "baseline": CHART_H - CHART_BOTTOM,
    }


def statistics_page() -> Any:
    """GET /thong-ke-phan-anh: the figures of a unit and period."""
    lang = current_language()
    days = _period(flask.request.args.get("period"))
    code = parse_search("?" + flask.request.query_string.decode()).unit
    on_date = today()
    now = dt.datetime.now(dt.UTC)
    start, end = last_days(now, days)
    with scope(Scope.public()), reading() as conn:
        city = root_unit(conn, on_date)
        offered = [city, *children(conn, city, on_date)]
        try:
            unit = unit_by_code(conn, code, on_date) if code else city
        except UnknownUnit:
            raise NotFound(t("stats.unknown_unit", lang, code=code)) from None
        figures = unit_figures(conn, unit.id, start, end, now)
        weeks = weekly(conn, unit.id, start, end)
    if unit.code not in {u.code for u in offered}:
        offered.append(unit)
    bars = trend_bars(weeks, lang)
    html = flask.render_template(
        "statistics.html",
        lang=lang,
        title=t("stats.title", lang),
        tr={key: t(f"stats.{key}", lang) for key in ("title", "intro", "unit", "period", "show",
                                                      "back")}
        | {key: t(f"figures.{key}", lang) for key in ("trend", "trend_week", "trend_received",
                                                       "trend_resolved", "none_received")},
        switch=t("lang.switch", lang),
        switch_href=language_href(lang),
        path=PATH,
        unit=unit,
        unit_type=unit_type_label(unit.unit_type, lang),
        units=[(u.code, u.name if u is city else f"{u.name} ({unit_type_label(u.unit_type, lang)})")
               for u in offered],
        periods=[(d, period_label(d, lang)) for d in PERIODS],
        days=days,
        period=period_label(days, lang),
        shown=shown_figures(figures, days, lang),
        received=figures.received,
        bars=bars,
        chart=_chart(bars),
        chart_size=(CHART_W, CHART_H),
        weeks=[(b.label, fmt_number(b.received, lang), fmt_number(b.resolved, lang))
               for b in bars],
        notes=t("stats.notes", lang, time=fmt_moment(now.astimezone(CITY_TZ), lang)),
        demo=t("demo.badge", lang) if unit.source == "demo" else None,
    )  # fmt: skip
    return flask.Response(html, mimetype="text/html")


def init_statistics(server: flask.Flask) -> None:
    server.add_url_rule(PATH, "report_statistics", statistics_page)
