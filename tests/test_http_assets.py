"""What the dashboard page downloads, over real HTTP from gunicorn: every script, style, font and
icon it names is fingerprinted and kept a year by any cache; the page and its layout are never
kept without asking; and what was cut from the first paint stays out of it (plotly.js, which
only the chart needs, and Dash's DataTable, which no page uses)."""

from __future__ import annotations

import json
import re
from urllib.parse import urljoin

import requests

from web.assets import IMMUTABLE

# Ours: /assets/<name>.<12 hex>.<ext>; Dash's: <name>.v<version>m<mtime>.<ext>, or its icon
# named by Dash's version.
OURS = re.compile(r"^/assets/[\w./-]+\.[0-9a-f]{12}\.\w+$")
DASHS = re.compile(r"^/_dash-component-suites/[\w@./-]+\.v[\w-]+m[0-9a-f]+\.[\w.]+$")
ICON = re.compile(r"^/_favicon\.ico\?v=[\w.]+$")


def _links(page: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', page)


def _kept_a_year(url: str) -> requests.Response:
    answer = requests.get(url, headers={"Accept-Encoding": "br, gzip"}, timeout=10)
    assert answer.status_code == 200, url
    assert answer.headers["Cache-Control"] == IMMUTABLE, (url, answer.headers)
    # Not one copy per cookie: a file does not depend on who asks.
    assert "cookie" not in answer.headers.get("Vary", "").lower(), (url, answer.headers)
    return answer


def test_every_file_the_page_names_is_fingerprinted_and_kept_a_year(server) -> None:
    page = requests.get(server + "/", timeout=10)
    links = _links(page.text)
    assert any(OURS.match(x) for x in links) and any(DASHS.match(x) for x in links), links
    for link in links:
        assert OURS.match(link) or DASHS.match(link) or ICON.match(link), link
        answer = _kept_a_year(server + link)
        # And what a style sheet names in turn (its fonts): fingerprinted, kept a year.
        if link.endswith(".css"):
            for ref in re.findall(r"url\(([^)]+)\)", answer.text):
                url = urljoin(server + link, ref.strip("'\""))
                assert OURS.match(url.removeprefix(server)), (link, ref)
                _kept_a_year(url)


def test_the_page_and_its_layout_are_never_kept_without_asking(server) -> None:
    page = requests.get(server + "/", timeout=10)
    assert page.headers["Cache-Control"] == "no-cache"
    layout = requests.get(server + "/_dash-layout", timeout=10)
    assert layout.headers["Cache-Control"] == "no-store"


def test_plain_and_outdated_names_still_answer_but_are_revalidated(server) -> None:
    """A page loaded before a deploy may ask for a file by the name it knew: it gets today's
    file, which no cache keeps; the plain names (the other pages' templates) work as before."""
    for name in ("/assets/style.000000000000.css", "/assets/style.css"):
        answer = requests.get(server + name, timeout=10)
        assert answer.status_code == 200, name
        assert "immutable" not in answer.headers.get("Cache-Control", ""), name
    assert requests.get(server + "/assets/nothing.000000000000.css", timeout=10).status_code == 404


def test_the_first_paint_carries_no_chart_library_and_no_table(server) -> None:
    page = requests.get(server + "/", timeout=10).text
    links = _links(page)
    assert not [x for x in links if "plotly" in x or "dash_table" in x], links
    # The lazy parts the map needs at once come with the page, fingerprinted.
    for chunk in ("async-GeoJSON", "async-datepicker", "async-dropdown"):
        assert [x for x in links if chunk in x and DASHS.match(x)], chunk
    # No Graph in the first layout: it would load plotly.js as it mounts.
    layout = requests.get(server + "/_dash-layout", timeout=10).text
    assert '"type": "Graph"' not in layout and '"type":"Graph"' not in layout
    assert '"chart-box"' in layout
    # Nor does the page carry Dash's validation layout (the kiosk's components and all).
    config = re.search(r'<script id="_dash-config" type="application/json">(.*?)</script>', page)
    assert config and "validation_layout" not in json.loads(config.group(1))
