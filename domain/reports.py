"""Citizens' reports ("Thành phố của tôi"): their life cycle, what a citizen may send, and when a
report is late. Pure rules; the database keeps the reports (``geodata.reports``).

A report is *received*, then *acknowledged* by the staff of its unit (within the category's
working days), possibly *in progress* once assigned, and *resolved* with one of four outcomes.
A citizen may reopen a resolved report within :data:`REOPEN_DAYS` days if it was not fixed; it
goes back to *acknowledged*.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Literal

Status = Literal["received", "acknowledged", "in_progress", "resolved"]
STATUSES: Final[tuple[Status, ...]] = ("received", "acknowledged", "in_progress", "resolved")
OPEN_STATUSES: Final = ("received", "acknowledged", "in_progress")
Resolution = Literal["fixed", "not_competent", "cannot_fix", "spam"]
RESOLUTIONS: Final[tuple[Resolution, ...]] = ("fixed", "not_competent", "cannot_fix", "spam")
# A report marked as a duplicate of another is closed with this outcome (not one staff choose).
DUPLICATE: Final = "duplicate"

# Colours of the statuses on the map and in the queue (red: waiting, amber: being handled,
# green: fixed, grey: closed without a fix).
STATUS_COLOURS: Final = {
    "received": "#c0392b", "acknowledged": "#e67e22", "in_progress": "#f1c40f",
    "resolved": "#27ae60",
}  # fmt: skip
CLOSED_UNFIXED_COLOUR: Final = "#95a5a6"

MAX_DESCRIPTION: Final = 4000
MAX_PHOTOS: Final = 3
NEARBY_METRES: Final = 250  # open reports of the same category this close are shown first
REOPEN_DAYS: Final = 14
RATINGS: Final = range(1, 6)

# Tracking codes: short, read aloud over the phone, no letters that look like digits.
_ALPHABET: Final = "ACDEFGHJKLMNPQRTUVWXY34679"
CODE_PREFIX: Final = "PA-"


def new_tracking_code(length: int = 7, choice: Callable[[str], str] = secrets.choice) -> str:
    """A fresh tracking code, e.g. ``PA-7KQ3MXA`` (26⁷ ≈ 8 billion: guessing one is hopeless,
    and the database's unique key catches the rare repeat). ``choice`` draws one letter: a
    seeded one makes the demo's codes the same at every run."""
    return CODE_PREFIX + "".join(choice(_ALPHABET) for _ in range(length))


def normal_code(code: str) -> str:
    """A tracking code as typed by a person: case, spaces and the prefix do not matter. Any other
    code (reports kept from before tracking codes, e.g. ``demo-flood-3``) is kept as written."""
    cleaned = "".join(code.split())
    upper = cleaned.upper().removeprefix(CODE_PREFIX)
    if len(upper) == 7 and all(c in _ALPHABET for c in upper):
        return CODE_PREFIX + upper
    return cleaned


def status_colour(status: str, resolution: str | None) -> str:
    if status == "resolved" and resolution != "fixed":
        return CLOSED_UNFIXED_COLOUR
    return STATUS_COLOURS.get(status, CLOSED_UNFIXED_COLOUR)


@dataclass(frozen=True)
class Deadlines:
    """When a report must be acknowledged and resolved."""

    acknowledge: dt.datetime
    resolve: dt.datetime


def is_overdue(
    status: str,
    ack_due: dt.datetime | None,
    resolve_due: dt.datetime | None,
    now: dt.datetime,
) -> bool:
    """Late: not acknowledged by its acknowledgement deadline, or not resolved by its resolution
    deadline. A resolved report is never overdue (whether it was on time is a figure)."""
    if status == "resolved":
        return False
    if status == "received" and ack_due is not None and now > ack_due:
        return True
    return resolve_due is not None and now > resolve_due


def may_reopen(status: str, resolved_at: dt.datetime | None, now: dt.datetime) -> bool:
    """A citizen may reopen a resolved report within REOPEN_DAYS days of its resolution."""
    if status != "resolved" or resolved_at is None:
        return False
    return now - resolved_at <= dt.timedelta(days=REOPEN_DAYS)
