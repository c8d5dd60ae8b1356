"""What every export route (downloads, printed maps, the audit log) does alike: name the unit the
query asks for, log the export, stamp the file, label it with the data's licence, and write CSV
that a spreadsheet shows as written. Their refusals are raised (``routes.errors``), which answers
them in plain words: a page in the site's style for a browser, plain text for a script.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlencode

import flask

from domain.clock import CITY_TZ
from geodata.accounts.users import audit
from geodata.db import transaction
from geodata.settings import get_settings
from web.access import Caller


def unit_search(args: Any) -> str:
    """The unit and date a query string asks for, as the map's URL search carries them."""
    return "?" + urlencode({k: v for k, v in args.items() if k in ("unit", "date")})


def log_export(caller: Caller, detail: dict[str, Any]) -> None:
    """Write the export to the audit log (the reader roles may append to it)."""
    with transaction() as conn:
        audit(conn, "export", "success", caller.username, flask.request.remote_addr, detail)


def file_stamp(at: dt.datetime | None) -> str:
    """The moment of the data in a file name, in Cần Thơ time (now when there is none)."""
    return (at or dt.datetime.now(dt.UTC)).astimezone(CITY_TZ).strftime("%Y%m%d-%H%M")


def licence_headers() -> dict[str, str]:
    """The data licence, as a link relation and by name."""
    settings = get_settings()
    return {
        "Link": f'<{settings.data_licence_url}>; rel="license"',
        "X-Data-Licence": settings.data_licence,
    }


# What makes a spreadsheet read a cell as a formula (OWASP, "CSV injection"): = + - @, and a
# leading tab or carriage return, which some programs strip before looking at the rest.
_FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: Any) -> Any:
    """A CSV cell that a spreadsheet shows as written. Text that would start a formula (a name
    from a file, a username someone typed) gets a leading apostrophe, which spreadsheets read as
    "this is text"; numbers stay numbers, so a level of -0.3 m is still a negative number."""
    if isinstance(value, str) and value.startswith(_FORMULA_LEAD):
        return "'" + value
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """CSV with its header row, every cell (the header too) through :func:`spreadsheet_cell`.
    Every CSV export writes through here, so none can forget it."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([spreadsheet_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([spreadsheet_cell(cell) for cell in row])
    return out.getvalue()
