"""Every component id of the app, as constants. No other module writes an id literal."""

URL = "url"
PAGE = "page"  # the whole page: its class says when a unit is refused (map and widgets hidden)
MAP = "map"
DOWNLOADS = "downloads"
MAP_FIT = "map-fit"  # the view the server chose; the browser fits it to the screen
# The URL query whose selection the layout already holds (app.serve_layout): the selection's
# first call for that same query has nothing to add.
PREFILLED = "prefilled"
UNITS = "units-layer"
CONTEXT = "context-layer"
BREADCRUMB = "breadcrumb"
PANEL = "unit-panel"
CHILDREN = "unit-children"
DEMO_BADGE = "demo-badge"
DATE = "view-date"
VIEW_SYNC = "view-sync"  # dummy output of the client-side callback that keeps the view in the URL
NAV_SYNC = "nav-sync"  # dummy output of the client-side callbacks that navigate (click, date)
LAYERS_CONTROL = "layers-control"
LAYER_KEYS = "layer-keys"  # the layers control's (translated) names → layer keys, for the URL
LAYERS_SYNC = "layers-sync"  # dummy output of the client-side callback keeping `layers` in the URL
# The map's layers are the catalogue's: LayerInfo.map_id, "<layer>-layer". These two are
# clicked (a station's chart).
GAUGES = "gauges-layer"
AIR = "air-layer"
LEGEND = "legend"
CHOROPLETH = "choropleth-indicator"
SERVICE_KIND = "service-kind"
TIME = "time-store"  # {"at": ISO local time or None for live, "play": {...} or None}
TIME_MODE = "time-mode"
TIME_DAY = "time-day"  # the moment shown in history mode: its day …
TIME_HOUR = "time-hour"  # … and its hour
TIME_LABEL = "time-label"
PLAY_24H = "play-24h"
PLAY_7D = "play-7d"
STOP = "play-stop"
PLAYER = "player-interval"
REFRESH = "refresh-interval"
TIME_SHOWN = "time-shown"  # the store's `at` whose layers and label are on screen (play waits)
TIME_SYNC = "time-sync"  # dummy output of the client-side callback that keeps `at` in the URL
KPIS = "kpis"
REPORT_FIGURES = "report-figures"  # the unit's citizens' reports figures, beside the KPIs
CHART = "chart"
CHART_BOX = "chart-box"  # where the chart goes once the map has its units (callbacks/deferred.py)
SENSOR = "selected-sensor"
FLOOD_AIR_SENT = "flood-air-sent"  # digests of the layer data the browser has
TRAFFIC_SENT = "traffic-sent"

# The public kiosk page (/kiosk): its own ids, so no callback of the main page fires there.
KIOSK_PAGE = "kiosk-page"
KIOSK_URL = "kiosk-url"
KIOSK_CONFIG = "kiosk-config"  # {"rotate": seconds per step}, from the page's URL
KIOSK_TICK = "kiosk-tick"  # the rotation interval, re-aimed at each step boundary
KIOSK_STEP = "kiosk-step"  # {"step": floor(epoch seconds / rotate), "frame": the one to fill}
KIOSK_SHOWN = "kiosk-shown"  # {"frame", "step"} of the frame on screen
KIOSK_LAST_GOOD = "kiosk-last-good"  # the last step shown with fresh data (replaced, not appended)
KIOSK_MAP = "kiosk-map"
KIOSK_CONTEXT = "kiosk-context-layer"
KIOSK_UNITS = "kiosk-units-layer"
# The kiosk's layers are the catalogue's: LayerInfo.kiosk_id, "kiosk-<layer>-layer".
KIOSK_UNIT = "kiosk-unit"
KIOSK_LAYER = "kiosk-layer"
KIOSK_KPIS = "kiosk-kpis"
KIOSK_LEGEND = "kiosk-legend"
KIOSK_STATUS = "kiosk-status"
KIOSK_BANNER = "kiosk-banner"
KIOSK_WARNINGS = "kiosk-warnings"  # the public warnings in force, above everything else
# The kiosk draws each step into one of two frames while the other stays on screen; the ids above
# from KIOSK_MAP to KIOSK_STATUS each exist once per frame (see kiosk_frame).
KIOSK_FRAMES = ("a", "b")


def kiosk_frame(id_: str, frame: str) -> str:
    """The id of a kiosk element in one of its two frames."""
    return f"{id_}-{frame}"
