"""Bulk-load sensor readings from CSV at COPY speed, validated in PostgreSQL, rollups included.

``python -m geodata load readings FILE`` lands here. The file has a header row and the columns
``sensor_code, quantity, observed_at, value[, quality]`` in any order (or other names, mapped with
``--field observed_at=THOI_GIAN`` …); other columns are ignored. A time without an offset is
Cần Thơ time (UTC+7). A gzip-compressed file (``.csv.gz``, as the retention job archives a month)
is read as it is; with a ``FILE.sha256`` beside it (:mod:`geodata.importing.archive`), a file
whose SHA-256 does not match is refused before anything is read into the database.

How it stays fast: the file goes into a temporary table of text columns with one ``COPY`` (the
server parses the CSV), and one ``CREATE TABLE AS`` turns the text into typed readings while it
looks up sensors and quantities and names what is wrong with each row. Python never loops over
rows. A row number comes from an identity column that COPY fills in file order.

What it refuses, before anything is written: an unknown sensor or quantity, a quantity the sensor
does not measure (``sensor_quantity``), a value outside the quantity's physical range, a bad,
implausibly early or future timestamp, a quality other than 0 (good), 1 (doubtful) or 2 (bad, kept
out of the rollups), a malformed CSV line, and the same sensor, quantity and time twice. Every bad
row is counted and the first ones are named with their row, field and reason; one bad row in a
million rejects the whole file and leaves the database as it was (one transaction).

Re-loading a file is an update: a reading already stored for the same sensor, quantity and time
takes the file's value and quality. Only the hours and days that changed are rolled up again
(:func:`geodata.monitoring.readings.refresh_rollups`).

A month whose readings the retention job dropped keeps its rollups, and an hour's rollup is
recomputed from the readings stored for it: readings of part of such an hour would replace the
rollup of the whole hour. So in a dropped month the file must bring back each hour it touches
whole (the month's archive does), or it is refused (:func:`_refuse_part_of_dropped_hours`).
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError
from tqdm import tqdm

from domain.clock import CITY_TZ_NAME
from geodata.db import transaction
from geodata.errors import ImportRejected
from geodata.importing import archive
from geodata.monitoring.readings import BAD_QUALITY, dropped_months, refresh_rollups

# Columns of a readings file: the name a file may use for each, tried in order.
COLUMNS: dict[str, tuple[str, ...]] = {
    "sensor_code": ("sensor_code", "sensor", "code", "ma_tram"),
    "quantity": ("quantity", "quantity_code", "thong_so"),
    "observed_at": ("observed_at", "time", "timestamp", "datetime", "thoi_gian"),
    "value": ("value", "gia_tri"),
    "quality": ("quality", "chat_luong"),
}
OPTIONAL = frozenset({"quality"})
DELIMITERS = {",": ",", ";": ";", "tab": "\t", "\t": "\t", "|": "|"}
# Readings before this are typos (a year 1026 would also make a thousand monthly partitions).
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
# Clocks drift: a reading a few minutes ahead of the server is a clock, not the future.
FUTURE_SLACK = dt.timedelta(minutes=10)
LISTED = 40  # bad rows named in the error (ImportRejected shows 50 lines); all are counted
CHUNK = 1 << 20  # bytes per COPY write

# The careful path's patterns (see _typed_table): a date and time, field by field, and a decimal
# number small enough for float8, so that the casts cannot fail on what passes them.
_TS_RE = (
    r"^\s*\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[T ]([01]\d|2[0-3]):[0-5]\d"
    r"(:[0-5]\d(\.\d{1,6})?)?\s*(Z|[+-]([01]\d)(:?[0-5]\d)?)?\s*$"
)
_NUM_RE = r"^\s*[+-]?(\d{1,30}(\.\d{0,30})?|\.\d{1,30})([eE][+-]?\d{1,2})?\s*$"
_INT_RE = r"^\s*[+-]?\d{1,4}\s*$"


@dataclass(frozen=True)
class ReadingOptions:
    """What to load and how; mirrors the options of ``python -m geodata load readings``."""

    path: str | Path
    fields: Mapping[str, str] = field(default_factory=dict)  # column → the file's column name
    delimiter: str = ","
    dry_run: bool = False


@dataclass
class ReadingSummary:
    """What a load did (or, in a dry run, found)."""

    path: str
    dry_run: bool
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    sensors: int = 0
    first: dt.datetime | None = None
    last: dt.datetime | None = None
    hours: int = 0  # hourly rollup rows recomputed
    days: int = 0
    seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    def describe(self) -> str:
        """A readable multi-line report in English."""
        span = ""
        if self.first is not None and self.last is not None:
            span = f", {self.first.isoformat()} to {self.last.isoformat()}"
        if self.dry_run:
            return (
                f"Dry run: {self.rows:,} readings in {self.path} are valid "
                f"({self.sensors} sensor(s){span}); nothing was written."
            )
        return "\n".join(
            [
                f"Loaded {self.rows:,} readings from {self.path} ({self.sensors} sensor(s){span})"
                f" in {self.seconds:.1f} s ({self.rows_per_second:,.0f} rows/s):",
                f"  new:       {self.inserted:,}",
                f"  updated:   {self.updated:,}",
                f"  unchanged: {self.unchanged:,}",
                f"  rollups:   {self.hours:,} hourly and {self.days:,} daily rows recomputed",
            ]
        )


def load_readings(
    options: ReadingOptions, *, progress: bool = False, engine: Engine | None = None
) -> ReadingSummary:
    """Load one readings CSV, all or nothing; see the module docstring."""
    started = time.perf_counter()
    path = Path(options.path)
    label = str(path)
    delimiter = _delimiter(label, options.delimiter)
    header = _read_header(path, delimiter)
    try:
        archive.verify(path)
    except archive.ChecksumMismatch as exc:
        raise ImportRejected(label, [f"checksum: {exc}"]) from exc
    positions = _resolve_columns(label, header, options.fields)
    summary = ReadingSummary(path=label, dry_run=options.dry_run)

    with transaction(engine, dry_run=options.dry_run) as conn:
        # Sorting a few million keys (duplicates, rollups) in memory instead of on disk.
        _session_memory(conn)
        _copy_raw(conn, path, len(header), delimiter, progress)
        _say(progress, "checking every row")
        _typed_table(conn, header, positions)
        _check_rows(conn, label, summary)
        dropped = _refuse_part_of_dropped_hours(conn, label)
        if options.dry_run:
            _refuse_duplicates(conn, label)
        else:
            _say(progress, "writing readings and rollups")
            _write(conn, label, summary, dropped)
    summary.seconds = time.perf_counter() - started
    return summary


def _session_memory(conn: Connection) -> None:
    """Room to sort millions of keys and to keep the temporary tables in memory.

    ``temp_buffers`` can only change before the session's first temporary table; a pooled
    connection that already had one keeps the default, which is merely slower.
    """
    conn.execute(text("SET LOCAL work_mem = '256MB'"))
    conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
    # Compiling the big statements (JIT) took about 0.3 s each and won back less: every row
    # goes through casts and index insertions that JIT does not speed up.
    conn.execute(text("SET LOCAL jit = off"))
    try:
        with conn.begin_nested():
            conn.execute(text("SET LOCAL temp_buffers = '512MB'"))
    except DBAPIError:
        pass


def _say(progress: bool, message: str) -> None:
    if progress:
        tqdm.write(f"… {message}", file=sys.stderr)


# --- the header ----------------------------------------------------------------------------------


def _delimiter(label: str, wanted: str) -> str:
    if wanted not in DELIMITERS:
        raise ImportRejected(
            label, [f"--delimiter {wanted!r} is not one of {', '.join(map(repr, DELIMITERS))}"]
        )
    return DELIMITERS[wanted]


def _read_header(path: Path, delimiter: str) -> list[str]:
    """The column names of the first line."""
    label = str(path)
    if not path.is_file():
        raise ImportRejected(label, ["file not found"])
    try:
        with archive.open_bytes(path) as raw:
            first = raw.readline()
    except (OSError, EOFError) as exc:  # a damaged .gz file
        raise ImportRejected(label, [f"not a readable gzip file: {exc}"]) from exc
    try:
        line = first.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRejected(
            label, [f"line 1 (header): not UTF-8 text (byte {exc.start})"]
        ) from exc
    if not line.strip():
        raise ImportRejected(label, ["the file is empty: no header line"])
    return [name.strip() for name in next(csv.reader(io.StringIO(line), delimiter=delimiter))]


def _resolve_columns(label: str, header: list[str], mapping: Mapping[str, str]) -> dict[str, int]:
    """Each column → its position in the file; every missing column reported at once."""
    by_folded: dict[str, int] = {}
    for i, name in reversed(list(enumerate(header))):
        by_folded[name.casefold()] = i
    shown = ", ".join(header)
    problems = [
        f"--field {target}=…: readings have no column {target!r}; columns: {', '.join(COLUMNS)}"
        for target in mapping
        if target not in COLUMNS
    ]
    positions: dict[str, int] = {}
    for target, guesses in COLUMNS.items():
        wanted = mapping.get(target)
        if wanted is not None:
            if wanted.casefold() not in by_folded:
                problems.append(
                    f"line 1 (header): no column {wanted!r} (--field {target}=…); columns: {shown}"
                )
                continue
            positions[target] = by_folded[wanted.casefold()]
            continue
        found = next((by_folded[g] for g in guesses if g in by_folded), None)
        if found is not None:
            positions[target] = found
        elif target not in OPTIONAL:
            problems.append(
                f"line 1 (header): no {target} column (tried {', '.join(guesses)}); "
                f"columns: {shown}; pass --field {target}=COLUMN"
            )
    if problems:
        raise ImportRejected(label, problems)
    return positions


# --- COPY ----------------------------------------------------------------------------------------


def _copy_raw(conn: Connection, path: Path, width: int, delimiter: str, progress: bool) -> None:
    """The whole file, as text, into the temporary table import_raw (n = data row number)."""
    columns = ", ".join(f"c{i}" for i in range(width))
    conn.execute(
        text(
            "CREATE TEMP TABLE import_raw (n bigint GENERATED ALWAYS AS IDENTITY, "
            f"{', '.join(f'c{i} text' for i in range(width))}) ON COMMIT DROP"
        )
    )
    raw = conn.connection.driver_connection
    assert raw is not None
    quoted = delimiter.replace("'", "''")  # one of DELIMITERS; quoted all the same
    bar = tqdm(
        total=path.stat().st_size,
        desc=path.name,
        unit="B",
        unit_scale=True,
        file=sys.stderr,
        disable=None if progress else True,  # None: only on a terminal
    )
    compressed = archive.is_gzip(path)
    try:
        with (
            bar,
            path.open("rb") as stored,
            gzip.GzipFile(fileobj=stored, mode="rb") if compressed else stored as source,
            raw.cursor() as cur,
            cur.copy(
                f"COPY import_raw ({columns}) FROM STDIN "
                f"(FORMAT csv, HEADER true, DELIMITER E'{quoted}', ENCODING 'UTF8')"
            ) as copy,
        ):
            while chunk := source.read(CHUNK):
                copy.write(chunk)
                # The bar counts the file's bytes, compressed or not.
                bar.update(stored.tell() - bar.n)
    except psycopg.Error as exc:
        raise ImportRejected(str(path), [_copy_problem(exc)]) from exc
    except (OSError, EOFError) as exc:  # a .gz file cut short or corrupt
        raise ImportRejected(str(path), [f"not a readable gzip file: {exc}"]) from exc
    conn.execute(text("ANALYZE import_raw"))


def _copy_problem(exc: psycopg.Error) -> str:
    """A COPY error as a problem line: PostgreSQL's line number is the file's."""
    message = (exc.diag.message_primary or str(exc)).strip()
    context = exc.diag.context or ""
    # The context reads 'COPY import_raw, line 7, column c2: "…"'.
    where = ""
    if ", line " in context:
        line = context.split(", line ", 1)[1].split(",", 1)[0].split(":", 1)[0].strip()
        if line.isdigit():
            where = f"row {int(line) - 1} (line {line}): "
    return f"{where}malformed CSV: {message}"


# --- checking ------------------------------------------------------------------------------------


def _typed_table(conn: Connection, header: list[str], positions: dict[str, int]) -> None:
    """import_typed: every row typed, with its problems in words (NULL when none).

    The fast path casts text straight to timestamptz, float8 and smallint, which is cheap but
    raises on the first value that is not one; a file that does that is typed again on the
    careful path, where patterns and a forgiving cast turn such values into named problems. A
    good file (and one whose problems are unknown codes or values out of range) never pays for
    the careful path.
    """
    params: dict[str, Any] = {f"f_{k}": "" for k in COLUMNS}
    params.update({f"f_{k}": header[i] for k, i in positions.items()})
    params.update(earliest=EARLIEST, latest=dt.datetime.now(dt.UTC) + FUTURE_SLACK)
    # A time without an offset is Cần Thơ time: the session's zone while the text is cast.
    zone = conn.scalar(text("SELECT current_setting('TimeZone')"))
    conn.execute(text("SELECT set_config('TimeZone', :tz, true)"), {"tz": CITY_TZ_NAME})
    try:
        with conn.begin_nested():
            conn.execute(text(_typed_sql(positions, careful=False)), params)
    except DBAPIError as exc:
        if not isinstance(exc.orig, psycopg.errors.DataError):
            raise
        conn.execute(
            text(
                """
                CREATE FUNCTION pg_temp.try_timestamptz(t text) RETURNS timestamptz
                LANGUAGE plpgsql STABLE AS $$
                BEGIN
                    RETURN t::timestamptz;
                EXCEPTION WHEN others THEN  -- 30 February, a leap second: not a moment
                    RETURN NULL;
                END $$
                """
            )
        )
        conn.execute(text(_typed_sql(positions, careful=True)), params)
    conn.execute(text("SELECT set_config('TimeZone', :tz, true)"), {"tz": zone})
    conn.execute(text("ANALYZE import_typed"))


def _typed_sql(positions: dict[str, int], careful: bool) -> str:
    """The CREATE TABLE AS; column names are positions (c0, c1, …), never text from the file."""

    def column(name: str, table: str = "x") -> str:
        return f"{table}.c{positions[name]}" if name in positions else "NULL::text"

    # The file's text: as the inner subquery reads it (r) and as the outer query does (x).
    sensor, quantity = column("sensor_code"), column("quantity")
    stamp, value, quality = column("observed_at"), column("value"), column("quality")
    stamp_r, value_r, quality_r = (column(c, "r") for c in ("observed_at", "value", "quality"))
    if careful:
        observed_at = (
            f"CASE WHEN {stamp_r} ~ '{_TS_RE}' THEN pg_temp.try_timestamptz({stamp_r}) END"
        )
        number = f"CASE WHEN {value_r} ~ '{_NUM_RE}' THEN {value_r}::float8 END"
        flag = f"CASE WHEN {quality_r} ~ '{_INT_RE}' THEN {quality_r}::smallint END"
    else:
        # Only ISO 8601 ("YYYY-MM-DD HH:MM…"): PostgreSQL would also read '10/11/2026' (as
        # month/day) or 'now'. LIKE is much cheaper than a regular expression.
        iso = f"({stamp_r} LIKE '____-__-__T__:__%' OR {stamp_r} LIKE '____-__-__ __:__%')"
        observed_at = f"CASE WHEN {iso} THEN {stamp_r}::timestamptz END"
        number = f"nullif(btrim({value_r}), '')::float8"
        flag = f"nullif(btrim({quality_r}), '')::smallint"
    # The problems in words are only worked out for a row that fails the cheap test; the
    # sensor and quantity are then looked up again to say which of them is wrong.
    s_id = f"(SELECT s.id FROM sensor s WHERE s.code = btrim({sensor}))"
    q_id = f"(SELECT q.id FROM quantity q WHERE q.code = btrim({quantity}))"
    return f"""
        CREATE TEMP TABLE import_typed ON COMMIT DROP AS
        SELECT x.n, m.sensor_id, m.quantity_id, x.observed_at, x.value,
               coalesce(x.quality, 0)::smallint AS quality,
               CASE WHEN m.sensor_id IS NOT NULL
                     AND x.observed_at >= CAST(:earliest AS timestamptz)
                     AND x.observed_at <= CAST(:latest AS timestamptz)
                     AND x.value >= m.min_value AND x.value <= m.max_value
                     AND coalesce(x.quality, 0) BETWEEN 0 AND {BAD_QUALITY}
                     AND (x.quality IS NOT NULL OR nullif(btrim({quality}), '') IS NULL)
               THEN NULL ELSE nullif(concat_ws('; ',
                 CASE WHEN {sensor} IS NULL THEN format('field %L (sensor_code) is empty',
                                                        CAST(:f_sensor_code AS text))
                      WHEN {s_id} IS NULL THEN format('field %L (sensor_code): unknown sensor %L',
                                                      CAST(:f_sensor_code AS text), {sensor})
                 END,
                 CASE WHEN {quantity} IS NULL THEN format('field %L (quantity) is empty',
                                                          CAST(:f_quantity AS text))
                      WHEN {q_id} IS NULL THEN format('field %L (quantity): unknown quantity %L',
                                                      CAST(:f_quantity AS text), {quantity})
                      WHEN {s_id} IS NOT NULL AND m.sensor_id IS NULL THEN
                        format('field %L (quantity): sensor %L does not measure %L',
                               CAST(:f_quantity AS text), btrim({sensor}), btrim({quantity}))
                 END,
                 CASE WHEN {stamp} IS NULL THEN format('field %L (observed_at) is empty',
                                                       CAST(:f_observed_at AS text))
                      WHEN x.observed_at IS NULL THEN
                        format('field %L (observed_at) is not a date and time: %L '
                               '(write e.g. 2026-10-15T10:05:00+07:00)',
                               CAST(:f_observed_at AS text), {stamp})
                      WHEN x.observed_at < CAST(:earliest AS timestamptz) THEN
                        format('field %L (observed_at) %L is before %s',
                               CAST(:f_observed_at AS text), {stamp},
                               CAST(:earliest AS timestamptz)::date)
                      WHEN x.observed_at > CAST(:latest AS timestamptz) THEN
                        format('field %L (observed_at) %L is in the future',
                               CAST(:f_observed_at AS text), {stamp})
                 END,
                 CASE WHEN nullif(btrim({value}), '') IS NULL THEN
                        format('field %L (value) is empty', CAST(:f_value AS text))
                      WHEN x.value IS NULL THEN format('field %L (value) is not a number: %L',
                                                       CAST(:f_value AS text), {value})
                      -- NaN sorts above every number, so it is out of range too.
                      WHEN m.sensor_id IS NOT NULL
                       AND (x.value < m.min_value OR x.value > m.max_value) THEN
                        format('field %L (value) %s %s is outside the physical range of %s '
                               '(%s to %s %s)', CAST(:f_value AS text), btrim({value}), m.unit,
                               btrim({quantity}), m.min_value, m.max_value, m.unit)
                 END,
                 CASE WHEN nullif(btrim({quality}), '') IS NOT NULL
                       AND (x.quality IS NULL OR x.quality NOT BETWEEN 0 AND {BAD_QUALITY}) THEN
                        format('field %L (quality) must be 0, 1 or {BAD_QUALITY}: %L',
                               CAST(:f_quality AS text), {quality})
                 END
               ), '') END AS problem
        FROM (
            -- OFFSET 0 keeps this a subquery: each cast runs once per row, not once per use.
            -- (Not a LATERAL subquery: its per-row nested loop, which the planner also wraps
            -- in a useless Memoize, cost more than the casts themselves.)
            SELECT r.*, {observed_at} AS observed_at, {number} AS value, {flag} AS quality
            FROM import_raw r OFFSET 0
        ) x
        -- What each sensor measures, with the quantity's range: one join does every lookup.
        LEFT JOIN (
            SELECT s.code AS sensor_code, q.code AS quantity_code, sq.sensor_id,
                   sq.quantity_id, q.min_value, q.max_value, q.unit
            FROM sensor_quantity sq
            JOIN sensor s ON s.id = sq.sensor_id JOIN quantity q ON q.id = sq.quantity_id
        ) m ON m.sensor_code = btrim({sensor}) AND m.quantity_code = btrim({quantity})
    """


def _check_rows(conn: Connection, label: str, summary: ReadingSummary) -> None:
    """Refuse the file if any row has a problem; the counts and span into ``summary``."""
    stats = conn.execute(
        text(
            """
            SELECT count(*), count(*) FILTER (WHERE problem IS NOT NULL),
                   (SELECT count(*) FROM (SELECT DISTINCT sensor_id FROM import_typed) d),
                   min(observed_at), max(observed_at)
            FROM import_typed
            """
        )
    ).one()
    rows, bad, sensors, first, last = stats
    if rows == 0:
        raise ImportRejected(label, ["the file holds no readings (only a header)"])
    if bad:
        listed = conn.execute(
            text(
                "SELECT n, problem FROM import_typed WHERE problem IS NOT NULL "
                "ORDER BY n LIMIT :listed"
            ),
            {"listed": LISTED},
        ).all()
        problems = [f"row {n} (line {n + 1}): {problem}" for n, problem in listed]
        if bad > len(listed):
            problems.append(f"{bad:,} of {rows:,} rows are bad; the first {len(listed)} are listed")
        raise ImportRejected(label, problems)
    summary.rows, summary.sensors, summary.first, summary.last = rows, sensors, first, last


def _refuse_part_of_dropped_hours(conn: Connection, label: str) -> list[dt.date]:
    """Refuse a file that holds part of an hour whose readings the retention job dropped.

    Such an hour's rollup stays (it stands for every reading the hour had), and loading readings
    recomputes it from those stored: the file's alone, in a dropped month. Each hour the file
    touches there must come whole, as many good readings as the rollup counted; the month's
    archive brings every hour back whole. New hours (no rollup) are taken as they come. The
    dropped months the file touches (UTC, first days)."""
    span = conn.execute(text("SELECT min(observed_at), max(observed_at) FROM import_typed")).one()
    months = dropped_months(conn, span[0], span[1])
    if not months:
        return months
    rows = conn.execute(
        text(
            f"""
            WITH f AS (
                SELECT sensor_id, quantity_id, date_trunc('hour', observed_at) AS hour,
                       count(*) FILTER (WHERE quality < {BAD_QUALITY}) AS n, min(n) AS row
                FROM import_typed
                WHERE CAST(date_trunc('month', observed_at AT TIME ZONE 'UTC') AS date)
                      = ANY (:months)
                GROUP BY 1, 2, 3
            )
            SELECT f.row, s.code AS sensor, q.code AS quantity, f.hour, f.n, h.n AS kept
            FROM f JOIN reading_hourly h USING (sensor_id, quantity_id, hour)
            JOIN sensor s ON s.id = f.sensor_id JOIN quantity q ON q.id = f.quantity_id
            WHERE h.n <> f.n ORDER BY f.row LIMIT :listed
            """
        ),
        {"months": months, "listed": LISTED},
    ).all()
    if rows:
        shown = ", ".join(sorted({f"{m:%Y-%m}" for m in months}))
        raise ImportRejected(
            label,
            [
                f"row {r.row} (line {r.row + 1}): the readings of {shown} were dropped by "
                f"retention; the hour {r.hour.isoformat()} of sensor {r.sensor!r} "
                f"({r.quantity}) had {r.kept} good reading(s) and the file holds {r.n}: "
                "loading part of the hour would replace its rollup. Load the month's archive "
                "(reading_YYYY_MM.csv.gz) first, then this file"
                for r in rows
            ],
        )
    return months


def _duplicates(conn: Connection) -> list[str]:
    """The rows that repeat a sensor, quantity and time (the database refused them)."""
    rows = conn.execute(
        text(
            """
            SELECT array_agg(t.n ORDER BY t.n), s.code, q.code, t.observed_at
            FROM import_typed t
            JOIN sensor s ON s.id = t.sensor_id JOIN quantity q ON q.id = t.quantity_id
            GROUP BY s.code, q.code, t.observed_at HAVING count(*) > 1
            ORDER BY min(t.n) LIMIT :listed
            """
        ),
        {"listed": LISTED},
    ).all()
    return [
        f"rows {', '.join(map(str, numbers))}: the same sensor {sensor!r}, quantity "
        f"{quantity!r} and time {at.isoformat()} more than once"
        for numbers, sensor, quantity, at in rows
    ]


# --- writing -------------------------------------------------------------------------------------


def _refuse_duplicates(conn: Connection, label: str) -> None:
    """Refuse the file if a sensor, quantity and time come twice (which value would be meant?).

    A unique index finds them with one sort; it is dropped with the table at commit.
    """
    try:
        with conn.begin_nested():
            conn.execute(
                text(
                    "CREATE UNIQUE INDEX import_typed_key "
                    "ON import_typed (sensor_id, quantity_id, observed_at)"
                )
            )
    except DBAPIError as exc:
        if not isinstance(exc.orig, psycopg.errors.UniqueViolation):
            raise
        raise ImportRejected(label, _duplicates(conn)) from exc


# In the file's order, unsorted. Sorting 3 million rows into key order (so that a sensor's
# readings lie together on disk) cost 3-4 s and saved the insert only 2 s; and a live system's
# readings arrive in time order anyway, from sensor pushes.
_INSERT = (
    "INSERT INTO reading (sensor_id, quantity_id, observed_at, value, quality) "
    "SELECT sensor_id, quantity_id, observed_at, value, quality FROM import_typed"
)


def _hours_had_readings(conn: Connection, dropped: list[dt.date]) -> bool:
    """Whether any hour the file writes to already had readings (a rollup row) before it. An
    hour of a ``dropped`` month has none (its rollup stays, its readings are gone), and the
    file brings it back whole (:func:`_refuse_part_of_dropped_hours`)."""
    return bool(
        conn.scalar(
            text(
                "SELECT EXISTS (SELECT 1 FROM import_changed c JOIN reading_hourly h "
                "ON h.sensor_id = c.sensor_id AND h.quantity_id = c.quantity_id "
                "AND h.hour = c.observed_at "
                "WHERE CAST(date_trunc('month', c.observed_at AT TIME ZONE 'UTC') AS date) "
                "<> ALL (CAST(:dropped AS date[])))"
            ),
            {"dropped": dropped},
        )
    )


def _write(conn: Connection, label: str, summary: ReadingSummary, dropped: list[dt.date]) -> None:
    """Update the readings already stored, insert the rest, then roll up what changed."""
    conn.execute(
        text("SELECT ensure_reading_partitions(:a, :b)"),
        {"a": summary.first, "b": summary.last},
    )
    conn.execute(
        text(
            "CREATE TEMP TABLE import_changed (sensor_id bigint, quantity_id smallint, "
            "observed_at timestamptz) ON COMMIT DROP"
        )
    )
    # Two statements rather than one INSERT … ON CONFLICT DO UPDATE: RETURNING cannot tell an
    # insert from an update on a partitioned table, and the report says which is which.
    # The span condition lets PostgreSQL skip the partitions the file does not touch.
    summary.updated = conn.scalar(
        text(
            """
            WITH written AS (
                UPDATE reading r SET value = t.value, quality = t.quality
                FROM import_typed t
                WHERE r.sensor_id = t.sensor_id AND r.quantity_id = t.quantity_id
                  AND r.observed_at = t.observed_at
                  AND r.observed_at >= :first AND r.observed_at <= :last
                  AND (r.value, r.quality) IS DISTINCT FROM (t.value, t.quality)
                RETURNING r.sensor_id, r.quantity_id, r.observed_at
            ), touched AS (
                -- One row per hour is all the rollups need to know.
                INSERT INTO import_changed
                SELECT DISTINCT sensor_id, quantity_id, date_trunc('hour', observed_at)
                FROM written
                RETURNING 1
            )
            SELECT count(*) FROM written
            """
        ),
        {"first": summary.first, "last": summary.last},
    )
    # A file of new readings (the usual bulk load) goes in with a plain INSERT, which is much
    # cheaper than ON CONFLICT; a key already stored, or twice in the file, makes it fail and
    # the file takes the careful path: duplicates named, stored readings left as they are.
    fresh = False
    if not summary.updated:
        try:
            with conn.begin_nested():
                summary.inserted = conn.execute(text(_INSERT)).rowcount
            fresh = True
        except DBAPIError as exc:
            if not isinstance(exc.orig, psycopg.errors.UniqueViolation):
                raise
    if not fresh:
        _refuse_duplicates(conn, label)
        summary.inserted = conn.execute(text(_INSERT + " ON CONFLICT DO NOTHING")).rowcount
    if summary.inserted:
        # Every hour of the file rather than only those of the new rows: RETURNING the
        # millions of new keys costs more than rolling up the few hours a file both adds to
        # and repeats (exact when the file is all new, as a bulk load usually is). One pass
        # over the file's rows gives both those hours and their hourly rollups.
        conn.execute(
            text(
                f"""
                CREATE TEMP TABLE import_hourly ON COMMIT DROP AS
                SELECT sensor_id, quantity_id, date_trunc('hour', observed_at) AS hour,
                       count(*) FILTER (WHERE quality < {BAD_QUALITY}) AS n,
                       avg(value) FILTER (WHERE quality < {BAD_QUALITY}) AS mean,
                       min(value) FILTER (WHERE quality < {BAD_QUALITY}) AS min,
                       max(value) FILTER (WHERE quality < {BAD_QUALITY}) AS max
                FROM import_typed GROUP BY 1, 2, 3
                """
            )
        )
        conn.execute(text("ANALYZE import_hourly"))  # the indicators join it
        conn.execute(
            text(
                "INSERT INTO import_changed SELECT sensor_id, quantity_id, hour FROM import_hourly"
            )
        )
    summary.unchanged = summary.rows - summary.inserted - summary.updated
    if summary.inserted or summary.updated:
        conn.execute(text("ANALYZE import_changed"))
        # Hours that had no reading before hold exactly the file's readings: their rollups are
        # the file's own hourly aggregates rather than read back from `reading` (the
        # rollups of every hour with a reading are kept by every writer, so no rollup row
        # means no reading).
        hourly = "import_hourly" if fresh and not _hours_had_readings(conn, dropped) else None
        summary.hours, summary.days = refresh_rollups(conn, "import_changed", hourly)
