"""Alert rules on the backups: ``backup_age`` fires when the newest good backup is older than its
line and resolves once a new one is on record; ``wal_archive`` says whether WAL archiving keeps
up now. Their subject is the system: no place, so ward staff and the public never see their
alerts; they can never be public warnings. Every installation gets both rules once."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, text

from geodata.alerts.actions import firing_count, listed
from geodata.alerts.evaluate import evaluate
from geodata.alerts.rules import RuleRefused, add_default_rules, add_rule, rules, set_enabled
from geodata.db import Scope, scope, transaction
from geodata.health.backups import wal_archiving
from tests.backup_runs import add_backup_run

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
HOUR = dt.timedelta(hours=1)


def _alerts(engine: Engine) -> list:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT id, state, subject_kind, subject_id, value, detail, "
                "geom IS NULL AS placeless FROM alert ORDER BY id"
            )
        ).all()


def _steps(engine: Engine, alert_id: int) -> list[str]:
    with engine.connect() as conn:
        return list(
            conn.scalars(
                text("SELECT action FROM alert_event WHERE alert_id = :a ORDER BY id"),
                {"a": alert_id},
            )
        )


def test_a_backup_older_than_the_line_fires_and_a_new_one_resolves_it(demo_db) -> None:
    with demo_db.begin() as conn:
        add_rule(conn, "Sao lưu quá hạn", "backup_age", 26, 26)
    add_backup_run(demo_db, NOW - 30 * HOUR, label="20261201-000000F")
    with demo_db.begin() as conn:
        assert evaluate(conn, NOW).firing == 1
    (alert,) = _alerts(demo_db)
    assert (alert.state, alert.subject_kind, alert.subject_id) == ("firing", "system", 1)
    assert alert.value == pytest.approx(30.0) and alert.placeless
    assert alert.detail["label"] == "20261201-000000F"
    # Still old an hour later: still firing, now 31 hours.
    with demo_db.begin() as conn:
        assert evaluate(conn, NOW + HOUR).total() == 0
    assert _alerts(demo_db)[0].value == pytest.approx(31.0)
    # A new good backup (a failed one changes nothing): resolved.
    add_backup_run(demo_db, NOW + HOUR + dt.timedelta(minutes=30), ok=False, error="disk full")
    with demo_db.begin() as conn:
        assert evaluate(conn, NOW + 2 * HOUR).total() == 0
    add_backup_run(demo_db, NOW + 2 * HOUR + dt.timedelta(minutes=30))
    with demo_db.begin() as conn:
        assert evaluate(conn, NOW + 3 * HOUR).resolved == 1
    (alert,) = _alerts(demo_db)
    assert alert.state == "resolved" and alert.value == pytest.approx(0.5)
    assert _steps(demo_db, alert.id) == ["firing", "resolved"]


def test_a_fresh_backup_raises_nothing(demo_db) -> None:
    with demo_db.begin() as conn:
        add_rule(conn, "Sao lưu quá hạn", "backup_age", 26, 26)
    add_backup_run(demo_db, NOW - 3 * HOUR)
    with demo_db.begin() as conn:
        steps = evaluate(conn, NOW)
    assert (steps.subjects, steps.total()) == (1, 0) and _alerts(demo_db) == []


def test_with_no_backup_at_all_it_fires_at_the_top_of_the_range(demo_db) -> None:
    with demo_db.begin() as conn:
        add_rule(conn, "Sao lưu quá hạn", "backup_age", 26, 26)
        assert evaluate(conn, NOW).firing == 1
    (alert,) = _alerts(demo_db)
    assert alert.value == 8760 and alert.detail == {"none": True}


def test_wal_archiving_is_valued_now_and_never_for_a_replayed_past(demo_db) -> None:
    with demo_db.begin() as conn:
        add_rule(conn, "WAL", "wal_archive", 1, 1)
        keeps_up = wal_archiving(conn).keeps_up
        now = dt.datetime.now(dt.UTC)
        assert evaluate(conn, now - 2 * HOUR).subjects == 0  # the archiver's past is not known
        steps = evaluate(conn, now)
    assert steps.subjects == 1
    # The test cluster's own archiver, in whatever state it is (tests/geodata/health/
    # test_backups.py drives a private one through each): 1 and firing exactly when it does
    # not keep up.
    with demo_db.connect() as conn:
        state = wal_archiving(conn).state
    expected = [] if keeps_up else [(1.0, state)]
    assert [(a.value, a.detail["state"]) for a in _alerts(demo_db)] == expected


def test_backup_rules_are_never_public_warnings(demo_db) -> None:
    with demo_db.begin() as conn:
        for kind, fire in (("backup_age", 26), ("wal_archive", 1)):
            with pytest.raises(RuleRefused, match="public"):
                add_rule(conn, "Công khai?", kind, fire, fire, public=True)
        with pytest.raises(RuleRefused, match="outside backup_age's range 0–8760"):
            add_rule(conn, "Quá xa", "backup_age", 9000, 26)
        with pytest.raises(RuleRefused, match="watches the system itself: it takes no unit"):
            add_rule(conn, "Của quận?", "backup_age", 26, 26, unit_codes=("916",))
        assert rules(conn) == []


def test_ward_staff_and_the_public_never_see_the_system_s_alerts(demo_db) -> None:
    with demo_db.begin() as conn:
        add_rule(conn, "Sao lưu quá hạn", "backup_age", 26, 26)
        evaluate(conn, NOW)
    with transaction() as conn:  # an official: the owner's rights
        assert [a.subject_kind for a in listed(conn, NOW)] == ["system"]
        assert firing_count(conn) == 1
    for reader in (Scope.ward(["916"]), Scope.public()):
        with scope(reader), transaction() as conn:
            assert listed(conn, NOW) == [] and firing_count(conn) == 0


def test_the_default_rules_are_added_once_and_one_switched_off_stays_off(demo_db) -> None:
    with demo_db.begin() as conn:
        added = add_default_rules(conn)
        found = {r.kind: r for r in rules(conn)}
    assert len(added) == 2 and set(found) == {"backup_age", "wal_archive"}
    age = found["backup_age"]
    assert (age.fire_at, age.clear_at, age.pending_s, age.public) == (26, 26, 0, False)
    assert "26 giờ" in age.name
    assert (found["wal_archive"].fire_at, found["wal_archive"].pending_s) == (1, 600)
    with demo_db.begin() as conn:
        set_enabled(conn, age.id, False)
        assert add_default_rules(conn) == []
        assert len(rules(conn)) == 2 and len(rules(conn, enabled_only=True)) == 1
