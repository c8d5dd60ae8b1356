"""The layer catalogue: one declaration per layer, and the rules every entry keeps."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from domain.tolerance import VIEWPORT_PIXELS, frame_tolerance, tolerance_for
from domain.units import Unit
from geodata.monitoring import catalogue
from geodata.monitoring.catalogue import PRINT_PIXELS, View
from layouts.i18n import CATALOG

UNIT = Unit(1, "92", "Cần Thơ", "Thành phố", "city", None, 1, 1.0, "demo",
            (105.2, 9.9, 105.8, 10.3), 9)  # fmt: skip
AT = dt.datetime(2026, 11, 26, 14, tzinfo=dt.UTC)


def test_every_layer_and_collection_is_named_in_the_translation_catalog() -> None:
    for layer in catalogue.catalogue():
        assert layer.info.label in CATALOG, layer.name
        for collection in layer.collections:
            assert {collection.title, collection.about} <= set(CATALOG), collection.id
    assert all(f"layer.{theme}" in CATALOG for theme in catalogue.themes())


def test_only_public_layers_publish_open_collections_and_reach_the_kiosk() -> None:
    for layer in catalogue.catalogue():
        public = layer.info.visibility == "public"
        assert all(c.restricted is not public for c in layer.collections), layer.name
    assert catalogue.collections()["flood-reports"].restricted
    assert all(x.info.visibility == "public" for x in catalogue.kiosk_layers())
    assert "reports" not in [x.name for x in catalogue.kiosk_layers()]


def test_a_name_or_a_collection_id_is_registered_once() -> None:
    gauges = catalogue.layer("gauges")
    assert gauges is not None
    with pytest.raises(ValueError, match="already in the catalogue"):
        catalogue.register(gauges)
    renamed = dataclasses.replace(gauges, info=dataclasses.replace(gauges.info, name="gauges-2"))
    with pytest.raises(ValueError, match="water-level-gauges"):
        catalogue.register(renamed)
    assert catalogue.layer("gauges-2") is None


def test_each_use_simplifies_as_the_layer_declares() -> None:
    roads, inundation, gauges = (catalogue.layer(n) for n in ("roads", "inundation", "gauges"))
    assert roads and inundation and gauges
    close = (105.7, 10.0, 105.8, 10.1)
    assert View.of(roads.info, "map", UNIT, AT, close, 15).tolerance == tolerance_for(
        close, VIEWPORT_PIXELS
    )
    assert View.of(inundation.info, "map", UNIT, AT, close, 15).tolerance == tolerance_for(
        UNIT.bounds
    )
    assert View.of(inundation.info, "print", UNIT, AT).tolerance == frame_tolerance(
        UNIT.bounds, PRINT_PIXELS
    )
    assert View.of(inundation.info, "download", UNIT, AT).tolerance == 0.0
    assert View.of(gauges.info, "map", UNIT, AT).tolerance == 0.0
    # The kiosk draws arterials only, as the city view does; a download has every road.
    assert View.of(roads.info, "kiosk", UNIT, AT).zoom < catalogue.layers.ALL_ROADS_ZOOM
    assert View.of(roads.info, "download", UNIT, AT).zoom >= catalogue.layers.ALL_ROADS_ZOOM
