"""The map's header as it is drawn from what the server decided: the backup sign only when the
account carries it (officials whose backups need attention), opening the system's health page."""

from __future__ import annotations

import json

from layouts.page import account_box

OFFICIAL = {"name": "duty", "role": "official", "csrf": "t", "alerts": "0"}


def _drawn(account: dict[str, str], lang: str = "vi") -> str:
    box = account_box(account, lang)
    return json.dumps(box, ensure_ascii=False, default=lambda c: c.to_plotly_json())


def test_the_backup_sign_shows_when_the_server_says_it_needs_attention() -> None:
    drawn = _drawn({**OFFICIAL, "backup": "attention"})
    assert "⚠ Sao lưu cần xem" in drawn and "/he-thong/sao-luu" in drawn
    assert "⚠ Backups need attention" in _drawn({**OFFICIAL, "backup": "attention"}, "en")


def test_no_sign_when_the_backups_are_well_or_for_whoever_is_not_told() -> None:
    for account in ({**OFFICIAL, "backup": ""}, OFFICIAL, {**OFFICIAL, "role": "ward_staff"}):
        assert "/he-thong/sao-luu" not in _drawn(account)
