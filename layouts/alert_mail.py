"""The words of an alert e-mail to staff: one message for the changes told together."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from domain import indicators
from domain.clock import CITY_TZ
from domain.names import localised
from layouts.i18n import CATALOG, fmt_moment, fmt_number, t

# The alert kinds whose subject is the system (geodata.alerts.rules.SYSTEM_KINDS): named in the
# reader's language, not by a place's name and code.
SYSTEM_KINDS = ("backup_age", "wal_archive")


def alert_subject(kind: str, name: str, code: str, lang: str) -> str:
    """An alert's subject: the place's name and code, or the system."""
    if kind in SYSTEM_KINDS:
        return t("alerts.subject.system", lang)
    return f"{name} ({code})"


def alert_value(kind: str, value: float | None, detail: dict[str, Any], lang: str) -> str:
    """An alert's value as its kind reads: a Báo động level, a VN_AQI, a share, a count, a
    backup's age."""
    if value is None:
        return "—"
    if kind == "backup_age":
        if detail.get("none"):
            return t("alerts.value.backup_none", lang)
        return t("alerts.value.backup_age", lang, hours=fmt_number(value, lang, 1))
    if kind == "wal_archive":
        state = str(detail.get("state") or ("ok" if value < 1 else "failing"))
        if f"alerts.value.wal.{state}" not in CATALOG:  # a state this catalog does not know
            state = "ok" if value < 1 else "failing"
        return t(f"alerts.value.wal.{state}", lang)
    if kind in ("gauge_level", "gauge_forecast"):
        level = localised(indicators.FLOOD_ALERT_LEVELS[min(int(value), 3)], lang)
        if kind == "gauge_forecast" and detail.get("reached_at"):
            at = dt.datetime.fromisoformat(str(detail["reached_at"])).astimezone(CITY_TZ)
            return t("alerts.value.forecast", lang, level=level, time=fmt_moment(at, lang))
        return level
    if kind == "unit_aqi":
        return t("alerts.value.aqi", lang, value=fmt_number(value, lang))
    if kind == "road_congestion":
        return t("alerts.value.road", lang, share=fmt_number(value * 100, lang) + " %")
    if kind in ("unit_congestion", "unit_coverage"):
        return fmt_number(value * 100, lang) + " %"
    return t("alerts.value.reports", lang, n=fmt_number(value, lang))


def alert_mail(changes: Sequence[Any], lang: str, firing: int, link: str) -> tuple[str, str]:
    """Subject and plain-text body for ``changes`` (``geodata.alerts.notify.Change``)."""
    resolved = sum(1 for c in changes if c.state == "resolved")
    subject = t("alerts.mail.subject", lang, firing=fmt_number(firing, lang),
                resolved=fmt_number(resolved, lang))  # fmt: skip
    lines = [t("alerts.mail.intro", lang), ""]
    for c in changes:
        over = c.state == "resolved"
        key = (
            "alerts.mail.resolved" if over
            else "alerts.mail.still" if c.repeat else "alerts.mail.firing"
        )  # fmt: skip
        lines.append(
            t(key, lang, rule=c.rule_name,
              subject=alert_subject(c.kind, c.subject_name, c.subject_code, lang),
              value=alert_value(c.kind, c.value, c.detail, lang),
              time=fmt_moment(c.at.astimezone(CITY_TZ), lang))
        )  # fmt: skip
    lines += ["", t("alerts.mail.link", lang, link=link), t("alerts.mail.unsubscribe", lang)]
    return subject, "\n".join(lines)
