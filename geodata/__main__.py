"""Command line: ``python -m geodata <subcommand>``; every subcommand has ``--help``."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from geodata.errors import GeodataError

Handler = Callable[[argparse.Namespace], int]


def _cmd_db_upgrade(args: argparse.Namespace) -> int:
    from geodata.ops.migrate import upgrade

    upgrade(args.revision)
    return 0


def _cmd_db_rollups(args: argparse.Namespace) -> int:
    from geodata.db import transaction
    from geodata.monitoring.readings import drain_rollup_queue
    from geodata.reports.figures import refresh_rollup

    with transaction() as conn:
        done = drain_rollup_queue(conn)
    with transaction() as conn:
        days = refresh_rollup(conn)
    print(f"rolled up {done:,} queued sensor-hours and {days:,} unit-days of citizens' reports")
    return 0


def _cmd_sample(args: argparse.Namespace) -> int:
    from geodata.demo.sample import write_sample
    from geodata.demo.sample_reform import HISTORY_FROM

    # With the reform, the history reaches back before it: hourly readings and citizens'
    # reports from HISTORY_FROM, so last year's charts and today's both have data.
    history_from = HISTORY_FROM if args.reform else None
    report_days = args.report_days
    if report_days is None:
        report_days = (dt.date.today() - HISTORY_FROM).days + 1 if args.reform else 365
    return write_sample(
        seed=args.seed,
        if_empty=args.if_empty,
        days=365 if args.year else args.days,
        services=True,
        report_days=report_days,
        reform=args.reform,
        history_from=history_from,
        alerts=args.alerts,
    )


def _cmd_load_boundaries(args: argparse.Namespace) -> int:
    from geodata.importing.load import BoundaryOptions, load_boundaries

    options = BoundaryOptions(
        path=args.file,
        level=args.level,
        code_field=args.code_field,
        name_field=args.name_field,
        parent_field=args.parent_field,
        parent_level=args.parent_level,
        type_field=args.type_field,
        population_field=args.population_field,
        crs=args.crs,
        valid_from=args.valid_from,
        source=args.source,
        layer=args.layer,
        strict=args.strict,
    )
    summary = load_boundaries(options, progress=not args.quiet)
    print(summary.describe())
    return 0


def _field_mapping(pairs: Sequence[str]) -> dict[str, str]:
    """``--field name=TEN_CS`` options as {attribute: column}."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        target, sep, column = pair.partition("=")
        if not sep or not target.strip() or not column.strip():
            raise GeodataError(f"--field {pair!r}: write --field ATTRIBUTE=COLUMN")
        mapping[target.strip()] = column.strip()
    return mapping


def _cmd_load_features(args: argparse.Namespace) -> int:
    from geodata.importing.importers import FeatureOptions, load_features

    options = FeatureOptions(
        path=args.file,
        fields=_field_mapping(args.field),
        crs=args.crs,
        layer=args.layer,
        source=args.source,
        code_prefix=args.code_prefix,
        strict=args.strict,
        dry_run=args.dry_run,
        snap_within_m=getattr(args, "snap_within", None),
    )
    summary = load_features(args.load_command, options, progress=not args.quiet)
    print(summary.describe())
    return 0


def _cmd_load_readings(args: argparse.Namespace) -> int:
    from geodata.importing.load_readings import ReadingOptions, load_readings

    options = ReadingOptions(
        path=args.file,
        fields=_field_mapping(args.field),
        delimiter=args.delimiter,
        dry_run=args.dry_run,
    )
    print(load_readings(options, progress=not args.quiet).describe())
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    from geodata.ops.bench import BenchSize, run, run_communes

    size = BenchSize(days=args.days, segments=args.segments, facilities=args.facilities)
    if args.communes:
        return run_communes(args.reuse, args.rounds, size, args.communes)
    return run(reuse=args.reuse, rounds=args.rounds, size=size)


def _cmd_units(args: argparse.Namespace) -> int:
    from geodata.db import transaction
    from geodata.units import lifecycle, succession

    with transaction(dry_run=getattr(args, "dry_run", False)) as conn:
        if args.action == "list":
            tree = lifecycle.tree_on(conn, args.on)
            for line in tree:
                print(line.describe())
            levels: dict[str, int] = {}
            for line in tree:
                levels[line.level] = levels.get(line.level, 0) + 1
            counted = ", ".join(f"{n} {level}" for level, n in levels.items()) or "no unit"
            print(f"valid on {args.on.isoformat()}: {counted}")
        elif args.action == "end":
            report = lifecycle.end_units(conn, args.level, args.on, args.code)
            print(report.describe())
        elif args.file:
            found = succession.load_decisions(conn, args.file, args.on)
            print(f"{args.file}: successions stated for units ended on {args.on.isoformat()}:")
            _print_successions(found)
        else:
            _print_successions(succession.on_day(conn, args.on))
    if getattr(args, "dry_run", False):
        print("dry run: nothing was changed")
    return 0


def _print_successions(found: Sequence[Any]) -> None:
    if not found:
        print("no successions")
    for s in found:
        share = f"{s.share:.0%}" if s.share else "share not stated"
        print(f"{s.old_code:>8} {s.old_name} → {s.new_code} {s.new_name} ({share}, {s.source})")


def _day(raw: str) -> dt.date:
    """A date option: YYYY-MM-DD."""
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a date (YYYY-MM-DD)") from None


def _cmd_users(args: argparse.Namespace) -> int:
    import getpass
    import os

    from geodata.accounts import users
    from geodata.db import transaction

    with transaction(dry_run=getattr(args, "dry_run", False)) as conn:
        if args.action == "list":
            # A binding to a unit that no longer exists is flagged with its successors.
            ended = {(b.username, b.code): b for b in users.ended_bindings(conn, dt.date.today())}
            for u in users.list_users(conn):
                state = "disabled" if u.disabled else "active"
                shown = []
                for code in u.unit_codes:
                    if (b := ended.get((u.username, code))) is not None:
                        after = ",".join(c for c, _, _ in b.successors) or "no successor"
                        code = f"{code}[ended {b.ended_on.isoformat()} → {after}]"
                    shown.append(code)
                print(f"{u.username:24} {u.role:11} {state:8} {','.join(shown)}")
            if ended:
                print(f"{len(ended)} binding(s) to ended units: python -m geodata users remap")
        elif args.action == "remap":
            for binding, codes in users.remap_ended(conn, args.on):
                moved = ", ".join(codes) if codes else "left as it is: no successor recorded"
                print(f"{binding.username}: {binding.code} {binding.name} "
                      f"(ended {binding.ended_on.isoformat()}) → {moved}")  # fmt: skip
            if args.dry_run:
                print("dry run: nothing was changed")
        elif args.action == "add":
            # The password comes from the environment or a prompt, never from the command line
            # (it would sit in the shell history and the process list).
            password = os.environ.get("CANTHO_NEW_PASSWORD")
            if not password:
                try:
                    password = getpass.getpass("Password: ")
                except EOFError:
                    raise users.UserError(
                        "no password: set CANTHO_NEW_PASSWORD or run in a terminal"
                    ) from None
            users.add_user(conn, args.username, password, args.role, args.units)
            print(f"user {args.username} added ({args.role})")
        elif args.action == "disable":
            users.set_disabled(conn, args.username, not args.enable)
            print(f"user {args.username} {'enabled' if args.enable else 'disabled'}")
        elif args.action == "set-role":
            users.set_role(conn, args.username, args.role)
            print(f"user {args.username} is now {args.role}")
        elif args.action == "set-units":
            users.set_units(conn, args.username, args.units)
            print(f"user {args.username} bound to {', '.join(args.units)}")
        elif args.action == "token":
            _user_tokens(conn, args)
    return 0


def _user_tokens(conn: Any, args: argparse.Namespace) -> None:
    """``users token add|list|revoke``: personal API tokens for the restricted open data."""
    import datetime as dt

    from geodata.accounts import tokens
    from geodata.accounts.users import audit

    if args.token_action == "list":
        now = dt.datetime.now(dt.UTC)
        for k in tokens.list_api_tokens(conn, args.username):
            used = k.last_used_at.strftime("%Y-%m-%d %H:%M") if k.last_used_at else "never used"
            print(f"{k.id:>6} {k.state(now):8} expires {k.expires_at:%Y-%m-%d}  "
                  f"last {used:16} {k.label}")  # fmt: skip
        return
    if args.token_action == "add":
        token_id, token = tokens.add_api_token(conn, args.username, args.label, args.days)
        username, change = args.username.strip().lower(), "add"
    else:
        token_id = args.id
        username, change = tokens.revoke_api_token(conn, token_id), "revoke"
    audit(conn, "api_token", "success", None, None,
          {"user": username, "token": token_id, "change": change})  # fmt: skip
    if change == "add":
        # Shown once: only a digest is kept, so a lost token can only be replaced.
        print(f"user {username}: token {token_id}, valid {args.days} days "
              "(shown once, store it now):", file=sys.stderr)  # fmt: skip
        print(token)
    else:
        print(f"token {token_id} of user {username} revoked")


def _cmd_sensors(args: argparse.Namespace) -> int:
    from geodata.accounts.users import audit
    from geodata.db import transaction
    from geodata.monitoring import ingest

    with transaction() as conn:
        if args.action == "disable":
            ingest.set_token_disabled(conn, args.code, not args.enable)
            change = "enable" if args.enable else "disable"
        else:
            adding = args.action == "add"
            token = (ingest.add_token if adding else ingest.rotate_token)(conn, args.code)
            change = "add" if adding else "rotate"
        audit(conn, "sensor_token", "success", None, None, {"sensor": args.code, "change": change})
    if args.action == "disable":
        print(f"sensor {args.code}: pushes {'accepted' if args.enable else 'refused'}")
    else:
        # Shown once: only a digest is kept, so a lost token can only be replaced.
        print(f"sensor {args.code}: token (shown once, store it now):", file=sys.stderr)
        print(token)
    return 0


def _cmd_open311(args: argparse.Namespace) -> int:
    """``open311 keys add|list|revoke``: API keys of the Open311 clients that send reports."""
    from geodata.accounts import open311_keys
    from geodata.accounts.users import audit
    from geodata.db import transaction

    with transaction() as conn:
        if args.key_action == "list":
            for k in open311_keys.list_keys(conn):
                used = f"{k.last_used_at:%Y-%m-%d %H:%M}" if k.last_used_at else "never used"
                print(f"{k.id:>6} {k.state:8} made {k.created_at:%Y-%m-%d}  "
                      f"last {used:16} {k.label}")  # fmt: skip
            return 0
        if args.key_action == "add":
            key_id, key = open311_keys.add_key(conn, args.label)
            label, change = " ".join(args.label.split()), "add"
        else:
            key_id = args.id
            label, change = open311_keys.revoke_key(conn, key_id), "revoke"
        audit(conn, "open311_key_change", "success", None, None,
              {"key": key_id, "label": label, "change": change})  # fmt: skip
    if change == "add":
        # Shown once: only a digest is kept, so a lost key can only be replaced.
        print(f"Open311 key {key_id} for {label} (shown once, store it now):", file=sys.stderr)
        print(key)
    else:
        print(f"Open311 key {key_id} ({label}) revoked")
    return 0


def _moment(value: str) -> dt.datetime:
    """An ISO 8601 time for --at; without an offset it is Cần Thơ time (UTC+7)."""
    from domain.clock import CITY_TZ

    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a time: {value!r} (e.g. 2026-10-14T18:00)") from None
    return moment.replace(tzinfo=CITY_TZ) if moment.tzinfo is None else moment


def _cmd_forecast(args: argparse.Namespace) -> int:
    from geodata.db import transaction
    from geodata.forecast.issue import csv_rows, describe, issue

    at = args.at or dt.datetime.now(dt.UTC)
    # --at is a replay of the past: shown, never stored over what was issued then.
    with transaction() as conn:
        issued = issue(conn, at, args.sensor, args.hours, store=args.at is None)
    if args.csv:
        for line in csv_rows(issued):
            print(line)
    else:
        for item in issued:
            print(describe(item, min(48, args.hours)))
    return 0


def _cmd_forecast_backtest(args: argparse.Namespace) -> int:
    from geodata.db import transaction
    from geodata.forecast.issue import run_backtest
    from geodata.forecast.model import NoForecast

    with transaction() as conn:
        try:
            scores, n, seconds = run_backtest(conn, args.sensor, args.windows, args.hours)
        except NoForecast as why:
            print(f"error: {args.sensor}: no forecast to score ({why.reason})", file=sys.stderr)
            return 2
    if not n:
        print(f"error: {args.sensor}: no issue time had a forecast and {args.hours} h observed "
              "after it", file=sys.stderr)  # fmt: skip
        return 2
    print(f"{args.sensor}: {n} forecasts scored ({seconds:.2f} s each)")
    print(f"{'lead':>8} {'RMSE m':>8} {'harmonic':>9} {'ratio':>6} {'in 80 %':>8} {'in 95 %':>8}")
    for b in scores:
        print(f"{b.first:>3}–{b.last:<2} h {b.rmse:8.3f} {b.harmonic_rmse:9.3f} {b.ratio:6.2f} "
              f"{b.coverage80:8.1%} {b.coverage95:8.1%}")  # fmt: skip
    return 0


def _cmd_worker(args: argparse.Namespace) -> int:
    import logging

    from geodata.ops.worker import run_forever, run_once

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if args.once:
        for name, did in run_once().items():
            print(f"{name}: {'skipped (another worker has it)' if did is None else did}")
        return 0
    run_forever(args.interval)
    return 0


def _param(value: str) -> tuple[str, object]:
    """``key=value`` for --param: a number when it reads as one."""
    key, sep, raw = value.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"not key=value: {value!r}")
    try:
        return key, float(raw) if "." in raw else int(raw)
    except ValueError:
        return key, raw


def _cmd_alerts(args: argparse.Namespace) -> int:
    from sqlalchemy import text

    from geodata.accounts.users import audit
    from geodata.alerts import rules as alert_rules
    from geodata.alerts.actions import SUBJECT_COLUMNS, SUBJECT_JOINS
    from geodata.alerts.evaluate import evaluate
    from geodata.db import transaction

    with transaction() as conn:
        if args.alerts_action == "evaluate":
            steps = evaluate(conn)
            print(f"{steps.rules} rule(s), {steps.subjects} subject(s) with a value: "
                  f"{steps.pending} pending, {steps.firing} firing, {steps.resolved} resolved, "
                  f"{steps.cancelled} cleared before firing")  # fmt: skip
            return 0
        if args.alerts_action == "list":
            rows = conn.execute(
                text(
                    f"SELECT a.id, r.name, a.subject_kind, {SUBJECT_COLUMNS}, a.state, a.value, "
                    "a.started_at, a.fired_at, a.resolved_at "
                    f"FROM alert a JOIN alert_rule r ON r.id = a.rule_id {SUBJECT_JOINS} "
                    "WHERE :all OR a.state <> 'resolved' ORDER BY a.started_at DESC, a.id DESC"
                ),
                {"all": args.all},
            ).all()
            for a in rows:
                print(f"{a.id:>6} {a.state:9} {a.name} · {a.subject_kind} {a.subject_code} "
                      f"value {a.value:g} since {a.started_at:%Y-%m-%d %H:%M}Z")  # fmt: skip
            if not rows:
                print("no open alerts" if not args.all else "no alerts")
            return 0
        if args.rules_action == "list":
            for r in alert_rules.rules(conn):
                scope = ",".join(r.unit_codes) or (
                    "system" if r.kind in alert_rules.SYSTEM_KINDS else "city"
                )
                print(f"{r.id:>4} {'on ' if r.enabled else 'off'} {r.kind:16} fire {r.fire_at:g} "
                      f"clear {r.clear_at:g} pending {r.pending_s}s scope {scope} "
                      f"{'public ' if r.public else ''}{r.name} {r.params}")  # fmt: skip
            return 0
        if args.rules_action == "add":
            rule_id = alert_rules.add_rule(
                conn, args.name, args.kind, args.fire_at, args.clear_at,
                pending_s=args.pending, unit_codes=tuple(args.units or ()),
                params=dict(args.param), public=args.public, created_by="command line",
            )  # fmt: skip
            audit(conn, "alert_rule_change", "success", None, None,
                  {"rule": rule_id, "change": "add", "name": args.name})  # fmt: skip
            print(f"rule {rule_id} added: {args.name}")
            return 0
        alert_rules.set_enabled(conn, args.id, args.enable)
        audit(conn, "alert_rule_change", "success", None, None,
              {"rule": args.id, "change": "enable" if args.enable else "disable"})  # fmt: skip
        print(f"rule {args.id} {'enabled' if args.enable else 'disabled'}")
    return 0


def _cmd_retention(args: argparse.Namespace) -> int:
    from geodata.db import transaction
    from geodata.retention.apply import make_plan, run
    from geodata.retention.policy import RetentionRefused, read_policy
    from geodata.settings import get_settings

    settings = get_settings()
    policy = read_policy(settings)
    export_dir = args.export_dir or settings.retention_archive_dir
    if args.no_export or (not settings.retention_export and args.export_dir is None):
        export_dir = None
    now = dt.datetime.now(dt.UTC)
    if args.retention_action == "plan":
        with transaction(dry_run=True) as conn:
            plan = make_plan(conn, policy, now, export_dir)
        print(plan.describe())
        print("plan only: nothing was changed")
        if plan.problems:
            raise RetentionRefused(plan.problems)
        return 0
    print(run(policy, now, export_dir).describe())
    return 0


def _cmd_backup(args: argparse.Namespace) -> int:
    from geodata.backup import restore, runs
    from geodata.settings import get_settings

    settings = get_settings()
    if args.backup_action == "setup":
        for line in runs.setup(settings):
            print(line)
        return 0
    if args.backup_action == "run":
        done = runs.run(settings, args.type)
        print(
            f"backup {done.label} ({done.kind}) in {done.seconds:.1f} s: database "
            f"{done.db_bytes / 1e6:,.1f} MB, {done.repo_bytes / 1e6:,.1f} MB added to the "
            f"repository, WAL {done.wal_start}–{done.wal_stop}; photos: {done.photos.files:,} "
            f"files ({done.photos.bytes / 1e6:,.1f} MB), {done.photos.copied:,} copied now"
        )
        for damaged in done.photos.damaged:
            print(
                f"warning: photo {damaged} does not match its SHA-256: not backed up",
                file=sys.stderr,
            )
        return 1 if done.photos.damaged else 0
    if args.backup_action == "files":
        synced = runs.sync_files(settings)
        print(f"photos: {synced.files:,} files, {synced.copied:,} copied now")
        return 1 if synced.damaged else 0
    if args.backup_action in ("list", "info"):
        return _backup_list(settings)
    moment = None if args.to in (None, "latest") else restore.parse_moment(args.to)
    plan = restore.plan(settings, moment, into=args.into, port=args.port, photo_dir=args.photo_dir)
    if args.dry_run:
        print("dry run: the restore would")
    for line in restore.describe(plan):
        print(line)
    if args.dry_run:
        print("dry run: nothing was changed")
        return 0
    restored = restore.execute(plan)
    photos = restored.photos
    print(
        f"restored in {restored.seconds:.1f} s; the database answers at "
        f"{plan.target.socket} port {plan.target.port}"
    )
    print(
        f"photos in {plan.photo_dir}: {photos.referenced:,} referenced, {photos.kept:,} already "
        f"there, {photos.copied:,} copied, {len(photos.missing):,} missing"
        + (
            f", {photos.displaced:,} moved aside to {photos.displaced_to}"
            if photos.displaced
            else ""
        )
    )
    if not plan.in_place:
        print(
            f"use it: DATABASE_URL='{restored.database_url}' CANTHO_PHOTO_DIR={plan.photo_dir}; "
            f"stop it: pg_ctl -D {plan.target.pgdata} stop (as {plan.target.owner})"
        )
    else:
        print("take a new full backup now: python -m geodata backup run --type full")
    for missing in photos.missing:
        print(
            f"warning: photo {missing} is referenced but neither in the repository nor in "
            "place (written after the last photo copy)",
            file=sys.stderr,
        )
    return 1 if photos.missing else 0


def _backup_list(settings: Any) -> int:
    from domain.clock import CITY_TZ
    from geodata.backup import files, runs
    from geodata.backup.tool import cluster_of, layout_of

    layout = layout_of(settings)
    if not layout.repo.is_dir():
        raise GeodataError(
            f"the backup repository {layout.repo} does not exist (CANTHO_BACKUP_REPO)"
        )
    stanza = runs.info(layout, cluster_of(settings, layout).owner)
    found = runs.backups(stanza)
    for b in found:
        print(
            f"{b.label:24} {b.kind:4} {b.started.astimezone(CITY_TZ):%Y-%m-%d %H:%M:%S} → "
            f"{b.stopped.astimezone(CITY_TZ):%H:%M:%S}  database {b.db_bytes / 1e6:,.1f} MB, "
            f"repository +{b.repo_bytes / 1e6:,.1f} MB, WAL {b.wal_start}–{b.wal_stop}"
        )
    if not found:
        print(f"no backup in {layout.repo}")
    else:
        print(
            f"restorable from {found[0].stopped.astimezone(CITY_TZ):%Y-%m-%d %H:%M:%S %z} "
            f"(Cần Thơ time) to the newest archived WAL, {runs.archived_until(stanza)}"
        )
    photos = list(files.stored_files(layout.files))
    print(f"photos in the repository: {len(photos):,} files")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="python -m geodata", description="Cần Thơ IOC map: data tools."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="SUBCOMMAND")

    db = sub.add_parser("db", help="database schema (Alembic migrations)")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    up = db_sub.add_parser("upgrade", help="apply the migrations up to REVISION (default: head)")
    up.add_argument("revision", nargs="?", default="head")
    up.set_defaults(handler=_cmd_db_upgrade)
    rollups = db_sub.add_parser(
        "rollups",
        help="roll up the hours sensors pushed and the days of changed citizens' reports (the "
        "server does it every 2 s)",
    )
    rollups.set_defaults(handler=_cmd_db_rollups)

    sample = sub.add_parser(
        "sample", help="write the synthetic, deterministic Cần Thơ demo data set"
    )
    sample.add_argument("--seed", type=int, default=2004, help="random seed (default: %(default)s)")
    sample.add_argument(
        "--if-empty", action="store_true", help="do nothing when admin units already exist"
    )
    sample.add_argument(
        "--days",
        type=int,
        default=30,
        help="days of 5-minute readings up to now (default: %(default)s; 0 for none)",
    )
    sample.add_argument("--year", action="store_true", help="a full year of readings")
    sample.add_argument(
        "--report-days",
        type=int,
        default=None,
        help="days of citizens' reports and their handling up to now (default: 365, or from "
        "2025-05-01 with the reform)",
    )
    sample.add_argument(
        "--reform",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="live through the 1 July 2025 reform: today's wards and communes, the districts "
        "before it, hourly readings from 2025-05-01 (default: on)",
    )
    sample.add_argument(
        "--alerts",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="the alert rules, and the latest flood (with its forecasts) and bad-air day in the "
        "data replayed through them (default: on)",
    )
    sample.set_defaults(handler=_cmd_sample)

    bench = sub.add_parser(
        "bench",
        help="build a city-scale data set in <db>_bench and time the dashboard's callbacks",
    )
    bench.add_argument("--days", type=int, default=365, help="days of readings (default: a year)")
    bench.add_argument("--segments", type=int, default=25_000, help="road segments")
    bench.add_argument("--facilities", type=int, default=2_000, help="facilities")
    bench.add_argument("--rounds", type=int, default=50, help="calls per measurement")
    bench.add_argument(
        "--reuse", action="store_true", help="measure the bench database already built"
    )
    bench.add_argument(
        "--communes",
        type=int,
        default=0,
        help="measure after a reform: a copy of the bench database whose city holds N units "
        "directly (today's structure; e.g. 120)",
    )
    bench.set_defaults(handler=_cmd_bench)

    unt = sub.add_parser(
        "units", help="admin units through time: list the tree on a day, end units, successions"
    )
    unt_sub = unt.add_subparsers(dest="action", required=True, metavar="ACTION")
    ulist = unt_sub.add_parser("list", help="the tree of units valid on a day")
    ulist.add_argument("--on", type=_day, default=dt.date.today(), help="YYYY-MM-DD (today)")
    uend = unt_sub.add_parser(
        "end", help="end a level's units (or one unit) valid on a day, keeping them for history"
    )
    uend.add_argument("--level", required=True, help="the level to end, e.g. district")
    uend.add_argument("--on", type=_day, required=True, help="the first day without them")
    uend.add_argument("--code", help="only the unit with this code")
    uend.add_argument("--dry-run", action="store_true", help="check and report, change nothing")
    usucc = unt_sub.add_parser(
        "succession", help="which units succeeded the ones that ended on a day (--file: state them)"
    )
    usucc.add_argument("--on", type=_day, required=True, help="the day the old units ended")
    usucc.add_argument("--file", help="CSV old_code,new_code[,share] from an official decision")
    usucc.add_argument("--dry-run", action="store_true", help="check and report, change nothing")
    unt.set_defaults(handler=_cmd_units)

    usr = sub.add_parser(
        "users", help="manage accounts: add, list, disable, set-role, set-units, token"
    )
    usr_sub = usr.add_subparsers(dest="action", required=True, metavar="ACTION")
    roles = ("admin", "official", "ward_staff")
    add = usr_sub.add_parser(
        "add", help="add an account (password from CANTHO_NEW_PASSWORD or a prompt)"
    )
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=roles)
    add.add_argument("--units", nargs="*", default=[], help="admin unit codes (ward_staff)")
    usr_sub.add_parser("list", help="list the accounts (bindings to ended units flagged)")
    remap = usr_sub.add_parser(
        "remap", help="move every binding to an ended unit to the units that succeeded it"
    )
    remap.add_argument("--on", type=_day, default=dt.date.today(), help="YYYY-MM-DD (today)")
    remap.add_argument("--dry-run", action="store_true", help="report, change nothing")
    dis = usr_sub.add_parser("disable", help="disable an account (--enable to undo)")
    dis.add_argument("username")
    dis.add_argument("--enable", action="store_true")
    role = usr_sub.add_parser("set-role", help="change an account's role")
    role.add_argument("username")
    role.add_argument("role", choices=roles)
    units = usr_sub.add_parser("set-units", help="bind an account to admin unit codes")
    units.add_argument("username")
    units.add_argument("units", nargs="+")
    tok = usr_sub.add_parser(
        "token", help="personal API tokens: add, list, revoke",
        description="A staff member's token opens the restricted open-data collections "
        "(citizens' flood reports) to their scripts and GIS tools, with the account's scope: "
        "Authorization: Bearer <token>. The token is printed once; only a digest is stored. "
        "It stops working when revoked, when it expires, or when the account is disabled.",
    )  # fmt: skip
    tok_sub = tok.add_subparsers(dest="token_action", required=True, metavar="ACTION")
    tadd = tok_sub.add_parser("add", help="make a token for an account (printed once)")
    tadd.add_argument("username")
    tadd.add_argument("--label", default="", help="what the token is for, e.g. QGIS on PC-12")
    tadd.add_argument(
        "--days", type=int, default=90, help="days until it expires (default: %(default)s)"
    )
    tok_sub.add_parser("list", help="an account's tokens (never their secrets)").add_argument(
        "username"
    )
    tok_sub.add_parser("revoke", help="revoke a token at once, by its id").add_argument(
        "id", type=int
    )
    usr.set_defaults(handler=_cmd_users)

    sen = sub.add_parser(
        "sensors", help="tokens for the ingestion API: add, rotate-token, disable",
        description="Each sensor (already loaded, found by its code) pushes readings to "
        "POST /api/v1/observations with its own token. The token is printed once; only a "
        "digest is stored.",
    )  # fmt: skip
    sen_sub = sen.add_subparsers(dest="action", required=True, metavar="ACTION")
    sen_sub.add_parser("add", help="give a sensor its first token").add_argument("code")
    sen_sub.add_parser(
        "rotate-token", help="replace a sensor's token (the old one stops working)"
    ).add_argument("code")
    sdis = sen_sub.add_parser("disable", help="refuse a sensor's pushes (--enable to undo)")
    sdis.add_argument("code")
    sdis.add_argument("--enable", action="store_true")
    sen.set_defaults(handler=_cmd_sensors)

    o311 = sub.add_parser(
        "open311", help="Open311 GeoReport v2: API keys for the clients that send reports",
        description="An app or service that sends citizens' reports to POST "
        "/open311/v2/requests carries its own api_key. The key is printed once, as the last "
        "line; only a digest is stored. Reading needs no key.",
    )  # fmt: skip
    o311_sub = o311.add_subparsers(dest="open311_command", required=True, metavar="WHAT")
    keys = o311_sub.add_parser("keys", help="API keys: add, list, revoke")
    keys_sub = keys.add_subparsers(dest="key_action", required=True, metavar="ACTION")
    keys_sub.add_parser("add", help="make a key (printed once)").add_argument(
        "label", help="who the key is for, e.g. 'Ninh Kieu ward app'"
    )
    keys_sub.add_parser("list", help="every key (never its secret)")
    keys_sub.add_parser("revoke", help="revoke a key at once, by its id").add_argument(
        "id", type=int
    )
    o311.set_defaults(handler=_cmd_open311)

    fc = sub.add_parser(
        "forecast",
        help="water-level forecasts for the gauges, 72 h ahead with 80 %% and 95 %% intervals",
        description="Forecast every water-level gauge (or one) from its own hourly history: "
        "a harmonic tide (UTide) plus a regression of the residual. Without --at the forecast "
        "is issued now and stored; --at replays it as it would have been issued then, from "
        "the hours that ended by then only, and stores nothing. A gauge with under 15 days "
        "of history, no reading for 6 h or a gap of over 6 h in the last week gets none, "
        "and the reason is printed.",
    )
    fc.add_argument("--sensor", metavar="CODE", help="one gauge (default: every gauge)")
    fc.add_argument("--at", type=_moment, metavar="TIME", help="issue as at TIME (ISO 8601)")
    fc.add_argument("--hours", type=int, default=72, choices=range(1, 241), metavar="H",
                    help="hours ahead, 1–240 (default 72)")  # fmt: skip
    fc.add_argument("--csv", action="store_true", help="print every hour ahead as CSV")
    fc.set_defaults(handler=_cmd_forecast)
    fc_sub = fc.add_subparsers(dest="forecast_action", metavar="ACTION")
    bt = fc_sub.add_parser(
        "backtest",
        help="score forecasts at past issue times against what happened",
        description="Issue forecasts at N times spread over the gauge's record, each from the "
        "hours before it only, and print the RMSE by lead time (1–6, 1–24, 25–48, 49–72 h) "
        "and the share of observations inside the 80 %% and 95 %% intervals, beside a pure "
        "harmonic prediction fitted on the same history.",
    )
    bt.add_argument("--sensor", metavar="CODE", required=True)
    bt.add_argument("--windows", type=int, default=50, metavar="N",
                    help="issue times to score (default 50)")  # fmt: skip
    bt.add_argument("--hours", type=int, default=72, choices=range(1, 241), metavar="H")
    bt.set_defaults(handler=_cmd_forecast_backtest)

    wk = sub.add_parser(
        "worker",
        help="the background jobs (rollups, forecasts), beside the web server",
        description="Run the background jobs every few seconds until stopped: rolling up "
        "pushed readings and issuing the water-level forecasts (every gauge each hour, and "
        "again when readings of past hours arrive). Safe to run on several nodes at once: each "
        "job runs on one of them at a time, under a PostgreSQL advisory lock.",
    )
    wk.add_argument("--once", action="store_true", help="one turn, then exit")
    wk.add_argument("--interval", type=float, default=5.0, metavar="SECONDS",
                    help="seconds between turns (default 5)")  # fmt: skip
    wk.set_defaults(handler=_cmd_worker)

    ret = sub.add_parser(
        "retention",
        help="drop and delete what is kept no longer (the worker does it once a day)",
        description="How long each kind of data is kept is a setting (CANTHO_RETENTION_*, see "
        "the README). Raw readings go a whole month at a time: the month's partition is "
        "exported to the archive folder as reading_YYYY_MM.csv.gz with a .sha256 beside it, "
        "read back, then dropped (`load readings FILE` brings it back). Rollups, the audit "
        "log, forecasts and resolved alerts are deleted by age in batches; a resolved "
        "citizen's report loses its contact and later its photos, never the report itself.",
    )
    ret_sub = ret.add_subparsers(dest="retention_action", required=True, metavar="ACTION")
    rplan = ret_sub.add_parser("plan", help="what a run would drop and delete now, and why "
                               "(changes nothing)")  # fmt: skip
    rrun = ret_sub.add_parser("run", help="drop and delete what is past retention now")
    for action in (rplan, rrun):
        where = action.add_mutually_exclusive_group()
        where.add_argument(
            "--export-dir", type=Path, metavar="DIR",
            help="archive folder for the dropped months (default: "
            "CANTHO_RETENTION_ARCHIVE_DIR); it must exist and be writable",
        )  # fmt: skip
        where.add_argument(
            "--no-export", action="store_true",
            help="drop the months without exporting them (their readings are then gone)",
        )  # fmt: skip
    ret.set_defaults(handler=_cmd_retention, export_dir=None, no_export=False)

    al = sub.add_parser("alerts", help="alert rules and the alerts they raise")
    al_sub = al.add_subparsers(dest="alerts_action", required=True, metavar="ACTION")
    al_sub.add_parser("evaluate", help="evaluate every enabled rule now (the worker does it)")
    alist = al_sub.add_parser("list", help="open alerts (--all: resolved ones too)")
    alist.add_argument("--all", action="store_true")
    rl = al_sub.add_parser("rules", help="add, list, disable rules")
    rl_sub = rl.add_subparsers(dest="rules_action", required=True, metavar="ACTION")
    rl_sub.add_parser("list", help="every rule")
    radd = rl_sub.add_parser(
        "add",
        help="add a rule",
        description="Kinds and ranges: gauge_level and gauge_forecast 0–3 (Báo động level; "
        "--param hours=48), unit_aqi 0–500 (VN_AQI), unit_congestion 0–1 (share of roads), "
        "unit_coverage 0–1 (fires below; --param facility=KIND), road_congestion 0–2 (a "
        "road's speed / free-flow speed; fires below), report_cluster 1–1000 "
        "(reports; --param radius_m=300 --param window_min=60), backup_age 0–8760 (hours since "
        "the newest good backup; 8760 with none), wal_archive 0–1 (1 while WAL archiving does "
        "not keep up; --fire-at 1 --clear-at 1). --clear-at lies on the safe side of --fire-at.",
    )
    radd.add_argument("name")
    radd.add_argument("--kind", required=True)
    radd.add_argument("--fire-at", type=float, required=True, metavar="VALUE")
    radd.add_argument("--clear-at", type=float, required=True, metavar="VALUE")
    radd.add_argument("--pending", type=int, default=0, metavar="SECONDS")
    radd.add_argument("--units", nargs="+", metavar="CODE", help="scope (default: the city)")
    radd.add_argument("--param", type=_param, action="append", default=[], metavar="KEY=VALUE")
    radd.add_argument("--public", action="store_true", help="a public warning (CAP feed)")
    rdis = rl_sub.add_parser("disable", help="disable a rule (--enable to undo)")
    rdis.add_argument("id", type=int)
    rdis.add_argument("--enable", action="store_true")
    al.set_defaults(handler=_cmd_alerts, rules_action=None)

    bk = sub.add_parser(
        "backup",
        help="continuous backup (pgBackRest) and point-in-time restore, with the photos",
        description="Base backups plus archived WAL of the project's cluster, and the "
        "citizens' photos copied by SHA-256, in the repository CANTHO_BACKUP_REPO. See the "
        "README, 'Backups and restore'.",
    )
    bk_sub = bk.add_subparsers(dest="backup_action", required=True, metavar="ACTION")
    bk_sub.add_parser(
        "setup",
        help="turn WAL archiving on and create the stanza (make backup does it; safe "
        "to run again; restarts PostgreSQL only when archive_mode changes)",
    )
    brun = bk_sub.add_parser("run", help="take a base backup and copy the photos with it")
    brun.add_argument(
        "--type",
        choices=("full", "diff", "incr"),
        default="full",
        help="full, differential (since the last full) or incremental (since "
        "the last backup); default full",
    )
    bk_sub.add_parser(
        "files",
        help="copy the photos not in the repository yet (the worker "
        "does it every CANTHO_BACKUP_FILES_INTERVAL_S)",
    )
    bk_sub.add_parser(
        "list", help="the backups in the repository, and from when a restore can start"
    )
    bk_sub.add_parser("info", help="the same as list")
    brs = bk_sub.add_parser(
        "restore",
        help="the database and photos as they were at a moment, into a new cluster or over "
        "the old one",
        description="Restore the database (the latest base backup that finished before --to, "
        "then the archived WAL up to --to) and exactly the photos it refers to. Refused, with "
        "nothing changed, for a time that does not parse, lies in the future or before the "
        "oldest backup, or a repository that is missing. --in-place stops the running cluster "
        "first; --into makes a new one beside it (archiving off).",
    )
    brs.add_argument(
        "--to",
        metavar="TIME",
        help="ISO 8601; without an offset it is Cần Thơ time (UTC+7). Default: "
        "the newest write the archive holds ('latest')",
    )
    where = brs.add_mutually_exclusive_group(required=True)
    where.add_argument(
        "--into",
        type=Path,
        metavar="NEW_DATA_DIR",
        help="a new cluster in this (new or empty) folder",
    )
    where.add_argument(
        "--in-place", action="store_true", help="over the cluster backed up (CANTHO_BACKUP_PGDATA)"
    )
    brs.add_argument("--port", type=int, help="with --into: its port (default: a free one)")
    brs.add_argument(
        "--photo-dir",
        type=Path,
        metavar="DIR",
        help="with --into: where its photos go (default: NEW_DATA_DIR.photos)",
    )
    brs.add_argument("--dry-run", action="store_true", help="say what it would do; change nothing")
    bk.set_defaults(handler=_cmd_backup)

    load = sub.add_parser("load", help="import agency files")
    load_sub = load.add_subparsers(dest="load_command", required=True, metavar="KIND")
    b = load_sub.add_parser(
        "boundaries",
        help="admin unit boundaries from GeoJSON, Shapefile or GeoPackage",
        description="Load admin units of one level. All or nothing: any error names the file, "
        "the feature and the reason, and leaves the database unchanged.",
    )
    b.add_argument("file", help="GeoJSON, Shapefile (.shp with its .prj) or GeoPackage")
    b.add_argument("--level", required=True, help="level of the units: district, ward, …")
    b.add_argument("--code-field", help="field with the official code (default: guessed)")
    b.add_argument("--name-field", help="field with the name (default: guessed)")
    b.add_argument("--parent-field", help="field with the parent's code or name")
    b.add_argument("--parent-level", help="level of the parents (default: the level above --level)")
    b.add_argument("--type-field", help="field with the unit type (default: from the name prefix)")
    b.add_argument("--population-field", help="field with the population")
    b.add_argument("--crs", help="CRS of a file that declares none (EPSG code, WKT or PROJ string)")
    b.add_argument(
        "--valid-from",
        help="date the units take effect (YYYY-MM-DD); older units of the level are ended, "
        "not deleted. Default: replace the current units of the level in place",
    )
    b.add_argument("--source", help="source label stored with the units (default: file name)")
    b.add_argument("--layer", help="layer name in a GeoPackage with several layers")
    b.add_argument(
        "--strict", action="store_true", help="refuse invalid geometries instead of repairing them"
    )
    b.add_argument("--quiet", action="store_true", help="no progress bar")
    b.set_defaults(handler=_cmd_load_boundaries)
    _add_load_parsers(load_sub)
    return parser


def _metres(raw: str) -> float:
    """A distance in metres: a finite number, not negative."""
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"{raw!r} is not a distance in metres (0 or more)")
    return value


def _add_load_parsers(load_sub: Any) -> None:
    """``load facilities|roads|sensors|flood-zones|population|readings``."""
    from geodata.importing.importers import KINDS

    what = {
        "facilities": "facilities (hospitals, health stations, schools, water points)",
        "roads": "road segments (arterial, collector, local)",
        "sensors": "gauges and stations (kind, quantities, alert levels I-III)",
        "flood-zones": "inundated areas (depth, start and end)",
        "population": "population grid cells (replaces the cells of the same --source)",
    }
    for command, kind in KINDS.items():
        attributes = ", ".join(a.name + ("*" if a.required else "") for a in kind.attributes)
        p = load_sub.add_parser(
            command,
            help=f"{what[command]} from GeoJSON, Shapefile, GeoPackage or CSV",
            description=f"Load {what[command]}. Attributes (* required): {attributes}. "
            "All or nothing: any error names the file, the feature or row, the field and the "
            "reason, and leaves the database unchanged. Rows with the code of an earlier import "
            "of the same source are updated.",
        )
        p.add_argument("file", help="GeoJSON, Shapefile (.shp), GeoPackage or CSV")
        p.add_argument(
            "--field",
            action="append",
            default=[],
            metavar="ATTRIBUTE=COLUMN",
            help="the file's column for an attribute (repeatable), e.g. --field name=TEN_CS; "
            "a CSV also takes lon=, lat= or wkt=. Default: guessed from the column names",
        )
        p.add_argument(
            "--crs",
            help="CRS of the coordinates (EPSG code, WKT or PROJ string); overrides the file's. "
            "CSV default: EPSG:4326",
        )
        p.add_argument("--layer", help="layer name in a GeoPackage with several layers")
        p.add_argument("--source", help="source label stored with the rows (default: file name)")
        p.add_argument(
            "--code-prefix",
            default="",
            help="prepended to every code, to keep this source's ids apart from another's",
        )
        p.add_argument(
            "--strict", action="store_true", help="refuse invalid polygons instead of repairing"
        )
        if command == "sensors":
            p.add_argument(
                "--snap-within",
                type=_metres,
                metavar="METRES",
                help="place a sensor given outside every admin unit (a river gauge just off "
                "the bank) just inside the nearest unit when at most METRES away; without it "
                "such sensors are only reported",
            )
        p.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
        p.add_argument("--quiet", action="store_true", help="no progress bar")
        p.set_defaults(handler=_cmd_load_features)

    r = load_sub.add_parser(
        "readings",
        help="sensor readings in bulk from CSV (sensor_code,quantity,observed_at,value[,quality])",
        description="Load readings at COPY speed and update the rollups. Every row is checked "
        "first (unknown sensor or quantity, a quantity the sensor does not measure, value "
        "outside the physical range, bad timestamp); one bad row refuses the whole file, "
        "named by row, field and reason. A time without an offset is Cần Thơ time (UTC+7). "
        "Readings already stored for the same sensor, quantity and time are updated.",
    )
    r.add_argument("file", help="CSV with a header line")
    r.add_argument(
        "--field",
        action="append",
        default=[],
        metavar="COLUMN=NAME",
        help="the file's name for a column (repeatable), e.g. --field observed_at=THOI_GIAN",
    )
    r.add_argument(
        "--delimiter", default=",", help="field separator: ',', ';', '|' or tab (default ',')"
    )
    r.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
    r.add_argument("--quiet", action="store_true", help="no progress bar")
    r.set_defaults(handler=_cmd_load_readings)


def main(argv: Sequence[str] | None = None) -> int:
    """Run a subcommand; user errors print one clear message and exit with status 2."""
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except GeodataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
