"""The figures of citizens' reports as people read them: cards for the dashboard's panel and the
kiosk, and the same words and numbers for the statistics page's template; the weekly trend as
bars. Pure functions from ``domain.report_figures`` values, every text from the catalog, numbers
in the reader's locale ("1,5 ngày làm việc", "95 %").

A figure with nothing to measure says so ("chưa có phản ánh đến hạn"), never 0 %: no report due
is not a city that missed every deadline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dash import html

from domain.report_figures import Figures, Week
from layouts.i18n import fmt_date, fmt_number, t

OVERDUE_COLOUR = "#c0392b"  # the "received" red of the reports' status colours
GOOD_COLOUR = "#27ae60"


@dataclass(frozen=True)
class Shown:
    """One figure as read: its title, its value (or why there is none), a detail line."""

    key: str
    title: str
    value: str
    detail: str
    missing: bool = False  # the value is a sentence saying there is nothing to measure
    accent: str | None = None


def period_label(days: int, lang: str) -> str:
    if days >= 365:
        return t("figures.period_year", lang)
    return t("figures.period", lang, days=fmt_number(days, lang))


def _percent(share: float, lang: str) -> str:
    return fmt_number(share * 100, lang) + " %"


def _days(value: float, lang: str) -> str:
    shown = fmt_number(value, lang, 1)
    return t("figures.day_one" if round(value, 1) == 1 else "figures.days", lang, value=shown)


def shown_figures(figures: Figures, days: int, lang: str) -> list[Shown]:
    """Every figure of the unit and period, in the order the pages show them."""

    def none(key: str, title: str, why: str) -> Shown:
        return Shown(key, t(title, lang), t(why, lang), "", missing=True)

    out = [
        Shown("received", t("figures.received", lang), fmt_number(figures.received, lang),
              period_label(days, lang)),
        Shown("open", t("figures.open", lang), fmt_number(figures.open, lang),
              t("figures.open_overdue", lang, n=fmt_number(figures.overdue, lang))),
        Shown("overdue", t("figures.overdue", lang), fmt_number(figures.overdue, lang), "",
              accent=OVERDUE_COLOUR if figures.overdue else None),
    ]  # fmt: skip
    # The measured figures: each shown, or, when there is nothing to measure yet, why not.
    measured = (
        ("ack_on_time", figures.acknowledged_on_time, _percent,
         t("figures.of_due", lang, n=fmt_number(figures.ack_measured, lang)), "figures.none_due"),
        ("resolved_on_time", figures.resolved_on_time, _percent,
         t("figures.of_due", lang, n=fmt_number(figures.resolve_measured, lang)),
         "figures.none_due"),
        ("median_ack", figures.median_days_to_acknowledge, _days,
         t("figures.in_workdays", lang), "figures.none_acknowledged"),
        ("median_resolve", figures.median_days_to_resolve, _days,
         t("figures.in_workdays", lang), "figures.none_resolved"),
    )  # fmt: skip
    for key, value, written, detail, why in measured:
        if value is None:
            out.append(none(key, f"figures.{key}", why))
        else:
            out.append(Shown(key, t(f"figures.{key}", lang), written(value, lang), detail))
    if figures.average_rating is None or figures.rated_4_or_more is None:
        out.append(none("rating", "figures.rating", "figures.none_rated"))
        out.append(none("rated_good", "figures.rated_good", "figures.none_rated"))
    else:
        rated = t("figures.of_rated", lang, n=fmt_number(figures.rated, lang))
        out.append(
            Shown("rating", t("figures.rating", lang),
                  t("figures.rating_value", lang,
                    value=fmt_number(figures.average_rating, lang, 1)), rated)
        )  # fmt: skip
        out.append(
            Shown("rated_good", t("figures.rated_good", lang),
                  _percent(figures.rated_4_or_more, lang), rated)
        )  # fmt: skip
    return out


def figure_cards(shown: Sequence[Shown], small: bool = True) -> list[html.Div]:
    """The figures as the panel's and the kiosk's cards (the KPI cards' look)."""
    return [
        html.Div(
            [
                html.Div(s.title, className="kpi-title"),
                html.Div(s.value, className="kpi-value" + (" no-data" if s.missing else "")),
                html.Div(s.detail, className="kpi-detail") if s.detail else None,
            ],
            className="kpi-card report-figure" + (" small" if small else ""),
            style={"borderLeftColor": s.accent} if s.accent else None,
            **_data(figure=s.key),
        )
        for s in shown
    ]


def _data(**attributes: str) -> dict[str, Any]:
    """HTML data-* attributes, as Dash takes them."""
    return {f"data-{name}": value for name, value in attributes.items()}


@dataclass(frozen=True)
class Bar:
    """A week of the trend, scaled to the tallest week (0–100)."""

    label: str  # the week's Monday, in the reader's locale
    received: int
    resolved: int
    received_pct: float
    resolved_pct: float
    title: str  # what the bar says to a screen reader or a pointer


def trend_bars(weeks: Sequence[Week], lang: str) -> list[Bar]:
    top = max([1, *(max(w.received, w.resolved) for w in weeks)])
    return [
        Bar(
            label=fmt_date(w.start, lang),
            received=w.received,
            resolved=w.resolved,
            received_pct=100 * w.received / top,
            resolved_pct=100 * w.resolved / top,
            title=t(
                "figures.trend_bar",
                lang,
                week=fmt_date(w.start, lang),
                received=fmt_number(w.received, lang),
                resolved=fmt_number(w.resolved, lang),
            ),
        )
        for w in weeks
    ]


def trend_chart(weeks: Sequence[Week], lang: str) -> html.Figure:
    """A small bar chart of the weeks: received (dark) and closed (green) side by side. Each
    week's bar carries its numbers as text for screen readers."""
    bars = trend_bars(weeks, lang)
    return html.Figure(
        [
            html.Div(
                [
                    html.Div(
                        [
                            html.Span(
                                className="trend-received",
                                style={"height": f"{b.received_pct:.1f}%"},
                            ),
                            html.Span(
                                className="trend-resolved",
                                style={"height": f"{b.resolved_pct:.1f}%"},
                            ),
                            html.Span(b.title, className="visually-hidden"),
                        ],
                        className="trend-week",
                        title=b.title,
                    )
                    for b in bars
                ],
                className="trend-bars",
            ),
            html.Figcaption(
                [
                    t("figures.trend", lang),
                    html.Span(t("figures.trend_received", lang), className="trend-key received"),
                    html.Span(t("figures.trend_resolved", lang), className="trend-key resolved"),
                ]
            ),
        ],
        className="trend",
    )
