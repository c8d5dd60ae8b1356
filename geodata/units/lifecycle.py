"""The tree of admin units valid on a day, and ending units: a whole level (``python -m geodata
units end --level district --on 2025-07-01``) or one unit (``--code``).

Ending sets ``valid_to`` (exclusive): the units stay for history, and every view of a later day
no longer shows them. It is all or nothing: refused, nothing changed, if nothing of the kind is
valid that day, if a unit began that very day (it would have no day at all), or if a unit still
valid after that day would be left without a valid parent (its parent's code would have no
version that day): end or replace the children first. Then the successions of everything ended
that day are worked out by overlap (:mod:`geodata.units.succession`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Connection, text

from geodata.errors import GeodataError
from geodata.units.succession import Succession, work_out

# Valid on day D when valid_from <= D < valid_to (valid_to NULL = still valid).
VALID_ON = "{u}.valid_from <= :day AND ({u}.valid_to IS NULL OR {u}.valid_to > :day)"


class EndRefused(GeodataError):
    """Units were not ended; nothing changed. The message names the units in the way."""


@dataclass(frozen=True)
class UnitLine:
    """A unit of the tree valid on a day, at its depth (0: the top)."""

    depth: int
    code: str
    name: str
    level: str
    valid_from: dt.date
    valid_to: dt.date | None

    def describe(self) -> str:
        until = self.valid_to.isoformat() if self.valid_to else ""
        return (
            f"{'  ' * self.depth}{self.code}  {self.name} ({self.level}, "
            f"{self.valid_from.isoformat()} → {until})"
        )


def tree_on(conn: Connection, day: dt.date) -> list[UnitLine]:
    """The units valid on ``day`` as a tree, each under its parent (followed by code, so a unit
    attached to another version of its parent finds the one valid that day), by name."""
    rows = conn.execute(
        text(
            f"""
            WITH RECURSIVE valid AS (
              SELECT u.id, u.code, u.name, u.level, u.valid_from, u.valid_to,
                (SELECT v.id FROM admin_unit p JOIN admin_unit v
                   ON v.level = p.level AND v.code = p.code AND {VALID_ON.format(u="v")}
                 WHERE p.id = u.parent_id LIMIT 1) AS parent
              FROM admin_unit u WHERE {VALID_ON.format(u="u")}
            ),
            walk AS (
              SELECT v.*, 0 AS depth,
                ARRAY[v.name COLLATE vietnamese]::text[] AS path, ARRAY[v.code] AS codes
              FROM valid v WHERE v.parent IS NULL
              UNION ALL
              SELECT v.*, w.depth + 1, w.path || (v.name COLLATE vietnamese)::text,
                w.codes || v.code
              FROM valid v JOIN walk w ON v.parent = w.id WHERE w.depth < 10
            )
            SELECT depth, code, name, level, valid_from, valid_to FROM walk
            ORDER BY path COLLATE vietnamese, codes
            """
        ),
        {"day": day},
    ).all()
    return [UnitLine(*row) for row in rows]


@dataclass
class EndReport:
    """What ending did (or, in a dry run, would do)."""

    day: dt.date
    level: str
    code: str | None
    ended: list[tuple[str, str]] = field(default_factory=list)  # (code, name)
    successions: list[Succession] = field(default_factory=list)

    def describe(self) -> str:
        what = f"{self.level} {self.code}" if self.code else f"every {self.level}"
        lines = [f"Ended {what} valid on {self.day.isoformat()}: {len(self.ended)} unit(s)"]
        lines += [f"  - {code}  {name}" for code, name in self.ended]
        by_old: dict[str, list[Succession]] = {}
        for s in self.successions:
            by_old.setdefault(s.old_code, []).append(s)
        for code, _ in self.ended:
            found = by_old.get(code, [])
            if found:
                named = ", ".join(f"{s.new_code} {s.new_name} ({s.share:.0%})" for s in found)
                lines.append(f"  {code} → {named}")
            else:
                lines.append(f"  {code} → no unit beginning that day overlaps it")
        return "\n".join(lines)


def end_units(conn: Connection, level: str, day: dt.date, code: str | None = None) -> EndReport:
    """End the units of ``level`` (or the one with ``code``) valid on ``day``, from that day on;
    see the module docstring. Raises :class:`EndRefused` naming what is in the way."""
    params = {"level": level, "day": day, "code": code}
    which = "u.level = :level AND (CAST(:code AS text) IS NULL OR u.code = :code)"
    targets = conn.execute(
        text(
            f"SELECT u.id, u.code, u.name, u.valid_from FROM admin_unit u "
            f"WHERE {which} AND {VALID_ON.format(u='u')} ORDER BY u.code"
        ),
        params,
    ).all()
    what = f"{level} {code!r}" if code else f"{level} unit"
    if not targets:
        raise EndRefused(f"no {what} is valid on {day.isoformat()}: nothing to end")
    begun = [f"{r.code} {r.name}" for r in targets if r.valid_from == day]
    if begun:
        raise EndRefused(
            f"these began on {day.isoformat()} and cannot end that day: " + "; ".join(begun)
        )
    ids = [int(r.id) for r in targets]
    orphans = conn.execute(
        text(
            f"""
            SELECT c.code, c.name, c.level, p.code AS parent_code
            FROM admin_unit c JOIN admin_unit p ON p.id = c.parent_id
            WHERE (c.valid_to IS NULL OR c.valid_to > :day) AND NOT (c.id = ANY (:ids))
              AND EXISTS (SELECT FROM admin_unit e WHERE e.id = ANY (:ids)
                            AND e.level = p.level AND e.code = p.code)
              AND NOT EXISTS (SELECT FROM admin_unit v WHERE v.level = p.level
                                AND v.code = p.code AND NOT (v.id = ANY (:ids))
                                AND {VALID_ON.format(u="v")})
            ORDER BY c.code LIMIT 21
            """
        ),
        {"day": day, "ids": ids},
    ).all()
    if orphans:
        named = "; ".join(
            f"{o.level} {o.code} {o.name} (under {o.parent_code})" for o in orphans[:20]
        )
        more = " …" if len(orphans) > 20 else ""
        raise EndRefused(
            f"ending them on {day.isoformat()} would leave units still valid that day without "
            f"a valid parent: {named}{more}. End or replace those first."
        )
    conn.execute(
        text("UPDATE admin_unit SET valid_to = :day WHERE id = ANY (:ids)"),
        {"day": day, "ids": ids},
    )
    report = EndReport(day, level, code, [(str(r.code), str(r.name)) for r in targets])
    report.successions = [s for s in work_out(conn, day) if s.old_id in set(ids)]
    return report
