"""What lies inside a set of admin units, on the demo city in real PostGIS: the application's wall
for ward staff (``web.access`` asks these), checked here on its own."""

from __future__ import annotations

from sqlalchemy import Engine, text

from geodata.accounts.scopes import sensor_within, unit_ids_within, unit_within

NINH_KIEU, CO_DO = "916", "925"


def _ids(engine: Engine, *codes: str) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT code, id FROM admin_unit WHERE code = ANY(:c)"), {"c": list(codes)}
        )
        return {code: unit_id for code, unit_id in rows}


def _a_ward_of(engine: Engine, district: str) -> str:
    with engine.connect() as conn:
        return str(
            conn.scalar(
                text(
                    "SELECT min(w.code) FROM admin_unit w JOIN admin_unit d ON w.parent_id = d.id "
                    "WHERE d.code = :c"
                ),
                {"c": district},
            )
        )


def test_a_district_holds_itself_and_its_wards_not_its_neighbour_or_theirs(demo_db) -> None:
    nk_ward, cd_ward = _a_ward_of(demo_db, NINH_KIEU), _a_ward_of(demo_db, CO_DO)
    ids = _ids(demo_db, NINH_KIEU, nk_ward, CO_DO, cd_ward)
    with demo_db.connect() as conn:
        kept = unit_ids_within(conn, [NINH_KIEU], list(ids.values()))
        assert sorted(kept) == sorted([ids[NINH_KIEU], ids[nk_ward]])
        assert unit_within(conn, [NINH_KIEU], ids[nk_ward])
        # Cờ Đỏ shares no point with Ninh Kiều's inside: neither it nor its wards are held.
        assert not unit_within(conn, [NINH_KIEU], ids[CO_DO])
        assert not unit_within(conn, [NINH_KIEU], ids[cd_ward])
        # Several units hold what each holds; none hold nothing.
        both = unit_ids_within(conn, [NINH_KIEU, CO_DO], list(ids.values()))
        assert sorted(both) == sorted(ids.values())
        assert unit_ids_within(conn, [], list(ids.values())) == []


def test_a_ward_holds_itself_but_not_its_district_or_its_siblings(demo_db) -> None:
    ward = _a_ward_of(demo_db, NINH_KIEU)
    ids = _ids(demo_db, NINH_KIEU, ward)
    with demo_db.connect() as conn:
        siblings = list(
            conn.scalars(
                text("SELECT id FROM admin_unit WHERE parent_id = :p AND id <> :w"),
                {"p": ids[NINH_KIEU], "w": ids[ward]},
            )
        )
        assert siblings
        assert unit_ids_within(conn, [ward], [ids[NINH_KIEU], ids[ward], *siblings]) == [ids[ward]]
        assert not unit_within(conn, [ward], ids[NINH_KIEU])


def test_a_sensor_is_held_by_the_district_it_stands_in_only(monitored_db) -> None:
    with monitored_db.connect() as conn:
        sensor = conn.scalar(
            text(
                "SELECT s.id FROM sensor s, admin_unit u WHERE u.code = :c "
                "AND ST_Covers(u.geom, s.geom) ORDER BY s.id LIMIT 1"
            ),
            {"c": CO_DO},
        )
        assert sensor is not None
        assert sensor_within(conn, [CO_DO], sensor)
        assert sensor_within(conn, [NINH_KIEU, CO_DO], sensor)
        assert not sensor_within(conn, [NINH_KIEU], sensor)
        assert not sensor_within(conn, [], sensor)
