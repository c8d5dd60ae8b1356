"""The PostgreSQL rate-limit storage on real PostgreSQL: registered under its scheme, exact under
concurrent hits, both strategies it offers, expired counters swept, and always the owner's
rights whatever the caller's data scope."""

from __future__ import annotations

import math
import threading
import time

import pytest
from limits import RateLimitItemPerMinute, parse
from limits.errors import ConfigurationError
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter, SlidingWindowCounterRateLimiter
from sqlalchemy import text

from geodata.accounts.ratelimit import PostgresStorage
from geodata.db import Scope, scope
from tests.servers import clear_of_window_edge


@pytest.fixture
def storage(empty_db) -> PostgresStorage:
    found = storage_from_string("cantho+postgresql://")
    assert isinstance(found, PostgresStorage)
    return found


def test_the_scheme_names_the_apps_own_database_only(empty_db) -> None:
    assert isinstance(storage_from_string("cantho+postgresql:///"), PostgresStorage)
    with pytest.raises(ConfigurationError):
        storage_from_string("cantho+postgresql://elsewhere:5432/db")


def test_concurrent_hits_from_many_connections_take_exactly_the_limit(storage) -> None:
    limiter = SlidingWindowCounterRateLimiter(storage)
    item = parse("50 per hour")
    clear_of_window_edge(3600)
    taken: list[bool] = []
    lock = threading.Lock()

    def hit_many() -> None:
        for _ in range(20):
            ok = limiter.hit(item, "burst")
            with lock:
                taken.append(ok)

    threads = [threading.Thread(target=hit_many) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(taken) == 120 and taken.count(True) == 50
    assert limiter.get_window_stats(item, "burst").remaining == 0
    assert limiter.hit(item, "another client")  # counted per key


def test_the_sliding_window_weighs_the_last_windows_hits_by_what_is_left_of_it(
    storage, empty_db
) -> None:
    limiter = SlidingWindowCounterRateLimiter(storage)
    item = parse("100 per hour")
    key = item.key_for("weighed")
    clear_of_window_edge(3600, margin=60)
    # As if 100 requests had come in the last hour-window.
    with empty_db.begin() as conn:
        conn.execute(
            text(
                """INSERT INTO rate_limit_counter (key, "window", count, previous, expires_at)
                   VALUES (:k, floor(extract(epoch FROM now()) / 3600) - 1, 100, 0,
                           now() + interval '1 hour')"""
            ),
            {"k": key},
        )
        now = float(conn.scalar(text("SELECT extract(epoch FROM now())")))
    still_weighing = 1 - (now / 3600 - math.floor(now / 3600))
    expected = 100 - math.floor(100 * still_weighing)
    allowed = 0
    while limiter.hit(item, "weighed"):
        allowed += 1
        assert allowed <= 100
    # The weight shrinks by 1/36 of a request a second: one more may fit by the end.
    assert expected <= allowed <= expected + 1
    previous, weighs_for, current, _ = storage.get_sliding_window(key, 3600)
    assert (previous, current) == (100, allowed)
    assert weighs_for == pytest.approx(still_weighing * 3600, abs=5)


def test_the_fixed_window_counts_then_starts_again_when_it_ends(storage) -> None:
    limiter = FixedWindowRateLimiter(storage)
    item = parse("3 per 2 seconds")
    assert [limiter.hit(item, "f") for _ in range(4)] == [True, True, True, False]
    reset_at, remaining = limiter.get_window_stats(item, "f")
    assert remaining == 0 and 0 < reset_at - time.time() <= 2.5
    time.sleep(2.2)
    assert limiter.hit(item, "f")
    assert storage.get(item.key_for("f")) == 1


def test_expired_counters_are_swept_and_live_ones_kept(storage, empty_db) -> None:
    limiter = SlidingWindowCounterRateLimiter(storage)
    assert limiter.hit(RateLimitItemPerMinute(5), "live")
    with empty_db.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO rate_limit_counter (key, count, expires_at) SELECT 'old-' || n, 1, "
                "now() - interval '1 minute' FROM generate_series(1, 500) n"
            )
        )
    storage._next_sweep = 0.0  # due now, as it is once a minute in each process
    assert limiter.hit(RateLimitItemPerMinute(5), "live")
    with empty_db.connect() as conn:
        keys = conn.scalars(text("SELECT key FROM rate_limit_counter")).all()
    assert len(keys) == 1 and keys[0].endswith("/live/5/1/minute")
    assert storage.sweep() == 0


def test_counters_are_kept_with_the_owners_rights_inside_a_public_request(storage) -> None:
    # Every request of a visitor runs in the public's scope, whose role may not touch the table.
    limiter = SlidingWindowCounterRateLimiter(storage)
    item = parse("2 per minute")
    clear_of_window_edge(60)
    with scope(Scope.public()):
        assert [limiter.hit(item, "visitor") for _ in range(3)] == [True, True, False]
        assert limiter.get_window_stats(item, "visitor").remaining == 0
        assert storage.check()
        assert storage.reset() == 1
