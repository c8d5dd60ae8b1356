"""Accounts and sign-in checks on real PostGIS: hashing, management rules, rate limits, audit."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from geodata.accounts import users
from geodata.accounts.users import SignInRefused, UserError


@pytest.fixture
def conn(demo_db):
    with demo_db.begin() as connection:
        yield connection


def _audit(conn) -> list[tuple[str, str, str]]:
    return [
        tuple(r)
        for r in conn.execute(
            text("SELECT username, action, outcome FROM audit_log ORDER BY id")
        ).all()
    ]


def test_passwords_are_stored_as_argon2id_hashes_only(conn) -> None:
    users.add_user(conn, "An.Nguyen", "mật-khẩu-dài-1", "official", [])
    stored = conn.scalar(text("SELECT password_hash FROM app_user WHERE username = 'an.nguyen'"))
    assert stored.startswith("$argon2id$") and "mật-khẩu" not in stored


def test_account_rules_are_enforced(conn) -> None:
    with pytest.raises(UserError, match="at least 10 characters"):
        users.add_user(conn, "a", "short", "official", [])
    with pytest.raises(UserError, match="unknown role"):
        users.add_user(conn, "a", "long enough pw", "mayor", [])
    with pytest.raises(UserError, match="at least one admin unit"):
        users.add_user(conn, "a", "long enough pw", "ward_staff", [])
    with pytest.raises(UserError, match="unknown admin unit code"):
        users.add_user(conn, "a", "long enough pw", "ward_staff", ["99999"])
    users.add_user(conn, "a", "long enough pw", "ward_staff", ["916"])
    with pytest.raises(UserError, match="already exists"):
        users.add_user(conn, "A", "long enough pw", "official", [])


def test_roles_units_and_disabling_can_be_changed(conn) -> None:
    users.add_user(conn, "b", "long enough pw", "ward_staff", ["916"])
    users.set_units(conn, "b", ["916", "919"])
    users.set_role(conn, "b", "official")
    users.set_disabled(conn, "b")
    (user,) = users.list_users(conn)
    assert (user.role, user.unit_codes, user.disabled) == ("official", ("916", "919"), True)
    assert users.get_user(conn, user.id) is None  # disabled accounts are not loaded
    with pytest.raises(UserError, match="no user"):
        users.set_role(conn, "nobody", "official")


def test_a_good_sign_in_returns_the_user_and_is_audited(conn) -> None:
    users.add_user(conn, "c", "long enough pw", "ward_staff", ["916"])
    user = users.authenticate(conn, " C ", "long enough pw", "10.0.0.1")
    assert (user.username, user.role, user.unit_codes) == ("c", "ward_staff", ("916",))
    assert _audit(conn) == [("c", "sign_in", "success")]


def test_a_wrong_password_an_unknown_user_and_a_disabled_account_are_refused(conn) -> None:
    users.add_user(conn, "d", "long enough pw", "official", [])
    with pytest.raises(SignInRefused) as wrong:
        users.authenticate(conn, "d", "wrong password", "10.0.0.2")
    assert wrong.value.reason == "credentials"
    with pytest.raises(SignInRefused) as unknown:
        users.authenticate(conn, "nobody", "whatever pw", "10.0.0.2")
    assert unknown.value.reason == "credentials"  # the same answer: no account probing
    users.set_disabled(conn, "d")
    with pytest.raises(SignInRefused) as disabled:
        users.authenticate(conn, "d", "long enough pw", "10.0.0.2")
    assert disabled.value.reason == "disabled"
    assert [o for _, _, o in _audit(conn)] == ["failed", "failed", "failed"]


def test_failed_sign_ins_are_limited_per_account_even_with_the_right_password(conn) -> None:
    users.add_user(conn, "e", "long enough pw", "official", [])
    for k in range(users.MAX_FAILURES_PER_ACCOUNT):
        with pytest.raises(SignInRefused):
            users.authenticate(conn, "e", f"guess {k}", f"10.0.1.{k}")
    with pytest.raises(SignInRefused) as limited:
        users.authenticate(conn, "e", "long enough pw", "10.0.2.1")
    assert limited.value.reason == "rate_limited" and limited.value.retry_after_s > 0
    assert _audit(conn)[-1] == ("e", "sign_in", "rate_limited")


def test_failed_sign_ins_are_limited_per_address_across_accounts(conn) -> None:
    for k in range(users.MAX_FAILURES_PER_ADDRESS):
        with pytest.raises(SignInRefused):
            users.authenticate(conn, f"user{k}", "guess", "10.9.9.9")
    users.add_user(conn, "f", "long enough pw", "official", [])
    with pytest.raises(SignInRefused) as limited:
        users.authenticate(conn, "f", "long enough pw", "10.9.9.9")
    assert limited.value.reason == "rate_limited"
    assert users.authenticate(conn, "f", "long enough pw", "10.9.9.10").username == "f"


def test_the_same_refusal_of_the_same_caller_is_recorded_once_within_its_window(conn) -> None:
    detail = {"unit": "925"}
    assert users.audit_refusal(conn, "view_unit", "nk.staff", "10.0.0.1", detail)
    # The page's other requests, refused alike a moment later: no new row.
    assert not users.audit_refusal(conn, "view_unit", "nk.staff", "10.0.0.1", detail)
    # Anything that differs is a refusal of its own: the unit, the address, the caller.
    assert users.audit_refusal(conn, "view_unit", "nk.staff", "10.0.0.1", {"unit": "917"})
    assert users.audit_refusal(conn, "view_unit", "nk.staff", "10.0.0.2", detail)
    assert users.audit_refusal(conn, "view_unit", "other", "10.0.0.1", detail)
    # Once the window has passed, the same refusal is recorded again.
    conn.execute(text("UPDATE audit_log SET at = at - interval '11 minutes'"))
    assert users.audit_refusal(conn, "view_unit", "nk.staff", "10.0.0.1", detail)
    assert _audit(conn) == [("nk.staff", "view_unit", "denied")] * 3 + [
        ("other", "view_unit", "denied"),
        ("nk.staff", "view_unit", "denied"),
    ]
