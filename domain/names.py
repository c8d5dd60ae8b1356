"""Bilingual names: a class or level carries its name in Vietnamese and English, and the reader's
language picks one (Vietnamese unless the reader asked for English)."""

from __future__ import annotations

from typing import Protocol


class Bilingual(Protocol):
    @property
    def name_vi(self) -> str: ...

    @property
    def name_en(self) -> str: ...


def localised(thing: Bilingual, lang: str) -> str:
    """``thing``'s name in ``lang`` ("vi" or "en")."""
    return thing.name_vi if lang == "vi" else thing.name_en
