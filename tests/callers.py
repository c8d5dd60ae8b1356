"""Calling callbacks as plain functions on behalf of a signed-in account.

A callback learns its caller from the Flask session and reads through that caller's data scope;
``signed_in`` gives it both, as a real request does: a request context with the account logged in
(Flask-Login), then the app's own before-request hooks (which state the database scope), undone
when the block ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import Engine

PASSWORD = "a long password 1"


def add_ward_staff(engine: Engine, username: str, unit_codes: list[str]) -> str:
    """A ward_staff account bound to ``unit_codes``; its username."""
    from geodata.accounts import users

    with engine.begin() as conn:
        users.add_user(conn, username, PASSWORD, "ward_staff", unit_codes)
    return username


@contextmanager
def signed_in(username: str) -> Iterator[None]:
    """Run the block as ``username``, signed in."""
    from flask_login import login_user

    from app import server
    from geodata.accounts.users import get_user, user_id_of
    from geodata.db import get_engine, scope
    from routes.auth import SessionUser

    with scope(None), get_engine().connect() as conn:
        user = get_user(conn, user_id_of(conn, username))
    assert user is not None
    with server.test_request_context("/"):
        login_user(SessionUser(user))
        assert server.preprocess_request() is None  # states the caller's data scope
        yield


def denials(engine: Engine) -> list[tuple[str | None, str, dict]]:
    """The refusals in the audit log, oldest first: (username, action, detail)."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT username, action, detail FROM audit_log"
                " WHERE outcome = 'denied' ORDER BY id"
            )
        )
        return [(r.username, r.action, r.detail) for r in rows]
