"""Personal API tokens on real PostGIS: the command line (add, list, revoke), what is stored, every
reason a token is refused, and the reader roles' lack of any right on the tokens' table."""

from __future__ import annotations

import datetime as dt

import pytest
from psycopg import errors as pg_errors
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from geodata.__main__ import main
from geodata.accounts import users
from geodata.accounts.tokens import (
    TokenRefused,
    add_api_token,
    authenticate_api_token,
    recent_token_refusals,
)
from geodata.db import Scope, get_engine, scope


@pytest.fixture
def staff(demo_db):
    """An official and a ward staff member of Ninh Kiều."""
    with demo_db.begin() as conn:
        users.add_user(conn, "chi.official", "mật-khẩu-dài-1", "official", [])
        users.add_user(conn, "ba.ward", "mật-khẩu-dài-2", "ward_staff", ["916"])
    return demo_db


def _holder(engine, token: str):
    with engine.begin() as conn:
        return authenticate_api_token(conn, token)


def _refusal(engine, token: str | None) -> str:
    with pytest.raises(TokenRefused) as caught:
        _holder(engine, token)
    return caught.value.reason


def test_the_command_line_adds_lists_and_revokes_tokens(staff, capsys) -> None:
    assert main(["users", "token", "add", "ba.ward", "--label", "QGIS PC-12", "--days", "30"]) == 0
    out = capsys.readouterr()
    token = out.out.strip()
    assert token.startswith("pat-") and "shown once" in out.err
    holder = _holder(staff, token)
    assert (holder.user.username, holder.user.unit_codes) == ("ba.ward", ("916",))
    assert main(["users", "token", "add", "ba.ward"]) == 0  # a second one, 90 days
    capsys.readouterr()

    assert main(["users", "token", "list", "ba.ward"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert len(listed) == 2 and token not in "\n".join(listed)
    assert f"{holder.token_id}" in listed[1] and "active" in listed[1] and "QGIS PC-12" in listed[1]

    assert main(["users", "token", "revoke", str(holder.token_id)]) == 0
    assert "revoked" in capsys.readouterr().out
    assert _refusal(staff, token) == "revoked"
    assert main(["users", "token", "list", "ba.ward"]) == 0
    assert "revoked" in capsys.readouterr().out.splitlines()[1]
    # Revoking twice, an unknown token, an unknown account, a silly lifetime: clear errors.
    assert main(["users", "token", "revoke", str(holder.token_id)]) == 2
    assert main(["users", "token", "revoke", "999999"]) == 2
    assert main(["users", "token", "add", "nobody"]) == 2
    assert "no user" in capsys.readouterr().err
    assert main(["users", "token", "add", "ba.ward", "--days", "0"]) == 2
    with staff.connect() as conn:
        changes = conn.execute(
            text("SELECT detail->>'change', detail->>'user' FROM audit_log "
                 "WHERE action = 'api_token' ORDER BY id")
        ).all()  # fmt: skip
    assert [tuple(c) for c in changes] == [("add", "ba.ward"), ("add", "ba.ward"),
                                           ("revoke", "ba.ward")]  # fmt: skip


def test_only_a_sha256_digest_of_the_secret_is_stored(staff) -> None:
    with staff.begin() as conn:
        token_id, token = add_api_token(conn, "chi.official", "script")
    secret = token.rpartition(".")[2]
    assert len(secret) >= 43  # 256 bits, URL-safe base64
    with staff.connect() as conn:
        row = conn.execute(text("SELECT * FROM api_token WHERE id = :id"), {"id": token_id}).one()
    assert secret.encode() not in b"".join(str(v).encode() for v in row)
    assert len(bytes(row.secret_sha256)) == 32


def test_every_kind_of_bad_token_is_refused_with_its_reason(staff) -> None:
    with staff.begin() as conn:
        token_id, token = add_api_token(conn, "chi.official")
    secret = token.rpartition(".")[2]
    assert _refusal(staff, None) == "missing"
    assert _refusal(staff, "no-dot") == "malformed"
    assert _refusal(staff, f"some-sensor.{secret}") == "malformed"  # a sensor's kind of token
    assert _refusal(staff, f"pat-{token_id + 1000}.{secret}") == "unknown_token"
    wrong = secret[:-1] + ("x" if secret[-1] != "x" else "y")
    assert _refusal(staff, f"pat-{token_id}.{wrong}") == "wrong_secret"
    assert _holder(staff, token).user.role == "official"


def test_an_expired_token_stops_working(staff) -> None:
    with staff.begin() as conn:
        token_id, token = add_api_token(conn, "chi.official", days=1)
        conn.execute(
            text("UPDATE api_token SET created_at = now() - interval '2 days', "
                 "expires_at = now() - interval '1 second' WHERE id = :id"), {"id": token_id}
        )  # fmt: skip
    assert _refusal(staff, token) == "expired"


def test_a_disabled_accounts_tokens_stop_working_until_it_is_enabled(staff) -> None:
    with staff.begin() as conn:
        _, token = add_api_token(conn, "ba.ward")
        users.set_disabled(conn, "ba.ward")
    assert _refusal(staff, token) == "disabled_user"
    with staff.begin() as conn:
        users.set_disabled(conn, "ba.ward", disabled=False)
    assert _holder(staff, token).user.username == "ba.ward"


def test_a_use_is_recorded_and_a_deleted_account_takes_its_tokens_along(staff) -> None:
    with staff.begin() as conn:
        token_id, token = add_api_token(conn, "ba.ward")
    _holder(staff, token)
    with staff.begin() as conn:
        assert conn.scalar(text("SELECT last_used_at FROM api_token WHERE id = :id"),
                           {"id": token_id}) is not None  # fmt: skip
        conn.execute(text("DELETE FROM app_user WHERE username = 'ba.ward'"))
        assert conn.scalar(text("SELECT count(*) FROM api_token WHERE id = :id"),
                           {"id": token_id}) == 0  # fmt: skip


@pytest.mark.parametrize("reader", [Scope.public(), Scope.ward(["916"])], ids=["public", "ward"])
@pytest.mark.parametrize("table", ["api_token", "rate_limit_counter"])
def test_the_reader_roles_have_no_right_on_tokens_or_counters(staff, reader, table) -> None:
    with staff.begin() as conn:
        add_api_token(conn, "ba.ward")
    for statement in (f"SELECT count(*) FROM {table}", f"DELETE FROM {table}"):
        with (
            pytest.raises(ProgrammingError) as refused,
            scope(reader),
            get_engine().begin() as conn,
        ):
            conn.execute(text(statement))
        assert isinstance(refused.value.orig, pg_errors.InsufficientPrivilege)


def test_bad_tokens_are_counted_per_address_within_the_window_from_the_audit_log(empty_db) -> None:
    """The lockout's count: this address's refused tokens of the given actions, recent ones only,
    the last ``limit`` at most, and when the oldest of those came."""
    window = dt.timedelta(minutes=15)
    with empty_db.begin() as conn:

        def log(action: str, outcome: str, address: str, minutes_ago: int) -> None:
            conn.execute(
                text(
                    "INSERT INTO audit_log (at, address, action, outcome) "
                    "VALUES (now() - make_interval(mins => :m), :a, :action, :o)"
                ),
                {"m": minutes_ago, "a": address, "action": action, "o": outcome},
            )

        assert recent_token_refusals(conn, "10.0.0.1", ["ingest"], window, 5) == (0, None)
        for minutes_ago in (20, 9, 6, 3):  # the first is too old to count
            log("ingest", "denied", "10.0.0.1", minutes_ago)
        log("ogc_token", "denied", "10.0.0.1", 1)
        log("ingest", "denied", "10.0.0.2", 1)  # another address
        log("sign_in", "denied", "10.0.0.1", 1)  # another action
        log("ingest", "success", "10.0.0.1", 1)  # not a refusal
        now = conn.scalar(text("SELECT now()"))

        count, oldest = recent_token_refusals(conn, "10.0.0.1", ["ingest"], window, 10)
        assert (count, now - oldest) == (3, dt.timedelta(minutes=9))
        count, oldest = recent_token_refusals(conn, "10.0.0.1", ["ingest", "ogc_token"], window, 10)
        assert (count, now - oldest) == (4, dt.timedelta(minutes=9))
        # Only the last ``limit`` count: the oldest of those is the one the lockout ends with.
        count, oldest = recent_token_refusals(conn, "10.0.0.1", ["ingest", "ogc_token"], window, 2)
        assert (count, now - oldest) == (2, dt.timedelta(minutes=3))
