"""Every component id of the app, as constants. No other module writes an id literal."""

URL = "url"
MAP = "map"
UNITS = "units-layer"
CONTEXT = "context-layer"
BREADCRUMB = "breadcrumb"
PANEL = "unit-panel"
DEMO_BADGE = "demo-badge"
DATE = "view-date"
VIEW_SYNC = "view-sync"  # dummy output of the client-side callback that keeps the view in the URL
NAV_SYNC = "nav-sync"  # dummy output of the client-side callbacks that navigate (click, date)
