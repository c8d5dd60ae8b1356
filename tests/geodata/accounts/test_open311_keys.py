"""Open311 API keys: made on the command line (printed once, as the last line), listed without
their secrets, revoked at once; only a digest is stored."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import Engine, text

from geodata.__main__ import main
from geodata.accounts.open311_keys import add_key, authenticate_key, list_keys
from geodata.accounts.tokens import TokenRefused


def test_the_command_line_prints_a_working_key_last_and_lists_and_revokes_it(
    empty_db: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["open311", "keys", "add", "Ứng dụng  phường An Khánh"]) == 0
    key = capsys.readouterr().out.strip().splitlines()[-1]
    with empty_db.begin() as conn:
        holder = authenticate_key(conn, key)
        stored = conn.scalar(text("SELECT secret_sha256 FROM open311_key"))
    assert holder.label == "Ứng dụng phường An Khánh"
    # Only the secret's digest is kept.
    assert bytes(stored) == hashlib.sha256(key.rpartition(".")[2].encode()).digest()

    assert main(["open311", "keys", "list"]) == 0
    listed = capsys.readouterr().out
    assert "active" in listed and "Ứng dụng phường An Khánh" in listed and key not in listed

    assert main(["open311", "keys", "revoke", str(holder.id)]) == 0
    with empty_db.begin() as conn, pytest.raises(TokenRefused, match="revoked"):
        authenticate_key(conn, key)
    assert main(["open311", "keys", "revoke", str(holder.id)]) == 2  # already revoked
    with empty_db.connect() as conn:
        changes = conn.scalars(
            text("SELECT detail ->> 'change' FROM audit_log WHERE action = 'open311_key_change' "
                 "ORDER BY id")
        ).all()  # fmt: skip
    assert changes == ["add", "revoke"]


@pytest.mark.parametrize(
    ("make", "reason"),
    [(lambda key: None, "missing"), (lambda key: "o311-1", "malformed"),
     (lambda key: "pat-1." + key.rpartition(".")[2], "malformed"),
     (lambda key: "o311-999." + key.rpartition(".")[2], "unknown_token"),
     (lambda key: key[:-3] + ("abc" if key.endswith("xyz") else "xyz"), "wrong_secret")],
)  # fmt: skip
def test_a_bad_key_is_refused_with_its_reason(empty_db: Engine, make, reason) -> None:
    with empty_db.begin() as conn:
        _, key = add_key(conn, "partner")
        with pytest.raises(TokenRefused) as refused:
            authenticate_key(conn, make(key))
    assert refused.value.reason == reason


def test_a_label_is_required(empty_db: Engine) -> None:
    from geodata.accounts.users import UserError

    with empty_db.begin() as conn, pytest.raises(UserError, match="label"):
        add_key(conn, "   ")
    with empty_db.connect() as conn:
        assert list_keys(conn) == []
