"""Which admin units took over from which when boundaries changed, and with what share of the old
unit's area (``admin_unit_succession``, migration 0016).

Worked out by overlap, in PostGIS with areas in the metric CRS: a unit that ended on day D is
succeeded by each unit beginning on D that covers at least :data:`MIN_SHARE` of its area (less is
taken for the slivers two surveys of one border leave). Official decisions name the successors:
a CSV file (``old_code,new_code[,share]``, ``python -m geodata units succession --on D --file F``)
states them for the units it names, and an overlap worked out later never replaces them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, text

from domain.units import Gone
from geodata.errors import ImportRejected
from geodata.settings import get_settings

MIN_SHARE = 0.01  # of the old unit's area


@dataclass(frozen=True)
class Succession:
    old_id: int
    old_code: str
    old_name: str
    new_id: int
    new_code: str
    new_name: str
    share: float  # of the old unit's area, 0–1 (None from a decision without one: 0)
    source: str  # "overlap" or "decision"


_LISTED = """
    SELECT s.predecessor_id AS old_id, o.code AS old_code, o.name AS old_name,
           s.successor_id AS new_id, n.code AS new_code, n.name AS new_name,
           coalesce(s.share, 0) AS share, s.source
    FROM admin_unit_succession s
    JOIN admin_unit o ON o.id = s.predecessor_id JOIN admin_unit n ON n.id = s.successor_id
"""


def on_day(conn: Connection, day: dt.date) -> list[Succession]:
    """The successions of the units that ended on ``day``, by old code then largest share."""
    rows = conn.execute(
        text(
            f"{_LISTED} WHERE o.valid_to = :day "
            "ORDER BY o.code, round(s.share::numeric, 3) DESC NULLS LAST, n.code"
        ),
        {"day": day},
    ).all()
    return [Succession(*r) for r in rows]


def work_out(conn: Connection, day: dt.date) -> list[Succession]:
    """(Re)work out by overlap the successors of every unit that ended on ``day`` and has none
    stated by a decision; returns the successions of that day, decisions included."""
    conn.execute(
        text(
            """
            DELETE FROM admin_unit_succession s USING admin_unit o
            WHERE o.id = s.predecessor_id AND o.valid_to = :day AND s.source = 'overlap'
            """
        ),
        {"day": day},
    )
    conn.execute(
        text(
            """
            WITH old AS (
              SELECT o.id, o.geom, ST_Area(ST_Transform(o.geom, :srid)) AS area
              FROM admin_unit o
              WHERE o.valid_to = :day AND NOT EXISTS (
                SELECT FROM admin_unit_succession d
                WHERE d.predecessor_id = o.id AND d.source = 'decision')
            ),
            shared AS (
              SELECT old.id AS old_id, n.id AS new_id,
                ST_Area(ST_Transform(ST_Intersection(old.geom, n.geom), :srid))
                  / nullif(old.area, 0) AS share
              FROM old JOIN admin_unit n ON n.geom && old.geom AND ST_Intersects(n.geom, old.geom)
              WHERE n.valid_from = :day
            )
            INSERT INTO admin_unit_succession (predecessor_id, successor_id, share, source)
            SELECT old_id, new_id, least(share, 1), 'overlap' FROM shared WHERE share >= :min
            """
        ),
        {"day": day, "srid": get_settings().metric_srid, "min": MIN_SHARE},
    )
    return on_day(conn, day)


def successors_on(conn: Connection, unit_id: int, day: dt.date) -> list[tuple[str, str, float]]:
    """The units valid on ``day`` that took over the unit, following successions through every
    change since (a share of a share multiplies): (code, name, share), largest share first."""
    rows = conn.execute(
        text(
            """
            WITH RECURSIVE chain(id, share, depth) AS (
              SELECT CAST(:id AS bigint), 1.0::double precision, 0
              UNION ALL
              SELECT s.successor_id, chain.share * coalesce(s.share, 1), chain.depth + 1
              FROM chain JOIN admin_unit_succession s ON s.predecessor_id = chain.id
              WHERE chain.depth < 10
            )
            SELECT u.code, u.name, sum(chain.share) AS share FROM chain
            JOIN admin_unit u ON u.id = chain.id
            WHERE chain.depth > 0 AND u.valid_from <= :day
              AND (u.valid_to IS NULL OR u.valid_to > :day)
            -- Shares equal to a tenth of a percent are equal (areas in a projection differ in
            -- the last digits): then by code.
            GROUP BY u.code, u.name ORDER BY round(sum(chain.share)::numeric, 3) DESC, u.code
            """
        ),
        {"id": unit_id, "day": day},
    ).all()
    return [(str(code), str(name), float(share)) for code, name, share in rows]


def gone(conn: Connection, code: str, day: dt.date) -> Gone | None:
    """Why no unit has ``code`` on ``day``: the latest version that ended by then, with the
    units valid that day that took over its area; else the first one that begins later; None if
    the code was never a unit's."""
    row = conn.execute(
        text(
            """
            SELECT id, code, name, valid_from, valid_to FROM admin_unit
            WHERE code = :code AND (valid_to <= :day OR valid_from > :day)
            ORDER BY (valid_to <= :day) DESC, valid_to DESC, valid_from, area_km2 DESC LIMIT 1
            """
        ),
        {"code": code, "day": day},
    ).one_or_none()
    if row is None:
        return None
    if row.valid_to is not None and row.valid_to <= day:
        return Gone(str(row.code), str(row.name), row.valid_from, row.valid_to,
                    successors_on(conn, int(row.id), day))  # fmt: skip
    return Gone(str(row.code), str(row.name), row.valid_from, None)  # not yet begun


def load_decisions(conn: Connection, path: str | Path, day: dt.date) -> list[Succession]:
    """State the successions of the units named in a CSV file (``old_code,new_code[,share]``,
    a header line first): the old unit is the one that ended on ``day``, the new one the one
    that began that day. All or nothing: every bad line is reported, nothing is written."""
    label = str(path)
    try:
        content = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportRejected(label, [f"cannot be read as UTF-8 text: {exc}"]) from None
    reader = csv.DictReader(io.StringIO(content))
    header = [h.strip() for h in reader.fieldnames or []]
    if "old_code" not in header or "new_code" not in header:
        raise ImportRejected(label, ["the header must name old_code and new_code (share optional)"])
    ended: dict[str, int] = {
        str(code): int(id_)
        for code, id_ in conn.execute(
            text("SELECT code, id FROM admin_unit WHERE valid_to = :day"), {"day": day}
        )
    }
    begun: dict[str, int] = {
        str(code): int(id_)
        for code, id_ in conn.execute(
            text("SELECT code, id FROM admin_unit WHERE valid_from = :day"), {"day": day}
        )
    }
    problems: list[str] = []
    rows: dict[tuple[int, int], float | None] = {}
    for number, raw in enumerate(reader, start=2):
        line = {str(k).strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        old, new, share_text = (
            line.get("old_code", ""),
            line.get("new_code", ""),
            line.get("share", ""),
        )
        where = f"line {number}"
        if old not in ended:
            problems.append(f"{where}: old_code {old!r}: no unit ended on {day.isoformat()}")
        if new not in begun:
            problems.append(f"{where}: new_code {new!r}: no unit began on {day.isoformat()}")
        share: float | None = None
        if share_text:
            try:
                share = float(share_text.replace(",", "."))
            except ValueError:
                share = -1.0
            if not 0 < share <= 1:
                problems.append(f"{where}: share {share_text!r} is not a number above 0, at most 1")
        if old in ended and new in begun:
            key = (int(ended[old]), int(begun[new]))
            if key in rows:
                problems.append(f"{where}: {old} → {new} is given twice")
            rows[key] = share
    if not rows and not problems:
        problems.append("no successions in the file")
    if problems:
        raise ImportRejected(label, problems)
    olds = sorted({old for old, _ in rows})
    conn.execute(
        text("DELETE FROM admin_unit_succession WHERE predecessor_id = ANY (:ids)"), {"ids": olds}
    )
    conn.execute(
        text(
            "INSERT INTO admin_unit_succession (predecessor_id, successor_id, share, source) "
            "VALUES (:old, :new, :share, 'decision')"
        ),
        [{"old": old, "new": new, "share": share} for (old, new), share in rows.items()],
    )
    return on_day(conn, day)
