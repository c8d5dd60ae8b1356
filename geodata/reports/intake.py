"""A citizen's report and its photos stored together, or not at all: the database rows first, the
files once every refusal the database can make is behind us, and no orphan file if the end fails.

The photos are ``accept()``-ed by the caller before this is called (a refused upload touches
neither the database nor the disk); here follows the protocol of ``geodata.reports.photos``:
in one transaction the report (``service.submit``) and its photo rows, then the advisory locks of
every file (photo and thumbnail, sorted), the files written, the commit. If writing a file or the
commit fails, the files this attempt wrote and no row references are removed under the same locks,
and the error goes on.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from sqlalchemy import Connection, text

from geodata.db import scope, transaction
from geodata.reports import photos as files
from geodata.reports import service
from geodata.reports.photos import Photo
from geodata.reports.service import NewReport, Submitted

log = logging.getLogger(__name__)


def _lock(conn: Connection, shas: Sequence[str]) -> None:
    """The advisory locks guarding these files, in the order given (sorted: no deadlock)."""
    for sha in shas:
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": files.lock_key(sha)})


def submit_with_photos(
    new: NewReport,
    photos: Sequence[Photo],
    now: dt.datetime,
    today: dt.date,
    address: str | None = None,
) -> Submitted:
    """Store the report ``new`` with its accepted ``photos`` (with the owner's rights: the caller
    has checked the request itself); ``ReportRefused`` leaves nothing anywhere."""
    shas = sorted({p.sha256 for p in photos} | {p.thumb_sha256 for p in photos})
    try:
        with scope(None), transaction() as conn:
            sent = service.submit(conn, new, now, today, address)
            service.add_photos(conn, sent.id, photos)
            _lock(conn, shas)
            for photo in photos:
                files.store(photo)
    except service.ReportRefused:
        raise  # refused before any file was written
    except BaseException:
        if shas:
            _remove_orphans(shas)
        raise
    return sent


def _remove_orphans(shas: Sequence[str]) -> None:
    """Delete the files among ``shas`` that no photo row references (another report may hold
    the same photo: its files stay)."""
    try:
        with scope(None), transaction() as conn:
            _lock(conn, shas)
            referenced = set(
                conn.scalars(
                    text(
                        "SELECT sha FROM (SELECT sha256 AS sha FROM report_photo UNION "
                        "SELECT thumb_sha256 FROM report_photo) s WHERE sha = ANY(:shas)"
                    ),
                    {"shas": list(shas)},
                )
            )
            files.remove_unreferenced(shas, referenced)
    except Exception:  # the original failure is what the caller must see
        log.exception("could not remove the files of a report that failed to store")
