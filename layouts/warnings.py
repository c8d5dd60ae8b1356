"""The words of a public warning (CAP feed, kiosk), in one language: event, headline,
description and instruction. Given plain fields, so the feed's route and the kiosk's callback
word a warning alike."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from domain import indicators
from domain.clock import CITY_TZ
from domain.names import localised
from layouts.i18n import fmt_moment, fmt_number, t

FLOOD_KINDS = ("gauge_level", "gauge_forecast")


def warning_words(
    kind: str,
    value: float | None,
    detail: Mapping[str, Any],
    place: str,
    station: str,
    rule: str,
    fired_at: dt.datetime,
    resolved_at: dt.datetime | None,
    lang: str,
) -> dict[str, str]:
    """``event``, ``headline``, ``description`` and ``instruction`` of a warning in ``lang``
    (a warning that is over says so in its headline)."""
    if kind in FLOOD_KINDS:
        level = localised(indicators.FLOOD_ALERT_LEVELS[min(int(value or 0), 3)], lang)
        reached = detail.get("reached_at")
        when = (
            fmt_moment(dt.datetime.fromisoformat(str(reached)).astimezone(CITY_TZ), lang)
            if reached
            else ""
        )
        forecast = kind == FLOOD_KINDS[1]
        key = "cap.headline.forecast" if forecast else "cap.headline.flood"
        headline = t(key, lang, level=level, place=place, station=station, time=when)
        event, instruction = t("cap.event.flood", lang), t("cap.instruction.flood", lang)
    else:
        aqi = int(value or 0)
        category = localised(indicators.aqi_category(aqi), lang)
        headline = t("cap.headline.air", lang, category=category, place=place,
                     value=fmt_number(aqi, lang))  # fmt: skip
        event, instruction = t("cap.event.air", lang), t("cap.instruction.air", lang)
    description = t("cap.description", lang, headline=headline, rule=rule,
                    time=fmt_moment(fired_at.astimezone(CITY_TZ), lang))  # fmt: skip
    if resolved_at is not None:
        over = fmt_moment(resolved_at.astimezone(CITY_TZ), lang)
        headline = t("cap.over", lang, headline=headline)
        description = t("cap.over_description", lang, headline=headline, time=over)
    return {"event": event, "headline": headline, "description": description,
            "instruction": instruction}  # fmt: skip
