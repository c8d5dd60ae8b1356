"""The breadcrumb and the side panel of the selected unit."""

from __future__ import annotations

import datetime as dt

from dash import dcc, html

from domain.units import Unit
from layouts.i18n import fmt_number, t, unit_type_label
from layouts.page import unit_search


def _unit_link(unit: Unit, on_date: dt.date | None, class_name: str) -> dcc.Link:
    return dcc.Link(unit.name, href=unit_search(unit.code, on_date), className=class_name)


def breadcrumb(trail: list[Unit], selected: Unit, on_date: dt.date | None) -> list:
    """Cần Thơ › Ninh Kiều › Cái Khế: every ancestor a link up, the selected unit plain text."""
    items: list = []
    for unit in trail:
        items += [_unit_link(unit, on_date, "crumb"), html.Span("›", className="crumb-sep")]
    items.append(html.Span(selected.name, className="crumb current"))
    return items


def _fact(label: str, value: str) -> list:
    return [html.Dt(label), html.Dd(value)]


def unit_panel(unit: Unit, parent: Unit | None, lang: str) -> list:
    """Name, type, parent, code, area, population and density of the selected unit."""
    facts = [
        *_fact(t("panel.type", lang), unit_type_label(unit.unit_type, lang)),
        *_fact(t("panel.parent", lang), parent.name if parent else "—"),
        *_fact(t("panel.code", lang), unit.code),
        *_fact(
            t("panel.area", lang), t("unit.km2", lang, value=fmt_number(unit.area_km2, lang, 1))
        ),
        *_fact(
            t("panel.population", lang),
            t("unit.people", lang, value=fmt_number(unit.population, lang))
            if unit.population is not None
            else t("value.unknown", lang),
        ),
        *_fact(
            t("panel.density", lang),
            t("unit.per_km2", lang, value=fmt_number(unit.density, lang))
            if unit.density is not None
            else t("value.unknown", lang),
        ),
    ]
    return [
        html.H2(unit.name, className="unit-name"),
        html.P(unit_type_label(unit.unit_type, lang), className="unit-type"),
        html.Dl(facts, className="facts"),
    ]


def children_panel(kids: list[Unit], lang: str, on_date: dt.date | None) -> list:
    """The units within the selected one, as links that drill down, with their population."""
    body: list = []
    if kids:
        body += [
            html.H3(t("panel.children", lang, n=len(kids))),
            html.Ul(
                [
                    html.Li(
                        [
                            html.Span(
                                [
                                    _unit_link(k, on_date, "child-link"),
                                    html.Small(unit_type_label(k.unit_type, lang)),
                                ],
                                className="child-name",
                            ),
                            html.Span(fmt_number(k.population, lang), className="child-pop"),
                        ]
                    )
                    for k in kids
                ],
                className="children",
            ),
            html.P(t("panel.hint", lang), className="hint"),
        ]
    else:
        body.append(html.P(t("panel.no_children", lang), className="hint"))
    return body


def error_panel(message: str, home: str | None = None) -> list:
    """What the panel shows when nothing can be drawn (no units at the date, unknown code, …);
    with ``home``, a link of that text back to the caller's home unit (the map's start)."""
    body: list = [html.P(message, className="error", role="alert")]
    if home:
        body.append(html.P(dcc.Link(home, href="/", className="home-link")))
    return body
