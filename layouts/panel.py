"""The breadcrumb and the side panel of the selected unit."""

from __future__ import annotations

import datetime as dt

from dash import dcc, html

from domain.units import Gone, Unit
from layouts.i18n import fmt_date, fmt_number, t, unit_type_label
from layouts.page import unit_search


def _unit_link(unit: Unit, on_date: dt.date | None, class_name: str) -> dcc.Link:
    return dcc.Link(unit.name, href=unit_search(unit.code, on_date), className=class_name)


def breadcrumb(
    trail: list[Unit], selected: Unit, on_date: dt.date | None, lang: str = "vi"
) -> list:
    """Cần Thơ › Ninh Kiều › Cái Khế: every ancestor a link up, the selected unit plain text
    with its validity (units change: the 2025 reform ended the districts)."""
    items: list = []
    for unit in trail:
        items += [_unit_link(unit, on_date, "crumb"), html.Span("›", className="crumb-sep")]
    items.append(html.Span(selected.name, className="crumb current"))
    if validity := validity_text(selected, lang):
        items.append(html.Span(f"({validity})", className="crumb-validity"))
    return items


def validity_text(unit: Unit, lang: str) -> str | None:
    """ "từ 1 thg 7, 2025" or "1 thg 1, 2008 – 30 thg 6, 2025" (its last day, not the first
    without it); None when the validity is not known."""
    if unit.valid_from is None:
        return None
    start = fmt_date(unit.valid_from, lang)
    if unit.valid_to is None:
        return t("unit.valid_since", lang, start=start)
    end = fmt_date(unit.valid_to - dt.timedelta(days=1), lang)
    return t("unit.valid_between", lang, start=start, end=end)


def _fact(label: str, value: str) -> list:
    return [html.Dt(label), html.Dd(value)]


def unit_panel(unit: Unit, parent: Unit | None, lang: str) -> list:
    """Name, type, parent, code, area, population and density of the selected unit."""
    facts = [
        *_fact(t("panel.type", lang), unit_type_label(unit.unit_type, lang)),
        *_fact(t("panel.parent", lang), parent.name if parent else "—"),
        *_fact(t("panel.code", lang), unit.code),
        *_fact(t("panel.validity", lang), validity_text(unit, lang) or t("value.unknown", lang)),
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
        types = {k.unit_type: unit_type_label(k.unit_type, lang) for k in kids}
        body += [
            html.H3(t("panel.children", lang, n=len(kids))),
            # Three elements a row, no wrappers: after the 2025 reform a city lists a hundred
            # communes or more, and every element is built and sent on each drill-down.
            html.Ul(
                [
                    html.Li(
                        [
                            _unit_link(k, on_date, "child-link child-name"),
                            html.Small(types[k.unit_type]),
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


def gone_panel(gone: Gone, lang: str, on_date: dt.date | None, home: str) -> list:
    """A unit that does not exist on the day shown: dissolved (and the units that took over its
    area, each a link on the same day) or not yet established (a link to its first day)."""
    if not gone.ended:
        start = fmt_date(gone.valid_from, lang)
        link = dcc.Link(
            t("error.unit_not_yet_link", lang, date=start),
            href=unit_search(gone.code, gone.valid_from), className="successor",
        )  # fmt: skip
        message = t("error.unit_not_yet", lang, name=gone.name, date=start)
        return [*error_panel(message), html.P(link), html.P(dcc.Link(home, href="/"))]
    assert gone.valid_to is not None
    message = t("error.unit_ended", lang, name=gone.name, date=fmt_date(gone.valid_to, lang))
    body = error_panel(message)
    if gone.successors:
        body.append(html.P(t("error.unit_ended_now", lang), className="successors-title"))
        body.append(
            html.Ul(
                [
                    html.Li([
                        dcc.Link(name, href=unit_search(code, on_date), className="successor"),
                        html.Span(
                            " · " + t("unit.share", lang,
                                      share=fmt_number(share * 100, lang) + " %"),
                            className="muted",
                        ),
                    ])
                    for code, name, share in gone.successors
                ],
                className="successors",
            )
        )  # fmt: skip
    else:
        body.append(html.P(t("error.unit_ended_nothing", lang)))
    body.append(html.P(dcc.Link(home, href="/", className="home-link")))
    return body


def error_panel(message: str, home: str | None = None) -> list:
    """What the panel shows when nothing can be drawn (no units at the date, unknown code, …);
    with ``home``, a link of that text back to the caller's home unit (the map's start)."""
    body: list = [html.P(message, className="error", role="alert")]
    if home:
        body.append(html.P(dcc.Link(home, href="/", className="home-link")))
    return body
