"""The access rules themselves: who may read public, staff and personal data, as which database
role, and who an API request's caller is (its token, never the session)."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.clock import CITY_TZ
from geodata.accounts import users
from geodata.accounts.tokens import add_api_token
from geodata.db import Scope
from tests.callers import signed_in
from web.access import AccessDenied, Caller, api_caller, data_scope, may_read, read_scope

PUBLIC = Caller(None, "public")
WARD = Caller("nk.staff", "ward_staff", ("916",))
OFFICIAL = Caller("official", "official")
ADMIN = Caller("admin", "admin")


@pytest.mark.parametrize(
    ("caller", "public", "staff", "personal"),
    [
        (PUBLIC, True, False, False),
        (WARD, True, True, True),
        (OFFICIAL, True, True, True),
        (ADMIN, True, True, True),
    ],
)
def test_public_data_is_for_everyone_staff_and_personal_data_for_staff(
    caller: Caller, public: bool, staff: bool, personal: bool
) -> None:
    assert may_read(caller, "public") is public
    assert may_read(caller, "staff") is staff
    assert may_read(caller, "personal") is personal
    assert caller.sees_personal_data is personal  # the same rule, not a second one


def test_a_visibility_the_rules_do_not_know_is_an_error_not_a_yes() -> None:
    with pytest.raises(ValueError, match="secret"):
        may_read(OFFICIAL, "secret")  # type: ignore[arg-type]


def test_each_caller_reads_through_their_own_database_role() -> None:
    assert data_scope(PUBLIC) == Scope.public()
    assert data_scope(WARD) == Scope.ward(["916"])
    assert data_scope(OFFICIAL) is None and data_scope(ADMIN) is None  # the owner's rights


def test_public_data_is_read_as_the_public_whoever_asks() -> None:
    for caller in (PUBLIC, WARD, OFFICIAL):
        assert read_scope(caller, "public") == (Scope.public(), None)


def test_personal_data_is_read_in_the_callers_scope_and_ward_staff_keep_to_their_units() -> None:
    assert read_scope(OFFICIAL, "personal") == (None, None)
    assert read_scope(WARD, "personal") == (Scope.ward(["916"]), ("916",))
    with pytest.raises(AccessDenied):
        read_scope(PUBLIC, "personal")


@pytest.fixture
def ward_token(demo_db) -> str:
    """A Ninh Kiều ward staff member with a personal API token; the token."""
    with demo_db.begin() as conn:
        users.add_user(conn, "nk.staff", "a long password 1", "ward_staff", ["916"])
        _, token = add_api_token(conn, "nk.staff")
    return token


def test_an_api_requests_caller_is_the_holder_of_its_token(ward_token) -> None:
    from app import server

    with server.test_request_context("/ogc/", headers={"Authorization": f"Bearer {ward_token}"}):
        caller = api_caller()
    # Their unit pinned to the one the code named the day they were bound (migration 0017).
    today = dt.datetime.now(CITY_TZ).date().isoformat()
    assert caller == Caller("nk.staff", "ward_staff", (f"916@{today}",))
    assert caller.codes == WARD.codes
    with server.test_request_context("/ogc/", headers={"Authorization": "Bearer pat-1.wrong"}):
        assert api_caller() == PUBLIC


def test_a_dashboard_session_opens_nothing_on_the_apis(ward_token) -> None:
    with signed_in("nk.staff"):
        assert api_caller() == PUBLIC
