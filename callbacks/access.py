"""Who is asking and what they may see, decided on the server for every callback and route.

Identity comes only from the signed session (Flask-Login). Officials and admins see everything;
ward staff see the admin units they are bound to and what lies inside them; the public sees the
public layers, without personal data (citizens' flood reports). A callback is a public POST
endpoint: whatever unit or sensor a request names is checked here, and refusals are audited
(once per page load: the selection callback audits a refused unit, the other callbacks keyed on
the same URL refuse it silently).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import flask
from flask_login import current_user
from sqlalchemy import Connection, text

from callbacks.request import parse_search
from domain.layers import Visibility
from geodata.accounts.users import audit_refusal
from geodata.db import Scope, get_engine, scope
from geodata.errors import UnknownUnit
from geodata.monitoring.queries import Unit, root_unit, unit_by_code

PUBLIC = "public"


class AccessDenied(Exception):
    """The caller may not see what the request asks for."""


@dataclass(frozen=True)
class Caller:
    """The person behind a request."""

    username: str | None
    role: str  # admin, official, ward_staff or public
    unit_codes: tuple[str, ...] = ()

    @property
    def sees_everything(self) -> bool:
        return self.role in {"admin", "official"}

    @property
    def signed_in(self) -> bool:
        return self.role != PUBLIC

    @property
    def sees_personal_data(self) -> bool:
        """Citizens' reports are for staff who act on them, not for the public."""
        return self.signed_in


def current_caller() -> Caller:
    """The caller of this request, from the signed session only."""
    if flask.has_request_context() and current_user.is_authenticated:
        user = current_user.user
        return Caller(user.username, user.role, user.unit_codes)
    return Caller(None, PUBLIC)


def may_read(caller: Caller, visibility: Visibility) -> bool:
    """Whether the caller may read a layer or collection of this visibility (the catalogue's
    ``LayerInfo.visibility``): public ones everyone; staff and personal ones (citizens' reports)
    signed-in staff only, who act on them, never the public."""
    if visibility == "public":
        return True
    return caller.sees_personal_data


def data_scope(caller: Caller) -> Scope | None:
    """The database's view for this caller: full rights for officials, else a reader role."""
    if caller.sees_everything:
        return None
    if caller.role == "ward_staff":
        return Scope.ward(caller.unit_codes)
    return Scope.public()


def _address() -> str | None:
    return flask.request.remote_addr if flask.has_request_context() else None


def refuse(caller: Caller, what: str, detail: dict[str, object]) -> AccessDenied:
    """Audit a refusal (in its own transaction, so it is kept; once for the same refusal of the
    same caller within minutes: a page load is several requests) and return the exception.
    With the owner's rights: finding the earlier row reads the log, which the reader roles of
    the public and ward staff may only append to."""
    with scope(None), get_engine().begin() as conn:
        audit_refusal(conn, what, caller.username, _address(), detail)
    return AccessDenied(what)


def _scope_covers(conn: Connection, caller: Caller, geom_sql: str, params: dict) -> bool:
    """Whether the point ``geom_sql`` (a SQL expression) lies in one of the caller's units."""
    return bool(
        conn.scalar(
            text(
                f"""
                SELECT EXISTS (
                    SELECT 1 FROM admin_unit s
                    WHERE s.code = ANY(:codes) AND ST_Covers(s.geom, {geom_sql}))
                """
            ),
            {"codes": list(caller.unit_codes), **params},
        )
    )


def may_see_unit(conn: Connection, caller: Caller, unit: Unit) -> bool:
    """Everyone but ward staff may see any unit; ward staff their units and what is inside."""
    if caller.role != "ward_staff":
        return True
    if unit.code in caller.unit_codes:
        return True
    return _scope_covers(
        conn, caller, "(SELECT ST_PointOnSurface(geom) FROM admin_unit WHERE id = :id)",
        {"id": unit.id},
    )  # fmt: skip


def home_code(conn: Connection, caller: Caller, on_date: dt.date) -> str:
    """Where the map opens: the city, or a ward_staff's (first) unit."""
    if caller.role == "ward_staff" and caller.unit_codes:
        return sorted(caller.unit_codes)[0]
    return root_unit(conn, on_date).code


def unit_exists(code: str, on_date: dt.date) -> bool:
    """Whether a unit with this code is valid on the date, as anyone may know it.

    Row-level security hides other districts from ward staff, so for them "not found" may mean
    "not yours"; the public map shows every unit, so asking as the public tells the two apart
    without revealing anything a ward staff member could not see signed out."""
    with scope(Scope.public()), get_engine().connect() as conn:
        try:
            unit_by_code(conn, code, on_date)
        except UnknownUnit:
            return False
    return True


def authorised_unit(conn: Connection, caller: Caller, search: str | None) -> Unit:
    """The unit the URL selects, if the caller may see it; else AccessDenied (audited) or
    UnknownUnit when no unit has the code at the date."""
    req = parse_search(search)
    code = req.unit or home_code(conn, caller, req.on_date)

    def denied() -> AccessDenied:
        detail: dict[str, object] = {"unit": code}
        return refuse(caller, "view_unit", detail)

    try:
        unit = unit_by_code(conn, code, req.on_date)
    except UnknownUnit:
        if caller.role == "ward_staff" and unit_exists(code, req.on_date):
            raise denied() from None
        raise
    if not may_see_unit(conn, caller, unit):
        raise denied()
    return unit


def visible_unit_ids(conn: Connection, caller: Caller, unit_ids: list[int]) -> list[int]:
    """The ids among ``unit_ids`` the caller may see (a request may name any)."""
    if caller.role != "ward_staff":
        return unit_ids
    return list(
        conn.scalars(
            text(
                """
                SELECT u.id FROM admin_unit u WHERE u.id = ANY(:ids) AND (
                    u.code = ANY(:codes) OR EXISTS (
                        SELECT 1 FROM admin_unit s WHERE s.code = ANY(:codes)
                          AND ST_Covers(s.geom, ST_PointOnSurface(u.geom))))
                """
            ),
            {"ids": unit_ids, "codes": list(caller.unit_codes)},
        )
    )


def may_see_sensor(conn: Connection, caller: Caller, sensor_id: int) -> bool:
    """Ward staff see the sensors inside their units; others every sensor."""
    if caller.role != "ward_staff":
        return True
    return _scope_covers(
        conn, caller, "(SELECT geom FROM sensor WHERE id = :id)", {"id": sensor_id}
    )


def trail_for(caller: Caller, trail: list[Unit]) -> list[Unit]:
    """The breadcrumb above a unit, cut at the top of a ward_staff's scope."""
    if caller.role != "ward_staff":
        return trail
    for k, unit in enumerate(trail):
        if unit.code in caller.unit_codes:
            return trail[k:]
    return []
