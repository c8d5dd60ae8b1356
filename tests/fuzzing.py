"""Fuzzing the public APIs from their own OpenAPI descriptions with schemathesis, over real HTTP.

Shared by ``tests/test_http_fuzz.py`` (a few examples per route, on every test run) and
``scripts/fuzz_apis.py`` (a thousand requests and more per API). Each API is loaded from the
description it serves and run through schemathesis' engine as ``st run`` does — its examples,
boundary ("coverage"), fuzzing and stateful phases — with every check schemathesis has, a fixed
seed and deterministic generation, so that a run can be repeated. The outcome counts the requests
actually sent (an ``after_call`` hook) and the failed checks by name, each with a reproduction.

Credentials are what real clients hold: the sensor's bearer token for ingestion, a staff
member's personal token for the OGC API's restricted collection, and for Open311 an ``api_key``
put into every report form that is a form (the specification carries the key in the body,
which OpenAPI's security schemes cannot say).

Two checks are told what the descriptions cannot express, and nothing more:

- ``positive_data_acceptance`` also accepts the refusals that depend on the data held rather
  than on the request's shape: a reading of a quantity the token's sensor does not measure or
  outside its time window (422), a report at a point outside the city (400), a ``datetime`` on
  a collection that has no time (400);
- ``negative_data_rejection`` also accepts 200 for the OGC API, whose standard requires a
  ``limit`` above the maximum to be served as the maximum, not refused
  (/req/core/fc-limit-response-1), while the same document must keep that maximum for clients.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events as engine_events
from schemathesis.engine import from_schema
from schemathesis.hooks import GLOBAL_HOOK_DISPATCHER
from sqlalchemy import Engine


@dataclass(frozen=True)
class Api:
    """One public API: its name, where its OpenAPI description is served, how its real
    clients authenticate, and the statuses a schema-valid request may still get."""

    name: str
    openapi_path: str
    headers: dict[str, str] = field(default_factory=dict)
    form_fields: dict[str, str] = field(default_factory=dict)
    valid_but_refused: tuple[int, ...] = ()
    invalid_but_served: tuple[int, ...] = ()


@dataclass
class Outcome:
    """What one API's run found: requests sent, answers by status, failed checks by name."""

    api: str
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    @property
    def failed(self) -> int:
        return sum(self.failures.values()) + len(self.errors)

    def add(self, other: Outcome) -> None:
        """Count another run's findings (another seed) with these."""
        self.requests += other.requests
        self.statuses.update(other.statuses)
        self.failures.update(other.failures)
        self.examples += other.examples[: max(0, 20 - len(self.examples))]
        self.errors += other.errors


# The rate limits and the bad-token lockout raised out of the way for the server under test (a
# fuzzer sends thousands of requests and many deliberately bad tokens from one address); they
# are still counted on every request, and their 429 is described in every API's document.
SERVER_ENV = {
    "CANTHO_OGC_RATE_LIMIT": "1000000 per minute",
    "CANTHO_OPEN311_RATE_LIMIT": "1000000 per minute",
    "CANTHO_OPEN311_KEY_RATE_LIMIT": "1000000 per minute",
    "CANTHO_INGEST_TOKEN_FAILURES": "1000000",
}
FUZZER = "fuzzer"  # the staff account whose personal token reads the restricted collection


def credentials(engine: Engine) -> tuple[str, str, str]:
    """What real clients hold, made in the demo city: the token of a new air station (PM2.5
    and PM10), an official's personal token and an Open311 API key."""
    from geodata.accounts.open311_keys import add_key
    from geodata.accounts.tokens import add_api_token
    from geodata.accounts.users import add_user
    from geodata.monitoring.ingest import add_token
    from tests.dbutil import make_sensor

    sensor = make_sensor(engine)
    with engine.begin() as conn:
        sensor_token = add_token(conn, sensor)
        add_user(conn, FUZZER, "a long password for the fuzzer", "official", [])
        personal = add_api_token(conn, FUZZER, "schemathesis")[1]
        return sensor_token, personal, add_key(conn, "schemathesis")[1]


def apis(sensor_token: str, personal_token: str, api_key: str) -> list[Api]:
    """The three public APIs as their clients call them (see the module's docstring for the
    statuses told to the data checks)."""
    return [
        Api("OGC API – Features", "/ogc/api",
            headers={"Authorization": f"Bearer {personal_token}"},
            valid_but_refused=(400,), invalid_but_served=(200,)),
        Api("Sensor ingestion API", "/api/v1/openapi.json",
            headers={"Authorization": f"Bearer {sensor_token}"}, valid_but_refused=(422,)),
        Api("Open311 GeoReport v2", "/open311/v2/openapi.json",
            form_fields={"api_key": api_key}, valid_but_refused=(400,)),
    ]  # fmt: skip


POSITIVE_EXPECTED = ["2xx", "3xx", "401", "403", "404", "409", "429"]
NEGATIVE_EXPECTED = [
    "400", "401", "403", "404", "405", "406", "413", "414", "415", "422", "428", "429",
]  # fmt: skip


def _config(api: Api, max_examples: int, seed: int, workers: int) -> SchemathesisConfig:
    positive = POSITIVE_EXPECTED + [str(s) for s in api.valid_but_refused]
    negative = NEGATIVE_EXPECTED + [str(s) for s in api.invalid_but_served]
    return SchemathesisConfig.from_dict(
        {
            "seed": seed,
            "headers": api.headers,
            "workers": workers,
            "request-timeout": 60,
            "continue-on-failure": True,
            "generation": {"max-examples": max_examples, "deterministic": True, "database": "none"},
            "checks": {
                "enabled": True,
                "positive_data_acceptance": {"expected-statuses": positive},
                "negative_data_rejection": {"expected-statuses": negative},
            },
        }
    )


def fuzz(base: str, api: Api, max_examples: int, seed: int = 20261202, workers: int = 1) -> Outcome:
    """Run schemathesis against ``api`` on the server at ``base``; what it found."""
    config = _config(api, max_examples, seed, workers)
    schema = schemathesis.openapi.from_url(base + api.openapi_path, config=config)
    outcome = Outcome(api.name)
    lock = threading.Lock()

    @schema.hook
    def after_call(context: Any, case: Any, response: Any) -> None:
        with lock:
            outcome.requests += 1
            outcome.statuses[response.status_code] += 1

    def before_call(context: Any, case: Any, kwargs: Any) -> None:
        # Every phase's forms (a mapping of fields) get the key; anything else (a negative case:
        # no body, a list) is sent as made. The hook is global in schemathesis: only this
        # run's cases are touched.
        if case.operation.schema is schema and isinstance(case.body, dict):
            case.body.update(api.form_fields)

    if api.form_fields:
        GLOBAL_HOOK_DISPATCHER.register_hook_with_name(before_call, "before_call")
    try:
        for event in from_schema(schema).execute():
            if isinstance(event, engine_events.ScenarioFinished):
                _count_failures(outcome, event.recorder)
            elif isinstance(event, engine_events.NonFatalError | engine_events.FatalError):
                outcome.errors.append(_error_text(event))
    finally:
        if api.form_fields:
            GLOBAL_HOOK_DISPATCHER.unregister(before_call)
    return outcome


def _count_failures(outcome: Outcome, recorder: Any) -> None:
    seen: set[tuple[str, str]] = set()
    for case_id, checks in recorder.checks.items():
        for check in checks:
            if check.failure_info is None or (case_id, check.name) in seen:
                continue
            seen.add((case_id, check.name))
            outcome.failures[check.name] += 1
            if len(outcome.examples) < 20:
                failure = check.failure_info.failure
                outcome.examples.append(
                    f"{check.name}: {recorder.label}: {failure.title}\n"
                    f"    {failure.message.strip()[:400]}\n"
                    f"    {check.failure_info.code_sample[:600]}"
                )


def _error_text(event: Any) -> str:
    if isinstance(event, engine_events.NonFatalError):
        return f"{event.label}: {event.info.message[:400]}"
    return f"fatal: {event.exception!r}"[:400]


def report(outcome: Outcome) -> str:
    """The outcome as the script prints it."""
    lines = [
        f"== {outcome.api}",
        f"requests sent:      {outcome.requests}",
        f"server errors (5xx): {outcome.server_errors}",
        "answers by status:  "
        + ", ".join(f"{s}: {n}" for s, n in sorted(outcome.statuses.items())),
        "failed checks:      "
        + (", ".join(f"{c}: {n}" for c, n in sorted(outcome.failures.items())) or "none"),
        f"schema violations:  {outcome.failures['response_schema_conformance']}",
        f"engine errors:      {len(outcome.errors)}",
    ]
    lines += [f"  ! {e}" for e in outcome.errors]
    lines += [f"  - {e}" for e in outcome.examples]
    return "\n".join(lines)
