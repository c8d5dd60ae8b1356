"""What staff see of alerts and do with them: the list in their scope, and the actions.

Actions: acknowledge, assign (to a named account or themselves), note, silence until a time
(no notifications until then; the alert stays on the list) and unsilence. Each is a step in
``alert_event`` under the person's name; the caller's right to the alert is checked by the
server beforehand (``visible``, under their database scope).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from geodata.errors import GeodataError

ACTIONS = ("acknowledge", "assign", "note", "silence", "unsilence")
MAX_SILENCE = dt.timedelta(days=7)
NOTE_MAX = 2000


class AlertRefused(GeodataError):
    """An action that cannot be taken: ``reason`` a catalog key's last part, ``field`` the
    form field at fault."""

    def __init__(self, reason: str, field: str) -> None:
        self.reason = reason
        self.field = field
        super().__init__(f"{field}: {reason}")


class AlertNotFound(GeodataError):
    """No alert has that id (or the caller may not see it)."""


@dataclass(frozen=True)
class AlertRow:
    id: int
    rule_id: int
    rule_name: str
    kind: str
    public: bool
    subject_kind: str
    subject_code: str
    subject_name: str
    state: str
    value: float | None
    peak: float | None
    detail: dict[str, Any]
    started_at: dt.datetime
    fired_at: dt.datetime | None
    resolved_at: dt.datetime | None
    acknowledged_at: dt.datetime | None
    acknowledged_by: str | None
    assignee: str | None
    silenced_until: dt.datetime | None

    def silenced(self, now: dt.datetime) -> bool:
        return self.silenced_until is not None and self.silenced_until > now


# An alert's subject (``a``): a gauge, a unit or a road segment, by code and name; or the system
# (the backup kinds): the primary database (the page and e-mail name it in the reader's language).
# Every list of alerts (the panel, e-mail, the command line) names them through these.
SUBJECT_COLUMNS = """coalesce(s.code, u.code, rd.code,
                    CASE a.subject_kind WHEN 'system' THEN 'primary' END) AS subject_code,
           coalesce(s.name, u.name, rd.name,
                    CASE a.subject_kind WHEN 'system' THEN 'primary database' END)
             AS subject_name"""
SUBJECT_JOINS = """
    LEFT JOIN sensor s ON a.subject_kind = 'sensor' AND s.id = a.subject_id
    LEFT JOIN admin_unit u ON a.subject_kind = 'unit' AND u.id = a.subject_id
    LEFT JOIN road_segment rd ON a.subject_kind = 'road' AND rd.id = a.subject_id
"""

_SELECT = f"""
    SELECT a.id, a.rule_id, r.name AS rule_name, r.kind, r.public, a.subject_kind,
           {SUBJECT_COLUMNS},
           a.state, a.value, a.peak, a.detail, a.started_at, a.fired_at, a.resolved_at,
           a.acknowledged_at, a.acknowledged_by, a.assignee, a.silenced_until
    FROM alert a JOIN alert_rule r ON r.id = a.rule_id {SUBJECT_JOINS}
"""


def _row(r: Any) -> AlertRow:
    return AlertRow(**{k: getattr(r, k) for k in AlertRow.__dataclass_fields__})


def listed(conn: Connection, now: dt.datetime, resolved_days: int = 7) -> list[AlertRow]:
    """The alerts the connection's scope sees: open ones (firing first, then pending), then
    those resolved in the last ``resolved_days`` days, newest first."""
    rows = conn.execute(
        text(
            _SELECT
            + """
            WHERE a.state <> 'resolved' OR a.resolved_at > :since
            ORDER BY CASE a.state WHEN 'firing' THEN 0 WHEN 'pending' THEN 1 ELSE 2 END,
                     coalesce(a.fired_at, a.started_at) DESC, a.id DESC
            LIMIT 500
            """
        ),
        {"since": now - dt.timedelta(days=resolved_days)},
    ).all()
    return [_row(r) for r in rows]


def firing_count(conn: Connection) -> int:
    """Firing alerts the connection's scope sees (the header's count)."""
    return int(conn.scalar(text("SELECT count(*) FROM alert WHERE state = 'firing'")) or 0)


def visible(conn: Connection, alert_id: int) -> AlertRow:
    """The alert, if the connection's scope sees it; AlertNotFound otherwise."""
    row = conn.execute(text(_SELECT + " WHERE a.id = :id"), {"id": alert_id}).one_or_none()
    if row is None:
        raise AlertNotFound(f"no alert {alert_id}")
    return _row(row)


def events(conn: Connection, alert_id: int) -> list[Any]:
    return list(
        conn.execute(
            text(
                "SELECT at, actor, action, note, detail FROM alert_event "
                "WHERE alert_id = :id ORDER BY at, id"
            ),
            {"id": alert_id},
        ).all()
    )


def act(
    conn: Connection,
    alert_id: int,
    actor: str,
    action: str,
    now: dt.datetime,
    *,
    note: str = "",
    assignee: str = "",
    until: dt.datetime | None = None,
) -> None:
    """One action on the alert by ``actor``, checked; AlertRefused names what was wrong."""
    if action not in ACTIONS:
        raise AlertRefused("unknown_action", "action")
    state = conn.scalar(text("SELECT state FROM alert WHERE id = :id FOR UPDATE"), {"id": alert_id})
    if state is None:
        raise AlertNotFound(f"no alert {alert_id}")
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise AlertRefused("note_too_long", "note")
    if state == "resolved" and action != "note":
        raise AlertRefused("resolved", "action")
    detail: dict[str, Any] = {}
    if action == "acknowledge":
        conn.execute(
            text(
                "UPDATE alert SET acknowledged_at = coalesce(acknowledged_at, :now), "
                "acknowledged_by = coalesce(acknowledged_by, :who) WHERE id = :id"
            ),
            {"now": now, "who": actor, "id": alert_id},
        )
    elif action == "assign":
        person = " ".join(assignee.split())[:80] or actor
        conn.execute(
            text("UPDATE alert SET assignee = :p WHERE id = :id"), {"p": person, "id": alert_id}
        )
        detail["assignee"] = person
    elif action == "note":
        if not note:
            raise AlertRefused("note_empty", "note")
    elif action == "silence":
        if until is None:
            raise AlertRefused("silence_without_end", "until")
        if until <= now:
            raise AlertRefused("silence_in_past", "until")
        if until - now > MAX_SILENCE:
            raise AlertRefused("silence_too_long", "until")
        conn.execute(
            text("UPDATE alert SET silenced_until = :u WHERE id = :id"),
            {"u": until, "id": alert_id},
        )
        detail["until"] = until.isoformat()
    else:  # unsilence
        conn.execute(
            text("UPDATE alert SET silenced_until = NULL WHERE id = :id"), {"id": alert_id}
        )
    conn.execute(
        text(
            "INSERT INTO alert_event (alert_id, at, actor, action, note, detail) "
            "VALUES (:id, :now, :who, :action, :note, CAST(:detail AS jsonb))"
        ),
        {"id": alert_id, "now": now, "who": actor, "action": action, "note": note or None,
         "detail": json.dumps(detail)},
    )  # fmt: skip
