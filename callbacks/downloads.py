"""The downloads and print links of the side panel, for the unit and moment shown.

The files themselves are served by ``routes/downloads.py`` and ``routes/printmap.py``; this module
holds the Dash side: the links to the layers the catalogue offers as files and the caller may read
(the public never gets citizens' reports).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from dash import Input, Output, callback, html

from callbacks.monitor import active_layers
from geodata.monitoring import catalogue
from geodata.monitoring.printmap import FORMATS as PRINT_FORMATS
from geodata.settings import get_settings
from layouts import ids
from layouts.i18n import t
from web.access import current_caller, may_read
from web.request import current_language, parse_search

FORMATS = ("geojson", "csv")


@callback(
    Output(ids.DOWNLOADS, "children"),
    Input(ids.URL, "search"),
    Input(ids.TIME, "data"),
    Input(ids.LAYERS_CONTROL, "overlays"),
    Input(ids.CHOROPLETH, "value"),
    Input(ids.SERVICE_KIND, "value"),
)
def show_downloads(
    search: str | None,
    time: dict[str, Any] | None,
    overlays: list[str] | None = None,
    indicator: str | None = None,
    kind: str | None = None,
) -> list:
    """Links to download each layer of the selected unit at the moment shown, with the licence,
    and to print the map as shown (its layers and indicator too)."""
    lang = current_language()
    req = parse_search(search)
    params = {"unit": req.unit} if req.unit else {}
    if req.date_given:
        params["date"] = req.on_date.isoformat()
    if time and time.get("at"):
        params["at"] = time["at"]
    caller = current_caller()
    rows = []
    for offered in catalogue.downloads():
        if not may_read(caller, offered.info.visibility):
            continue
        layer = offered.name
        links = [html.A(fmt.upper() if fmt == "csv" else "GeoJSON",
                        href=f"/download/{layer}.{fmt}?{urlencode(params)}", download="")
                 for fmt in FORMATS]  # fmt: skip
        rows.append(html.Li([html.Span(t(offered.info.label, lang)), " ", links[0], " · ",
                             links[1]]))  # fmt: skip
    settings = get_settings()
    return [
        html.H3(t("download.title", lang)),
        html.Ul(rows, className="downloads"),
        print_links(params, active_layers(overlays, lang), indicator, kind, lang),
        html.P(
            [
                t("download.licence", lang) + " ",
                html.A(
                    settings.data_licence,
                    href=settings.data_licence_url,
                    target="_blank",
                    rel="noopener",
                ),
                " · " + t("download.source", lang, source=settings.data_source),
            ],
            className="licence",
        ),
    ]


def print_links(
    params: dict[str, str],
    active: list[str],
    indicator: str | None,
    kind: str | None,
    lang: str,
) -> html.P:
    """The "In bản đồ: PNG · PDF" links: the unit, moment, layers and indicator shown."""
    query = {**params, "layers": ",".join(active), "indicator": indicator or ""}
    if kind and ("services" in active or indicator == "coverage"):
        query["kind"] = kind
    links = [
        html.A(fmt.upper(), href=f"/print/map.{fmt}?{urlencode(query)}", target="_blank",
               rel="noopener")
        for fmt in PRINT_FORMATS
    ]  # fmt: skip
    return html.P([t("print.links", lang) + " ", links[0], " · ", links[1]], className="print")
