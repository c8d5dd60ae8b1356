"""A citizen's report on the dashboard's map opens a popup that links to its tracking page, in a
real headless Chromium running the map's own script (assets/map.js)."""

from __future__ import annotations

import pytest

from layouts.monitor import layer_hideout
from tests.servers import free_port
from tests.test_app_browser import _wait_for_breadcrumb

pytestmark = pytest.mark.browser

PORT = free_port()

# The popup canthoMap.bindPopup writes for a feature, with the hideout the page gives the layer.
_POPUP = """
const [feature, hideout] = arguments;
let html = null;
window.canthoMap.bindPopup(feature, {bindPopup: h => { html = h; }}, {hideout: hideout});
return html;
"""


def test_a_report_s_popup_links_to_its_tracking_page(monitored_db, dash_duo) -> None:
    from app import app

    dash_duo.start_server(app, port=PORT)
    _wait_for_breadcrumb(dash_duo, "Cần Thơ")
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [105.775, 10.03]},
        "properties": {"kind": "citizen_report", "code": "PA-7KQ3MXA", "status": "received",
                       "category_code": "waste", "category_vi": "Rác thải",
                       "category_en": "Waste", "reported_at": "2026-11-27T09:00:00+07:00"},
    }  # fmt: skip
    html = dash_duo.driver.execute_script(_POPUP, feature, layer_hideout("vi"))
    assert "<a href='/phan-anh/PA-7KQ3MXA'>Xem tình trạng xử lý</a>" in html
    assert "Rác thải" in html and "Mới tiếp nhận" in html
    # Another layer's points have no such link.
    gauge = {**feature, "properties": {"kind": "river_gauge", "name": "Cần Thơ"}}
    assert "/phan-anh/" not in dash_duo.driver.execute_script(_POPUP, gauge, layer_hideout("vi"))
