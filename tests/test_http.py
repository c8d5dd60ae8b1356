"""The dashboard served by gunicorn (2 workers) on loopback, spoken to over real HTTP."""

from __future__ import annotations

import base64
import hashlib
import json
import re

import requests

from tests.dashreq import DRILL_OUTPUTS, callback_body


def _update(base: str, search: str, cookies: dict[str, str] | None = None) -> dict:
    """POST the drill-down callback as the browser does, for the given URL query."""
    body = callback_body(DRILL_OUTPUTS, [("url", "search", search)])
    response = requests.post(
        base + "/_dash-update-component", json=body, cookies=cookies, timeout=30
    )
    assert response.status_code == 200, response.text[:500]
    return response.json()["response"]


def test_the_page_and_every_script_style_and_font_come_from_our_own_server(server) -> None:
    page = requests.get(server + "/", timeout=10)
    assert page.status_code == 200
    assert '<html lang="vi" ' in page.text
    refs = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert refs, "the page references no assets at all"
    assert all(not re.match(r"^(https?:)?//", r) for r in refs), refs
    for ref in refs:
        assert requests.get(server + ref, timeout=10).status_code == 200, ref
    css = requests.get(server + "/assets/style.css", timeout=10).text
    for font in re.findall(r"url\((fonts/[^)]+)\)", css):
        assert requests.get(server + "/assets/" + font, timeout=10).status_code == 200, font


def test_responses_are_compressed(server) -> None:
    layout = requests.get(server + "/_dash-layout", headers={"Accept-Encoding": "gzip"}, timeout=10)
    assert layout.headers.get("Content-Encoding") in {"gzip", "br"}


def test_open_data_in_geojson_is_compressed_too(server, demo_db) -> None:
    items = requests.get(
        server + "/ogc/collections/admin-units/items",
        headers={"Accept-Encoding": "gzip", "Accept": "application/geo+json"},
        timeout=10,
    )
    assert items.headers["Content-Type"].startswith("application/geo+json")
    assert items.headers.get("Content-Encoding") in {"gzip", "br"}


def test_the_drill_down_callback_answers_over_http_from_either_worker(server, demo_db) -> None:
    # Several calls, so both workers answer at least once in all likelihood; none keeps state.
    for _ in range(6):
        response = _update(server, "?unit=916")
        names = {f["properties"]["name"] for f in response["units-layer"]["data"]["features"]}
        assert len(names) == 11 and "Cái Khế" in names


def test_the_language_cookie_switches_the_page_to_english(server, demo_db) -> None:
    switch = requests.get(
        server + "/lang/en",
        headers={"Referer": server + "/?unit=916"},
        allow_redirects=False,
        timeout=10,
    )
    assert switch.status_code == 302
    assert switch.headers["Location"].endswith("/?unit=916")
    cookie = switch.headers["Set-Cookie"]
    assert "lang=en" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie

    layout = requests.get(server + "/_dash-layout", cookies={"lang": "en"}, timeout=10).json()
    assert "Cần Thơ city monitoring map" in json.dumps(layout, ensure_ascii=False)
    panel = json.dumps(_update(server, "?unit=916", cookies={"lang": "en"})["unit-panel"])
    assert "Population" in panel and "Urban district" in panel


def _component(node: object, component_id: str) -> dict:
    """The component with ``component_id`` in a layout's JSON."""
    if isinstance(node, list):
        for child in node:
            if found := _component(child, component_id):
                return found
    elif isinstance(node, dict):
        if node.get("props", {}).get("id") == component_id:
            return node
        return _component(node.get("props", {}).get("children"), component_id)
    return {}


def test_the_tab_title_is_in_the_pages_language(server, demo_db) -> None:
    english = requests.get(server + "/", cookies={"lang": "en"}, timeout=10).text
    assert "<title>Cần Thơ city monitoring map</title>" in english
    vietnamese = requests.get(server + "/", timeout=10).text
    assert "<title>Bản đồ giám sát đô thị Cần Thơ</title>" in vietnamese


def test_the_layers_switched_on_in_the_url_come_back_in_the_layout(server, demo_db) -> None:
    """The layout request names the page it came from (Referer): its ``layers`` switch the
    themes on, so the language switch, which returns to that URL, keeps them."""

    def checked(referer: str) -> dict[str, bool]:
        layout = requests.get(
            server + "/_dash-layout",
            headers={"Referer": server + referer},
            cookies={"lang": "en"},
            timeout=10,
        ).json()
        control = _component(layout, "layers-control")
        names = [o["props"]["name"] for o in control["props"]["children"]]
        on = [o["props"]["name"] for o in control["props"]["children"] if o["props"]["checked"]]
        assert control["props"]["overlays"] == on  # what the callbacks are told is what is drawn
        return {name: name in on for name in names}

    assert checked("/?unit=916&layers=flood%2Ctraffic") == {
        "Flooding": True, "Air quality": False, "Traffic": True, "Public services": False,
        "Citizens' reports": False,
    }  # fmt: skip
    assert not any(checked("/?layers=").values())  # all switched off stays off
    assert checked("/?unit=916") == {  # the defaults when the URL does not say
        "Flooding": True, "Air quality": True, "Traffic": False, "Public services": False,
        "Citizens' reports": False,
    }  # fmt: skip


def test_the_language_switch_never_redirects_off_site(server) -> None:
    switch = requests.get(
        server + "/lang/vi",
        headers={"Referer": "https://evil.example//phish"},
        allow_redirects=False,
        timeout=10,
    )
    assert switch.headers["Location"] in {"/", server + "/"}


def test_an_unknown_language_is_not_stored(server) -> None:
    switch = requests.get(server + "/lang/xx", allow_redirects=False, timeout=10)
    assert "Set-Cookie" not in switch.headers


def test_every_response_carries_the_hardening_headers(server) -> None:
    page = requests.get(server + "/", timeout=10)
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["Referrer-Policy"] == "same-origin"
    layout = requests.get(server + "/_dash-layout", timeout=10)
    assert layout.headers["Cache-Control"] == "no-store"  # it depends on who is asking


def _policy(response: requests.Response) -> dict[str, list[str]]:
    directives = (d.split() for d in response.headers["Content-Security-Policy"].split(";"))
    return {d[0]: d[1:] for d in directives if d}


def test_the_content_security_policy_lets_scripts_and_fonts_come_only_from_this_site(
    server,
) -> None:
    page = requests.get(server + "/", timeout=10)
    policy = _policy(page)
    assert policy["default-src"] == ["'self'"]
    # Scripts: this site, plus Dash's inline boot script by its exact hash; never any inline
    # script or eval.
    assert policy["script-src"][0] == "'self'"
    assert all(s.startswith("'sha256-") for s in policy["script-src"][1:])
    # Inline scripts that run (Internet Explorer's conditional comment never does).
    html = re.sub(r"<!--.*?-->", "", page.text, flags=re.S)
    inline = re.findall(
        r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>(.*?)</script>", html, re.S
    )
    assert inline, "Dash boots from an inline script: the hash check must see it"
    for script in inline:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy["script-src"], script[:80]
    assert policy["font-src"] == ["'self'"] and policy["connect-src"] == ["'self'"]
    assert policy["style-src"][0] == "'self'" and all("http" not in s for s in policy["style-src"])
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert policy == _policy(requests.get(server + "/_dash-layout", timeout=10))


def test_the_kiosk_may_be_framed_only_when_the_setting_says_so(monkeypatch) -> None:
    from geodata.settings import get_settings
    from routes.auth import content_security_policy

    assert "frame-ancestors 'none'" in content_security_policy([], kiosk=True)
    monkeypatch.setenv("CANTHO_KIOSK_EMBEDDABLE", "true")
    get_settings.cache_clear()
    try:
        assert "frame-ancestors *" in content_security_policy([], kiosk=True)
        assert "frame-ancestors 'none'" in content_security_policy([], kiosk=False)
    finally:
        monkeypatch.delenv("CANTHO_KIOSK_EMBEDDABLE")
        get_settings.cache_clear()


def test_base_map_tiles_are_the_only_other_image_source() -> None:
    from routes.auth import _source_of

    assert (
        _source_of("https://{s}.tile.example.org/{z}/{x}/{y}.png") == "https://*.tile.example.org"
    )
    assert _source_of("https://tile.openstreetmap.org/{z}/{x}/{y}.png") == (
        "https://tile.openstreetmap.org"
    )
    assert _source_of("/tiles/{z}/{x}/{y}.png") is None and _source_of("") is None
