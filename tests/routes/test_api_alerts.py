"""A reading pushed through the ingestion API that crosses a rule with no pending time becomes a
firing alert, through the real path: gunicorn on loopback, the worker beside it."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
import requests
from dash.testing.wait import until
from sqlalchemy import Engine, text

from geodata.alerts.rules import add_rule
from geodata.monitoring.ingest import add_token
from geodata.ops.worker import run_forever
from tests.gauges import add_river_gauge
from tests.servers import gunicorn


@pytest.fixture
def gauge(demo_db: Engine) -> tuple[str, str]:
    """A river gauge in Ninh Kiều with a token, and a rule on it: (code, token)."""
    with demo_db.begin() as conn:
        add_river_gauge(conn, "g-push", name="Trạm đẩy")
        add_rule(conn, "Báo động III", "gauge_level", 3, 2)
        return "g-push", add_token(conn, "g-push")


def test_a_pushed_reading_over_alert_iii_raises_a_firing_alert(gauge, demo_db) -> None:
    code, token = gauge
    stop = threading.Event()
    worker = threading.Thread(target=run_forever, args=(1.0, stop), daemon=True)
    with gunicorn(workers=1) as (base, _):
        worker.start()
        try:
            body = [{"quantity": "water_level", "unit": "m", "value": 2.15,
                     "observed_at": dt.datetime.now(dt.UTC).isoformat()}]  # fmt: skip
            answer = requests.post(
                base + "/api/v1/observations", data=json.dumps({"observations": body}), timeout=30,
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )  # fmt: skip
            assert answer.status_code in (200, 201, 202), answer.text

            def firing() -> list:
                with demo_db.connect() as conn:
                    return conn.execute(
                        text(
                            "SELECT a.value, s.code FROM alert a JOIN sensor s "
                            "ON a.subject_kind = 'sensor' AND s.id = a.subject_id "
                            "WHERE a.state = 'firing'"
                        )
                    ).all()

            until(lambda: firing() != [], timeout=60, msg="no firing alert after the push")
            assert [tuple(r) for r in firing()] == [(3.0, code)]
        finally:
            stop.set()
            worker.join(timeout=30)
