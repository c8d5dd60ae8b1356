"""The background worker, ``python -m geodata worker``, which ``make run`` starts beside gunicorn.

Every few seconds it runs the jobs that are due, each in its own transaction under a PostgreSQL
advisory lock named after it (``pg_try_advisory_xact_lock``). With several app nodes, each with
a worker, one node runs a job while the others skip it; and since every job finds its work in
the database inside that transaction (forecasts missing for this hour, queued rollups), what one
node did is not done again by another. A job that fails is logged and tried on the next turn;
the others still run.

Jobs:
- ``rollups``: the sensor-hours pushed through the ingestion API, so the others read them;
- ``forecast``: every gauge's water-level forecast for the current hour, and a gauge's again
  when readings of past hours arrived since it was made;
- ``alerts``: every enabled alert rule evaluated (``geodata.alerts.evaluate``): the steps
  (pending, firing, resolved) it took;
- ``backup``: once ``make backup`` set backups up, the photos copied into the repository every
  minute and a base backup started (in a process of its own) when one is due
  (``geodata.backup.schedule``);
- ``retention``: once a day, what is kept no longer dropped and deleted, raw months exported
  to the archive first (``geodata.retention.apply``): the months and rows it removed. It
  commits month by month and batch by batch in transactions of its own, under this lock.

When it starts it adds the backup rules every installation starts with, where no rule of their
kind exists yet (``geodata.alerts.rules.add_default_rules``): a backup older than the setting
``backup_max_age_h`` raises an alert without anyone having to write the rule first.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, text

from geodata.db import transaction

log = logging.getLogger("cantho.worker")


def _rollups(conn: Connection, now: dt.datetime) -> int:
    from geodata.monitoring.readings import drain_rollup_queue

    return drain_rollup_queue(conn)


def _forecasts(conn: Connection, now: dt.datetime) -> int:
    from geodata.forecast.issue import issue_due

    return len(issue_due(conn, now))


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[Connection, dt.datetime], int]


def _alerts(conn: Connection, now: dt.datetime) -> int:
    from geodata.alerts.evaluate import evaluate

    return evaluate(conn, now).total()


def _retention(conn: Connection, now: dt.datetime) -> int:
    from geodata.retention.apply import scheduled

    return scheduled(conn, now)


def _backup(conn: Connection, now: dt.datetime) -> int:
    from geodata.backup.schedule import turn
    from geodata.settings import get_settings

    return turn(conn, now, get_settings())


# In this order: the rules read the rollups and forecasts the turn has just brought up to date;
# the backup's turn only starts a process of its own; retention last, as it may take a while
# once a day.
JOBS = (
    Job("rollups", _rollups),
    Job("forecast", _forecasts),
    Job("alerts", _alerts),
    Job("backup", _backup),
    Job("retention", _retention),
)


def run_once(now: dt.datetime | None = None) -> dict[str, int | None]:
    """One turn: each job that this node gets the lock for; how much each did (None: another
    node held it, or it failed)."""
    done: dict[str, int | None] = {}
    for job in JOBS:
        moment = now or dt.datetime.now(dt.UTC)
        try:
            with transaction() as conn:
                mine = conn.scalar(
                    text("SELECT pg_try_advisory_xact_lock(hashtext(:key))"),
                    {"key": f"cantho.worker.{job.name}"},
                )
                done[job.name] = job.run(conn, moment) if mine else None
        except Exception:
            log.exception("worker: the %s job failed; it runs again on the next turn", job.name)
            done[job.name] = None
    return done


def _add_default_rules() -> None:
    from geodata.alerts.rules import add_default_rules

    try:
        with transaction() as conn:
            if added := add_default_rules(conn):
                log.info("worker: added the default backup rules %s", added)
    except Exception:  # the jobs still run; the next start tries again
        log.exception("worker: the default backup rules could not be added")


def run_forever(interval: float = 5.0, stop: threading.Event | None = None) -> None:
    """Turns every ``interval`` seconds until ``stop`` is set (or SIGTERM/SIGINT arrives)."""
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    _add_default_rules()
    log.info("worker: running %s every %.0f s", ", ".join(j.name for j in JOBS), interval)
    while not stop.is_set():
        started = time.monotonic()
        done = run_once()
        if any(done.values()):
            log.info("worker: %s", ", ".join(f"{k} {v}" for k, v in done.items() if v))
        stop.wait(max(0.0, interval - (time.monotonic() - started)))
