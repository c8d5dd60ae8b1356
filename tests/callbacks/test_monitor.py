"""The monitoring callbacks, called as plain functions on the demo city with monitoring data."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import plotly.graph_objects as go
import pytest

from callbacks import monitor
from callbacks.downloads import show_downloads
from callbacks.drilldown import show_selection
from callbacks.monitor import (
    choropleth,
    date_limits,
    hour_options,
    moment_layers,
    moment_pickers,
    moment_value,
    next_time_state,
    picked_moment,
    show_chart,
    show_kpis,
    static_layers,
    view_layers,
)
from domain.clock import local_iso, parse_local
from geodata.monitoring import catalogue
from layouts import ids
from tests.callers import add_ward_staff, denials, signed_in


def _chart(search: str, time: dict[str, Any], sensor_id: int | None) -> go.Figure:
    """The chart callback's figure, read back through Plotly's own validation: the callback
    builds the plain figure Plotly.js reads, and an unknown property would fail here."""
    return go.Figure(show_chart(search, time, sensor_id))


ALL_LAYERS = ["Ngập lụt", "Chất lượng không khí", "Giao thông", "Dịch vụ công"]
CITY_BOUNDS = [[9.9, 105.2], [10.4, 105.9]]


def _moment(*args: Any) -> dict[str, Any]:
    """moment_layers' answer by name: each of the catalogue's moment layers (gauges, …), then
    the time label, the digests sent and the moment drawn."""
    names = [x.name for x in monitor.MOMENT_LAYERS] + ["label", "sent", "drawn"]
    return dict(zip(names, moment_layers(*args), strict=True))


def _texts(node: Any) -> str:
    return json.dumps(node.to_plotly_json() if hasattr(node, "to_plotly_json") else node,
                      ensure_ascii=False, default=str)  # fmt: skip


# --- time ---------------------------------------------------------------------------------------


def test_live_mode_shows_the_latest_data_and_history_a_chosen_moment() -> None:
    assert next_time_state(ids.TIME_MODE, "live", "2026-11-26T14:00", None, None) == {
        "at": None, "play": None,
    }  # fmt: skip
    assert next_time_state(ids.TIME_DAY, "history", "2026-11-26T14:00", None, None) == {
        "at": "2026-11-26T14:00", "play": None,
    }  # fmt: skip
    assert next_time_state(ids.TIME_DAY, "history", "not a time", None, None)["at"] is None


def test_the_day_and_hour_pickers_make_one_local_moment_and_back() -> None:
    assert moment_value("2026-11-26", 14) == "2026-11-26T14:00"
    assert moment_value("2026-11-26", None) == "2026-11-26T00:00"  # the day's first hour
    assert moment_value(None, 14) is None  # no day, no moment: nothing to show yet
    assert moment_pickers("2026-11-26T14:00") == ("2026-11-26", 14)
    assert moment_pickers(None) == (None, None)
    assert moment_value(*moment_pickers("2026-11-26T09:00")) == "2026-11-26T09:00"


def test_play_runs_through_the_last_24_hours_hour_by_hour_and_ends_back_in_live() -> None:
    latest = dt.datetime(2026, 11, 26, 7, 0, tzinfo=dt.UTC)  # 14:00 in Cần Thơ
    state = next_time_state(ids.PLAY_24H, "live", None, None, latest)
    assert state == {
        "at": "2026-11-25T14:00", "play": {"end": "2026-11-26T14:00", "step": 1, "from": "live"},
    }  # fmt: skip
    moments = []
    while state["play"]:
        state = next_time_state(ids.PLAYER, "history", None, state, latest)
        moments.append(state["at"])
    assert len(moments) == 24 and moments[-2] == "2026-11-26T13:00"
    assert state == LIVE  # the last step is the latest data: live again, not a fixed moment


def test_play_through_7_days_steps_six_hours_and_stop_keeps_the_moment() -> None:
    state = next_time_state(ids.PLAY_7D, "history", "2026-11-20T12:00", None, None)
    assert state["at"] == "2026-11-13T12:00" and state["play"]["step"] == 6
    state = next_time_state(ids.PLAYER, "history", None, state, None)
    assert state["at"] == "2026-11-13T18:00"
    assert next_time_state(ids.STOP, "history", None, state, None) == {
        "at": "2026-11-13T18:00", "play": None,
    }  # fmt: skip


def test_stop_after_playing_from_live_goes_back_to_live() -> None:
    latest = dt.datetime(2026, 11, 26, 7, 0, tzinfo=dt.UTC)
    state = next_time_state(ids.PLAY_7D, "live", None, None, latest)
    state = next_time_state(ids.PLAYER, "history", "2026-11-19T14:00", state, None)
    assert state["at"] == "2026-11-19T20:00"
    # The page shows "history" while playing; Stop still knows where the play began.
    assert next_time_state(ids.STOP, "history", "2026-11-19T20:00", state, None) == LIVE
    # So does a click on "Live" during the play.
    assert next_time_state(ids.TIME_MODE, "live", "2026-11-19T20:00", state, latest) == LIVE
    # And Stop in live mode is live, whatever the store held.
    stuck = {"at": "2026-11-19T20:00", "play": None}
    assert next_time_state(ids.STOP, "live", None, stuck, latest) == LIVE


def test_play_does_not_start_before_the_first_data() -> None:
    latest = dt.datetime(2026, 11, 26, 7, 0, tzinfo=dt.UTC)
    first = latest - dt.timedelta(days=2)
    state = next_time_state(ids.PLAY_7D, "live", None, None, latest, first)
    assert state["at"] == "2026-11-24T14:00"  # two days of data, not seven days of "no data"


def test_the_pickers_showing_the_moment_drawn_do_not_stop_a_play() -> None:
    latest = dt.datetime(2026, 11, 26, 7, 0, tzinfo=dt.UTC)
    playing = next_time_state(ids.PLAY_24H, "live", None, None, latest)
    assert next_time_state(ids.TIME_HOUR, "history", playing["at"], playing, None) == playing
    # A moment the user picks stops it.
    picked = next_time_state(ids.TIME_HOUR, "history", "2026-11-25T09:00", playing, None)
    assert picked == {"at": "2026-11-25T09:00", "play": None}


def test_history_starts_from_the_moment_shown() -> None:
    latest = dt.datetime(2026, 11, 26, 7, 0, tzinfo=dt.UTC)
    assert next_time_state(ids.TIME_MODE, "history", None, LIVE, latest) == {
        "at": "2026-11-26T14:00", "play": None,
    }  # fmt: skip


def test_a_day_picked_alone_keeps_the_hour_shown() -> None:
    shown = parse_local("2026-11-26T14:00")
    assert picked_moment("2026-11-24", None, shown) == "2026-11-24T14:00"
    assert picked_moment("2026-11-24", 9, shown) == "2026-11-24T09:00"
    assert picked_moment("2026-11-24", None, None) == "2026-11-24T00:00"
    assert picked_moment(None, None, shown) is None


def test_the_pickers_offer_only_the_days_and_hours_with_data() -> None:
    span = (parse_local("2026-11-24T15:00"), parse_local("2026-11-26T14:00"))
    assert date_limits(span) == ("2026-11-24", "2026-11-26")
    assert date_limits(None) == (None, None)

    def offered(day: str) -> list[int]:
        return [o["value"] for o in hour_options(day, span) if not o.get("disabled")]

    assert offered("2026-11-24") == list(range(15, 24))
    assert offered("2026-11-25") == list(range(24))
    assert offered("2026-11-26") == list(range(15))
    assert offered("2027-01-01") == []
    assert [o["label"] for o in hour_options(None, span)][:2] == ["00:00", "01:00"]


# --- layers -------------------------------------------------------------------------------------


LIVE = {"at": None, "play": None}


def test_moment_layers_follow_the_selected_unit(monitored_db) -> None:
    out = _moment("", LIVE, 0, ALL_LAYERS)
    gauges, air, label, drawn = out["gauges"], out["air"], out["label"], out["drawn"]
    assert len(gauges["features"]) == 8 and len(air["features"]) == 9
    assert label.startswith("● Số liệu lúc") and drawn is None  # live drawn
    in_ninh_kieu, *_ = moment_layers("?unit=916", LIVE, 0, ALL_LAYERS)
    names = {f["properties"]["name"] for f in in_ninh_kieu["features"]}
    assert names and all(
        f["properties"]["alert_level"] is not None for f in in_ninh_kieu["features"]
    )
    assert names < {f["properties"]["name"] for f in gauges["features"]}


def test_hidden_layers_send_no_features(monitored_db) -> None:
    out = _moment("", LIVE, 0, [])
    gauges, inundation, reports, air = (out[k] for k in ("gauges", "inundation", "reports", "air"))
    assert reports["features"] == []
    assert gauges["features"] == air["features"] == inundation["features"] == []
    assert view_layers("", LIVE, 0, [], CITY_BOUNDS, 11)[:2] == (monitor.EMPTY, monitor.EMPTY)


def test_the_city_view_draws_arterials_only_and_a_close_view_all_roads(monitored_db) -> None:
    city, points, _ = view_layers("", LIVE, 0, ALL_LAYERS, CITY_BOUNDS, 11)
    classes = {f["properties"]["road_class"] for f in city["features"]}
    assert classes == {"arterial"}
    close, *_ = view_layers("?unit=916", LIVE, 0, ALL_LAYERS, [[10.0, 105.72], [10.06, 105.8]], 15)
    assert {"arterial", "local"} <= {f["properties"]["road_class"] for f in close["features"]}
    assert {f["properties"]["kind"] for f in points["features"]} >= {"camera"}


def test_services_show_the_chosen_kind_and_who_it_does_not_reach(monitored_db) -> None:
    facilities, underserved = static_layers("?unit=925", ALL_LAYERS, "health_station")
    assert facilities["features"]
    assert {f["properties"]["kind"] for f in facilities["features"]} == {"health_station"}
    assert underserved["features"]  # Cờ Đỏ has communes without a health station nearby


def test_the_choropleth_colours_every_drawn_unit_from_its_indicator(monitored_db) -> None:
    units = show_selection("")[0]
    hideout = choropleth(units, "aqi_max", "health_station", LIVE, 0)
    assert hideout["indicator"] == "aqi_max"
    assert set(hideout["values"]) == {str(f["id"]) for f in units["features"]}
    assert any(v is not None for v in hideout["values"].values())
    coverage = choropleth(units, "coverage", "health_station", LIVE, 0)
    assert all(0 <= v <= 1 for v in coverage["values"].values())
    assert choropleth(units, None, "health_station", LIVE, 0) == {"indicator": None}
    assert choropleth(units, "'; DROP TABLE x; --", "x", LIVE, 0) == {"indicator": None}


def test_kpis_and_chart_follow_the_drill_down(monitored_db) -> None:
    city = _texts(show_kpis("", LIVE, 0))
    assert "Trạm vượt báo động" in city and "AQI cao nhất" in city and "Độ phủ" in city
    figure = _chart("?unit=916", LIVE, None)
    assert "Ninh Kiều" in figure.layout.title.text
    assert {trace.name for trace in figure.data} >= {"AQI cao nhất"}


@pytest.mark.parametrize("search", ["?unit=99999", "?unit=916&date=1990-01-01"])
def test_an_unknown_unit_changes_nothing(monitored_db, search: str) -> None:
    from dash import no_update

    assert show_kpis(search, LIVE, 0) is no_update


def test_a_refresh_that_brings_nothing_new_leaves_the_layers_and_their_popups_alone(
    monitored_db,
) -> None:
    from dash import no_update

    first = _moment("", LIVE, 0, ALL_LAYERS)
    again = _moment("", LIVE, 1, ALL_LAYERS, first["sent"])
    names = [x.name for x in monitor.MOMENT_LAYERS]
    # The browser has exactly this data already; the time label is always sent.
    assert [again[k] for k in names] == [no_update] * len(names)
    assert again["label"] == first["label"]
    changed = list(first["sent"])
    changed[names.index("inundation")] = "something else"
    partly = _moment("", LIVE, 2, ALL_LAYERS, changed)
    # Only the changed layer is sent.
    assert partly["inundation"] == first["inundation"] and partly["gauges"] is no_update


def test_a_moment_without_data_says_so_instead_of_showing_zeros(monitored_db) -> None:
    no_data = {"at": "2027-01-01T10:00", "play": None}
    out = _moment("", no_data, 0, ALL_LAYERS)
    label, drawn = out["label"], out["drawn"]
    gauges, inundation, reports, air = (out[k] for k in ("gauges", "inundation", "reports", "air"))
    assert label == "Không có số liệu cho thời điểm này · 10:00 01/01/2027"
    assert drawn == "2027-01-01T10:00"
    assert all(not layer["features"] for layer in (gauges, inundation, reports, air))
    kpis = _texts(show_kpis("", no_data, 0))
    assert "Không có số liệu cho thời điểm này" in kpis and "km²" not in kpis
    units = show_selection("")[0]
    hideout = choropleth(units, "aqi_max", "health_station", no_data, 0)
    assert hideout["values"] and set(hideout["values"].values()) == {None}
    # A moment with data still shows it.
    label = _moment("", {"at": local_iso(_latest()), "play": None}, 0, [])["label"]
    assert label.startswith("Số liệu lúc")


def test_the_day_picker_is_limited_to_the_days_with_data(monitored_db) -> None:
    from callbacks.monitor import CITY_TZ, time_limits

    first, last, _ = time_limits("", 0, None)
    latest = _latest().astimezone(CITY_TZ)
    assert last == latest.date().isoformat()
    assert first == (latest - dt.timedelta(days=2)).date().isoformat()  # two days of data
    *_, on_the_last_day = time_limits("", 0, last)
    offered = [o["value"] for o in on_the_last_day if not o.get("disabled")]
    assert offered == list(range(latest.hour + 1))  # no hour after the latest data


def _latest() -> dt.datetime:
    from geodata.db import get_engine
    from geodata.monitoring import layers

    with get_engine().connect() as conn:
        latest = layers.latest_hour(conn, dt.datetime.now(dt.UTC))
    assert latest is not None
    return latest


def test_the_kpis_include_the_area_under_water_and_the_flood_reports(monitored_db) -> None:
    kpis = _texts(show_kpis("?unit=916", LIVE, 0))
    assert "Diện tích đang ngập" in kpis and "phản ánh ngập trong 24 giờ" in kpis


def test_the_public_legend_has_no_entry_for_citizens_reports_it_is_not_shown() -> None:
    from layouts.monitor import legend

    public = json.dumps(monitor.show_legend(["Ngập lụt"], None), default=str, ensure_ascii=False)
    assert "Vùng ngập" in public and "Phản ánh ngập của người dân" not in public
    staff = json.dumps(
        legend([x.info for x in catalogue.in_themes(["flood"])], None, "vi"),
        default=str,
        ensure_ascii=False,
    )
    assert "Phản ánh ngập của người dân" in staff


# --- charts, labels and legends as a user reads them ---------------------------------------------


def _sensor_id(engine, name: str) -> int:
    from sqlalchemy import text

    with engine.connect() as conn:
        return conn.scalar(text("SELECT id FROM sensor WHERE name = :n"), {"n": name})


def test_the_station_chart_names_the_station_once_below_the_toolbar(monitored_db) -> None:
    figure = _chart("", LIVE, _sensor_id(monitored_db, "Trạm Cần Thơ (sông Hậu)"))
    title = figure.layout.title
    # Not "Trạm Trạm Cần Thơ …"; the name isolated, as a name from a file is everywhere.
    assert title.text == "\u2068Trạm Cần Thơ (sông Hậu)\u2069: 7 ngày"
    # Left-aligned and pushed below the row of the chart's toolbar (top right, ~25 px high).
    assert title.x == 0 and title.xanchor == "left"
    assert title.yref == "container" and title.y == 1 and title.pad.t >= 28
    assert figure.layout.margin.t >= title.pad.t + title.font.size


def test_the_station_charts_alert_levels_are_named_in_the_legend_not_on_top_of_each_other(
    monitored_db,
) -> None:
    figure = _chart("", LIVE, _sensor_id(monitored_db, "Trạm Cần Thơ (sông Hậu)"))
    # Báo động I/II/III lie 10-20 cm apart: labels on the lines would be written over each other.
    assert not figure.layout.annotations
    assert [s.y0 for s in figure.layout.shapes] == [1.70, 1.90, 2.00]
    names = [trace.name for trace in figure.data]
    assert {"Báo động I", "Báo động II", "Báo động III"} <= set(names)


def test_the_unit_chart_gives_each_indicator_its_own_scale_and_unit(monitored_db) -> None:
    figure = _chart("?unit=916", LIVE, None)
    assert "Ninh Kiều" in figure.layout.title.text
    # VN_AQI (0-160), a share and a count of gauges: one axis each, not one for all.
    axes = [trace.yaxis for trace in figure.data]
    assert len(figure.data) == 3 and len(set(axes)) == 3
    headings = {a.text for a in figure.layout.annotations}
    assert headings == {
        "AQI cao nhất (VN_AQI)",
        "Số trạm vượt báo động (trạm)",
        "Tỷ lệ đường ùn tắc (% chiều dài đường có đo)",
    }
    share = next(t for t in figure.data if t.name == "Tỷ lệ đường ùn tắc")
    assert max(v for v in share.y if v is not None) > 1  # per cent, as its heading says


def _in_english(call, *args):
    from app import server

    with server.test_request_context("/", headers={"Cookie": "lang=en"}):
        return call(*args)


def test_the_english_page_writes_days_the_english_way(monitored_db) -> None:
    from callbacks.monitor import CITY_TZ

    label = _in_english(moment_layers, "", LIVE, 0, ALL_LAYERS)[len(monitor.MOMENT_LAYERS)]
    with monitored_db.connect() as conn:
        day = monitor.layers.latest_hour(conn, dt.datetime.now(dt.UTC)).astimezone(CITY_TZ)
    assert label == f"● Data at {day:%H:%M} {day.day} {day:%b %Y}"  # "30 Nov 2026", no 30/11
    chart = go.Figure(_in_english(show_chart, "?unit=916", LIVE, None))
    assert {axis.tickformat for axis in (chart.layout.xaxis, chart.layout.xaxis3)} == {
        "%d %b\n%H:%M"
    }
    vi_chart = _chart("?unit=916", LIVE, None)
    assert vi_chart.layout.xaxis.tickformat == "%d/%m\n%H:%M"


def test_the_legend_follows_the_chosen_service_kind() -> None:
    shown = _texts(monitor.show_legend(["Dịch vụ công"], "coverage", "clean_water")[0])
    assert "Độ phủ dịch vụ: Điểm cấp nước sạch" in shown


# --- refusals -------------------------------------------------------------------------------------


@pytest.fixture
def ninh_kieu_staff(monitored_db) -> str:
    return add_ward_staff(monitored_db, "nk.staff", ["916"])


def _page_load(search: str) -> list[Any]:
    """Every callback the page fires for a URL when it opens, then one refresh a minute later."""
    return [
        show_selection(search),
        moment_layers(search, LIVE, 0, ALL_LAYERS),
        view_layers(search, LIVE, 0, ALL_LAYERS, CITY_BOUNDS, 11),
        static_layers(search, ALL_LAYERS, "health_station"),
        show_kpis(search, LIVE, 0),
        show_chart(search, LIVE, None),
        show_downloads(search, LIVE, ALL_LAYERS, "aqi_max", "health_station"),
        moment_layers(search, LIVE, 1, ALL_LAYERS),
        show_kpis(search, LIVE, 1),
    ]


def test_one_refused_page_load_writes_one_audit_row(ninh_kieu_staff, monitored_db) -> None:
    with signed_in(ninh_kieu_staff):
        _page_load("?unit=925")
    assert denials(monitored_db) == [("nk.staff", "view_unit", {"unit": "925"})]


def test_a_forged_request_to_a_layer_alone_is_refused_and_audited(
    ninh_kieu_staff, monitored_db
) -> None:
    # Not through the page: straight at the layers callback, naming Cờ Đỏ.
    with signed_in(ninh_kieu_staff):
        answer = moment_layers("?unit=925", LIVE, 0, ALL_LAYERS)
    assert "Cờ Đỏ" not in _texts(answer)
    assert denials(monitored_db) == [("nk.staff", "view_unit", {"unit": "925"})]


@pytest.mark.parametrize("search", ["?unit=925", "?unit=99999"])
def test_a_refused_or_unknown_unit_is_not_called_a_database_failure(
    ninh_kieu_staff, search: str
) -> None:
    with signed_in(ninh_kieu_staff):
        answers = _texts(_page_load(search))
    assert "Không kết nối được cơ sở dữ liệu" not in answers


# --- the water-level forecast on a gauge's chart --------------------------------------------------


def parse_iso(value: Any) -> dt.datetime:
    """A point's time on a figure's axis, as the figure holds it (a datetime or ISO text)."""
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return moment.astimezone(dt.UTC)


def _issue(engine, at: dt.datetime, code: str | None = None) -> None:
    from geodata.forecast.issue import issue

    with engine.begin() as conn:
        issue(conn, at, code)


def test_a_gauges_chart_continues_past_now_with_the_forecast_and_its_bands(monitored_db) -> None:
    from tests.gauges import NOW, add_gauge

    gauge = add_gauge(monitored_db, "FCC", 30)
    _issue(monitored_db, NOW, "FCC")
    figure = _chart("", LIVE, gauge)
    assert figure.layout.title.text == "\u2068FCC\u2069: 7 ngày qua và 72 giờ tới"
    by_name = {trace.name: trace for trace in figure.data}
    assert {"Dự báo", "Dự báo: khoảng 80 %", "Dự báo: khoảng 95 %"} <= set(by_name)
    expected = by_name["Dự báo"]
    assert len(expected.x) == 72
    assert parse_iso(expected.x[0]) == NOW and parse_iso(expected.x[-1]) == NOW + dt.timedelta(
        hours=71
    )
    # The bands are closed shapes around the line: upper edge out, lower edge back.
    band = by_name["Dự báo: khoảng 80 %"]
    upper, lower = band.y[:72], band.y[72:][::-1]
    assert all(lo <= v <= hi for lo, v, hi in zip(lower, expected.y, upper, strict=True))
    # The alert levels still stand across the chart, the issue time is marked.
    assert [s.y0 for s in figure.layout.shapes if s.type == "line" and s.y0 == s.y1][:3] == [
        1.8,
        2.0,
        2.2,
    ]
    assert any(a.text.startswith("Dự báo lúc ") for a in figure.layout.annotations)


def test_at_a_past_moment_the_chart_shows_the_forecast_issued_then(monitored_db) -> None:
    from tests.gauges import NOW, add_gauge

    gauge = add_gauge(monitored_db, "FCC", 30)
    earlier = NOW - dt.timedelta(hours=10)
    _issue(monitored_db, earlier, "FCC")
    _issue(monitored_db, NOW, "FCC")
    past = {"at": local_iso(earlier + dt.timedelta(minutes=30)), "play": None}
    figure = _chart("", past, gauge)
    (expected,) = [trace for trace in figure.data if trace.name == "Dự báo"]
    assert parse_iso(expected.x[0]) == earlier


def test_a_gauge_without_a_forecast_says_why_on_its_chart(monitored_db) -> None:
    sensor = _sensor_id(monitored_db, "Trạm Cần Thơ (sông Hậu)")
    from sqlalchemy import text

    with monitored_db.connect() as conn:
        code = conn.scalar(text("SELECT code FROM sensor WHERE id = :id"), {"id": sensor})
    _issue(monitored_db, dt.datetime.now(dt.UTC), code)
    figure = _chart("", LIVE, sensor)
    (note,) = [a.text for a in figure.layout.annotations]
    assert note.startswith("Chưa có dự báo: trạm mới có ") and note.endswith("cần ít nhất 15 ngày")
    assert not any(trace.name == "Dự báo" for trace in figure.data)


def test_a_gauge_forecast_to_reach_alert_ii_stands_out_with_the_hour_it_is_reached(
    monitored_db,
) -> None:
    from tests.gauges import NOW, add_gauge

    # Báo động II at 1.9 m: the tide's next highs pass it; III at 5 m is out of reach.
    add_gauge(monitored_db, "FCC", 30, alerts=(1.5, 1.9, 5.0))
    _issue(monitored_db, NOW, "FCC")
    gauges, *_ = moment_layers("?unit=916", LIVE, 0, ALL_LAYERS)
    (props,) = [f["properties"] for f in gauges["features"] if f["properties"]["code"] == "FCC"]
    assert props["forecast_level"] == 2
    reached = parse_iso(props["forecast_level_at"])
    assert NOW <= reached < NOW + dt.timedelta(hours=48)
    assert parse_iso(props["forecast_issued_at"]) == NOW
    # The district's gauges figure says so, with the hour, in Cần Thơ time.
    kpis = str(show_kpis("?unit=916", LIVE, 0))
    local = reached.astimezone(dt.timezone(dt.timedelta(hours=7)))
    assert (
        f"Dự báo: 1 trạm đạt Báo động II trong 48 giờ, sớm nhất lúc {local:%H:%M %d/%m/%Y}" in kpis
    )


def test_a_gauge_forecast_to_stay_below_alert_ii_does_not_stand_out(monitored_db) -> None:
    from tests.gauges import NOW, add_gauge

    add_gauge(monitored_db, "FCC", 30, alerts=(4.0, 5.0, 6.0))
    _issue(monitored_db, NOW, "FCC")
    gauges, *_ = moment_layers("?unit=916", LIVE, 0, ALL_LAYERS)
    (props,) = [f["properties"] for f in gauges["features"] if f["properties"]["code"] == "FCC"]
    assert props["forecast_level"] == 0 and props["forecast_level_at"] is None
    assert "Dự báo:" not in str(show_kpis("?unit=916", LIVE, 0))
