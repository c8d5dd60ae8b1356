"""Alert e-mail to subscribed staff, grouped as an alert manager groups it.

For each subscription, the changes its account should hear of, in the account's scope (ward
staff: alerts in their units; officials: all), leaving out silenced alerts and pending ones:

- an alert firing that the subscriber was not told is firing (new, or firing again);
- an alert resolved that the subscriber was told was firing;
- an alert still firing, last told more than ``alert_mail_repeat_s`` ago.

They go out together in one message once the oldest has waited ``alert_mail_wait_s`` (so what
happens together is told together), and never more often than one message per
``alert_mail_interval_s`` per subscriber. What each message told is recorded (``alert_notice``)
only once the SMTP server accepted it: a failed message is tried again on the next turn.

The words are the caller's (``write``): this room knows no catalog.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from geodata.alerts.actions import SUBJECT_COLUMNS, SUBJECT_JOINS, AlertRefused
from geodata.reports.mail import plain_address, send_update
from geodata.settings import get_settings


@dataclass(frozen=True)
class Change:
    alert_id: int
    rule_name: str
    kind: str
    subject_name: str
    subject_code: str
    state: str  # 'firing' or 'resolved'
    repeat: bool  # still firing, told before
    value: float | None
    detail: dict[str, Any]
    at: dt.datetime  # when it changed (fired, resolved, or was last told)


@dataclass(frozen=True)
class Subscription:
    id: int
    username: str
    email: str
    lang: str
    role: str
    pins: tuple[str, ...]
    last_sent_at: dt.datetime | None


Writer = Callable[[list[Change], str, int], tuple[str, str]]


def subscribe(conn: Connection, username: str, email: str, lang: str = "vi") -> None:
    """The account's address for alert e-mail (replacing an earlier one)."""
    email = email.strip()
    if not plain_address(email):
        raise AlertRefused("email_invalid", "email")
    done = conn.execute(
        text(
            """
            INSERT INTO alert_subscription (user_id, email, lang)
            SELECT id, :email, :lang FROM app_user WHERE username = :u AND NOT disabled
            ON CONFLICT (user_id) DO UPDATE SET email = EXCLUDED.email, lang = EXCLUDED.lang
            """
        ),
        {"email": email, "lang": "en" if lang == "en" else "vi", "u": username},
    ).rowcount
    if not done:
        raise AlertRefused("account_unknown", "username")


def unsubscribe(conn: Connection, username: str) -> bool:
    return bool(
        conn.execute(
            text(
                "DELETE FROM alert_subscription WHERE user_id = "
                "(SELECT id FROM app_user WHERE username = :u)"
            ),
            {"u": username},
        ).rowcount
    )


def subscription_of(conn: Connection, username: str) -> str | None:
    """The address the account gets alert e-mail at, if any."""
    return conn.scalar(
        text(
            "SELECT s.email FROM alert_subscription s JOIN app_user u ON u.id = s.user_id "
            "WHERE u.username = :u"
        ),
        {"u": username},
    )


def subscriptions(conn: Connection) -> list[Subscription]:
    rows = conn.execute(
        text(
            """
            SELECT s.id, u.username, s.email, s.lang, u.role, s.last_sent_at,
                   ARRAY(SELECT au.unit_code || '@' || au.bound_on FROM app_user_unit au
                         WHERE au.user_id = u.id ORDER BY au.unit_code) AS pins
            FROM alert_subscription s JOIN app_user u ON u.id = s.user_id
            WHERE NOT u.disabled ORDER BY s.id
            """
        )
    ).all()
    return [
        Subscription(r.id, r.username, r.email, r.lang, r.role, tuple(r.pins), r.last_sent_at)
        for r in rows
    ]


def changes(conn: Connection, sub: Subscription, now: dt.datetime) -> list[Change]:
    """What the subscriber should hear of now (see the module's text), oldest first."""
    repeat = dt.timedelta(seconds=get_settings().alert_mail_repeat_s)
    # Ward staff: the alerts whose subject lies in their units, as row-level security decides
    # for their pages (migration 0021), from the same pinned bindings. The system's alerts
    # (backups: no geometry) are officials' only.
    in_scope = (
        "ST_Intersects(a.geom, (SELECT ST_Union(geom) FROM admin_unit "
        "WHERE id = ANY(app_pinned_unit_ids(CAST(:pins AS text[])))))"
        if sub.role == "ward_staff"
        else "true"
    )
    rows = conn.execute(
        text(
            f"""
            SELECT a.id, r.name, r.kind, {SUBJECT_COLUMNS}, a.state, a.value, a.detail,
                   a.fired_at, a.resolved_at, n.state AS told, n.told_at
            FROM alert a JOIN alert_rule r ON r.id = a.rule_id {SUBJECT_JOINS}
            LEFT JOIN alert_notice n ON n.alert_id = a.id AND n.subscription_id = :sub
            WHERE (a.geom IS NOT NULL OR a.subject_kind = 'system') AND {in_scope}
              AND (a.silenced_until IS NULL OR a.silenced_until <= :now)
              AND ((a.state = 'firing' AND (n.state IS DISTINCT FROM 'firing'
                                            OR n.told_at <= :now - :repeat))
                   OR (a.state = 'resolved' AND n.state = 'firing'))
            ORDER BY a.id
            """
        ),
        {"sub": sub.id, "now": now, "repeat": repeat, "pins": list(sub.pins)},
    ).all()
    out = []
    for r in rows:
        again = r.state == "firing" and r.told == "firing"
        at = r.resolved_at if r.state == "resolved" else (
            r.told_at + repeat if again else r.fired_at
        )  # fmt: skip
        out.append(
            Change(r.id, r.name, r.kind, r.subject_name, r.subject_code, r.state, again,
                   r.value, dict(r.detail or {}), at)
        )  # fmt: skip
    return sorted(out, key=lambda c: (c.at, c.alert_id))


def notify(conn: Connection, now: dt.datetime, write: Writer) -> int:
    """One turn: every subscriber due a message gets one; how many were sent."""
    settings = get_settings()
    wait = dt.timedelta(seconds=settings.alert_mail_wait_s)
    interval = dt.timedelta(seconds=settings.alert_mail_interval_s)
    sent = 0
    for sub in subscriptions(conn):
        due = changes(conn, sub, now)
        if not due or now - due[0].at < wait:
            continue
        if sub.last_sent_at is not None and now - sub.last_sent_at < interval:
            continue
        firing = sum(1 for c in due if c.state == "firing")
        subject, body = write(due, sub.lang, firing)
        if not send_update(sub.email, subject, body):
            continue  # told nothing: the next turn tries again
        for change in due:
            conn.execute(
                text(
                    """
                    INSERT INTO alert_notice (subscription_id, alert_id, state, told_at)
                    VALUES (:sub, :alert, :state, :now)
                    ON CONFLICT (subscription_id, alert_id)
                    DO UPDATE SET state = EXCLUDED.state, told_at = EXCLUDED.told_at
                    """
                ),
                {"sub": sub.id, "alert": change.alert_id, "state": change.state, "now": now},
            )
        conn.execute(
            text("UPDATE alert_subscription SET last_sent_at = :now WHERE id = :id"),
            {"now": now, "id": sub.id},
        )
        sent += 1
    return sent
