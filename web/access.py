"""Who is asking and what they may see: every access decision, for Dash callbacks and Flask routes.

Who is asking: on the dashboard and its routes, the signed session (Flask-Login) and nothing else;
on the APIs, the personal API token the request carries and nothing else (a dashboard session opens
nothing there: scripts and GIS tools carry their own revocable credential).

What they may see: officials and admins see everything; ward staff the admin units they are bound
to and what lies inside them; the public the public layers. Data is public, staff or personal
(:func:`may_read`): citizens' flood reports are personal, for staff who act on them only. Which
database role a request reads through (:func:`data_scope`, :func:`read_scope`, stated before
every request by :func:`state_data_scope`): row-level security is the second wall behind these
checks. The SQL behind them lives in ``geodata.accounts.scopes``.

A callback is a public POST endpoint: whatever unit or sensor a request names is checked here, and
refusals are audited (once for the same refusal of the same caller within minutes: a page load is
several requests refused alike).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import flask
from flask_login import current_user
from sqlalchemy import Connection

from domain.layers import Visibility
from domain.units import Unit
from geodata.accounts.scopes import report_within, sensor_within, unit_ids_within, unit_within
from geodata.accounts.tokens import TokenHolder, TokenRefused, authenticate_api_token
from geodata.accounts.users import User, audit_refusal
from geodata.db import Scope, get_engine, reset_scope, scope, set_scope, transaction
from geodata.errors import UnknownUnit
from geodata.monitoring.queries import root_unit, unit_by_code
from web.request import parse_search

PUBLIC = "public"  # the role of whoever is not signed in
# Who may read a layer or collection: "public" anyone; "staff" staff only; "personal" (about
# persons: citizens' reports) staff only too.


class AccessDenied(Exception):
    """The caller may not see what the request asks for."""


@dataclass(frozen=True)
class Caller:
    """The person behind a request."""

    username: str | None
    role: str  # admin, official, ward_staff or public
    # A ward staff's units: codes, each pinned to the unit it named when bound ("code@date",
    # geodata.accounts.scopes); a bare code means every unit that held it.
    unit_codes: tuple[str, ...] = ()

    @classmethod
    def of(cls, user: User) -> Caller:
        """An account as the caller: its units pinned to what they named when bound."""
        return cls(user.username, user.role, user.unit_pins or user.unit_codes)

    @property
    def codes(self) -> tuple[str, ...]:
        """The unit codes alone (to name or open the units, never to decide a scope)."""
        return tuple(c.split("@", 1)[0] for c in self.unit_codes)

    @property
    def sees_everything(self) -> bool:
        return self.role in {"admin", "official"}

    @property
    def signed_in(self) -> bool:
        return self.role != PUBLIC

    @property
    def sees_personal_data(self) -> bool:
        """Whether citizens' reports are for this caller (:func:`may_read` decides)."""
        return may_read(self, "personal")


# --- who is asking -------------------------------------------------------------------------------


def current_caller() -> Caller:
    """The caller of this request, from the signed session only."""
    if flask.has_request_context() and current_user.is_authenticated:
        return Caller.of(current_user.user)
    return Caller(None, PUBLIC)


def bearer_token() -> str | None:
    """The token of ``Authorization: Bearer <token>``; None without one (or another scheme)."""
    scheme, _, token = (flask.request.headers.get("Authorization") or "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def personal_token() -> TokenHolder | TokenRefused | None:
    """The request's personal API token, checked once per request (the rate limiter's key asks
    first): its holder, why it was refused, or None when the request carries none."""
    if "personal_token" not in flask.g:
        token = bearer_token()
        result: TokenHolder | TokenRefused | None = None
        if token is not None:
            try:
                with scope(None), transaction() as conn:  # tokens are the owner's to read
                    result = authenticate_api_token(conn, token)
            except TokenRefused as exc:
                result = exc
        flask.g.personal_token = result
    return flask.g.personal_token


def api_caller() -> Caller:
    """The caller of an API request: the staff member whose valid personal token it carries,
    else the public — never the session."""
    result = personal_token()
    if not isinstance(result, TokenHolder):
        return Caller(None, PUBLIC)
    return Caller.of(result.user)


# --- what they may read, and as which database role ----------------------------------------------


def may_read(caller: Caller, visibility: Visibility) -> bool:
    """Whether the caller may read a layer or collection of this visibility: public data anyone,
    staff and personal data (citizens' reports) staff only — signed in on the dashboard, through
    their personal token on the APIs. Ward staff read them in their units only (:func:`read_scope`
    and row-level security)."""
    if visibility == "public":
        return True
    if visibility in ("staff", "personal"):
        return caller.signed_in
    raise ValueError(f"unknown visibility {visibility!r}")


def data_scope(caller: Caller) -> Scope | None:
    """The database's view for this caller: full rights for officials, else a reader role."""
    if caller.sees_everything:
        return None
    if caller.role == "ward_staff":
        return Scope.ward(caller.unit_codes)
    return Scope.public()


def read_scope(
    caller: Caller, visibility: Visibility
) -> tuple[Scope | None, tuple[str, ...] | None]:
    """How an API request reads data of this visibility: the database's scope, and the units the
    query itself keeps to (None: all). Public data: the public's scope, all of it, whoever asks
    (open data is the same for all). Other data: the caller's own scope (officials: the owner's
    rights), and for ward staff their units — the first wall, with row-level security as the
    second. AccessDenied (not audited) when the caller may not read it at all."""
    if visibility == "public":
        return Scope.public(), None
    if not may_read(caller, visibility):
        raise AccessDenied(visibility)
    return data_scope(caller), caller.unit_codes if caller.role == "ward_staff" else None


def state_data_scope() -> None:
    """Before each request: tell the database whose request this is before anything reads it;
    the public and ward staff read through their reader roles (row-level security)."""
    if flask.request.path.startswith(("/assets/", "/_dash-component-suites/")):
        return  # files on disk: no identity to look up, no database to read
    flask.g.data_scope_token = set_scope(data_scope(current_caller()))


def forget_data_scope(_exc: BaseException | None) -> None:
    """After each request: worker threads serve many requests, and the next one must not
    inherit this caller's scope."""
    token = flask.g.pop("data_scope_token", None)
    if token is not None:
        reset_scope(token)


# --- which unit and sensor they may open, refusals ------------------------------------------------


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


def may_see_unit(conn: Connection, caller: Caller, unit: Unit) -> bool:
    """Everyone but ward staff may see any unit; ward staff their units and what is inside."""
    if caller.role != "ward_staff":
        return True
    # Not by its code alone: a code a reform gave to another unit is not the one bound.
    return unit_within(conn, caller.unit_codes, unit.id)


def home_code(conn: Connection, caller: Caller, on_date: dt.date) -> str:
    """Where the map opens: the city, or a ward_staff's (first) unit."""
    if caller.role == "ward_staff" and caller.unit_codes:
        return sorted(caller.codes)[0]
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
    return unit_ids_within(conn, caller.unit_codes, unit_ids)


def may_see_sensor(conn: Connection, caller: Caller, sensor_id: int) -> bool:
    """Ward staff see the sensors inside their units; others every sensor."""
    if caller.role != "ward_staff":
        return True
    return sensor_within(conn, caller.unit_codes, sensor_id)


def may_see_system_health(caller: Caller) -> bool:
    """Whether the caller sees the system's health (backups, WAL archiving): officials and
    admins only. The database agrees: the reader roles have no grant on ``backup_run``."""
    return caller.sees_everything


def may_handle_reports(caller: Caller) -> bool:
    """Whether the caller handles citizens' reports (the staff queue): every staff account,
    ward staff in their units (:func:`may_handle_report`); never the public."""
    return caller.signed_in and caller.sees_personal_data


def may_handle_report(conn: Connection, caller: Caller, report_id: int) -> bool:
    """Whether the caller may see and act on this report: officials and admins any, ward staff
    those whose point lies inside their units (row-level security checks it again)."""
    if not may_handle_reports(caller):
        return False
    if caller.role != "ward_staff":
        return True
    return report_within(conn, caller.unit_codes, report_id)


def trail_for(caller: Caller, trail: list[Unit]) -> list[Unit]:
    """The breadcrumb above a unit, cut at the top of a ward_staff's scope."""
    if caller.role != "ward_staff":
        return trail
    for k, unit in enumerate(trail):
        if unit.code in caller.codes:
            return trail[k:]
    return []
