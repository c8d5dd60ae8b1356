"""Configuration from the environment (prefix ``CANTHO_``, plus ``DATABASE_URL``), in one place."""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.workdays import WorkCalendar


def _forever(value: object) -> object:
    """A retention in days, or "forever" (kept for ever: None)."""
    if isinstance(value, str) and value.strip().lower() == "forever":
        return None
    return value


# Days a kind of data is kept; None (written "forever" in the environment) keeps it for ever.
RetentionDays = Annotated[int | None, BeforeValidator(_forever)]


class Settings(BaseSettings):
    """Every setting the app and the command line read. Change one with an environment variable."""

    model_config = SettingsConfigDict(env_prefix="CANTHO_", extra="ignore")

    database_url: str = Field(
        default="postgresql+psycopg://cantho@127.0.0.1:54329/cantho",
        validation_alias="DATABASE_URL",
    )
    # Let psycopg prepare statements it runs often (server-side). Off behind a pooler in
    # transaction mode that cannot keep them across transactions (pgbouncer before 1.21).
    database_prepare: bool = True
    # A streaming replica (hot standby) of that database for what only reads: the map, charts,
    # open data and downloads (geodata.db.reading). Empty: everything goes to the primary.
    # Reads go to the primary instead while the replica does not answer, or while what it has
    # replayed is older than the lag allowed; its state is looked at again after the interval.
    read_database_url: str = Field(default="", repr=False)
    replica_max_lag_s: float = Field(default=10.0, ge=0)
    replica_check_s: float = Field(default=2.0, ge=0)
    # Proxies in front of the app that set X-Forwarded-For/-Proto/-Host (nginx on the same
    # machine: 1). 0 trusts no such header, so a client cannot choose the address that rate
    # limits and the audit log see by sending one.
    proxy_count: int = Field(default=0, ge=0)
    # Base-map tiles; an empty URL draws no tiles (the map is still readable from our own data).
    tile_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    tile_attribution: str = (
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
    )
    # The region that imported coordinates must fall in (lon/lat): Cần Thơ with its 2025 merger
    # (Hậu Giang, Sóc Trăng) and a margin. Anything outside is refused as a likely CRS mistake.
    region_bbox: tuple[float, float, float, float] = (104.8, 8.9, 106.8, 10.9)
    # Metric CRS for areas and lengths: VN-2000 / UTM zone 48N.
    metric_srid: int = 3405
    # How far two surveys of one border may disagree when boundaries are loaded: units of a file
    # may overlap by this share of the smaller one's area, and a new edition of a level may
    # leave this share of an old unit's area uncovered, before the file is refused.
    boundary_tolerance: float = Field(default=0.005, ge=0, lt=1)
    default_language: str = "vi"
    # The root unit the map opens on (GSO code of Cần Thơ).
    root_unit_code: str = "92"
    # Signs session cookies; the same on every worker and machine. Empty: derived from the
    # database URL (secret too), so a fresh set-up works without another secret to manage.
    secret_key: str = ""
    # Mark cookies Secure (set when the site is served over HTTPS).
    cookie_secure: bool = False
    # Let other sites embed /kiosk in a frame (a lobby screen's own portal, say).
    kiosk_embeddable: bool = False
    # Modules that add a city's own layers to the layer catalogue (each calls
    # geodata.monitoring.catalogue.register), imported after the built-in layers.
    layer_modules: list[str] = []
    # Feature cap per map request, so one click cannot ask for an unbounded payload.
    max_features: int = 5000
    # What downloads and open data carry: the licence (name and link) and who the data is from.
    data_licence: str = "CC BY 4.0"
    data_licence_url: str = "https://creativecommons.org/licenses/by/4.0/"
    data_source: str = "Trung tâm Điều hành Đô thị thông minh TP. Cần Thơ (IOC)"
    # Open data (OGC API – Features): items per page when a client names none, and the most
    # it may ask for; requests per client (Flask-Limiter syntax; a client is its personal
    # token's account, else its address), counted in the given storage by the given strategy.
    # "cantho+postgresql://" counts in the app's database, once for every worker and machine
    # (fixed-window or sliding-window-counter); "memory://" counts in each gunicorn worker, so
    # a client may get up to workers × the limit.
    ogc_default_limit: int = 100
    ogc_max_limit: int = 10000
    ogc_rate_limit: str = "600 per minute"
    ogc_rate_limit_storage: str = "cantho+postgresql://"
    ogc_rate_limit_strategy: Literal["sliding-window-counter", "fixed-window", "moving-window"] = (
        "sliding-window-counter"
    )
    # Alert e-mail to subscribed staff (geodata/alerts/notify.py), grouped as an alert manager
    # does: wait this long after a change before the first message (so changes arriving
    # together go out together), then send at most one message per interval, and tell again
    # of alerts still firing after the repeat period.
    alert_mail_check_s: float = 10.0  # how often each server process looks (0: never)
    # Where staff open the dashboard, for links in e-mail written with no request at hand.
    public_url: str = "http://127.0.0.1:8050"
    alert_mail_wait_s: int = 30
    alert_mail_interval_s: int = 300
    alert_mail_repeat_s: int = 4 * 3600
    # Public warnings in CAP 1.2 (/cap/): the sender named in every message.
    cap_sender: str = "ioc@cantho.gov.vn"
    cap_sender_name: str = "Trung tâm Điều hành Đô thị thông minh TP. Cần Thơ (IOC)"
    # Open311 GeoReport v2 (routes/open311.py): the one jurisdiction it serves, who to ask about
    # it and for an API key (its discovery document), the largest POST body taken in bytes (a
    # 4,000-character description percent-encoded fits), and its rate limits (Flask-Limiter
    # syntax, counted in the OGC API's storage): every request per client address, and reports
    # sent per API key.
    open311_jurisdiction: str = "cantho.gov.vn"
    open311_contact: str = "Trung tâm Điều hành Đô thị thông minh TP. Cần Thơ (IOC)"
    open311_max_bytes: int = 65_536
    open311_rate_limit: str = "600 per minute"
    open311_key_rate_limit: str = "300 per minute"
    # Sensor ingestion API (POST /api/v1/observations): the largest batch (readings, bytes),
    # how far ahead a sensor's clock may run, and the oldest reading still taken (older data
    # arrives through the bulk importer, not one sensor's push).
    ingest_max_items: int = 10_000
    # Bad tokens (sensor or personal, counted together) allowed per client address in the
    # window before its requests with a token get 429.
    ingest_token_failures: int = 30
    ingest_token_failure_window_min: int = 15
    # Seconds between two drains of the rollup queue the pushes fill (0: no refresher thread).
    rollup_interval_s: float = 2.0
    # How long each server process keeps answers every caller of one data scope shares
    # (geodata/monitoring/cache.py): admin units and their shapes, and the rollups, KPIs, series
    # and report figures of a moment. 0 turns keeping off.
    cache_units_s: float = 60.0
    cache_data_s: float = 10.0
    ingest_max_bytes: int = 4_000_000
    ingest_clock_skew_s: int = 300
    ingest_max_age_days: int = 30
    # Working days the holiday package does not know (domain/workdays.py): the government's
    # yearly swapped days for state agencies — the weekday given off (nghỉ bù) and the Saturday
    # worked for it (làm bù) — and any day the city closes its offices. JSON lists of ISO dates,
    # e.g. CANTHO_WORK_EXTRA_DAYS_OFF='["2027-02-03"]'.
    work_extra_days_off: list[dt.date] = []
    work_extra_working_days: list[dt.date] = []
    # E-mail updates to citizens who left an address (geodata/reports/mail.py). An empty host
    # turns e-mail off. STARTTLS, when set, is required: no message goes out in clear instead.
    # The timeout bounds each step with the server, as the sending request waits for it.
    # The login is sent as smtplib sends it: user and password in ASCII. The password stays out
    # of the settings' repr (tracebacks, test reports).
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = Field(default="", repr=False)
    smtp_starttls: bool = False
    smtp_timeout_s: float = 5.0
    mail_from: str = "IOC Cần Thơ <no-reply@cantho.gov.vn>"
    # Citizens' report photos (geodata/reports/photos.py): where the re-encoded files and their
    # thumbnails are kept (outside the database, content-addressed; by default the checkout's
    # var/photos whatever the working directory), and the largest upload taken, in bytes and in
    # pixels (checked from the header, before any decoding: decompression bombs).
    photo_dir: Path = Path(__file__).resolve().parent.parent / "var" / "photos"
    photo_max_bytes: int = 10_000_000
    photo_max_pixels: int = 40_000_000
    # The citizens' report page (routes/citizen.py): what one address may send (reports,
    # "add yourself", ratings, reopenings together; Flask-Limiter syntax), counted in the OGC
    # API's rate-limit storage and strategy.
    report_rate_limit: str = "10 per hour"
    # Retention (geodata/retention, `python -m geodata retention plan|run`; the worker applies it
    # once a day): how many days each kind of data is kept, or "forever". The README says why
    # each default is what it is; `retention plan` refuses values that would leave the rollups,
    # the forecasts or a citizen's reopening without what they need, naming the setting.
    # - raw 5-minute readings: whole monthly partitions whose month ended that long ago are
    #   exported to the archive, checked, then dropped (never deleted row by row);
    # - the hourly and the daily rollups, each with the per-sensor and per-unit indicators of
    #   that period (the charts, the KPIs, the forecast's history);
    # - the audit log; the water-level forecasts issued; resolved alerts with their history;
    # - a resolved citizen's report keeps its record (its figures are made from it) but loses,
    #   that long after its resolution, the citizen's contact and then its photos (files too).
    retention_readings_days: RetentionDays = 730
    retention_hourly_days: RetentionDays = None
    retention_daily_days: RetentionDays = None
    retention_audit_days: RetentionDays = 1827
    retention_forecast_days: RetentionDays = 730
    retention_alert_days: RetentionDays = None
    retention_report_contact_days: RetentionDays = 365
    retention_report_photo_days: RetentionDays = 1827
    # Where dropped months of readings are exported (reading_YYYY_MM.csv.gz and its .sha256),
    # by default the checkout's var/archive. It must exist and be writable: a second disk or a
    # share that is not mounted is refused rather than filled in its place. With export off
    # (`retention run --no-export` does it once) months are dropped without a copy.
    retention_archive_dir: Path = Path(__file__).resolve().parent.parent / "var" / "archive"
    retention_export: bool = True
    # Backup health (geodata/health/backups.py, issue 16): the newest good base backup may be
    # this many hours old before the dashboard's header warns officials and the default
    # ``backup_age`` alert rule fires (a daily backup, with two hours to spare for a slow one).
    backup_max_age_h: float = Field(default=26.0, gt=0, le=8760)
    # WAL archiving is behind when finished WAL segments wait unarchived for longer than this
    # (seconds); 0: twice ``archive_timeout`` (at least a minute), or 10 minutes without one.
    backup_wal_max_delay_s: float = Field(default=0.0, ge=0)
    # Backups (geodata/backup/, README "Backups and restore"): pgBackRest's repository and the
    # photos' checksummed copies live under backup_repo (a second disk or a mounted share in
    # real use; the default, under the checkout's var/, is made by `make backup`, any other
    # path must already exist). backup_state holds the project's own pgBackRest configuration,
    # its logs and locks. The cluster backed up: its data directory, socket directory and
    # superuser (default: the data directory's owner, as setup.sh's initdb names it); its port
    # is DATABASE_URL's. WAL is switched at least every backup_archive_timeout_s seconds, so
    # at most that much of the last writes can be lost; photos are copied every
    # backup_files_interval_s. The worker starts a full base backup every backup_full_days
    # days and a differential one every backup_diff_hours hours in between (0: the worker
    # takes none), keeps backup_keep_full full backups (and the WAL they need), and tries a
    # failed one again after backup_retry_min minutes.
    backup_repo: Path = Path(__file__).resolve().parent.parent / "var" / "backup" / "repo"
    backup_state: Path = Path(__file__).resolve().parent.parent / "var" / "backup"
    backup_stanza: str = Field(default="cantho", pattern=r"^[A-Za-z0-9_-]+$")
    backup_pgdata: Path = Path(__file__).resolve().parent.parent / "var" / "pgdata"
    backup_pgsocket: Path = Path(__file__).resolve().parent.parent / "var" / "run"
    backup_pguser: str = ""
    backup_archive_timeout_s: int = Field(default=60, ge=1, le=3600)
    backup_files_interval_s: int = Field(default=60, ge=0)
    backup_full_days: int = Field(default=7, ge=0)
    backup_diff_hours: int = Field(default=24, ge=0)
    backup_keep_full: int = Field(default=4, ge=1)
    backup_retry_min: int = Field(default=30, ge=1)


def session_secret(settings: Settings) -> str:
    """The key that signs session cookies."""
    if settings.secret_key:
        return settings.secret_key
    return hashlib.sha256(b"cantho-ioc-session:" + settings.database_url.encode()).hexdigest()


def work_calendar(settings: Settings) -> WorkCalendar:
    """Vietnam's working days with the settings' extra days off and days worked."""
    return WorkCalendar(
        extra_days_off=frozenset(settings.work_extra_days_off),
        extra_working_days=frozenset(settings.work_extra_working_days),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings, read once per process."""
    return Settings()
