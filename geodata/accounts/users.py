"""Accounts, sign-in checks and the audit log.

Passwords are hashed with argon2id (argon2-cffi). Failed sign-ins are counted from the audit log,
per account and per address, so the limit holds across every worker and machine of the app.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Connection, text

from domain.clock import CITY_TZ
from geodata.errors import GeodataError
from geodata.units.succession import successors_on

ROLES = ("admin", "official", "ward_staff")
# Failed sign-ins allowed in the window before further tries are refused.
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20
FAILURE_WINDOW = dt.timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()
# A hash of nothing, checked when the account does not exist, so both cases take as long.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class UserError(GeodataError):
    """A user-management request that cannot be done (unknown user, bad role, weak password)."""


@dataclass(frozen=True)
class User:
    """A signed-in person: who, which role, and the admin unit codes a ward_staff is bound to."""

    id: int
    username: str
    role: str
    unit_codes: tuple[str, ...]
    disabled: bool = False
    # The same bindings pinned to the unit each named when it was made ("code@YYYY-MM-DD"):
    # what the scope is built from (migration 0017), so a code a reform gives to another unit
    # never widens it.
    unit_pins: tuple[str, ...] = ()


class SignInRefused(GeodataError):
    """Why a sign-in failed: ``reason`` is "credentials", "disabled" or "rate_limited"."""

    def __init__(self, reason: str, retry_after_s: int = 0) -> None:
        self.reason = reason
        self.retry_after_s = retry_after_s
        super().__init__(reason)


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher.hash(password)


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}; roles are: {', '.join(ROLES)}")


def _check_units(conn: Connection, role: str, unit_codes: list[str]) -> None:
    if role == "ward_staff" and not unit_codes:
        raise UserError("ward_staff must be bound to at least one admin unit (--units)")
    known = set(
        conn.scalars(text("SELECT DISTINCT code FROM admin_unit WHERE code = ANY(:c)"),
                     {"c": unit_codes})
    )  # fmt: skip
    unknown = sorted(set(unit_codes) - known)
    if unknown:
        raise UserError(f"unknown admin unit code(s): {', '.join(unknown)}")


def add_user(
    conn: Connection, username: str, password: str, role: str, unit_codes: list[str]
) -> int:
    """Create an account; refuses weak passwords, unknown roles and unknown unit codes."""
    name = username.strip().lower()
    _check_role(role)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    _check_units(conn, role, unit_codes)
    if conn.scalar(text("SELECT 1 FROM app_user WHERE username = :u"), {"u": name}):
        raise UserError(f"user {name!r} already exists")
    user_id = int(
        conn.execute(
            text(
                "INSERT INTO app_user (username, password_hash, role) VALUES (:u, :h, :r) "
                "RETURNING id"
            ),
            {"u": name, "h": hash_password(password), "r": role},
        ).scalar_one()
    )
    _write_units(conn, user_id, unit_codes)
    return user_id


def _write_units(conn: Connection, user_id: int, unit_codes: list[str]) -> None:
    conn.execute(text("DELETE FROM app_user_unit WHERE user_id = :id"), {"id": user_id})
    if unit_codes:
        conn.execute(
            text(
                "INSERT INTO app_user_unit (user_id, unit_code, bound_on) VALUES (:id, :code, :day)"
            ),
            [{"id": user_id, "code": c, "day": _today()} for c in sorted(set(unit_codes))],
        )


def _today() -> dt.date:
    """Today in Cần Thơ: the day a binding is pinned to."""
    return dt.datetime.now(CITY_TZ).date()


def user_id_of(conn: Connection, username: str) -> int:
    """The id of the account ``username``; UserError when there is none."""
    found = conn.scalar(
        text("SELECT id FROM app_user WHERE username = :u"), {"u": username.strip().lower()}
    )
    if found is None:
        raise UserError(f"no user {username!r}")
    return int(found)


def set_disabled(conn: Connection, username: str, disabled: bool = True) -> None:
    """Disable (or enable again) an account; a disabled account cannot sign in."""
    conn.execute(
        text("UPDATE app_user SET disabled = :d WHERE id = :id"),
        {"d": disabled, "id": user_id_of(conn, username)},
    )


def set_role(conn: Connection, username: str, role: str) -> None:
    """Change an account's role (a ward_staff must keep at least one unit)."""
    _check_role(role)
    user_id = user_id_of(conn, username)
    units = list(conn.scalars(text("SELECT unit_code FROM app_user_unit WHERE user_id = :id"),
                              {"id": user_id}))  # fmt: skip
    _check_units(conn, role, units)
    conn.execute(text("UPDATE app_user SET role = :r WHERE id = :id"), {"r": role, "id": user_id})


def set_units(conn: Connection, username: str, unit_codes: list[str]) -> None:
    """Bind an account to these admin unit codes (replacing the earlier ones)."""
    user_id = user_id_of(conn, username)
    role = conn.scalar(text("SELECT role FROM app_user WHERE id = :id"), {"id": user_id})
    _check_units(conn, str(role), unit_codes)
    _write_units(conn, user_id, unit_codes)


def _users(conn: Connection, user_id: int | None = None) -> list[User]:
    """Accounts with their units: every one, or the one with ``user_id``."""
    rows = conn.execute(
        text(
            """
            SELECT u.id, u.username, u.role, u.disabled,
                   coalesce(array_agg(x.unit_code ORDER BY x.unit_code)
                            FILTER (WHERE x.unit_code IS NOT NULL), '{}') AS units,
                   coalesce(array_agg(x.unit_code || '@' || x.bound_on ORDER BY x.unit_code)
                            FILTER (WHERE x.unit_code IS NOT NULL), '{}') AS pins
            FROM app_user u LEFT JOIN app_user_unit x ON x.user_id = u.id
            WHERE CAST(:id AS bigint) IS NULL OR u.id = :id
            GROUP BY u.id ORDER BY u.username
            """
        ),
        {"id": user_id},
    ).all()
    return [User(r.id, r.username, r.role, tuple(r.units), r.disabled, tuple(r.pins))
            for r in rows]  # fmt: skip


def list_users(conn: Connection) -> list[User]:
    """Every account, by name."""
    return _users(conn)


@dataclass(frozen=True)
class EndedBinding:
    """An account bound to a unit code that no unit holds on the day asked: the unit ended (a
    boundary reform). Until it is remapped the account keeps that unit's area as its scope."""

    username: str
    code: str
    name: str
    ended_on: dt.date
    successors: tuple[tuple[str, str, float], ...]  # (code, name, share of the old area)


def ended_bindings(conn: Connection, day: dt.date) -> list[EndedBinding]:
    """Every binding whose unit (the one it was pinned to) ended by ``day``, with the units
    valid that day that took over its area."""
    rows = conn.execute(
        text(
            """
            SELECT u.username, x.unit_code, a.id, a.name, a.valid_to
            FROM app_user_unit x JOIN app_user u ON u.id = x.user_id
            JOIN admin_unit a ON a.id = ANY (
              app_pinned_unit_ids(ARRAY[x.unit_code || '@' || x.bound_on]))
            WHERE a.valid_to <= :day
            ORDER BY u.username, x.unit_code
            """
        ),
        {"day": day},
    ).all()
    return [
        EndedBinding(str(username), str(code), str(name), valid_to,
                     tuple(successors_on(conn, int(unit_id), day)))
        for username, code, unit_id, name, valid_to in rows
    ]  # fmt: skip


def remap_ended(conn: Connection, day: dt.date) -> list[tuple[EndedBinding, tuple[str, ...]]]:
    """Move every binding to an ended unit to the units that succeeded it on ``day`` (each
    change audited); bindings whose unit has no recorded successor are left as they are, and
    returned with no new codes."""
    done = []
    for binding in ended_bindings(conn, day):
        codes = tuple(code for code, _, _ in binding.successors)
        if codes:
            user_id = user_id_of(conn, binding.username)
            conn.execute(
                text("DELETE FROM app_user_unit WHERE user_id = :id AND unit_code = :c"),
                {"id": user_id, "c": binding.code},
            )
            conn.execute(
                text(
                    "INSERT INTO app_user_unit (user_id, unit_code, bound_on) "
                    "VALUES (:id, :c, :day) ON CONFLICT DO NOTHING"
                ),
                [{"id": user_id, "c": c, "day": day} for c in codes],
            )
            audit(conn, "user_units_remap", "success", None, None,
                  {"user": binding.username, "from": binding.code, "to": list(codes),
                   "ended_on": binding.ended_on.isoformat()})  # fmt: skip
        done.append((binding, codes))
    return done


def get_user(conn: Connection, user_id: int) -> User | None:
    """The account with this id, if it exists and is enabled (read on every request: one row)."""
    found = _users(conn, user_id)
    return found[0] if found and not found[0].disabled else None


def audit(
    conn: Connection,
    action: str,
    outcome: str,
    username: str | None,
    address: str | None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Record who did what, from where, and how it ended."""
    conn.execute(
        text(
            "INSERT INTO audit_log (username, address, action, outcome, detail) "
            "VALUES (:u, :a, :action, :outcome, CAST(:detail AS jsonb))"
        ),
        {
            "u": username,
            "a": address,
            "action": action,
            "outcome": outcome,
            "detail": json.dumps(detail or {}, ensure_ascii=False, default=str),
        },
    )


def audit_refusal(
    conn: Connection,
    action: str,
    username: str | None,
    address: str | None,
    detail: dict[str, Any],
    within_s: int = 600,
) -> bool:
    """Record a refusal once: not again when the same caller (name and address) was refused
    the same thing within ``within_s`` seconds. One page load fires several requests that are
    refused alike, and a refused page left open asks again every minute; a forged request on
    its own is still recorded. Whether a row was written."""
    detail_json = json.dumps(detail, ensure_ascii=False, default=str)
    # Concurrent requests of one page (several workers) must not both find no row and insert.
    conn.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
        {"key": f"refusal|{username}|{address}|{action}|{detail_json}"},
    )
    written = conn.execute(
        text(
            """
            INSERT INTO audit_log (username, address, action, outcome, detail)
            SELECT :u, :a, :action, 'denied', CAST(:detail AS jsonb)
            WHERE NOT EXISTS (
                SELECT 1 FROM audit_log
                WHERE username IS NOT DISTINCT FROM :u AND action = :action
                  AND outcome = 'denied' AND address IS NOT DISTINCT FROM :a
                  AND detail = CAST(:detail AS jsonb)
                  AND at > now() - make_interval(secs => :within))
            """
        ),
        {"u": username, "a": address, "action": action, "detail": detail_json,
         "within": within_s},
    )  # fmt: skip
    return bool(written.rowcount)


def _recent_failures(conn: Connection, column: str, value: str | None) -> tuple[int, Any]:
    row = conn.execute(
        text(
            f"""
            SELECT count(*), min(at) FROM audit_log
            WHERE {column} = :v AND action = 'sign_in' AND outcome = 'failed'
              AND at > now() - CAST(:window AS interval)
            """
        ),
        {"v": value, "window": f"{int(FAILURE_WINDOW.total_seconds())} seconds"},
    ).one()
    return int(row[0]), row[1]


def authenticate(conn: Connection, username: str, password: str, address: str | None) -> User:
    """Check a sign-in; every outcome is audited. Raises SignInRefused with the reason."""
    name = username.strip().lower()[:200]
    for column, value, limit in (
        ("username", name, MAX_FAILURES_PER_ACCOUNT),
        ("address", address, MAX_FAILURES_PER_ADDRESS),
    ):
        count, oldest = _recent_failures(conn, column, value)
        if count >= limit:
            wait = FAILURE_WINDOW - (dt.datetime.now(dt.UTC) - oldest)
            audit(conn, "sign_in", "rate_limited", name, address, {"by": column})
            raise SignInRefused("rate_limited", max(1, int(wait.total_seconds())))
    row = conn.execute(
        text("SELECT id, password_hash, disabled FROM app_user WHERE username = :u"),
        {"u": name},
    ).one_or_none()
    try:
        _hasher.verify(row.password_hash if row else _DUMMY_HASH, password)
        valid = row is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        valid = False
    if not valid or row is None:
        audit(conn, "sign_in", "failed", name, address)
        raise SignInRefused("credentials")
    if row.disabled:
        audit(conn, "sign_in", "failed", name, address, {"disabled": True})
        raise SignInRefused("disabled")
    user = get_user(conn, int(row.id))
    assert user is not None
    audit(conn, "sign_in", "success", name, address)
    return user


def recent_audit(conn: Connection, limit: int = 200) -> list[dict[str, Any]]:
    """The latest audit entries, newest first (for officials)."""
    rows = conn.execute(
        text(
            "SELECT at, username, address, action, outcome, detail FROM audit_log "
            "ORDER BY at DESC, id DESC LIMIT :n"
        ),
        {"n": limit},
    ).all()
    return [dict(r._mapping) for r in rows]


@dataclass(frozen=True)
class AuditQuery:
    """Which audit entries to list: every field optional; times are instants (UTC-aware)."""

    username: str | None = None
    action: str | None = None
    outcome: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: dt.datetime
    username: str | None
    address: str | None
    action: str
    outcome: str
    detail: dict[str, Any]


def audit_entries(
    conn: Connection, query: AuditQuery, limit: int, offset: int = 0
) -> tuple[int, list[AuditEntry]]:
    """The number of entries matching ``query`` and one page of them, newest first."""
    where = """
        (CAST(:username AS text) IS NULL OR username = :username)
        AND (CAST(:action AS text) IS NULL OR action = :action)
        AND (CAST(:outcome AS text) IS NULL OR outcome = :outcome)
        AND (CAST(:since AS timestamptz) IS NULL OR at >= :since)
        AND (CAST(:until AS timestamptz) IS NULL OR at < :until)
    """
    params = {
        "username": query.username,
        "action": query.action,
        "outcome": query.outcome,
        "since": query.since,
        "until": query.until,
    }
    total = conn.scalar(text(f"SELECT count(*) FROM audit_log WHERE {where}"), params)
    rows = conn.execute(
        text(
            f"SELECT id, at, username, address, action, outcome, detail FROM audit_log "
            f"WHERE {where} ORDER BY at DESC, id DESC LIMIT :limit OFFSET :offset"
        ),
        {**params, "limit": limit, "offset": offset},
    )
    return int(total or 0), [AuditEntry(*row) for row in rows]
