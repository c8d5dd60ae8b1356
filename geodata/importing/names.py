"""Normalised Vietnamese place names for matching, insensitive to how a file spelled them.

Files write the same name with old- or new-style tone placement ("Thuỷ"/"Thủy", "Hoà"/"Hòa"), in
NFC or NFD, in any case, with or without a type prefix ("Quận", "Phường", "TP.", …). The key keeps
what tells names apart (letters, vowel marks such as ư/ơ/â, đ, and each syllable's tone) and drops
where the tone mark happens to sit.
"""

from __future__ import annotations

import re
import unicodedata

# Combining tone marks → a digit appended to the syllable (sắc, huyền, hỏi, ngã, nặng).
_TONES = {"\u0301": "1", "\u0300": "2", "\u0309": "3", "\u0303": "4", "\u0323": "5"}


def _syllable_key(syllable: str) -> str:
    tone = ""
    kept = []
    for ch in unicodedata.normalize("NFD", syllable):
        if ch in _TONES:
            tone = _TONES[ch]
        else:
            kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept)) + tone


def _key(text: str) -> str:
    text = unicodedata.normalize("NFC", text).casefold()
    text = re.sub(r"[^\w\s]", " ", text)  # "TP." and "Ninh-Kiều" → words
    return " ".join(_syllable_key(w) for w in text.split())


# Type prefixes as files write them → the type's display name. Abbreviations included.
_TYPE_LABELS = {
    "Thành phố": "Thành phố",
    "TP": "Thành phố",
    "Thị xã": "Thị xã",
    "TX": "Thị xã",
    "Thị trấn": "Thị trấn",
    "TT": "Thị trấn",
    "Quận": "Quận",
    "Huyện": "Huyện",
    "Phường": "Phường",
    "Xã": "Xã",
}
# Matching keys of the prefixes, longest first so "thị xã" wins over "xã".
_PREFIX_KEYS = sorted(
    ((_key(p), label) for p, label in _TYPE_LABELS.items()), key=lambda kv: -len(kv[0])
)


def _split_prefix(key: str) -> tuple[str | None, str]:
    for prefix, label in _PREFIX_KEYS:
        if key.startswith(prefix + " "):
            return label, key[len(prefix) + 1 :]
    return None, key


def normalize_name(name: str) -> str:
    """The matching key of a place name: lower case, tones as digits, no type prefix.

    >>> normalize_name("Quận Bình Thuỷ") == normalize_name("binh thủy")
    True
    """
    return _split_prefix(_key(name))[1]


def unit_type_from_name(name: str) -> str | None:
    """The unit type a name's prefix states ("Phường An Cư" → "Phường"), or None."""
    return _split_prefix(_key(name))[0]
