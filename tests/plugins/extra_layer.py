"""A small extra layer, registered in the layer catalogue alone: the hospitals, for staff only.

Loaded by a test server through ``CANTHO_LAYER_MODULES`` (tests/test_http_catalogue.py), as a
city would load its own layers: one entry in the catalogue and its names in the translation
catalog, nothing else. Staff-only, so the test sees its visibility rule applied everywhere.
"""

from __future__ import annotations

from domain.layers import LayerInfo, MapStyle
from domain.printmap import Style
from geodata.monitoring import layers
from geodata.monitoring.catalogue import Layer, register
from geodata.monitoring.ogc import Collection, Queryable
from layouts.i18n import CATALOG

NAME = "hospital-beds"
TITLE_VI, TITLE_EN = "Giường bệnh (lớp thêm)", "Hospital beds (extra layer)"

CATALOG["layer.hospital-beds"] = {"vi": TITLE_VI, "en": TITLE_EN}
CATALOG["hospital-beds.about"] = {
    "vi": "Bệnh viện và số giường, chỉ dành cho cán bộ.",
    "en": "Hospitals and their beds, for staff only.",
}

register(
    Layer(
        LayerInfo(
            NAME,
            NAME,  # a theme of its own: its own overlay in the layers control
            "layer.hospital-beds",
            "point",
            visibility="staff",
            refresh="static",
            map=MapStyle(),
            style=Style("#8e44ad", size=9),
        ),
        lambda conn, view: layers.facilities_geojson(conn, view.unit.id, "hospital"),
        (
            Collection(
                id=NAME,
                title="layer.hospital-beds",
                about="hospital-beds.about",
                table="facility",
                geometry_type="Point",
                where="b.kind = 'hospital'",
                properties="json_build_object('code', b.code, 'name', b.name, 'beds', b.capacity)",
                queryables=(Queryable("code", "b.code"),),
            ),
        ),
    )
)
